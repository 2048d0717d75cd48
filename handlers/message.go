package handlers

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's Block Kit limits (https://api.slack.com/reference/block-kit/blocks): a message that
// breaks one is rejected with invalid_blocks, so every message is built within them.
const (
	MaxBlocks       = 50
	MaxSectionText  = 3000
	MaxFields       = 10
	MaxFieldText    = 2000
	MaxHeaderText   = 150
	MaxContextElems = 10
	MaxButtonText   = 75
	MaxButtonValue  = 2000
	MaxFallbackText = 4000
)

// Response is a Slack message a handler answers with. It is a value: the bot decides how to
// deliver it (in the ack, through response_url, or as a post).
type Response struct {
	// Text is the fallback shown in notifications and to clients without blocks.
	Text string
	// Blocks is the Block Kit layout.
	Blocks []slack.Block
	// InChannel makes the answer visible to the whole channel instead of only the caller.
	InChannel bool
	// ReplaceOriginal replaces the message an interaction came from.
	ReplaceOriginal bool
	// Modal, when set, is opened for the user (views.open with the request's trigger id) instead
	// of, or besides, showing the message. A Response with only a Modal sends no message.
	Modal *slack.ModalViewRequest `json:"-"`
}

// IsModalOnly reports whether the response only opens a modal.
func (r Response) IsModalOnly() bool { return r.Modal != nil && r.Text == "" && len(r.Blocks) == 0 }

// Payload is the JSON body Slack expects for a slash command response.
type Payload struct {
	ResponseType    string        `json:"response_type,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
}

// Payload renders the response as Slack will receive it.
func (r Response) Payload() Payload {
	p := Payload{ResponseType: "ephemeral", Text: r.Text, Blocks: r.Blocks, ReplaceOriginal: r.ReplaceOriginal}
	if r.InChannel {
		p.ResponseType = "in_channel"
	}
	return p
}

// MarshalJSON makes a Response encode as its Slack payload.
func (r Response) MarshalJSON() ([]byte, error) { return json.Marshal(r.Payload()) }

// Escape makes stored or typed text safe inside mrkdwn: only &, < and > are special, and escaping
// them means no input can become a mention, a channel ping or a link.
func Escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Unescape reverses Slack's escaping of &, < and > in text it sends (slash command text).
func Unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return mrkdwnUnescaper.Replace(s)
}

var mrkdwnUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// Link renders a mrkdwn link with an escaped label; a URL that is not http(s) is shown as text.
func Link(url, label string) string {
	if label == "" {
		label = url
	}
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return Escape(label)
	}
	// A | or > inside the URL would end the link early; Slack wants them percent-encoded.
	url = strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C", " ", "%20").Replace(url)
	label = strings.ReplaceAll(Escape(label), "|", "¦")
	return "<" + url + "|" + label + ">"
}

// Truncate shortens s to at most n runes, ending with "…" when cut, never inside an escape
// sequence such as &amp;.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	cut := string(runes[:n-1])
	if i := strings.LastIndex(cut, "&"); i >= 0 && !strings.Contains(cut[i:], ";") {
		cut = cut[:i]
	}
	if i := strings.LastIndex(cut, "<"); i >= 0 && !strings.Contains(cut[i:], ">") {
		cut = cut[:i]
	}
	return cut + "…"
}

// Builder assembles a message within Slack's limits: it never emits more than MaxBlocks blocks,
// splits long sections, and keeps every text within its cap.
type Builder struct {
	blocks  []slack.Block
	dropped int
	reserve int // blocks kept free for a trailing actions or context block
}

// Header adds a plain-text header.
func (b *Builder) Header(text string) *Builder {
	return b.add(slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, Truncate(text, MaxHeaderText), false, false)))
}

// Section adds mrkdwn text, split over several sections at line breaks if it is too long.
func (b *Builder) Section(mrkdwn string) *Builder {
	for _, part := range splitText(mrkdwn, MaxSectionText) {
		b.add(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, part, false, false), nil, nil))
	}
	return b
}

// Fields adds a section of up to ten short mrkdwn fields (more are dropped).
func (b *Builder) Fields(fields ...string) *Builder {
	var objs []*slack.TextBlockObject
	for _, f := range fields {
		if f == "" || len(objs) == MaxFields {
			continue
		}
		objs = append(objs, slack.NewTextBlockObject(slack.MarkdownType, Truncate(f, MaxFieldText), false, false))
	}
	if len(objs) == 0 {
		return b
	}
	return b.add(slack.NewSectionBlock(nil, objs, nil))
}

// Context adds a small grey line.
func (b *Builder) Context(mrkdwn ...string) *Builder {
	var elems []slack.MixedElement
	for _, m := range mrkdwn {
		if m != "" && len(elems) < MaxContextElems {
			elems = append(elems, slack.NewTextBlockObject(slack.MarkdownType, Truncate(m, MaxSectionText), false, false))
		}
	}
	if len(elems) == 0 {
		return b
	}
	return b.add(slack.NewContextBlock("", elems...))
}

// Divider adds a divider.
func (b *Builder) Divider() *Builder { return b.add(slack.NewDividerBlock()) }

// Actions adds a row of buttons.
func (b *Builder) Actions(blockID string, buttons ...*slack.ButtonBlockElement) *Builder {
	if len(buttons) == 0 {
		return b
	}
	elems := make([]slack.BlockElement, 0, len(buttons))
	for _, btn := range buttons {
		elems = append(elems, btn)
	}
	return b.add(slack.NewActionBlock(blockID, elems...))
}

// Reserve keeps n blocks free at the end for what must always be shown (e.g. buttons).
func (b *Builder) Reserve(n int) *Builder {
	b.reserve = n
	return b
}

// Final adds blocks that use the reserved room.
func (b *Builder) Final(blocks ...slack.Block) *Builder {
	b.reserve = 0
	for _, bl := range blocks {
		b.add(bl)
	}
	return b
}

// Blocks returns the blocks; when some had to be dropped, the last one says so.
func (b *Builder) Blocks() []slack.Block {
	out := b.blocks
	if b.dropped > 0 {
		note := slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			fmt.Sprintf("_%d more not shown (Slack allows %d blocks a message)._", b.dropped, MaxBlocks), false, false))
		if len(out) >= MaxBlocks {
			out = append(out[:MaxBlocks-1:MaxBlocks-1], note)
		} else {
			out = append(out, note)
		}
	}
	return out
}

func (b *Builder) add(bl slack.Block) *Builder {
	// One slot is always kept for the "more not shown" note.
	if len(b.blocks) >= MaxBlocks-1-b.reserve {
		b.dropped++
		return b
	}
	b.blocks = append(b.blocks, bl)
	return b
}

// Button makes a button; value is cut to Slack's limit.
func Button(actionID, text, value string, style slack.Style) *slack.ButtonBlockElement {
	btn := slack.NewButtonBlockElement(actionID, Truncate(value, MaxButtonValue),
		slack.NewTextBlockObject(slack.PlainTextType, Truncate(text, MaxButtonText), false, false))
	if style != "" {
		btn.Style = style
	}
	return btn
}

// splitText cuts text into pieces of at most n runes, at line breaks where possible.
func splitText(s string, n int) []string {
	var parts []string
	for utf8.RuneCountInString(s) > n {
		runes := []rune(s)
		head := string(runes[:n])
		cut := strings.LastIndex(head, "\n")
		if cut <= 0 {
			parts = append(parts, Truncate(s, n))
			return parts
		}
		parts = append(parts, head[:cut])
		s = strings.TrimLeft(s[cut:], "\n")
	}
	if strings.TrimSpace(s) != "" {
		parts = append(parts, s)
	}
	return parts
}

// Ephemeral is a short message only the caller sees: the shape of every error and refusal.
func Ephemeral(mrkdwn string) Response {
	var b Builder
	b.Section(mrkdwn)
	return Response{Text: plainFallback(mrkdwn), Blocks: b.Blocks()}
}

// plainFallback turns mrkdwn into a notification-friendly fallback within Slack's size.
func plainFallback(mrkdwn string) string {
	return Truncate(mrkdwn, MaxFallbackText)
}
