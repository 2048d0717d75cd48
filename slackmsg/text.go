package slackmsg

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Escape makes stored or typed text safe inside mrkdwn: only &, < and > are special, and escaping
// them means no input can become a mention, a channel ping or a link.
// Bidirectional controls (an RTL override makes "exe.pdf" read as "fdp.exe") are removed.
func Escape(s string) string {
	s = StripBidi(s)
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return mrkdwnEscaper.Replace(s)
}

// StripBidi removes Unicode bidirectional controls (U+061C, U+200E–U+200F, U+202A–U+202E,
// U+2066–U+2069): stored text must not reorder what the reader sees around it.
func StripBidi(s string) string {
	if !strings.ContainsAny(s, bidiControls) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(bidiControls, r) {
			return -1
		}
		return r
	}, s)
}

const bidiControls = "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069"

// Plain is how typed or stored text goes into a plain_text object (a header, a button): cut to
// n characters, without bidirectional controls. Slack shows plain text as typed, so it needs no
// escaping.
func Plain(s string, n int) string { return Cut(StripBidi(s), n) }

// User mentions a Slack user (<@U123>) when id is a user id, and shows anything else as text, so
// a stored owner such as "<!channel>" never becomes a ping.
func User(id string) string {
	if userIDRe.MatchString(id) {
		return "<@" + id + ">"
	}
	return Escape(id)
}

var userIDRe = regexp.MustCompile(`^[UW][A-Z0-9]{1,30}$`)

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Unescape reverses Slack's escaping of &, < and > in text it sends (slash command text).
func Unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return mrkdwnUnescaper.Replace(s)
}

var mrkdwnUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// Clip is how typed or stored text goes into mrkdwn: cut to at most n characters as the reader
// sees them (Cut), then escaped.
func Clip(s string, n int) string { return Escape(Cut(s, n)) }

// Cut shortens plain text to at most n runes, ending with "…" when cut. It reads at most n runes
// of s, so cutting a long text is cheap. Text without markup (stored columns, log fields) uses
// it as is; text for mrkdwn goes through Clip.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	count, cut := 0, 0
	for i := range s {
		if count == n-1 {
			cut = i
		}
		if count == n {
			return s[:cut] + "…"
		}
		count++
	}
	return s
}

// Truncate shortens mrkdwn that is already built (escaped, with links and mentions) to at most
// n runes, ending with "…" when cut, never inside an escape such as &amp; or a <link|label>.
func Truncate(mrkdwn string, n int) string {
	cut := Cut(mrkdwn, n)
	if cut == mrkdwn {
		return mrkdwn
	}
	cut = strings.TrimSuffix(cut, "…")
	if i := strings.LastIndex(cut, "&"); i >= 0 && !strings.Contains(cut[i:], ";") {
		cut = cut[:i]
	}
	if i := strings.LastIndex(cut, "<"); i >= 0 && !strings.Contains(cut[i:], ">") {
		cut = cut[:i]
	}
	return cut + "…"
}

// Link renders a mrkdwn link with an escaped label; a URL that is not http(s) is shown as text.
func Link(url, label string) string {
	if label == "" {
		label = url
	}
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return Escape(label)
	}
	// A | or > inside the URL would end the link early; Slack wants them percent-encoded.
	return "<" + urlEscaper.Replace(url) + "|" + strings.ReplaceAll(Escape(label), "|", "¦") + ">"
}

var urlEscaper = strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C", " ", "%20")

// Date shows a date, or only its year when the source gave only a year.
func Date(t time.Time) string {
	if t.Month() == time.January && t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 {
		return t.Format("2006")
	}
	return t.Format("2 Jan 2006")
}

// Count writes n with thousands separators: 12,345.
func Count(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
