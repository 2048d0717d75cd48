package match

import (
	"slices"
	"testing"
)

func TestDebugStats(t *testing.T) {
	ix := bigIndex()
	var lens []int
	total := 0
	for _, l := range ix.wgrams {
		if len(l) > 0 {
			lens = append(lens, len(l))
			total += len(l)
		}
	}
	slices.Sort(lens)
	t.Logf("vocab %d words, %d grams, %d gram postings, max list %v", len(ix.wordID), len(lens), total, lens[len(lens)-10:])
	var pl []int
	for _, w := range ix.words {
		pl = append(pl, len(w.post))
	}
	slices.Sort(pl)
	t.Logf("word postings top: %v", pl[len(pl)-20:])
	for _, q := range []string{"Willowforge Partners", "Müller & Sons Logistics", "expdia", "nordwind", "Sagetek Home Care"} {
		s := &scratch{}
		s.q[0].set(Normalize(q), 0)
		s.nq = 1
		ix.generate(s, resolveK)
		tdf := 0
		for _, m := range s.wm {
			tdf += len(ix.words[m.word].post)
		}
		t.Logf("%q: %d word matches, term postings %d, cand %d", q, len(s.wm), tdf, len(s.cand))
	}
}
