package seed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// norm folds en/em dashes to ASCII hyphens and lower-cases, so checks accept "6–12" and "6-12".
func norm(s string) string {
	s = strings.ReplaceAll(s, "\u2013", "-")
	s = strings.ReplaceAll(s, "\u2014", "-")
	return strings.ToLower(s)
}

func mustLoad(t *testing.T) *Knowledge {
	t.Helper()
	k, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return k
}

func TestLoad_embeddedFileIsValid(t *testing.T) {
	k := mustLoad(t)
	if k.Version != 1 {
		t.Errorf("version = %d, want 1", k.Version)
	}
	src := map[string]Source{}
	for _, s := range k.Sources {
		src[s.Key] = s
	}
	if s, ok := src["report"]; !ok || s.Title != "Backstage Adoption Intelligence Report" || s.URL != "" {
		t.Errorf("source report = %+v", s)
	}
	if s, ok := src["adopters-md"]; !ok || s.URL != "https://github.com/backstage/backstage/blob/master/ADOPTERS.md" {
		t.Errorf("source adopters-md = %+v", s)
	}
}

func TestParse_rejectsUnknownField(t *testing.T) {
	if _, err := Parse([]byte("version: 1\nbogus: true\n")); err == nil {
		t.Fatal("Parse accepted an unknown field")
	}
}

func TestParse_rejectsBadReferences(t *testing.T) {
	bad := `version: 1
sources: [{key: report, title: R}]
accounts:
  - name: X
    stage: production
    pains: [{key: nope, evidence: e, source: report}]
    source: report
`
	if _, err := Parse([]byte(bad)); err == nil {
		t.Fatal("Parse accepted an unknown pain point reference")
	}
}

// findAccount matches a name or alias, case-insensitively.
func findAccount(k *Knowledge, name string) *Account {
	for i := range k.Accounts {
		a := &k.Accounts[i]
		if strings.EqualFold(a.Name, name) {
			return a
		}
		for _, al := range a.Aliases {
			if strings.EqualFold(al, name) {
				return a
			}
		}
	}
	return nil
}

func findPain(k *Knowledge, key string) *PainPoint {
	for i := range k.PainPoints {
		if k.PainPoints[i].Key == key {
			return &k.PainPoints[i]
		}
	}
	return nil
}

func factsText(fs []Fact) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Text)
		b.WriteString(" | ")
		b.WriteString(f.Figure)
		b.WriteString("\n")
	}
	return norm(b.String())
}

func TestKnowledge_keyFiguresPresent(t *testing.T) {
	k := mustLoad(t)

	market := factsText(k.Market)
	painText := func(key string) string {
		p := findPain(k, key)
		if p == nil {
			return ""
		}
		return factsText(p.Numbers)
	}
	accountFacts := func(name string) string {
		a := findAccount(k, name)
		if a == nil {
			return ""
		}
		return factsText(a.Facts)
	}
	competitorFacts := func(name string) string {
		for _, c := range k.Competitors {
			if c.Name == name {
				return norm(c.Summary) + "\n" + factsText(c.Facts)
			}
		}
		return ""
	}

	tests := []struct {
		name string
		text func() string
		want []string
	}{
		{"Expedia facts", func() string { return accountFacts("Expedia") }, []string{"6x", "40-day", "5,000+"}},
		{"Toyota facts", func() string { return accountFacts("Toyota") }, []string{"$10 million"}},
		{"American Airlines facts", func() string { return accountFacts("American Airlines") }, []string{"one month", "20 minutes"}},
		{"Adobe facts", func() string { return accountFacts("Adobe") }, []string{"cncf top end user award", "2024", "reference architecture"}},
		{"Baillie Gifford facts", func() string { return accountFacts("Baillie Gifford") }, []string{"roadie", "250"}},
		{"Spotify facts", func() string { return accountFacts("Spotify") }, []string{"99%", "spotify portal", "2024"}},
		{"implementation-complexity numbers", func() string { return painText("implementation-complexity") }, []string{"4-7", "6-12 months", "70+"}},
		{"low-adoption numbers", func() string { return painText("low-adoption") }, []string{"10%", "99%", "90%+"}},
		{"long-rollout numbers", func() string { return painText("long-rollout") }, []string{"6-12 months", "30-45 day"}},
		{"cost numbers", func() string { return painText("cost") }, []string{"$400-500k", "$150,000 per 20 developers", "$30-65"}},
		{"out-of-box numbers", func() string { return painText("out-of-box") }, []string{"200+"}},
		{"market figures", func() string { return market }, []string{
			"278", "10% vs 99%", "28,000+", "42.5%", "$122k-$333k", "nome", "$165k", "cupertino", "berkeley", "$163k",
			"600+", "200+", "19.2-27.82%", "north america leads", "19,000+", "kubernetes", "terraform",
			"complexity discovery", "2+ dev", "100-1000", "400+", "40,000+",
		}},
		{"commercial alternatives", func() string { return factsText(k.Alternatives.Facts) }, []string{"30-45 days", "$30-65", "90%+"}},
		{"Cortex migration", func() string { return competitorFacts("Cortex") }, []string{"backstage-burned", "migration"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.text()
			if got == "" {
				t.Fatal("nothing found")
			}
			for _, w := range tc.want {
				if !strings.Contains(got, norm(w)) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
		})
	}
}

func TestKnowledge_contacts(t *testing.T) {
	k := mustLoad(t)
	tests := []struct{ account, person, title string }{
		{"Expedia Group", "Erik Lindgren", "Engineering Manager"},
		{"Toyota", "Kishore Jonnalagedda", "Director of Engineering"},
		{"American Airlines", "Jay Cox", "Principal Engineer"},
		{"Baillie Gifford", "Antony Rinaldi", "Head of Architecture"},
	}
	for _, tc := range tests {
		t.Run(tc.person, func(t *testing.T) {
			a := findAccount(k, tc.account)
			if a == nil {
				t.Fatalf("no account %q", tc.account)
			}
			for _, c := range a.Contacts {
				if c.Name == tc.person {
					if c.Title != tc.title {
						t.Errorf("title = %q, want %q", c.Title, tc.title)
					}
					return
				}
			}
			t.Errorf("%s has no contact %s", tc.account, tc.person)
		})
	}
}

func TestKnowledge_everyNamedCompanyIsAnAccount(t *testing.T) {
	k := mustLoad(t)
	want := map[string]string{ // name -> stage
		"Expedia Group": "production", "Toyota": "production", "American Airlines": "production",
		"Adobe": "production", "Spotify": "production",
		"Philips": "production", "H&M": "production", "IKEA": "production", "Volvo Cars": "production",
		"Baillie Gifford": "managed", "Contentful": "managed", "Paddle": "managed", "Lunar": "managed",
		"JPMorgan Chase": "adopted", "Goldman Sachs": "none", "OpenAI": "none", "Anthropic": "none",
		"Netflix": "none", "Ford": "none", "UnitedHealth": "none", "Walmart": "none",
		"Red Hat": "adopted", "VMware": "none",
	}
	for name, stage := range want {
		t.Run(name, func(t *testing.T) {
			a := findAccount(k, name)
			if a == nil {
				t.Fatalf("no account %q", name)
			}
			if a.Stage != stage {
				t.Errorf("stage = %q, want %q", a.Stage, stage)
			}
			if a.Source == "" || len(a.Facts) == 0 {
				t.Errorf("account %q has no source or facts", name)
			}
			if stage == "managed" && (len(a.Competitors) != 1 || a.Competitors[0] != "Roadie") {
				t.Errorf("managed account %q competitors = %v, want [Roadie]", name, a.Competitors)
			}
		})
	}
	for _, alias := range []string{"Expedia", "HM", "H and M", "Hennes & Mauritz", "UnitedHealth Group"} {
		if findAccount(k, alias) == nil {
			t.Errorf("alias %q does not resolve to an account", alias)
		}
	}
	seen := map[string]bool{}
	for _, a := range k.Accounts {
		if seen[a.Name] {
			t.Errorf("duplicate account %q", a.Name)
		}
		seen[a.Name] = true
	}
}

func TestKnowledge_painPoints(t *testing.T) {
	k := mustLoad(t)
	want := []string{
		"implementation-complexity", "low-adoption", "long-rollout", "cost",
		"integration", "yaml", "auth", "out-of-box", "typescript-skills", "scalability",
	}
	if len(k.PainPoints) != len(want) {
		t.Errorf("got %d pain points, want %d", len(k.PainPoints), len(want))
	}
	for _, key := range want {
		p := findPain(k, key)
		if p == nil {
			t.Errorf("missing pain point %q", key)
			continue
		}
		if p.Title == "" || p.Summary == "" || len(p.Keywords) == 0 || len(p.Evidence) == 0 {
			t.Errorf("pain point %q incomplete", key)
		}
		if n := len(p.TalkingPoints); n < 2 || n > 4 {
			t.Errorf("pain point %q has %d talking points, want 2-4", key, n)
		}
	}
	kw := map[string][]string{
		"yaml":         {"yaml", "catalog-info", "data model", "manual yaml"},
		"low-adoption": {"adoption", "usage", "10%"},
		"cost":         {"cost", "tco", "price", "budget", "pricing"},
		"auth":         {"auth", "authentication", "authorization", "sso", "rbac", "permissions"},
	}
	for key, words := range kw {
		p := findPain(k, key)
		if p == nil {
			continue
		}
		have := map[string]bool{}
		for _, w := range p.Keywords {
			have[w] = true
		}
		for _, w := range words {
			if !have[w] {
				t.Errorf("pain %q lacks keyword %q", key, w)
			}
		}
	}
	quote := "It's a ton of setup and I don't recommend it for a group that has little time to get it right."
	if p := findPain(k, "implementation-complexity"); p != nil {
		found := false
		for _, e := range p.Evidence {
			if e.Text == quote {
				found = true
			}
		}
		if !found {
			t.Error("community quote missing from implementation-complexity evidence")
		}
	}
}

func TestKnowledge_landscape(t *testing.T) {
	k := mustLoad(t)

	comps := map[string]Competitor{}
	for _, c := range k.Competitors {
		comps[c.Name] = c
	}
	for name, kind := range map[string]string{
		"Port": "commercial_portal", "Cortex": "commercial_portal", "OpsLevel": "commercial_portal",
		"Humanitec": "commercial_portal", "Roadie": "managed_backstage", "Spotify Portal": "managed_backstage",
	} {
		if c, ok := comps[name]; !ok || c.Kind != kind {
			t.Errorf("competitor %q = %+v, want kind %q", name, c, kind)
		}
	}

	events := map[string]Event{}
	for _, e := range k.Events {
		events[e.Name] = e
	}
	if e := events["BackstageCon 2024"]; e.Attendance != "400+ peak" || len(e.Companies) != 3 {
		t.Errorf("BackstageCon 2024 = %+v", e)
	}
	if e := events["BackstageCon Europe 2025"]; len(e.Companies) != 4 {
		t.Errorf("BackstageCon Europe 2025 = %+v", e)
	}
	if e := events["PlatformCon"]; e.Attendance != "40,000+" {
		t.Errorf("PlatformCon = %+v", e)
	}

	members := map[string]string{}
	for _, c := range k.Communities {
		members[c.Name] = c.Members
	}
	if members["Platform Engineering Slack"] != "16,000+" || members["DevOps Engineers Discord"] != "18,000+" {
		t.Errorf("community members = %v", members)
	}

	ch := map[string]bool{}
	for _, c := range k.Channels {
		ch[c.Key] = c.Guidance != ""
	}
	for _, key := range []string{"linkedin", "conference", "community", "github", "blog_comment"} {
		if !ch[key] {
			t.Errorf("missing outreach channel %q", key)
		}
	}
	if len(k.Positioning) < 6 {
		t.Errorf("only %d positioning rules", len(k.Positioning))
	}

	roles := map[string]int{}
	for _, r := range k.Roles {
		roles[r.Title] = r.Rank
	}
	for title, rank := range map[string]int{
		"Head of Platform Engineering": 1, "VP of Engineering": 2,
		"Director of Engineering": 3, "Platform Engineering Manager": 4,
	} {
		if roles[title] != rank {
			t.Errorf("role %q rank = %d, want %d", title, roles[title], rank)
		}
	}

	s := k.Segments
	if s.EmployeesMin != 100 || s.EmployeesMax != 1000 || len(s.Industries) != 3 || len(s.Hubs) != 7 {
		t.Errorf("segments = %+v", s)
	}
}

// Cards quote a pain link's evidence (“…”), so a link the report supports must be the report's own
// words; and a vendor or competitor shows no pain point: it sells the remedy, or a rival one.
func TestKnowledge_accountPainsQuoteTheReportAndSkipVendors(t *testing.T) {
	k := mustLoad(t)
	for _, a := range k.Accounts {
		if (a.Role == "vendor" || a.Role == "competitor") && len(a.Pains) > 0 {
			t.Errorf("%s is a %s but is linked to pain points %v", a.Name, a.Role, a.Pains)
		}
	}
	// The report sits in the steering repository's shared/seed, beside the checkout.
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "shared", "seed", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Skip("the report (../shared/seed beside the checkout) is not here; the vendor check ran")
	}
	var report strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		report.Write(b)
	}
	squash := func(s string) string {
		return strings.Join(strings.Fields(norm(strings.ReplaceAll(s, "**", ""))), " ")
	}
	text := squash(report.String())
	n := 0
	for _, a := range k.Accounts {
		for _, p := range a.Pains {
			if p.Source != "report" {
				continue
			}
			n++
			if !strings.Contains(text, squash(p.Evidence)) {
				t.Errorf("%s → %s: evidence is not the report's words: %q", a.Name, p.Key, p.Evidence)
			}
		}
	}
	if n == 0 {
		t.Error("no account pain comes from the report; the check checked nothing")
	}
}
