package digest

import (
	"strings"
	"testing"
	"time"

	"outreachbot/store"
)

var testRoles = []store.DecisionRole{
	{Title: "Head of Platform Engineering", Rank: 1, Aliases: []string{"Head of Platform"}},
	{Title: "VP of Engineering", Rank: 2, Aliases: []string{"VP Engineering"}},
	{Title: "Director of Engineering", Rank: 3},
	{Title: "Principal Engineer", Rank: 6},
}

func TestScore_explainsEachPartInOneLine(t *testing.T) {
	now := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	acc := int64(1)
	day := func(d int) *time.Time { t := now.AddDate(0, 0, -d); return &t }
	hot := store.SignalDetail{
		Signal:      store.Signal{AccountID: &acc, Kind: "competitor_evaluation", Person: "Ana Diaz, VP Engineering", OccurredAt: day(0), Source: "feeds"},
		AccountName: "Fintech Co", Industry: "Financial Services", Employees: 450, HQ: "London, UK", Stage: store.StageEvaluating,
		Pains: []string{"Implementation complexity requiring specialized engineering resources", "Low adoption"},
	}
	cold := store.SignalDetail{Signal: store.Signal{Kind: "news", OccurredAt: day(90), Source: "feeds"}}
	sc := NewScorer(testSegment, testRoles, nil, now)
	cases := []struct {
		name  string
		d     store.SignalDetail
		score int
		why   []string
	}{
		// 25 kind + 20 today + 13 VP + 20 fit + 8 pains + 10 evaluating = 96
		{"a VP at a target account evaluating a competitor today", hot, 96,
			[]string{"competitor evaluation +25", "today +20", "VP of Engineering +13", "fit (450 employees, financial services, London) +20", "pains (Implementation complexity requiring…, Low adoption) +8", "evaluating +10"}},
		{"old news about nobody", cold, 8, []string{"news +8"}},
		{"a named contact's rank wins over the title", func() store.SignalDetail {
			d := hot
			d.Person, d.ContactRank = "Ana Diaz", 1
			return d
		}(), 98, []string{"Head of Platform Engineering +15"}},
		{"an unknown title still counts a little", func() store.SignalDetail {
			d := hot
			d.Person = "Sam Poe"
			return d
		}(), 85, []string{"named person +2"}},
		{"a competitor's signal is intelligence, scored on kind and recency only", func() store.SignalDetail {
			d := hot
			d.Role = store.RoleCompetitor
			return d
		}(), 45, []string{"competitive intelligence (competitor), not an outreach prompt", "competitor evaluation +25", "today +20"}},
		{"a baseline row gets no recency for the day it was recorded", func() store.SignalDetail {
			d := hot
			d.OccurredAt, d.DiscoveredAt, d.Baseline = nil, now, true
			return d
		}(), 76, []string{"known since the bot first looked, not news"}},
		{"a week halves recency", func() store.SignalDetail {
			d := hot
			d.OccurredAt = day(7)
			return d
		}(), 86, []string{"7d old +10"}},
	}
	for _, c := range cases {
		score, why := sc.Score(c.d)
		if score != c.score {
			t.Errorf("%s: score %d, want %d (%s)", c.name, score, c.score, why)
		}
		for _, w := range c.why {
			if !strings.Contains(why, w) {
				t.Errorf("%s: why %q lacks %q", c.name, why, w)
			}
		}
		if strings.Contains(why, "\n") {
			t.Errorf("%s: why must be one line: %q", c.name, why)
		}
	}
}

func TestScore_votesPerKindAndSourceScaleTheScore(t *testing.T) {
	now := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	d := store.SignalDetail{Signal: store.Signal{Kind: "blog_post", Source: "feeds", OccurredAt: &now}}
	base, _ := NewScorer(testSegment, nil, nil, now).Score(d)
	liked, why := NewScorer(testSegment, nil, []store.VoteTally{{Kind: "blog_post", Source: "feeds", Useful: 4}}, now).Score(d)
	noisy, _ := NewScorer(testSegment, nil, []store.VoteTally{{Kind: "blog_post", Source: "feeds", Noise: 8}}, now).Score(d)
	other, _ := NewScorer(testSegment, nil, []store.VoteTally{{Kind: "blog_post", Source: "github-backstage", Noise: 8}}, now).Score(d)
	if !(liked > base && noisy < base && other == base) {
		t.Fatalf("base %d, liked %d, noisy %d, other source %d", base, liked, noisy, other)
	}
	if !strings.Contains(why, "votes ×1.50 (4 useful, 0 noise)") {
		t.Errorf("why %q should show the votes", why)
	}
	for _, c := range []struct {
		u, n int
		w    float64
	}{{0, 0, 1}, {1, 0, 4.0 / 3}, {0, 1, 2.0 / 3}, {10, 0, 1.5}, {0, 10, 0.5}, {5, 5, 1}} {
		if got := VoteWeight(c.u, c.n); got-c.w > 1e-9 || c.w-got > 1e-9 {
			t.Errorf("VoteWeight(%d, %d) = %v, want %v", c.u, c.n, got, c.w)
		}
	}
}
