package slackmsg

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Builder assembles a message within Slack's limits: it never emits more than MaxBlocks blocks,
// splits long sections, and keeps every text within its cap.
type Builder struct {
	blocks  []slack.Block
	dropped int
	reserve int // blocks kept free for a trailing actions or context block
}

// Header adds a plain-text header.
func (b *Builder) Header(text string) *Builder {
	return b.add(slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, Plain(text, MaxHeaderText), false, false)))
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
	btn := slack.NewButtonBlockElement(actionID, Cut(value, MaxButtonValue),
		slack.NewTextBlockObject(slack.PlainTextType, Plain(text, MaxButtonText), false, false))
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
