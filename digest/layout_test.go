package digest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// syntheticEntries makes n scored signals; spread says how accounts are shared: "one" (all on
// one account), "each" (one account each), "mixed" (a few accounts and some without one).
func syntheticEntries(n int, spread string) []entry {
	out := make([]entry, n)
	for i := range out {
		var acc *int64
		switch spread {
		case "one":
			acc = ptr(int64(1))
		case "each":
			acc = ptr(int64(i + 1))
		case "mixed":
			if i%7 != 3 {
				acc = ptr(int64(i%13 + 1))
			}
		}
		name := ""
		if acc != nil {
			name = fmt.Sprintf("Account %d", *acc)
		}
		at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
		out[i] = entry{ScoredSignal{SignalDetail: store.SignalDetail{
			Signal: store.Signal{ID: int64(i + 1), AccountID: acc, Kind: "job_posting", Title: strings.Repeat("A long title ", 30),
				Summary: strings.Repeat("Summary text & more <stuff> ", 40), URL: fmt.Sprintf("https://example.com/%d?a=b|c", i),
				Person: "Jane Roe, VP of Engineering", OccurredAt: &at, Source: "jobs"},
			AccountName: name, Industry: "healthcare", Employees: 400, HQ: "London", Stage: store.StageEvaluating,
		}, Score: 100 - i%100, Why: strings.Repeat("job posting +20 · ", 40)}}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// layoutAll plans and renders entries the way a run would.
func layoutAll(l Layout, entries []entry) ([]store.RunItem, []slackmsg.Response) {
	items, pages, details := l.plan(entries)
	sub := store.Subscription{ID: 7, ScheduleLabel: "weekdays 08:30", Timezone: "Europe/London"}
	since := time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)
	msgs := l.render(header{Kind: store.RunScheduled, Sub: sub, Loc: time.UTC, Since: &since, Total: len(items), Pages: pages}, details)
	return items, msgs
}

func TestLayout_splitsIntoMessageAndThreadWithinSlackLimits(t *testing.T) {
	for _, n := range []int{0, 1, 49, 50, 51, 5000} {
		for _, spread := range []string{"one", "each", "mixed"} {
			for _, top := range []int{0, 1000} {
				name := fmt.Sprintf("%d signals/%s/top %d", n, spread, top)
				t.Run(name, func(t *testing.T) {
					items, msgs := layoutAll(Layout{TopItems: top}, syntheticEntries(n, spread))
					checkLayout(t, n, top, items, msgs)
				})
			}
		}
	}
}

// checkLayout asserts what every digest must be: each signal exactly once, whole, in a message
// Slack accepts, the best in the channel message and the rest in the thread.
func checkLayout(t *testing.T, n, top int, items []store.RunItem, msgs []slackmsg.Response) {
	t.Helper()
	if top == 0 {
		top = DefaultTopItems
	}
	if n == 0 {
		if len(msgs) != 0 {
			t.Fatalf("nothing new must post nothing, got %d messages", len(msgs))
		}
		return
	}
	seen := map[int64]int{}
	for p, m := range msgs {
		raw, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Blocks) > slackmsg.MaxBlocks || len(m.Blocks) == 0 {
			t.Fatalf("page %d has %d blocks", p, len(m.Blocks))
		}
		if m.Text == "" || len([]rune(m.Text)) > slackmsg.MaxFallbackText {
			t.Fatalf("page %d fallback text of %d runes", p, len([]rune(m.Text)))
		}
		if strings.Contains(string(raw), "not shown") {
			t.Fatalf("page %d was cut off", p)
		}
		ids := map[string]bool{}
		var sigs int
		for i, b := range m.Blocks {
			switch v := b.(type) {
			case *slack.SectionBlock:
				if len([]rune(v.Text.Text)) > slackmsg.MaxSectionText {
					t.Fatalf("page %d block %d: section of %d runes", p, i, len([]rune(v.Text.Text)))
				}
			case *slack.HeaderBlock:
				if len([]rune(v.Text.Text)) > slackmsg.MaxHeaderText {
					t.Fatalf("page %d: header too long", p)
				}
			case *slack.ActionBlock:
				if ids[v.BlockID] {
					t.Fatalf("page %d: block id %s twice", p, v.BlockID)
				}
				ids[v.BlockID] = true
				if len(v.Elements.ElementSet) != 2 {
					t.Fatalf("page %d: an item without its two buttons", p)
				}
				// The item's text is right above its buttons: never split from them.
				if _, ok := m.Blocks[i-1].(*slack.SectionBlock); !ok {
					t.Fatalf("page %d: buttons without their signal", p)
				}
				sigs++
			}
		}
		for _, id := range SignalIDsIn(m.Blocks) {
			seen[id]++
		}
		if p == 0 && sigs > top {
			t.Fatalf("the channel message shows %d signals, more than %d", sigs, top)
		}
		if p > 0 && sigs == 0 {
			t.Fatalf("thread reply %d is empty", p)
		}
		more := strings.Contains(string(raw), "more in the thread")
		if p == 0 && more != (len(msgs) > 1) {
			t.Fatalf("the channel message says 'more in the thread' = %v with %d messages", more, len(msgs))
		}
	}
	if len(seen) != n {
		t.Fatalf("%d distinct signals shown, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("signal %d shown %d times", id, c)
		}
	}
	for i, it := range items {
		if it.Position != i || (i > 0 && it.Page < items[i-1].Page) {
			t.Fatalf("items out of order at %d", i)
		}
	}
}

func TestLayout_pageCountsOnOneAccount(t *testing.T) {
	// One account: the message holds 10, a thread reply 24 (1 heading + 24×2 blocks = 49).
	for _, c := range []struct{ n, pages int }{{0, 0}, {1, 1}, {10, 1}, {11, 2}, {34, 2}, {35, 3}, {49, 3}, {50, 3}, {51, 3}, {5000, 1 + (4990+23)/24}} {
		_, msgs := layoutAll(Layout{}, syntheticEntries(c.n, "one"))
		if len(msgs) != c.pages {
			t.Errorf("%d signals: %d messages, want %d", c.n, len(msgs), c.pages)
		}
	}
	// With no cap on the message, blocks decide: 1 header + 1 summary + 1 heading + 23×2 + 1 note.
	for _, c := range []struct{ n, pages int }{{23, 1}, {24, 2}, {49, 3}, {50, 3}, {51, 3}} {
		_, msgs := layoutAll(Layout{TopItems: 1000}, syntheticEntries(c.n, "one"))
		if len(msgs) != c.pages {
			t.Errorf("top 1000, %d signals: %d messages, want %d", c.n, len(msgs), c.pages)
		}
	}
}

func TestLayout_groupsByAccountBestFirst(t *testing.T) {
	mk := func(id, acc int64, score int) entry {
		return entry{ScoredSignal{SignalDetail: store.SignalDetail{Signal: store.Signal{ID: id, AccountID: &acc},
			AccountName: fmt.Sprintf("A%d", acc)}, Score: score}}
	}
	got := arrange([]entry{mk(1, 1, 40), mk(2, 2, 90), mk(3, 1, 95), mk(4, 2, 10), mk(5, 3, 50)})
	var order []int64
	for _, e := range got {
		order = append(order, e.ID)
	}
	if fmt.Sprint(order) != "[3 1 2 4 5]" {
		t.Fatalf("order %v, want [3 1 2 4 5]: account 1 (best 95) first, by score within", order)
	}
}

func TestLayout_continuedAccountHeadingInThread(t *testing.T) {
	_, msgs := layoutAll(Layout{}, syntheticEntries(30, "one"))
	raw, _ := json.Marshal(msgs[1].Blocks)
	if !strings.Contains(string(raw), "Account 1* (continued)") {
		t.Fatalf("the thread reply should continue the account heading: %s", raw[:300])
	}
}

func TestLayout_competitorSignalsAreMarkedIntelligence(t *testing.T) {
	entries := syntheticEntries(2, "each")
	entries[0].Role = store.RoleCompetitor
	entries[1].Role = store.RoleProspect
	_, msgs := layoutAll(Layout{}, entries)
	raw, _ := json.Marshal(msgs[0].Blocks)
	if n := strings.Count(string(raw), "competitive intelligence (competitor), not an outreach prompt"); n != 1 {
		t.Errorf("want exactly the competitor's heading marked, found %d marks: %s", n, raw)
	}
}
