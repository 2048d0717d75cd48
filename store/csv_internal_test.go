package store

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// The validators replace these regular expressions and must accept exactly what they accept.
var (
	domainSpec = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	emailSpec  = regexp.MustCompile(`^[^\s@<>(),;]+@[^\s@<>(),;]+\.[^\s@<>(),;]+$`)
)

func TestIsDomainAndIsEmail_agreeWithTheirRegularExpressions(t *testing.T) {
	cases := []string{"", ".", "a", "a.b", "a..b", "-a.b", "a-.b", "a.b-", "a-b.c-d", "www.nordwind.example", "x.y.z",
		"A.b", "a_b.c", "a.b.", ".a.b", "1.2", "a@b.c", "@b.c", "a@.c", "a@b.", "a@bc", "a@b@c.d", "a b@c.d", "a@b.c;",
		"ada@nordwind.example", "a@b..c", "a@..", "a@.b.", "ü@ö.de", "a@b.c\n", "a\t@b.c", "(a)@b.c", "a@b.c>"}
	rng := rand.New(rand.NewPCG(13, 7))
	const alphabet = "ab9-.@ ;\tZ_ü"
	runes := []rune(alphabet)
	for range 200_000 {
		b := make([]rune, rng.IntN(9))
		for i := range b {
			b[i] = runes[rng.IntN(len(runes))]
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		if got, want := isDomain(c), domainSpec.MatchString(c); got != want {
			t.Errorf("isDomain(%q) = %v, the expression says %v", c, got, want)
		}
		if got, want := isEmail(c), emailSpec.MatchString(c); got != want {
			t.Errorf("isEmail(%q) = %v, the expression says %v", c, got, want)
		}
	}
}
