package match

// This file scores a candidate name against the query: word alignment, typos (OSA distance)
// and the bigram Dice fallback.

import (
	"slices"
)

// Scoring tiers (see score).
const (
	scoreExact       = 1.0
	scoreCompact     = 0.97 // equal once spaces are ignored: "volvocars" ~ "volvo cars"
	scoreWords       = 0.90 // every query word is a whole word of the term, starting at its first word
	scorePrefix      = 0.80 // ... but some query word is only a prefix of a term word
	innerPenalty     = 0.06 // the match starts at a later word of the term
	gapPenalty       = 0.05 // the query words skip term words
	coverageBonus    = 0.06 // times len(query)/len(term), both without spaces
	typoPenalty      = 0.07 // per Damerau-Levenshtein edit
	scoreCompactTypo = 0.92 // whole strings without spaces within the typo budget, minus typoPenalty per edit
	diceWeight       = 0.65 // times the trigram Dice coefficient; always below MinConfidence
	legalPenalty     = 0.03 // the query matched only after dropping a trailing "AB", "Inc", ...
)

// score rates how well term text tn (normalized) matches q, 0..1:
//
//	1.0        equal
//	0.97       equal ignoring spaces
//	0.90–0.96  every query word is a whole word of the term, from its first word (+coverage)
//	0.80–0.86  the same with the last query word only a prefix of a term word ("volvo" in "volvofinans")
//	           minus 0.06 when the match starts at a later term word, 0.05 when it skips term words,
//	           and 0.07 per typo: words may differ by 1 edit (4–7 runes) or 2 (8+)
//	≤0.85      whole strings without spaces within the typo budget
//	≤0.65      trigram Dice similarity × 0.65: a suggestion, never a confident match
//
// Queries of one or two runes only get the first three tiers.
func (s *scratch) score(q *queryInfo, tn string, useDice bool) float64 {
	if tn == q.norm {
		return scoreExact
	}
	if tn == q.core {
		return scoreExact - legalPenalty
	}
	s.tr, s.tc, s.ttoks = splitWords(tn, s.tr[:0], s.tc[:0], s.ttoks[:0])
	if slices.Equal(q.comp, s.tc) {
		return scoreCompact
	}
	best := s.alignScore(q, len(q.toks), len(q.comp))
	if q.ncore < len(q.toks) {
		// The query without its trailing "AB", "Inc", ...
		best = max(best, s.alignScore(q, q.ncore, q.coreLen)-legalPenalty)
	}
	if !q.short && len(q.comp) >= 4 {
		k := maxTypos(len(q.comp))
		if d := osa(q.comp, s.tc, k, &s.dl); d <= k {
			best = max(best, scoreCompactTypo-typoPenalty*float64(d))
		}
	}
	if useDice && !q.short && best < diceWeight {
		best = max(best, diceWeight*s.dice(q, tn))
	}
	return best
}

// alignScore matches the first nq query words (compLen runes without spaces), in order, to words
// of the term (see score).
func (s *scratch) alignScore(q *queryInfo, nq, compLen int) float64 {
	nt := len(s.ttoks)
	if nq == 0 || nq > nt {
		return 0
	}
	cov := min(1, float64(compLen)/float64(max(1, len(s.tc))))
	best := 0.0
	for start := 0; start+nq <= nt; start++ {
		ok, partial, typos := s.matchWord(q, 0, start)
		if !ok {
			continue
		}
		gaps := 0
		j := start + 1
		for i := 1; i < nq && ok; i++ {
			ok = false
			for ; j < nt; j++ {
				if o, p, ty := s.matchWord(q, i, j); o {
					ok, partial, typos = true, partial || p, typos+ty
					j++
					break
				}
				gaps++
			}
		}
		if !ok {
			continue
		}
		sc := scoreWords
		if partial {
			sc = scorePrefix
		}
		if start > 0 {
			sc -= innerPenalty
		}
		if gaps > 0 {
			sc -= gapPenalty
		}
		sc += coverageBonus*cov - typoPenalty*float64(typos)
		best = max(best, sc)
	}
	return best
}

// matchWord compares query word i with term word j: equal, a prefix, or
// within the typo budget of the shorter word.
func (s *scratch) matchWord(q *queryInfo, i, j int) (ok, partial bool, typos int) {
	a := q.tok(i)
	b := s.tr[s.ttoks[j][0]:s.ttoks[j][1]]
	if slices.Equal(a, b) {
		return true, false, 0
	}
	if len(a) < len(b) && slices.Equal(a, b[:len(a)]) {
		return true, true, 0
	}
	if q.short {
		return false, false, 0
	}
	k := maxTypos(min(len(a), len(b)))
	if k == 0 {
		return false, false, 0
	}
	if d := osa(a, b, k, &s.dl); d <= k {
		return true, false, d
	}
	return false, false, 0
}

// osa returns the optimal-string-alignment (restricted Damerau-Levenshtein) distance of a and b,
// or k+1 if it exceeds k. Only the diagonal band |i-j| <= k is computed. buf is reused memory.
func osa[E byte | rune](a, b []E, k int, buf *[]int) int {
	la, lb := len(a), len(b)
	if la-lb > k || lb-la > k {
		return k + 1
	}
	if la == 0 || lb == 0 {
		return max(la, lb)
	}
	if la > 255 || lb > 255 {
		return k + 1
	}
	inf := k + 1
	w := lb + 1
	if cap(*buf) < 3*w {
		*buf = make([]int, 3*w+32)
	}
	all := (*buf)[:3*w]
	pp, p, c := all[:w], all[w:2*w], all[2*w:]
	for j := range p {
		p[j] = min(j, inf)
		pp[j] = inf
	}
	for i := 1; i <= la; i++ {
		lo, hi := max(1, i-k), min(lb, i+k)
		// Cells just outside the band read as inf.
		if lo > 1 {
			c[lo-1] = inf
		} else {
			c[0] = min(i, inf)
		}
		if hi < lb {
			c[hi+1] = inf
		}
		rowMin := inf
		if lo == 1 {
			rowMin = c[0]
		}
		ai := a[i-1]
		for j := lo; j <= hi; j++ {
			v := p[j-1]
			if ai != b[j-1] {
				v++
			}
			if x := p[j] + 1; x < v {
				v = x
			}
			if x := c[j-1] + 1; x < v {
				v = x
			}
			if i > 1 && j > 1 && ai == b[j-2] && a[i-2] == b[j-1] {
				if x := pp[j-2] + 1; x < v {
					v = x
				}
			}
			if v > inf {
				v = inf
			}
			c[j] = v
			if v < rowMin {
				rowMin = v
			}
		}
		if rowMin > k {
			return inf
		}
		pp, p, c = p, c, pp
	}
	return min(p[lb], inf)
}

// dice is the trigram Dice coefficient 2|Q∩T|/(|Q|+|T|) of the query and term text tn.
func (s *scratch) dice(q *queryInfo, tn string) float64 {
	s.tgrams = appendGrams(s.tgrams[:0], tn)
	shared := s.tgrams[len(s.tgrams):]
	for _, g := range s.tgrams {
		if q.gset[g>>6]&(1<<(g&63)) != 0 {
			q.gset[g>>6] &^= 1 << (g & 63) // count each shared gram once
			shared = append(shared, g)
		}
	}
	for _, g := range shared {
		q.gset[g>>6] |= 1 << (g & 63)
	}
	if len(q.grams)+len(s.tgrams) == 0 {
		return 0
	}
	return 2 * float64(len(shared)) / float64(len(q.grams)+len(s.tgrams))
}
