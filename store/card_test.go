package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"outreachbot/store"
	"outreachbot/store/seed"
	"outreachbot/store/storetest"
)

// TestAccountCard_oneQueryMatchesParts: on PostgreSQL a card is one statement; for every seeded
// organization (prospects, competitors and vendors, with facts, pains, contacts, signals,
// competitors and a sent draft) it holds exactly what looking the parts up one by one holds.
func TestAccountCard_oneQueryMatchesParts(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSeeded(t, store.Postgres)
	a, c := seededExpedia(t, st)
	dr := testDraft(a, c, "talk-connect")
	if err := st.CreateDraft(ctx, dr, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.MarkDraftSent(ctx, dr.ID, "U1", time.Now()); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := st.DB().Model(&store.Account{}).Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	shown := map[string]int{} // cards that have each part: the comparison must not be of empty cards
	for _, id := range ids {
		one, err := st.AccountCard(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		parts, err := store.CardByParts(ctx, st, id)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := cardJSON(t, one), cardJSON(t, parts); got != want {
			t.Fatalf("account %d (%s): one query gives\n%s\nthe parts give\n%s", id, parts.Account.Name, got, want)
		}
		for part, n := range map[string]int{"facts": len(one.Facts), "pains": len(one.Pains), "contacts": len(one.Contacts),
			"signals": len(one.Signals), "competitors": len(one.Competitors), "products": len(one.Products)} {
			if n > 0 {
				shown[part]++
			}
		}
		if one.LastTouch != nil {
			shown["last touch"]++
		}
	}
	for _, part := range []string{"facts", "pains", "contacts", "signals", "competitors", "products", "last touch"} {
		if shown[part] == 0 {
			t.Errorf("no seeded card has %s: the comparison did not cover them", part)
		}
	}
	if _, err := st.AccountCard(ctx, ids[len(ids)-1]+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("card of a missing account: %v, want ErrNotFound", err)
	}
}

// TestAccountCard_readsEveryColumn: the card's one statement names every column of accounts, so
// a column a migration adds is not silently missing from PostgreSQL's cards.
func TestAccountCard_readsEveryColumn(t *testing.T) {
	st := storetest.Open(t, store.Postgres)
	var cols []string
	if err := st.DB().Raw(`SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'accounts'`).Scan(&cols).Error; err != nil {
		t.Fatal(err)
	}
	if len(cols) < 10 {
		t.Fatalf("accounts has %d columns: %v", len(cols), cols)
	}
	for _, c := range cols {
		if !strings.Contains(store.CardSQL, "a."+c+",") && !strings.Contains(store.CardSQL, "a."+c+")") {
			t.Errorf("the card statement does not read accounts.%s", c)
		}
	}
}

// cardJSON renders a card for comparison; an empty part reads the same whether nil or empty.
func cardJSON(t *testing.T, c *store.Card) string {
	t.Helper()
	n := *c
	if len(n.Facts) == 0 {
		n.Facts = nil
	}
	if len(n.Pains) == 0 {
		n.Pains = nil
	}
	if len(n.Contacts) == 0 {
		n.Contacts = nil
	}
	if len(n.Signals) == 0 {
		n.Signals = nil
	}
	if len(n.Competitors) == 0 {
		n.Competitors = nil
	}
	b, err := json.MarshalIndent(n, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAccountCard_showsWhatAnotherReplicaWrote: a card read by one replica shows the contacts,
// signals, pain links and outreach another replica wrote just before, on the very next card.
func TestAccountCard_showsWhatAnotherReplicaWrote(t *testing.T) {
	url := storetest.NewDatabase(t)
	ctx := context.Background()
	mine, other := openReplica(t, ctx, url), openReplica(t, ctx, url)
	if _, err := mine.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	k, err := seed.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mine.Seed(ctx, k); err != nil {
		t.Fatal(err)
	}
	a, c := seededExpedia(t, mine)
	before, err := mine.AccountCard(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := other.ImportCSV(ctx, store.CSVContacts, strings.NewReader("account,name,title\nExpedia Group,Ada Replica,Head of Platform\n"), store.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	pains, err := other.PainPointIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var newPain string
	for key := range pains {
		if !cardHasPain(before, key) {
			newPain = key
			break
		}
	}
	at := time.Now().Add(time.Hour)
	sig := store.Signal{AccountID: &a.ID, Kind: "blog_post", Title: "Written by the other replica", URL: "https://example.com/other-replica",
		OccurredAt: &at, DiscoveredAt: at, Source: "test", DedupeKey: "test:other-replica"}
	if _, err := other.IngestSignals(ctx, []store.NewSignal{{Signal: sig,
		Mentions: []store.SignalMention{{Kind: "pain", RefID: pains[newPain], Phrase: "the words"}}}}); err != nil {
		t.Fatal(err)
	}
	dr := testDraft(a, c, "cost-tco-email")
	if err := other.CreateDraft(ctx, dr, at); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.MarkDraftSent(ctx, dr.ID, "U2", at); err != nil {
		t.Fatal(err)
	}

	after, err := mine.AccountCard(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !cardHasContact(after, "Ada Replica") || cardHasContact(before, "Ada Replica") {
		t.Errorf("contacts before %v, after %v: want Ada Replica added", contactNames(before), contactNames(after))
	}
	if len(after.Signals) == 0 || after.Signals[0].Title != sig.Title || after.SignalCount != before.SignalCount+1 {
		t.Errorf("latest signal %+v, count %d → %d: want the other replica's, one more", after.Signals, before.SignalCount, after.SignalCount)
	}
	if newPain == "" || !cardHasPain(after, newPain) {
		t.Errorf("pain %q not on the card after the other replica linked it: %+v", newPain, after.Pains)
	}
	if after.LastTouch == nil || after.LastTouch.DraftID != dr.ID || after.LastTouch.By != "U2" {
		t.Errorf("last touch %+v, want draft %d sent by U2", after.LastTouch, dr.ID)
	}
}

func cardHasContact(c *store.Card, name string) bool {
	for _, ct := range c.Contacts {
		if ct.Name == name {
			return true
		}
	}
	return false
}

func contactNames(c *store.Card) []string {
	var out []string
	for _, ct := range c.Contacts {
		out = append(out, ct.Name)
	}
	return out
}

func cardHasPain(c *store.Card, key string) bool {
	for _, p := range c.Pains {
		if p.Key == key {
			return true
		}
	}
	return false
}
