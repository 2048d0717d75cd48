package match

import (
	"testing"
)

func TestDebugGen(t *testing.T) {
	ix := bigIndex()
	for _, q := range []string{"Willofworge Partners", "Müller & Sons Logstics", "Oceancvaft Medical", "Papdopoulos & Sons Cyber Defense"} {
		s := &scratch{}
		qn := Normalize(q)
		s.q[0].set(qn, 0)
		s.nq = 1
		ix.generate(s, resolveK)
		t.Logf("query %q grams %d", qn, len(s.q[0].grams))
		for _, gl := range s.lists {
			t.Logf("  list %d", gl.n)
		}
		for _, c := range s.cand {
			t.Logf("  cand %q score %.3f", ix.terms[c].norm, s.score(&s.q[0], ix.terms[c].norm))
		}
	}
}
