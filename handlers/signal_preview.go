package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
)

// MessageReader finds the accounts and pain points a text shows, each with the words of the text
// that gave it away (package sources/understand, wired by cli).
type MessageReader interface {
	ReadMessage(ctx context.Context, text string) (Reading, error)
}

// Reading is what a MessageReader found in one text.
type Reading struct {
	Accounts []Finding
	Pains    []Finding
}

// Finding is one account or pain point found in a text.
type Finding struct {
	ID       int64   // the account's id (0 for a pain point)
	Name     string  // the account's name, or the pain point's key
	Evidence string  // the words of the text that gave it away, as written
	Score    float64 // a pain point's probability; 0 for an account
}

// WithReader makes the *Save as signal* modal show what reader finds in the message and prefill
// the account it names first.
func (h *Signals) WithReader(r MessageReader) *Signals {
	h.reader = r
	return h
}

// maxPreview bounds the preview section (Slack allows 3,000 characters in a section).
const maxPreview = 2000

// previewBudget bounds the reading: the modal must open within Slack's 3 seconds, preview or not.
const previewBudget = time.Second

// preview reads a message for the modal: a mrkdwn paragraph saying what was found (empty when
// nothing was or there is no reader) and the first account named. A failed read is no preview,
// not a failed shortcut: the modal is still worth opening. A read that takes longer than the
// budget is abandoned the same way.
func (h *Signals) preview(ctx context.Context, text string) (paragraph, account string) {
	if h.reader == nil || strings.TrimSpace(text) == "" {
		return "", ""
	}
	budget := h.previewBudget
	if budget == 0 {
		budget = previewBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	r, err := h.reader.ReadMessage(ctx, text)
	if err != nil || len(r.Accounts)+len(r.Pains) == 0 {
		return "", ""
	}
	return slackmsg.Truncate(FormatReading(r), maxPreview), firstAccount(r)
}

func firstAccount(r Reading) string {
	if len(r.Accounts) == 0 {
		return ""
	}
	return r.Accounts[0].Name
}

// FormatReading writes a Reading as mrkdwn: every name and quote escaped, pain points with their
// score, all labelled as inferred.
func FormatReading(r Reading) string {
	var b strings.Builder
	b.WriteString("*Found in this message* (inferred by the text analyser — check before saving)")
	if len(r.Accounts) > 0 {
		parts := make([]string, len(r.Accounts))
		for i, a := range r.Accounts {
			parts[i] = fmt.Sprintf("*%s* (“%s”)", slackmsg.Escape(a.Name), slackmsg.Escape(a.Evidence))
		}
		b.WriteString("\nAccounts: " + strings.Join(parts, ", "))
	}
	if len(r.Pains) > 0 {
		parts := make([]string, len(r.Pains))
		for i, p := range r.Pains {
			parts[i] = fmt.Sprintf("*%s* %.2f (“%s”)", slackmsg.Escape(p.Name), p.Score, slackmsg.Escape(p.Evidence))
		}
		b.WriteString("\nPain points: " + strings.Join(parts, ", "))
	}
	return b.String()
}

// withPreview puts what the analyser found above the modal's inputs and prefills the account.
func withPreview(m *slack.ModalViewRequest, found, account string) {
	for _, b := range m.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == "account" {
			if el, ok := in.Element.(*slack.PlainTextInputBlockElement); ok {
				el.InitialValue = account
			}
		}
	}
	sec := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, found, false, false), nil, nil)
	m.Blocks.BlockSet = append([]slack.Block{sec}, m.Blocks.BlockSet...)
}
