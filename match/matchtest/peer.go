package matchtest

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// PeerShaped returns n accounts shaped like the side-by-side benchmark's data
// (../shared/bench/boltpeer/gen.py): two or three syllables and a sector word ("Barcortech Soft
// Inc"), and a domain unique to each account ("barcortechsoftinc17.example"). Unlike Synthetic,
// almost every account brings a vocabulary word of its own, so it measures the index's cost per
// distinct word. IDs run from 1 to n; the output depends only on n.
func PeerShaped(n int) []Account {
	rng := rand.New(rand.NewPCG(42, 42))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	seen := make(map[string]bool, n)
	out := make([]Account, 0, n)
	for len(out) < n {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteString(pick(peerSyllables))
		}
		base := strings.ToUpper(b.String()[:1]) + b.String()[1:] + " " + pick(peerSectors)
		name := base + pick(peerLegal)
		if seen[strings.ToLower(name)] {
			name = base + " " + strconv.Itoa(len(out))
		}
		seen[strings.ToLower(name)] = true
		var dom strings.Builder
		for _, r := range strings.ToLower(name) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				dom.WriteRune(r)
			}
		}
		dom.WriteString(strconv.Itoa(len(out)) + ".example")
		out = append(out, Account{ID: int64(len(out) + 1), Name: name, Domain: dom.String()})
	}
	return out
}

var (
	peerSyllables = strings.Fields("bar cor del fin gal hel ion jun kel lum mar nov orb pax quin ros sol tar umb ver wex yar zen")
	peerSectors   = strings.Fields("Tech Soft Data Labs Works Cloud Systems Logic Health Bank Motors Retail Air Foods")
	peerLegal     = []string{"", " Inc", " AG", " GmbH", " Ltd", " Group", " SA", " AB"}
)
