package templates

import (
	"regexp"
	"strings"
	"unicode"
)

// Escaping makes a value inserted into a draft stay a value in the medium where the draft is
// read: it can never add a line (a fake signature, an e-mail header), ping people, or turn into
// markup. The template's own text is the team's and is left as written.

// plainValue is for LinkedIn, e-mail and conference follow-ups, which show plain text: control
// characters and line breaks become spaces and runs of spaces collapse.
func plainValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// wordJoiner is an invisible character that keeps "@" from starting a mention.
const wordJoiner = "\u2060"

// broadcastRe matches what a Slack or Discord composer turns into a mention.
var broadcastRe = regexp.MustCompile(`@([\p{L}\p{N}_.-])`)

// chatValue is for community DMs (Slack and Discord composers): plain, and no value can mention
// anyone (@here, @channel, @everyone, @someone) or contain Slack's <…> control sequences.
func chatValue(s string) string {
	s = plainValue(s)
	s = broadcastRe.ReplaceAllString(s, "@"+wordJoiner+"$1")
	return strings.NewReplacer("<", "‹", ">", "›").Replace(s)
}

// markdownPunct is the ASCII punctuation GitHub Markdown reads as markup inside a line
// (emphasis, code, links, HTML and entities, headings, tables, strike-through).
const markdownPunct = "\\`*_[]<>#|~&"

// markdownValue is for GitHub comments: plain, Markdown punctuation backslash-escaped, and no
// @mention or #123 reference: a backslash is not a reliable stop for GitHub's mention and
// reference linking, so those also get a word joiner.
func markdownValue(s string) string {
	s = plainValue(s)
	var b strings.Builder
	for _, r := range s {
		if r < 128 && strings.ContainsRune(markdownPunct, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	s = broadcastRe.ReplaceAllString(b.String(), "@"+wordJoiner+"$1")
	return refRe.ReplaceAllString(s, `\#`+wordJoiner+"$1")
}

// refRe matches an escaped issue reference such as \#123.
var refRe = regexp.MustCompile(`\\#(\d)`)

// Escape applies a channel's value escaping (for tests and for values shown next to a draft).
func (c Channel) Escape(s string) string {
	if spec, ok := c.Spec(); ok {
		return spec.escape(s)
	}
	return plainValue(s)
}
