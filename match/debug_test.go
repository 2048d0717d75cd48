package match

import (
	"slices"
	"testing"
	"time"
)

func TestDebugSlow(t *testing.T) {
	b := &testing.B{}
	benchSetup(b)
	ix := benchQueries.ix
	type qt struct {
		q string
		d time.Duration
	}
	var all []qt
	for _, q := range append(slices.Clone(benchQueries.exact), benchQueries.typo...) {
		st := time.Now()
		for i := 0; i < 20; i++ {
			ix.Resolve(q)
		}
		all = append(all, qt{q, time.Since(st) / 20})
	}
	slices.SortFunc(all, func(a, b qt) int { return int(b.d - a.d) })
	for _, x := range all[:25] {
		s := &scratch{}
		s.q[0].set(Normalize(x.q), 0)
		s.nq = 1
		ix.generate(s, resolveK)
		tdf := 0
		for _, m := range s.wm {
			tdf += len(ix.words[m.word].post)
		}
		t.Logf("%-45q %v  words %d postings %d", x.q, x.d, len(s.wm), tdf)
	}
	t.Logf("median %v", all[len(all)/2].d)
}
