package seed

import "testing"

func TestIsOutcome(t *testing.T) {
	for fact, want := range map[string]bool{
		"Achieved 6x return on investment from Backstage.":             true,
		"  Reduced site deployment from one month to 20 minutes.":      true,
		"Presenting company at BackstageCon 2024.":                     false,
		"Cutting costs is on the roadmap.":                             false, // "Cut" must be a whole word
		"They reported a 30% drop in onboarding time (press release).": false,
	} {
		if got := IsOutcome(fact); got != want {
			t.Errorf("IsOutcome(%q) = %v, want %v", fact, got, want)
		}
	}
}

func TestDeveloperCount(t *testing.T) {
	cases := []struct {
		fact  string
		n     int
		words string
	}{
		{"Backstage serves across 5,000+ developers.", 5000, "5,000+ developers"},
		{"Used by 800 developers in 40 teams.", 800, "800 developers"},
		{"1,200 employees", 0, ""},
		{"developers love it", 0, ""},
	}
	for _, c := range cases {
		n, words, ok := DeveloperCount(c.fact)
		if n != c.n || words != c.words || ok != (c.n > 0) {
			t.Errorf("DeveloperCount(%q) = %d, %q, %v; want %d, %q", c.fact, n, words, ok, c.n, c.words)
		}
	}
}
