package handlers

import "testing"

func TestNormalizeSlackText(t *testing.T) {
	cases := map[string]string{
		"H&amp;M":                       "H&M",
		"expedia owner <@U0ABC|alice>":  "expedia owner @U0ABC",
		"expedia owner <@W0ABC>":        "expedia owner @W0ABC",
		"&lt;!channel&gt;":              "<!channel>",
		`industry:"financial services"`: `industry:"financial services"`,
	}
	for in, want := range cases {
		if got := NormalizeSlackText(in); got != want {
			t.Errorf("NormalizeSlackText(%q) = %q, want %q", in, got, want)
		}
	}
}
