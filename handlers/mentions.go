package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// MentionStore is what the Look up accounts shortcut reads.
type MentionStore interface {
	AccountCard(ctx context.Context, id int64) (*store.Card, error)
}

// AccountMentions answers the message shortcut *Look up accounts*: the cards of the accounts a
// message mentions, found by the same matcher the watchers use on public signals (so a word
// such as "zalando" counts and "target" in a sentence does not), shown only to the user.
type AccountMentions struct {
	store  MentionStore
	reader MessageReader
}

// NewAccountMentions builds the shortcut's handler.
// reader is the one the Save as signal preview uses (cli's messageReader: the watchers' matcher).
func NewAccountMentions(st MentionStore, reader MessageReader) *AccountMentions {
	return &AccountMentions{store: st, reader: reader}
}

// ShortcutLookupAccounts is the message shortcut's callback id.
const ShortcutLookupAccounts = "lookup_accounts"

// mentionCards is how many full cards one answer carries; more accounts are listed with buttons.
const mentionCards = 2

// Command declares no slash command: the shortcut is on messages.
func (h *AccountMentions) Command() Command { return Command{} }

// Shortcuts returns the message shortcut.
func (h *AccountMentions) Shortcuts() map[string]ShortcutFunc {
	return map[string]ShortcutFunc{ShortcutLookupAccounts: h.lookup}
}

func (h *AccountMentions) lookup(ctx context.Context, s Shortcut) (slackmsg.Response, error) {
	read, err := h.reader.ReadMessage(ctx, NormalizeSlackText(s.MessageText))
	if err != nil {
		return slackmsg.Response{}, err
	}
	ms := read.Accounts
	if len(ms) == 0 {
		return slackmsg.Ephemeral("I found no account in that message. `/account <name>` looks one up by name."), nil
	}
	var b slackmsg.Builder
	var more []*slack.ButtonBlockElement
	var names []string
	for i, m := range ms {
		names = append(names, m.Name)
		if i >= mentionCards {
			if len(more) < 25 {
				more = append(more, slackmsg.Button(ActionAccountPick, m.Name, strconv.FormatInt(m.ID, 10), ""))
			}
			continue
		}
		c, err := h.store.AccountCard(ctx, m.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return slackmsg.Response{}, err
		}
		card := RenderCard(c)
		if i > 0 {
			b.Divider()
		}
		b.Context(fmt.Sprintf("Mentioned as “%s”", slackmsg.Escape(m.Evidence)))
		for _, bl := range card.Blocks {
			b.Block(uniqueBlockID(bl, i))
		}
	}
	if len(more) > 0 {
		b.Divider()
		b.Section(fmt.Sprintf("The message also mentions %s:", slackmsg.Quantity(len(ms)-mentionCards, "more account", "more accounts")))
		b.Actions("mentioned_accounts", more...)
	}
	return slackmsg.Response{Text: "Accounts in that message: " + slackmsg.Escape(strings.Join(names, ", ")), Blocks: b.Blocks()}, nil
}

// uniqueBlockID suffixes the block id of the i-th card's blocks: Slack refuses a message in which
// two blocks share an id, and every card names its buttons' block the same.
func uniqueBlockID(bl slack.Block, i int) slack.Block {
	if i == 0 {
		return bl
	}
	suffix := "_" + strconv.Itoa(i)
	switch v := bl.(type) {
	case *slack.ActionBlock:
		if v.BlockID != "" {
			c := *v
			c.BlockID += suffix
			return &c
		}
	case *slack.ContextBlock:
		if v.BlockID != "" {
			c := *v
			c.BlockID += suffix
			return &c
		}
	case *slack.SectionBlock:
		if v.BlockID != "" {
			c := *v
			c.BlockID += suffix
			return &c
		}
	}
	return bl
}
