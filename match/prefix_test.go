package match

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestPrefixesMatchAScanOfTheVocabulary: after a bulk load, refreshes, removals and lookups that
// sort recent words in, "the live words starting with tok" is exactly what a scan of the whole
// vocabulary finds.
func TestPrefixesMatchAScanOfTheVocabulary(t *testing.T) {
	entries := Synthetic(3000, 7)
	ix := NewIndexFor(len(entries))
	for _, e := range entries[:2000] {
		ix.Upsert(e)
	}
	ix.Settle()
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(round int) {
		t.Helper()
		var s scratch
		for range 200 {
			w := ix.wordText(int32(rng.IntN(len(ix.words))))
			tok := w[:1+rng.IntN(len(w))]
			var got, want []int32
			ix.eachPrefixed(&s, tok, func(w int32) { got = append(got, w) })
			for id := range ix.words {
				text := ix.wordText(int32(id))
				if len(text) > len(tok) && strings.HasPrefix(text, tok) && ix.words[id].post != noPost {
					want = append(want, int32(id))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: words starting with %q: got %d %v, a scan finds %d %v", round, tok, len(got), got, len(want), want)
			}
		}
	}
	check(0)
	for round := 1; round <= 6; round++ {
		for _, e := range entries[2000+(round-1)*150 : 2000+round*150] {
			ix.Upsert(e) // new accounts: their words wait in recent
		}
		for range 40 {
			ix.Remove(entries[rng.IntN(2000)].ID) // removed words stay listed, skipped
		}
		check(round)
		if round%2 == 0 {
			ix.Resolve("anything") // a lookup sorts them in once there are many
		}
	}
	if len(ix.prefixes.recent) > settleAfter {
		t.Errorf("%d recent words after lookups, want at most %d", len(ix.prefixes.recent), settleAfter)
	}
}
