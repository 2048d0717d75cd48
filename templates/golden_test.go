package templates_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"outreachbot/store/seed"
	"outreachbot/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenContacts are the seed accounts and contacts every shipped template is rendered for:
// production adopters with outcomes (travel, automotive, airline) and a managed one in
// financial services with a pain point in the store.
var goldenContacts = []struct{ account, contact string }{
	{"Expedia Group", "Erik Lindgren"},
	{"Toyota", "Kishore Jonnalagedda"},
	{"American Airlines", "Jay Cox"},
	{"Baillie Gifford", "Antony Rinaldi"},
}

// fixtureSignals stand in for signal kinds the seed has none of, so every template has its
// signal; golden files say which signals are fixtures.
var fixtureSignals = map[string]func(account string) seed.Signal{
	"job_posting": func(a string) seed.Signal {
		return seed.Signal{Kind: "job_posting", Title: "Staff Platform Engineer, Developer Portal (Backstage)", OccurredAt: "2025-09"}
	},
	"github_issue": func(a string) seed.Signal {
		return seed.Signal{Kind: "github_issue", Title: "Catalog processing slows down past 8,000 entities with GitHub Enterprise discovery", OccurredAt: "2025-08"}
	},
	"github_pr": func(a string) seed.Signal {
		return seed.Signal{Kind: "github_pr", Title: "Add multi-tenant support to the permission framework", OccurredAt: "2025-08"}
	},
	"blog_post": func(a string) seed.Signal {
		return seed.Signal{Kind: "blog_post", Title: "Two years of our internal developer portal at " + a, OccurredAt: "2025-06"}
	},
	"linkedin_post": func(a string) seed.Signal {
		return seed.Signal{Kind: "linkedin_post", Title: "What we learned rolling out a developer portal to every team", OccurredAt: "2025-07"}
	},
	"community_post": func(a string) seed.Signal {
		return seed.Signal{Kind: "community_post", Title: "Is anyone else spending half their week on catalog-info.yaml?", OccurredAt: "2025-07"}
	},
	"adopters_entry": func(a string) seed.Signal {
		return seed.Signal{Kind: "adopters_entry", Title: a + " is listed in Backstage ADOPTERS.md", Summary: "Developer portal, main gateway to our infrastructure, documentation and internal tooling."}
	},
	"conference_talk": func(a string) seed.Signal {
		return seed.Signal{Kind: "conference_talk", Title: a + " at PlatformCon 2025: fixture talk on developer portals", OccurredAt: "2025-06"}
	},
	"competitor_evaluation": func(a string) seed.Signal {
		return seed.Signal{Kind: "competitor_evaluation", Title: a + " platform team comparing Port and Cortex with Backstage", OccurredAt: "2025-10"}
	},
}

// personal are the fixture kinds written by the contact themselves; the others are about the
// company (a job post, a listing, an evaluation).
var personal = map[string]bool{"github_issue": true, "github_pr": true, "blog_post": true, "linkedin_post": true, "community_post": true}

// TestGolden_everyShippedTemplateForSeedContacts renders every shipped template for four seed
// accounts and their contacts, checks each draft is within its limit, names its signal and its
// pain point, has no gap, and matches its golden file (go test ./templates -update rewrites them).
func TestGolden_everyShippedTemplateForSeedContacts(t *testing.T) {
	k, err := seed.Load()
	if err != nil {
		t.Fatal(err)
	}
	shipped := templates.Shipped()
	if len(shipped) < 8 {
		t.Fatalf("%d shipped templates; the issue asks for at least 8", len(shipped))
	}
	var wantFiles []string
	for _, tmpl := range shipped {
		for _, gc := range goldenContacts {
			name := tmpl.Name + "__" + slug(gc.account) + ".txt"
			wantFiles = append(wantFiles, name)
			t.Run(tmpl.Name+"/"+slug(gc.account), func(t *testing.T) {
				data, note := fixture(t, k, tmpl, gc.account, gc.contact)
				d, err := tmpl.Render(context.Background(), data)
				var le *templates.LimitError
				if errors.As(err, &le) {
					t.Fatalf("over its limit: %v\n%s", err, d.Body)
				}
				if err != nil {
					t.Fatal(err)
				}
				checkDraft(t, tmpl, data, d)
				got := goldenText(tmpl, data, d, note)
				path := filepath.Join("testdata", "golden", name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("no golden file (run go test ./templates -update): %v", err)
				}
				if string(want) != got {
					t.Errorf("%s differs from its golden file (go test ./templates -update rewrites it):\n--- want\n%s\n--- got\n%s", path, want, got)
				}
			})
		}
	}
	if !*update {
		entries, _ := os.ReadDir(filepath.Join("testdata", "golden"))
		for _, e := range entries {
			if !contains(wantFiles, e.Name()) {
				t.Errorf("stale golden file %s: no shipped template renders it", e.Name())
			}
		}
	}
}

// checkDraft holds every draft to the rules.
func checkDraft(t *testing.T, tmpl *templates.Template, data templates.Data, d templates.Draft) {
	t.Helper()
	if d.Chars > tmpl.Limit || d.Chars != len([]rune(d.Body)) {
		t.Errorf("%d characters, limit %d", d.Chars, tmpl.Limit)
	}
	if spec, _ := tmpl.Channel.Spec(); tmpl.Limit > spec.MaxChars {
		t.Errorf("limit %d is above the %s ceiling %d", tmpl.Limit, spec.Label, spec.MaxChars)
	}
	if tmpl.Channel == templates.LinkedInConnect && d.Chars > 300 {
		t.Errorf("a LinkedIn connection note is %d characters, over 300", d.Chars)
	}
	if tmpl.Channel == templates.Email && (d.Subject == "" || len([]rune(d.Subject)) > templates.MaxSubjectChars) {
		t.Errorf("e-mail subject %q", d.Subject)
	}
	if !strings.Contains(strings.ToLower(d.Body), strings.ToLower(data.Pain.Phrase)) {
		t.Errorf("the draft does not name its pain point %q:\n%s", data.Pain.Phrase, d.Body)
	}
	if data.Warm {
		if !namesSignal(d.Body, data.Signal) {
			t.Errorf("the draft does not name its signal %q:\n%s", data.Signal.Title, d.Body)
		}
	} else if !strings.Contains(d.Body, "haven't met") {
		t.Errorf("a not-warm draft must say so:\n%s", d.Body)
	}
	for _, bad := range []string{"<no value>", "<nil>", "  ", " ,", " .", "()", `""`, "{{", "}}"} {
		if strings.Contains(d.Body, bad) || strings.Contains(d.Subject, bad) {
			t.Errorf("the draft contains %q:\n%s", bad, d.Body)
		}
	}
	for _, salesy := range []string{"!!", "limited time", "act now", "guarantee", "best-in-class", "revolutionary"} {
		if strings.Contains(strings.ToLower(d.Body), salesy) {
			t.Errorf("the draft sounds like a pitch (%q)", salesy)
		}
	}
}

// namesSignal: the draft quotes the signal's title, or names the conference or topic of a talk,
// or the ADOPTERS.md listing.
func namesSignal(body string, s templates.Signal) bool {
	if s.Kind == "adopters_entry" && strings.Contains(body, "ADOPTERS.md") {
		return true
	}
	title := s.Title
	if len([]rune(title)) > 60 {
		title = string([]rune(title)[:60])
	}
	return strings.Contains(body, title) || s.Event != "" && strings.Contains(body, s.Event) ||
		s.Topic != "" && strings.Contains(body, s.Topic)
}

func goldenText(tmpl *templates.Template, data templates.Data, d templates.Draft, note string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "template: %s (%s, %d/%d characters", tmpl.Name, tmpl.Channel, d.Chars, d.Limit)
	if d.Variant != "" {
		fmt.Fprintf(&b, ", %s variant", d.Variant)
	}
	fmt.Fprintf(&b, ")\nto: %s, %s at %s (%s)\n", data.Contact.Name, data.Contact.Title, data.Account.Name, data.Account.Stage)
	if data.Warm {
		fmt.Fprintf(&b, "signal: %s: %s%s\n", data.Signal.Kind, data.Signal.Title, note)
	} else {
		b.WriteString("signal: none (not warm)\n")
	}
	obs := "typical for the stage"
	if data.Pain.Observed {
		obs = "shown by the account"
	}
	fmt.Fprintf(&b, "pain: %s (%s)\n", data.Pain.Key, obs)
	if data.HasPeer {
		fmt.Fprintf(&b, "peer: %s %s (%s)\n", data.Peer.Name, data.Peer.Outcome, data.Peer.Why)
	}
	if d.Subject != "" {
		fmt.Fprintf(&b, "subject: %s\n", d.Subject)
	}
	b.WriteString("---\n" + d.Body + "\n")
	return b.String()
}

// fixture builds a template's data for a seed account and contact the way /draft does: the
// account's own signal of a kind the template fits (or a fixture one), the pain point it shows
// or the one typical for its stage, and the most similar peer.
func fixture(t testing.TB, k *seed.Knowledge, tmpl *templates.Template, account, contact string) (templates.Data, string) {
	t.Helper()
	var acc *seed.Account
	for i := range k.Accounts {
		if k.Accounts[i].Name == account {
			acc = &k.Accounts[i]
		}
	}
	if acc == nil {
		t.Fatalf("no seed account %s", account)
	}
	var ct seed.Contact
	for _, c := range acc.Contacts {
		if c.Name == contact {
			ct = c
		}
	}
	roles := map[string]int{}
	for _, r := range k.Roles {
		roles[r.Title] = r.Rank
	}
	d := templates.Data{
		Account: templates.Account{Name: acc.Name, Industry: acc.Industry, Stage: acc.Stage, StageLabel: acc.Stage,
			Competitors: acc.Competitors, Size: developers(acc.Facts)},
		Contact: templates.Contact{Name: ct.Name, FirstName: templates.FirstName(ct.Name), Title: ct.Title,
			Role: templates.RoleOfRank(roles[ct.Title]), SpokeAt: ct.SpokeAt},
	}
	for _, f := range acc.Facts {
		if seed.IsOutcome(f.Text) && d.Account.Outcome == "" {
			d.Account.Outcome = templates.OutcomeClause(f.Text)
		}
	}
	note := ""
	if !tmpl.Fallback() {
		var sig *seed.Signal
		for _, s := range acc.Signals {
			if tmpl.FitsSignal(s.Kind) && (s.Person == "" || s.Person == ct.Name) {
				s := s
				sig = &s
				break
			}
		}
		if sig == nil {
			for _, kind := range tmpl.Fits.Signals {
				if kind == templates.SignalAny {
					kind = "adopters_entry" // every seed account here is on the list
				}
				if f, ok := fixtureSignals[kind]; ok {
					s := f(acc.Name)
					if personal[kind] {
						s.Person = ct.Name
					}
					sig, note = &s, " (test fixture)"
					break
				}
			}
		}
		if sig == nil {
			t.Fatalf("no signal for %s", tmpl.Name)
		}
		mine := sig.Person == ct.Name
		var spoke []string
		if mine {
			spoke = ct.SpokeAt
		}
		d.Warm = true
		d.Signal = templates.Signal{Kind: sig.Kind, KindLabel: templates.KindLabel(sig.Kind), Title: sig.Title, Summary: sig.Summary,
			Year: yearOf(sig.OccurredAt), Event: templates.EventOf(sig.Title, sig.Summary, spoke), Topic: templates.TopicOf(sig.Title), ByContact: mine}
	}
	var cands []templates.PeerCandidate
	for i, a := range k.Accounts {
		if a.Stage != "production" {
			continue
		}
		for _, f := range a.Facts {
			if seed.IsOutcome(f.Text) {
				cands = append(cands, templates.PeerCandidate{AccountID: int64(i + 1), Name: a.Name, Industry: a.Industry, Outcome: templates.OutcomeClause(f.Text)})
				break
			}
		}
	}
	self := int64(0)
	for i := range k.Accounts {
		if k.Accounts[i].Name == acc.Name {
			self = int64(i + 1)
		}
	}
	d.Peer, d.HasPeer = templates.ChoosePeer(self, acc.Industry, 0, cands)
	var known, observed []string
	for _, p := range k.PainPoints {
		known = append(known, p.Key)
	}
	evidence := map[string]string{}
	for _, p := range acc.Pains {
		observed = append(observed, p.Key)
		evidence[p.Key] = p.Evidence
	}
	key, isObserved := templates.ChoosePain(tmpl, acc.Stage, observed, known)
	for _, p := range k.PainPoints {
		if p.Key == key {
			src := templates.PainSource{Key: p.Key, Title: p.Title, Summary: p.Summary, TalkingPoints: p.TalkingPoints}
			if len(p.Numbers) > 0 {
				src.Figure, src.Number = p.Numbers[0].Figure, p.Numbers[0].Text
			}
			d.Pain = src.Data(isObserved, evidence[key], acc.Name, d.Peer.Name)
		}
	}
	return d, note
}

var devRe = regexp.MustCompile(`(\d[\d,]*\+?)\s+developers`)

func developers(facts []seed.Fact) string {
	for _, f := range facts {
		if m := devRe.FindStringSubmatch(f.Text); m != nil {
			return m[1] + " developers"
		}
	}
	return ""
}

func yearOf(s string) string {
	if len(s) >= 4 {
		return s[:4]
	}
	return ""
}

func slug(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "-")) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
