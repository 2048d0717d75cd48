package handlers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"outreachbot/match"
	"outreachbot/slackmsg"
	"outreachbot/store"
)

// PainStore is what the pain command reads.
type PainStore interface {
	PainCatalogue(ctx context.Context) ([]store.PainSummary, error)
	PainByKey(ctx context.Context, key string) (*store.PainDetail, error)
}

// Pains answers /pain.
type Pains struct {
	store PainStore
}

// NewPains builds the /pain handler.
func NewPains(st PainStore) *Pains { return &Pains{store: st} }

// Command declares /pain.
func (h *Pains) Command() Command { return declared("/pain", h.Handle) }

// maxPainAccounts is how many accounts a pain explanation lists by name.
const maxPainAccounts = 25

// Handle answers /pain.
func (h *Pains) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	cat, err := h.store.PainCatalogue(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if req.Text == "" {
		return renderCatalogue(cat), nil
	}
	p, ok := findPain(cat, req.Text)
	if !ok {
		return slackmsg.Ephemeral(fmt.Sprintf("I don't know a pain point called *%s*. Type `/pain` for the list, or try `/pain yaml`, `/pain adoption`, `/pain cost`.", slackmsg.Clip(req.Text, 100))), nil
	}
	d, err := h.store.PainByKey(ctx, p.Key)
	if errors.Is(err, store.ErrNotFound) {
		return slackmsg.Ephemeral("That pain point was just removed; type `/pain` for the list."), nil
	}
	if err != nil {
		return slackmsg.Response{}, err
	}
	return renderPain(d), nil
}

func renderCatalogue(cat []store.PainSummary) slackmsg.Response {
	var b slackmsg.Builder
	b.Header("Backstage pain points")
	sorted := append([]store.PainSummary(nil), cat...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Accounts > sorted[j].Accounts })
	lines := make([]string, len(sorted))
	for i, p := range sorted {
		lines[i] = fmt.Sprintf("• *%s* (`%s`) — %s", slackmsg.Escape(p.Title), slackmsg.Escape(p.Key), plural(p.Accounts, "account"))
	}
	b.Section(strings.Join(lines, "\n"))
	b.Context("Details: `/pain <topic>`, e.g. `/pain yaml`.")
	return slackmsg.Response{Text: fmt.Sprintf("%d pain points", len(cat)), Blocks: b.Blocks()}
}

func renderPain(d *store.PainDetail) slackmsg.Response {
	var b slackmsg.Builder
	b.Header(d.Title)
	if d.Summary != "" {
		b.Section(slackmsg.Escape(d.Summary))
	}
	if len(d.Numbers) > 0 {
		b.Section("*The numbers*\n" + bullets(d.Numbers, factLine))
	}
	if len(d.TalkingPoints) > 0 {
		b.Section("*Talking points*\n" + bullets(d.TalkingPoints, slackmsg.Escape))
	}
	if len(d.Evidence) > 0 {
		b.Section("*Evidence*\n" + bullets(d.Evidence, func(f store.Fact) string {
			return slackmsg.Escape(f.Text) + " _(" + slackmsg.Escape(f.Source) + ")_"
		}))
	}
	if len(d.Accounts) == 0 {
		b.Section("*Accounts showing it:* none recorded yet.")
	} else {
		shown := d.Accounts
		if len(shown) > maxPainAccounts {
			shown = shown[:maxPainAccounts]
		}
		text := fmt.Sprintf("*Accounts showing it* (%d)\n", len(d.Accounts)) + bullets(shown, func(a store.PainAccount) string {
			s := "*" + slackmsg.Escape(a.Name) + "* (" + slackmsg.Escape(store.StageLabel(a.Stage)) + ")"
			if a.Evidence != "" {
				s += " — " + slackmsg.Escape(a.Evidence)
			}
			return s
		})
		if len(d.Accounts) > len(shown) {
			text += fmt.Sprintf("\n…and %d more.", len(d.Accounts)-len(shown))
		}
		b.Section(text)
	}
	return slackmsg.Response{Text: slackmsg.Escape(d.Title) + ": " + slackmsg.Clip(d.Summary, 300), Blocks: b.Blocks()}
}

// findPain resolves a topic to a pain point: its key, a keyword, or a fuzzy match of its title.
func findPain(cat []store.PainSummary, topic string) (store.PainSummary, bool) {
	q := match.Normalize(topic)
	if q == "" {
		return store.PainSummary{}, false
	}
	for _, p := range cat {
		if q == match.Normalize(p.Key) || q == match.Normalize(p.Title) {
			return p, true
		}
	}
	for _, p := range cat {
		for _, k := range p.Keywords {
			if q == match.Normalize(k) {
				return p, true
			}
		}
	}
	ix := match.NewIndex()
	for i, p := range cat {
		ix.Upsert(match.Entry{ID: int64(i), Name: p.Title, Aliases: append([]string{p.Key}, p.Keywords...)})
	}
	res := ix.Resolve(topic)
	if res.Outcome == match.Unique {
		return cat[res.Best.ID], true
	}
	if res.Outcome == match.Ambiguous && len(res.Candidates) > 0 {
		return cat[res.Candidates[0].ID], true
	}
	return store.PainSummary{}, false
}

func plural(n int, word string) string {
	return slackmsg.Quantity(n, word, word+"s")
}
