package identity

import "testing"

func TestDomain(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://www.telus.com/en/", "telus.com"},
		{"https://telus.com", "telus.com"},
		{"https://www.bol.com", "bol.com"},
		{"http://glovoapp.com/", "glovoapp.com"},
		{"https://engineering.sendinblue.com/", "engineering.sendinblue.com"},
		{"https://www.quintoandar.com.br/", "quintoandar.com.br"},
		{"https://banco.bradesco/html/classic/sobre/index.shtm", "banco.bradesco"},
		{"HTTPS://WWW.Example.COM:8443/a?b#c", "example.com"},
		{"https://example.com./", "example.com"},
		{"example.com/path", "example.com"},
		{"www.example.com", "example.com"},
		{"example.com:8080/x", "example.com"},
		{"//example.com/x", "example.com"},
		{"mailto:someone@Example.org", "example.org"},
		{"./CONTRIBUTING.md", ""},
		{"#anchor", ""},
		{"", ""},
		{"   ", ""},
		{"javascript:alert(1)", ""},
		{"http://[::1", ""},
	} {
		if got := Domain(tc.in); got != tc.want {
			t.Errorf("Domain(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHost_onlyWhatLooksLikeAnAddress(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.Telus.com/en/home?x=1#top": "telus.com",
		"bol.com":                               "bol.com",
		"BOL.COM":                               "bol.com",
		"mailto:bob@telus.com":                  "telus.com",
		"bob@Telus.com":                         "telus.com",
		"HTTP://hm.com:8080":                    "hm.com",
		"https://intranet":                      "intranet", // a scheme says it is a host
		"expedia":                               "",         // a name, not a domain
		"Dr. Oetker":                            "",
		"volvo cars":                            "",
		"a..com":                                "",
		"v1.2":                                  "",
		"javascript:alert(1)":                   "",
	} {
		got, ok := Host(in)
		if got != want || ok != (want != "") {
			t.Errorf("Host(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
