package identity

import "testing"

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"H&M", "hm"},
		{"h&m", "hm"},
		{"H & M", "hm"},
		{"hm", "hm"},
		{"h.m.", "hm"},
		{"Hennes & Mauritz", "hennes mauritz"},
		{"AT&T", "at t"},
		{"BOL.COM", "bol com"},
		{"bol.com", "bol com"},
		{"https://www.Telus.com/en/home?x=1#top", "telus com"},
		{"www.expediagroup.com", "expediagroup com"},
		{"HTTP://hm.com:8080", "hm com"},
		{"mailto:bob@telus.com", "telus com"},
		{"<https://telus.com|telus.com>", "telus com"},
		{"<!channel>", "channel"},
		{"Société Générale", "societe generale"},
		{"SOCIETE   generale", "societe generale"},
		{"Ñetflix", "netflix"},
		{"Müller & Söhne GmbH", "muller sohne gmbh"},
		{"Straße", "strasse"},
		{"Ørsted", "orsted"},
		{"Łódź", "lodz"},
		{"Æon", "aeon"},
		{"McDonald's", "mcdonalds"},
		{"McDonald’s", "mcdonalds"},
		{"U.S. Bank", "us bank"},
		{"A.P. Møller - Mærsk", "ap moller maersk"},
		{"Coca-Cola", "coca cola"},
		{"ＴＯＹＯＴＡ", "toyota"},
		{"  Volvo\tCars \n", "volvo cars"},
		{"Yahoo!", "yahoo"},
		{"H and M", "hm"},
		{"Johnson and Johnson", "johnson johnson"},
		{"And Partners", "and partners"},
		{"Rock and", "rock and"},
		{"00 A n d 00", "00 00"},
		{"IKEA IT AB", "ikea it ab"},
		{"トヨタ自動車", "トヨタ自動車"},
		{"", ""},
		{"  ", ""},
		{"!!!", ""},
		{"\xff\xfeabc", "abc"},
		{"a\xffb", "ab"},
	}
	for _, c := range cases {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Idempotent.
	for _, c := range cases {
		if n := Normalize(c.in); Normalize(n) != n {
			t.Errorf("Normalize not idempotent on %q: %q → %q", c.in, n, Normalize(n))
		}
	}
}

// TestKey: one key for the spellings of one name, so the store's merge and the ADOPTERS.md diff
// agree (they disagreed on accents: "Nestlé" was `nestle` to one and `nestlé` to the other).
func TestKey(t *testing.T) {
	same := [][]string{
		{"Nestlé", "NESTLE", "Nestle", "nestlé"},
		{"H&M", "H & M", "HM", "h.m.", "H and M"},
		{"Grupo Boticário", "grupo boticario", "GrupoBoticario"},
		{"Account Domain", "account_domain", "ACCOUNT-DOMAIN", "accountdomain"},
	}
	for _, names := range same {
		want := Key(names[0])
		for _, n := range names[1:] {
			if got := Key(n); got != want {
				t.Errorf("Key(%q) = %q, want %q as for %q", n, got, want, names[0])
			}
		}
	}
	for in, want := range map[string]string{"Expedia Group": "expediagroup", "🚀": "🚀", "": "", "  ": ""} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
	if Key("Volvo Cars") == Key("Volvo Group") {
		t.Error("different names must keep different keys")
	}
}
