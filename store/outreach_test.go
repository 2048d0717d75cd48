package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"outreachbot/identity"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// seededExpedia returns the seeded Expedia account and its contact Erik Lindgren.
func seededExpedia(t *testing.T, st *store.Store) (store.Account, store.Contact) {
	t.Helper()
	var a store.Account
	if err := st.DB().Where("key = ?", identity.Key("Expedia Group")).Take(&a).Error; err != nil {
		t.Fatal(err)
	}
	var c store.Contact
	if err := st.DB().Where("account_id = ? AND name = ?", a.ID, "Erik Lindgren").Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	return a, c
}

func testDraft(a store.Account, c store.Contact, tmpl string) *store.OutreachDraft {
	return &store.OutreachDraft{AccountID: a.ID, ContactID: &c.ID, ContactName: c.Name, Template: tmpl,
		Channel: "linkedin_message", Body: "Hi Erik", CharLimit: 1000, Author: "U1",
		Basis: store.DraftBasis{AccountName: a.Name, SignalTitle: "a talk"}}
}

// TestOutreachLog_draftEditSendReplyAreLogged follows one draft through its life on both engines.
func TestOutreachLog_draftEditSendReplyAreLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		a, c := seededExpedia(t, st)
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		dr := testDraft(a, c, "talk-followup")
		if err := st.CreateDraft(ctx, dr, t0); err != nil {
			t.Fatal(err)
		}
		if dr.ID == 0 || dr.Status != store.DraftDrafted {
			t.Fatalf("created %+v", dr)
		}
		if _, _, err := st.MarkDraftReplied(ctx, dr.ID, "U2", t0); !errors.Is(err, store.ErrNotSent) {
			t.Errorf("a reply before the send: %v, want ErrNotSent", err)
		}
		if _, err := st.EditDraft(ctx, dr.ID, "", "Hi Erik, edited", "U2", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, changed, err := st.MarkDraftSent(ctx, dr.ID, "U2", t0.Add(2*time.Minute))
		if err != nil || !changed || got.Status != store.DraftSent || got.SentBy != "U2" || got.Body != "Hi Erik, edited" {
			t.Fatalf("mark sent: %+v %v %v", got, changed, err)
		}
		if _, changed, _ := st.MarkDraftSent(ctx, dr.ID, "U3", t0.Add(3*time.Minute)); changed {
			t.Error("a second Mark sent recorded a second touch")
		}
		if _, err := st.EditDraft(ctx, dr.ID, "", "Hi Erik, rewritten after the send", "U3", t0.Add(4*time.Minute)); !errors.Is(err, store.ErrDraftSent) {
			t.Errorf("an edit after the send: %v, want ErrDraftSent", err)
		}
		got, changed, err = st.MarkDraftReplied(ctx, dr.ID, "U2", t0.Add(24*time.Hour))
		if err != nil || !changed || got.Status != store.DraftReplied || got.Body != "Hi Erik, edited" {
			t.Fatalf("mark replied: %+v %v %v", got, changed, err)
		}
		if _, err := st.LogDraftShared(ctx, dr.ID, "U4", t0.Add(25*time.Hour)); err != nil {
			t.Fatal(err)
		}
		events, err := st.DraftEvents(ctx, dr.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind+":"+e.Actor)
			if e.AccountID != a.ID || e.ContactID == nil || *e.ContactID != c.ID || e.Template != "talk-followup" {
				t.Errorf("event lacks who and what: %+v", e)
			}
		}
		if want := "drafted:U1 edited:U2 sent:U2 replied:U2 shared:U4"; joinWords(kinds) != want {
			t.Errorf("log = %s, want %s", joinWords(kinds), want)
		}
		if events[1].Body != "Hi Erik, edited" {
			t.Errorf("the edit event does not keep the text: %q", events[1].Body)
		}
		back, err := st.DraftByID(ctx, dr.ID)
		if err != nil || back.Basis.SignalTitle != "a talk" || back.Basis.AccountName != a.Name {
			t.Errorf("basis did not round-trip: %+v %v", back, err)
		}
	})
}

// TestLastTouch_isTheLatestSentDraft on a contact, and on the account card.
func TestLastTouch_isTheLatestSentDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		a, c := seededExpedia(t, st)
		if touch, err := st.LastTouchOfContact(ctx, c.ID); err != nil || touch != nil {
			t.Fatalf("a fresh contact has a touch: %+v %v", touch, err)
		}
		t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
		for i, tmpl := range []string{"talk-connect", "cost-tco-email", "talk-followup"} {
			dr := testDraft(a, c, tmpl)
			if err := st.CreateDraft(ctx, dr, t0); err != nil {
				t.Fatal(err)
			}
			if i < 2 { // the third is drafted only: not a touch
				if _, _, err := st.MarkDraftSent(ctx, dr.ID, "U1", t0.Add(time.Duration(i)*24*time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
		}
		touch, err := st.LastTouchOfContact(ctx, c.ID)
		if err != nil || touch == nil || touch.Template != "cost-tco-email" || !touch.At.Equal(t0.Add(24*time.Hour)) || touch.ContactName != "Erik Lindgren" {
			t.Fatalf("last touch = %+v, %v", touch, err)
		}
		card, err := st.AccountCard(ctx, a.ID)
		if err != nil || card.LastTouch == nil || card.LastTouch.Template != "cost-tco-email" || card.LastTouch.By != "U1" {
			t.Errorf("card last touch = %+v, %v", card.LastTouch, err)
		}
	})
}

// TestTemplateStats_countsDraftedSentReplied per template.
func TestTemplateStats_countsDraftedSentReplied(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		a, c := seededExpedia(t, st)
		now := time.Now()
		plan := []struct {
			tmpl           string
			sent, answered bool
		}{
			{"a", true, true}, {"a", true, false}, {"a", false, false}, {"b", true, false},
		}
		for _, p := range plan {
			dr := testDraft(a, c, p.tmpl)
			if err := st.CreateDraft(ctx, dr, now); err != nil {
				t.Fatal(err)
			}
			if p.sent {
				if _, _, err := st.MarkDraftSent(ctx, dr.ID, "U1", now); err != nil {
					t.Fatal(err)
				}
			}
			if p.answered {
				if _, _, err := st.MarkDraftReplied(ctx, dr.ID, "U1", now); err != nil {
					t.Fatal(err)
				}
			}
		}
		stats, err := st.TemplateStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.TemplateStat{{Template: "a", Drafted: 3, Sent: 2, Replied: 1}, {Template: "b", Drafted: 1, Sent: 1}}
		if len(stats) != 2 || stats[0] != want[0] || stats[1] != want[1] {
			t.Fatalf("stats = %+v, want %+v", stats, want)
		}
		if r := stats[0].ReplyRate(); r != 0.5 {
			t.Errorf("reply rate %v, want 0.5", r)
		}
	})
}

// TestPeerOutcomes_areTheReportsThreeResults: Expedia 6x ROI, Toyota $10M a year, American
// Airlines one month → 20 minutes, with Expedia's 5,000+ developers as its size.
func TestPeerOutcomes_areTheReportsThreeResults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st := storetest.OpenSeeded(t, d)
		peers, err := st.PeerOutcomes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"Expedia Group": "6x", "Toyota": "$10 million a year", "American Airlines": "one month → 20 minutes"}
		if len(peers) != len(want) {
			t.Fatalf("peers = %+v", peers)
		}
		for _, p := range peers {
			if want[p.Name] != p.Figure {
				t.Errorf("%s: figure %q, want %q", p.Name, p.Figure, want[p.Name])
			}
			if p.Name == "Expedia Group" && p.Developers != 5000 {
				t.Errorf("Expedia developers = %d", p.Developers)
			}
		}
	})
}

// TestOutreachContext_hasSignalsPainsAndTheCatalogue for a draft's inputs.
func TestOutreachContext_hasSignalsPainsAndTheCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		var bg store.Account
		if err := st.DB().Where("key = ?", identity.Key("Baillie Gifford")).Take(&bg).Error; err != nil {
			t.Fatal(err)
		}
		oc, err := st.OutreachContext(ctx, bg.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(oc.Contacts) != 1 || len(oc.Signals) != 1 || len(oc.Pains) != 1 || oc.Pains[0].Key != "implementation-complexity" ||
			len(oc.Competitors) != 1 || len(oc.PainPoints) != 10 {
			t.Fatalf("context = contacts %d signals %d pains %+v competitors %d catalogue %d",
				len(oc.Contacts), len(oc.Signals), oc.Pains, len(oc.Competitors), len(oc.PainPoints))
		}
		for _, p := range oc.PainPoints {
			if p.Key == "low-adoption" && (len(p.Numbers) == 0 || p.Numbers[0].Figure != "10% vs 99%") {
				t.Errorf("low-adoption numbers = %+v", p.Numbers)
			}
		}
		if _, err := st.OutreachContext(ctx, 1<<40); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing account: %v", err)
		}
	})
}

func joinWords(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}
