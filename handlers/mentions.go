package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/sources/understand"
	"outreachbot/store"
)

// MentionStore is what the Look up accounts shortcut reads.
type MentionStore interface {
	AccountCard(ctx context.Context, id int64) (*store.Card, error)
}

// AnalyzerFunc builds the account-mention matcher over the accounts as they are now
// (watch.Analyzer: the one the watchers use).
type AnalyzerFunc func(ctx context.Context) (*understand.Analyzer, error)

// AccountMentions answers the message shortcut *Look up accounts*: the cards of the accounts a
// message mentions, found by the same matcher the watchers use on public signals (so a word
// such as "zalando" counts and "target" in a sentence does not), shown only to the user.
type AccountMentions struct {
	store MentionStore
	build AnalyzerFunc
	now   func() time.Time

	mu    sync.Mutex
	an    *understand.Analyzer
	built time.Time
}

// NewAccountMentions builds the shortcut's handler.
func NewAccountMentions(st MentionStore, build AnalyzerFunc, now func() time.Time) *AccountMentions {
	return &AccountMentions{store: st, build: build, now: now}
}

// ShortcutLookupAccounts is the message shortcut's callback id.
const ShortcutLookupAccounts = "lookup_accounts"

// analyzerTTL is how long the matcher over every account name is reused before it is built
// again (an account added since is found after at most this long).
const analyzerTTL = time.Minute

// mentionCards is how many full cards one answer carries; more accounts are listed with buttons.
const mentionCards = 2

// Command declares no slash command: the shortcut is on messages.
func (h *AccountMentions) Command() Command { return Command{} }

// Shortcuts returns the message shortcut.
func (h *AccountMentions) Shortcuts() map[string]ShortcutFunc {
	return map[string]ShortcutFunc{ShortcutLookupAccounts: h.lookup}
}

func (h *AccountMentions) lookup(ctx context.Context, s Shortcut) (Response, error) {
	an, err := h.analyzer(ctx)
	if err != nil {
		return Response{}, err
	}
	text := NormalizeSlackText(s.MessageText)
	ms := an.Accounts(text)
	if len(ms) == 0 {
		return Ephemeral("I found no account in that message. `/account <name>` looks one up by name."), nil
	}
	var b Builder
	var more []*slack.ButtonBlockElement
	var names []string
	for i, m := range ms {
		acc, _ := an.Account(m.ID)
		names = append(names, acc.Name)
		if i >= mentionCards {
			if len(more) < 25 {
				more = append(more, Button(ActionAccountPick, Truncate(acc.Name, slackmsg.MaxButtonText), strconv.FormatInt(m.ID, 10), ""))
			}
			continue
		}
		c, err := h.store.AccountCard(ctx, m.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return Response{}, err
		}
		card := RenderCard(c)
		if i > 0 {
			b.Divider()
		}
		b.Context(fmt.Sprintf("Mentioned as “%s”", Escape(m.Phrase)))
		for _, bl := range card.Blocks {
			b.Block(uniqueBlockID(bl, i))
		}
	}
	if len(more) > 0 {
		b.Divider()
		b.Section(fmt.Sprintf("The message also mentions %s:", slackmsg.Quantity(len(ms)-mentionCards, "more account", "more accounts")))
		b.Actions("mentioned_accounts", more...)
	}
	return Response{Text: "Accounts in that message: " + Escape(strings.Join(names, ", ")), Blocks: b.Blocks()}, nil
}

// analyzer returns the matcher over every account, built again when it is older than analyzerTTL.
func (h *AccountMentions) analyzer(ctx context.Context) (*understand.Analyzer, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.an != nil && h.now().Sub(h.built) < analyzerTTL {
		return h.an, nil
	}
	an, err := h.build(ctx)
	if err != nil {
		return nil, err
	}
	h.an, h.built = an, h.now()
	return h.an, nil
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
