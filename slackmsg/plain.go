package slackmsg

import (
	"regexp"
	"strings"

	"github.com/slack-go/slack"
)

// PlainText renders a message for a terminal: what a person would read in Slack, without markup.
func PlainText(r Response) string {
	if len(r.Blocks) == 0 {
		return plainMrkdwn(r.Text) + "\n"
	}
	var out strings.Builder
	for _, bl := range r.Blocks {
		switch b := bl.(type) {
		case *slack.HeaderBlock:
			t := b.Text.Text
			out.WriteString(t + "\n" + strings.Repeat("=", len([]rune(t))) + "\n")
		case *slack.SectionBlock:
			if b.Text != nil {
				out.WriteString(plainMrkdwn(b.Text.Text) + "\n")
			}
			for _, f := range b.Fields {
				out.WriteString("  " + strings.ReplaceAll(plainMrkdwn(f.Text), "\n", ": ") + "\n")
			}
		case *slack.ContextBlock:
			var parts []string
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					parts = append(parts, plainMrkdwn(t.Text))
				}
			}
			out.WriteString("(" + strings.Join(parts, " ") + ")\n")
		case *slack.ActionBlock:
			var parts []string
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					parts = append(parts, "["+btn.Text.Text+"]")
				}
			}
			out.WriteString(strings.Join(parts, " ") + "\n")
		case *slack.DividerBlock:
			out.WriteString("---\n")
		}
		out.WriteString("\n")
	}
	return strings.TrimRight(out.String(), "\n") + "\n"
}

var (
	linkRe    = regexp.MustCompile(`<(https?://[^|>]+)\|([^>]+)>`)
	bareRe    = regexp.MustCompile(`<(https?://[^|>]+)>`)
	mentionPl = regexp.MustCompile(`<@([UW][A-Z0-9]+)>`)
)

// plainMrkdwn drops mrkdwn markup: links become "label (url)", *bold* and _italic_ marks go.
func plainMrkdwn(s string) string {
	s = linkRe.ReplaceAllString(s, "$2 ($1)")
	s = bareRe.ReplaceAllString(s, "$1")
	s = mentionPl.ReplaceAllString(s, "@$1")
	s = strings.NewReplacer("*", "", "`", "").Replace(s)
	return Unescape(s)
}
