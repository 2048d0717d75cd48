package handlers

import "testing"

// TestPlural_countsInEnglish: "1 pain point", "2 pain points" — never "1 pain point(s)" (the
// /account find fit line and every other count go through plural).
func TestPlural_countsInEnglish(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 pain points"}, {1, "1 pain point"}, {2, "2 pain points"}} {
		if got := plural(c.n, "pain point"); got != c.want {
			t.Errorf("plural(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
