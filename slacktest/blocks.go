package slacktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Block Kit limits enforced by the server (see /work/shared/docs/SLACK.md and
// https://api.slack.com/reference/block-kit/blocks). A message that breaks one gets
// invalid_blocks; a view gets invalid_arguments. Both carry response_metadata.messages
// naming the offending JSON pointer.
const (
	maxMessageBlocks   = 50
	maxViewBlocks      = 100
	maxSectionText     = 3000
	maxSectionFields   = 10
	maxFieldText       = 2000
	maxHeaderText      = 150
	maxContextElements = 10
	maxActionsElements = 25
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxIDLen           = 255 // action_id, block_id, callback_id
	maxModalText       = 24  // title, submit, close
	maxPrivateMetadata = 3000
)

type blockChecker struct{ msgs []string }

func (c *blockChecker) failf(ptr, format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf("[ERROR] "+format+" [json-pointer:%s]", append(args, ptr)...))
}

func (c *blockChecker) maxLen(ptr, s string, limit int) {
	if n := utf8.RuneCountInString(s); n > limit {
		c.failf(ptr, "must be no more than %d characters (got %d)", limit, n)
	}
}

// text returns the "text" of a text object.
func text(v any) string {
	if m, ok := v.(map[string]any); ok {
		s, _ := m["text"].(string)
		return s
	}
	return ""
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func (c *blockChecker) element(ptr string, v any) {
	el, ok := v.(map[string]any)
	if !ok {
		return
	}
	c.maxLen(ptr+"/action_id", str(el, "action_id"), maxIDLen)
	if el["type"] == "button" {
		c.maxLen(ptr+"/text/text", text(el["text"]), maxButtonText)
		c.maxLen(ptr+"/value", str(el, "value"), maxButtonValue)
	}
}

func (c *blockChecker) blocks(ptr string, blocks []any, max int) {
	if len(blocks) > max {
		c.failf(ptr, "no more than %d items allowed (got %d)", max, len(blocks))
	}
	for i, v := range blocks {
		b, ok := v.(map[string]any)
		p := fmt.Sprintf("%s/%d", ptr, i)
		if !ok {
			c.failf(p, "block must be an object")
			continue
		}
		c.maxLen(p+"/block_id", str(b, "block_id"), maxIDLen)
		switch b["type"] {
		case "section":
			c.maxLen(p+"/text/text", text(b["text"]), maxSectionText)
			fields, _ := b["fields"].([]any)
			if len(fields) > maxSectionFields {
				c.failf(p+"/fields", "no more than %d items allowed (got %d)", maxSectionFields, len(fields))
			}
			for j, f := range fields {
				c.maxLen(fmt.Sprintf("%s/fields/%d/text", p, j), text(f), maxFieldText)
			}
			if acc, ok := b["accessory"]; ok {
				c.element(p+"/accessory", acc)
			}
		case "header":
			c.maxLen(p+"/text/text", text(b["text"]), maxHeaderText)
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) > maxContextElements {
				c.failf(p+"/elements", "no more than %d items allowed (got %d)", maxContextElements, len(els))
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) > maxActionsElements {
				c.failf(p+"/elements", "no more than %d items allowed (got %d)", maxActionsElements, len(els))
			}
			for j, e := range els {
				c.element(fmt.Sprintf("%s/elements/%d", p, j), e)
			}
		case "input":
			c.element(p+"/element", b["element"])
		}
	}
}

// validateBlocks checks a message's blocks JSON; it returns "" or the Slack error code
// and messages.
func validateBlocks(raw string, max int, ptr string) (string, []string) {
	var blocks []any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return "invalid_blocks_format", []string{"[ERROR] blocks must be a JSON array"}
	}
	var c blockChecker
	c.blocks(ptr, blocks, max)
	if len(c.msgs) > 0 {
		return "invalid_blocks", c.msgs
	}
	return "", nil
}

// validateView checks a modal or App Home view against the limits.
func validateView(view map[string]any) []string {
	var c blockChecker
	blocks, _ := view["blocks"].([]any)
	c.blocks("/view/blocks", blocks, maxViewBlocks)
	if view["type"] == "modal" {
		for _, k := range []string{"title", "submit", "close"} {
			c.maxLen("/view/"+k+"/text", text(view[k]), maxModalText)
		}
	}
	c.maxLen("/view/private_metadata", str(view, "private_metadata"), maxPrivateMetadata)
	c.maxLen("/view/callback_id", str(view, "callback_id"), maxIDLen)
	return c.msgs
}
