package sources

import (
	"html"
	"strings"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

// PlainText turns an HTML fragment (a feed entry, a job description) into text: tags dropped,
// entities decoded, block elements as line breaks, scripts and styles left out.
func PlainText(fragment string) string {
	if !strings.ContainsAny(fragment, "<&") {
		return strings.TrimSpace(fragment)
	}
	z := xhtml.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return tidy(b.String())
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "blockquote", "pre":
				b.WriteByte('\n')
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "blockquote", "pre":
				b.WriteByte('\n')
			}
		}
	}
}

// UnescapeHTML decodes entities once: Greenhouse sends job content as escaped HTML.
func UnescapeHTML(s string) string { return html.UnescapeString(s) }

// tidy collapses runs of spaces inside lines and of blank lines.
func tidy(s string) string {
	var lines []string
	blank := false
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			blank = len(lines) > 0
			continue
		}
		if blank {
			lines = append(lines, "")
			blank = false
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// Excerpt is the start of text, at most n runes, cut at a word boundary with "…".
func Excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-") + "…"
}
