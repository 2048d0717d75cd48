package bottest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Message is a Slack message, or a view, as the double received it, decoded enough to read what
// a person sees and to press its buttons.
type Message struct {
	Text            string  `json:"text"`
	ResponseType    string  `json:"response_type"`
	ReplaceOriginal bool    `json:"replace_original"`
	PrivateMetadata string  `json:"private_metadata"` // views
	Blocks          []Block `json:"blocks"`
}

// Block is one block of a message.
type Block struct {
	Type      string    `json:"type"`
	BlockID   string    `json:"block_id"`
	Text      *Text     `json:"text"`
	Fields    []Text    `json:"fields"`
	Elements  []Element `json:"elements"`
	Accessory *Element  `json:"accessory"`
}

// Text is a text object.
type Text struct {
	Text string `json:"text"`
}

// Element is a button (or a context block's text: then Text is a string).
type Element struct {
	ActionID string          `json:"action_id"`
	Value    string          `json:"value"`
	Style    string          `json:"style"` // a button's: primary, danger or none
	Text     json.RawMessage `json:"text"`
}

// Button is a button's action id and value, what a click sends back.
type Button struct{ ActionID, Value string }

// Decode reads a message body (an ack payload, a response_url post, a view).
func Decode(raw []byte) (Message, error) {
	var m Message
	err := json.Unmarshal(raw, &m)
	return m, err
}

// DecodeBlocks reads a message whose text and blocks were recorded apart (chat.postMessage).
func DecodeBlocks(text string, blocks json.RawMessage) Message {
	m := Message{Text: text}
	if len(blocks) > 0 {
		_ = json.Unmarshal(blocks, &m.Blocks)
	}
	return m
}

// All is everything a person reads in the message, one block a line, buttons as [label].
func (m Message) All() string {
	var b strings.Builder
	b.WriteString(m.Text + "\n")
	for _, bl := range m.Blocks {
		if bl.Text != nil {
			b.WriteString(bl.Text.Text + "\n")
		}
		for _, f := range bl.Fields {
			b.WriteString(f.Text + "\n")
		}
		for _, el := range bl.Elements {
			if label, ok := el.label(); ok && el.ActionID != "" {
				b.WriteString("[" + label + "] ")
			} else if ok {
				b.WriteString(label + " ")
			}
		}
		if a := bl.Accessory; a != nil {
			if label, ok := a.label(); ok {
				b.WriteString("[" + label + "]")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Outline is the message block by block, each with its Block Kit type in front, text lines
// indented under it and buttons as [label] (with their style): a Home or a message as text, for
// a log or a note, without Slack at hand.
func (m Message) Outline() string {
	var b strings.Builder
	for _, bl := range m.Blocks {
		if bl.Type == "divider" {
			b.WriteString("──────── divider ────────\n")
			continue
		}
		var parts []string
		if bl.Text != nil {
			parts = append(parts, bl.Text.Text)
		}
		for _, f := range bl.Fields {
			parts = append(parts, f.Text)
		}
		var row []string
		els := bl.Elements
		if bl.Accessory != nil {
			els = append(els, *bl.Accessory)
		}
		for _, el := range els {
			label, ok := el.label()
			switch {
			case ok && el.ActionID != "" && el.Style != "":
				row = append(row, "["+label+"]("+el.Style+")")
			case ok && el.ActionID != "":
				row = append(row, "["+label+"]")
			case ok:
				row = append(row, label)
			}
		}
		if len(row) > 0 {
			parts = append(parts, strings.Join(row, " "))
		}
		text := strings.ReplaceAll(strings.Join(parts, "\n"), "\n", "\n"+strings.Repeat(" ", 10))
		b.WriteString(fmt.Sprintf("%-10s%s\n", "["+bl.Type+"]", text))
	}
	return b.String()
}

// Buttons lists the buttons labelled label, in order.
func (m Message) Buttons(label string) []Button {
	var out []Button
	for _, bl := range m.Blocks {
		els := bl.Elements
		if bl.Accessory != nil {
			els = append(els, *bl.Accessory)
		}
		for _, el := range els {
			if l, ok := el.label(); ok && l == label && el.ActionID != "" {
				out = append(out, Button{el.ActionID, el.Value})
			}
		}
	}
	return out
}

// label is a button's label (its text object's text) or a context element's text.
func (e Element) label() (string, bool) {
	var obj Text
	if json.Unmarshal(e.Text, &obj) == nil && obj.Text != "" {
		return obj.Text, true
	}
	var s string
	if json.Unmarshal(e.Text, &s) == nil {
		return s, true
	}
	return "", false
}
