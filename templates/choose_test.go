package templates_test

import (
	"slices"
	"testing"

	"outreachbot/templates"
)

func names(rs []templates.Ranked) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Template.Name)
	}
	return out
}

// TestRank_signalsDecideWhichTemplatesFit is table-driven over the situations /draft meets.
func TestRank_signalsDecideWhichTemplatesFit(t *testing.T) {
	all := templates.Shipped()
	cases := []struct {
		name      string
		s         templates.Situation
		first     string
		has, lack []string
	}{
		{"a talk at a production account opens with the talk follow-up",
			templates.Situation{SignalKinds: []string{"conference_talk", "adopters_entry"}, Stage: "production", Role: templates.RoleManager},
			"talk-followup", []string{"talk-connect", "cost-tco-email", "adopters-entry-email"}, []string{"not-warm-intro", "job-post-email", "backstage-burned-dm"}},
		{"no public signal: only the honest not-warm templates",
			templates.Situation{Stage: "production", Role: templates.RoleLeader},
			"not-warm-intro", []string{"not-warm-connect"}, []string{"talk-followup", "cost-tco-email"}},
		{"a job post to a leader",
			templates.Situation{SignalKinds: []string{"job_posting"}, Stage: "none", Role: templates.RoleLeader},
			"job-post-email", nil, []string{"cost-tco-email", "not-warm-intro"}},
		{"Backstage-burned only for churned, early or evaluating accounts",
			templates.Situation{SignalKinds: []string{"community_post"}, Stage: "churned", Role: templates.RoleEngineer},
			"backstage-burned-dm", nil, []string{"cost-tco-email"}},
		{"a channel filter keeps only that channel",
			templates.Situation{SignalKinds: []string{"conference_talk"}, Stage: "production", Channel: templates.LinkedInConnect},
			"talk-connect", nil, []string{"talk-followup"}},
		{"the strongest signal's own template before one for a weaker signal",
			templates.Situation{SignalKinds: []string{"github_issue", "adopters_entry"}, Stage: "initial"},
			"github-issue-comment", []string{"adopters-entry-email"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := names(templates.Rank(all, c.s))
			if len(got) == 0 || got[0] != c.first {
				t.Fatalf("ranked %v, want %s first", got, c.first)
			}
			for _, h := range c.has {
				if !slices.Contains(got, h) {
					t.Errorf("ranked %v, want %s among them", got, h)
				}
			}
			for _, l := range c.lack {
				if slices.Contains(got, l) {
					t.Errorf("ranked %v, %s does not fit", got, l)
				}
			}
		})
	}
}

// TestChoosePeer_bySimilarIndustryThenSize: Expedia (travel) gets American Airlines (airline),
// never itself; Volvo Cars (automotive) gets Toyota; with no likeness the first known result.
func TestChoosePeer_bySimilarIndustryThenSize(t *testing.T) {
	cands := []templates.PeerCandidate{
		{AccountID: 1, Name: "Expedia Group", Industry: "travel", Size: 5000, Outcome: "achieved 6x return on investment from Backstage"},
		{AccountID: 2, Name: "Toyota", Industry: "automotive", Outcome: "reported $10 million in annual cost savings from Backstage"},
		{AccountID: 3, Name: "American Airlines", Industry: "airline", Outcome: "reduced site deployment from one month to 20 minutes"},
	}
	cases := []struct {
		id       int64
		industry string
		size     int
		want     string
	}{
		{1, "travel", 5000, "American Airlines"},
		{3, "airline", 0, "Expedia Group"},
		{9, "automotive", 0, "Toyota"},
		{9, "manufacturing", 0, "Toyota"},
		{9, "financial services", 250, "Expedia Group"},
		{2, "automotive", 0, "Expedia Group"},
	}
	for _, c := range cases {
		p, ok := templates.ChoosePeer(c.id, c.industry, c.size, cands)
		if !ok || p.Name != c.want {
			t.Errorf("%s (account %d): got %q, want %s", c.industry, c.id, p.Name, c.want)
		}
	}
	if _, ok := templates.ChoosePeer(1, "travel", 0, cands[:1]); ok {
		t.Error("an account must never be its own peer")
	}
}

// TestChoosePain_observedThenStageThenTemplate picks what the account shows, then what its
// stage typically hits (production: adoption, 10% vs 99%), then the template's first.
func TestChoosePain_observedThenStageThenTemplate(t *testing.T) {
	known := []string{"implementation-complexity", "low-adoption", "long-rollout", "cost", "integration", "typescript-skills"}
	talk, _ := templates.ShippedByName("talk-followup")
	cost, _ := templates.ShippedByName("cost-tco-email")
	job, _ := templates.ShippedByName("job-post-email")
	cases := []struct {
		t        *templates.Template
		stage    string
		observed []string
		want     string
		obs      bool
	}{
		{talk, "production", nil, "low-adoption", false},
		{talk, "managed", []string{"implementation-complexity"}, "implementation-complexity", true},
		{talk, "evaluating", nil, "long-rollout", false},
		{cost, "production", []string{"implementation-complexity"}, "cost", false},
		{job, "none", nil, "implementation-complexity", false},
	}
	for _, c := range cases {
		got, obs := templates.ChoosePain(c.t, c.stage, c.observed, known)
		if got != c.want || obs != c.obs {
			t.Errorf("%s at %s with %v: got %s (observed %v), want %s (%v)", c.t.Name, c.stage, c.observed, got, obs, c.want, c.obs)
		}
	}
}

// TestDataHelpers covers the small wording helpers.
func TestDataHelpers(t *testing.T) {
	for in, want := range map[string]string{"Erik Lindgren": "Erik", "@leemills83": "", "Dr. Jane Roe": "Jane", "": ""} {
		if got := templates.FirstName(in); got != want {
			t.Errorf("FirstName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := templates.EventOf("Toyota at BackstageCon 2024: platform automation", "", nil); got != "BackstageCon 2024" {
		t.Errorf("EventOf = %q", got)
	}
	if got := templates.EventOf("Erik Lindgren (Expedia Group) speaker profile", "named among BackstageCon-era speaker profiles", nil); got != "BackstageCon" {
		t.Errorf("EventOf from the summary = %q", got)
	}
	if got := templates.EventOf("A talk", "", []string{"PlatformCon"}); got != "PlatformCon" {
		t.Errorf("EventOf from spoke_at = %q", got)
	}
	if got := templates.TopicOf("Toyota at BackstageCon 2024: platform automation"); got != "platform automation" {
		t.Errorf("TopicOf = %q", got)
	}
	if got := templates.OutcomeClause("Reduced site deployment from one month to 20 minutes."); got != "reduced site deployment from one month to 20 minutes" {
		t.Errorf("OutcomeClause = %q", got)
	}
}
