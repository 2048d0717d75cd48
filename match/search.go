package match

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Outcome says how confidently a query resolved.
type Outcome int

const (
	// None means no account matched confidently; Result.Candidates holds up to 3 suggestions.
	None Outcome = iota
	// Unique means one account matched clearly better than any other; see Result.Best.
	Unique
	// Ambiguous means several accounts matched about equally well; Result.Candidates is the pick-list.
	Ambiguous
)

// String returns "none", "unique" or "ambiguous".
func (o Outcome) String() string {
	switch o {
	case None:
		return "none"
	case Unique:
		return "unique"
	case Ambiguous:
		return "ambiguous"
	}
	return "outcome(?)"
}

// Candidate is one account that matched a query.
type Candidate struct {
	ID      int64
	Name    string
	Matched string  // the name, alias or domain (as given to Upsert) that matched best
	Score   float64 // 0..1; 1 means the normalized query equals Matched
}

// Result is the answer to Resolve.
type Result struct {
	Outcome    Outcome
	Best       Candidate   // valid when Outcome is Unique
	Candidates []Candidate // the pick-list (at most 5) when Ambiguous, suggestions (at most 3) when None
}

// Decision thresholds used by Resolve; scores are on the 0..1 scale of Candidate.Score.
const (
	// MinConfidence is the lowest best score that counts as a match. Exact, whole-word, word-prefix
	// and bounded-typo matches score above it; similarity by shared trigrams alone never does.
	MinConfidence = 0.70
	// MinGap is how far the best account must lead the runner-up to be Unique; an exact match of a
	// whole name, alias or domain is Unique whenever no other account matches exactly.
	MinGap = 0.08
	// PickWindow: an Ambiguous pick-list holds the accounts scoring within PickWindow of the best.
	PickWindow = 0.15
	// MinSuggestion is the lowest score offered as a suggestion or listed by Search.
	MinSuggestion = 0.30
	// MaxPickList and MaxSuggestions cap Result.Candidates.
	MaxPickList    = 5
	MaxSuggestions = 3
)

// Query and work limits.
const (
	maxQueryBytes = 1024         // raw query bytes looked at
	maxQueryNorm  = maxTermBytes // normalized query bytes kept, cut like indexed terms
	resolveK      = 24           // most terms rescored for Resolve
	rescoreRatio  = 0.6          // stop rescoring at terms whose estimate is below this share of the top one
	maxSearch     = 100
)

// maxTypos is the edit budget for a word or string of n runes: none below 4, one for 4–7, two from 8.
func maxTypos(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	}
	return 2
}

// Resolve finds the account meant by query: Unique with Best set, Ambiguous with a pick-list, or None with suggestions.
func (ix *Index) Resolve(query string) Result {
	var buf [MaxPickList + 1]Candidate
	ranked := ix.rank(query, resolveK, buf[:0])
	if len(ranked) == 0 {
		return Result{Outcome: None}
	}
	best := ranked[0]
	if best.Score >= scoreExact {
		if len(ranked) == 1 || ranked[1].Score < scoreExact {
			return Result{Outcome: Unique, Best: best}
		}
		return Result{Outcome: Ambiguous, Candidates: slices.Clone(clip(ranked, MaxPickList))}
	}
	if best.Score < MinConfidence {
		n := 0
		for n < len(ranked) && n < MaxSuggestions && ranked[n].Score >= MinSuggestion {
			n++
		}
		if n == 0 {
			return Result{Outcome: None}
		}
		return Result{Outcome: None, Candidates: slices.Clone(ranked[:n])}
	}
	if len(ranked) == 1 || best.Score-ranked[1].Score >= MinGap {
		return Result{Outcome: Unique, Best: best}
	}
	n := 0
	for n < len(ranked) && n < MaxPickList && ranked[n].Score >= best.Score-PickWindow {
		n++
	}
	return Result{Outcome: Ambiguous, Candidates: slices.Clone(ranked[:n])}
}

// Search returns up to limit accounts (10 if limit <= 0, at most 100) matching query, best first.
func (ix *Index) Search(query string, limit int) []Candidate {
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, maxSearch)
	ranked := ix.rank(query, max(resolveK, 4*limit), make([]Candidate, 0, limit))
	n := 0
	for n < len(ranked) && ranked[n].Score >= MinSuggestion {
		n++
	}
	return ranked[:n]
}

func clip(c []Candidate, n int) []Candidate {
	if len(c) > n {
		return c[:n]
	}
	return c
}

// rank appends to out up to cap(out) accounts ordered by score, rescoring at most k terms.
func (ix *Index) rank(query string, k int, out []Candidate) []Candidate {
	want := cap(out)
	if len(query) > maxQueryBytes {
		cut := maxQueryBytes
		for cut > 0 && !utf8.RuneStart(query[cut]) {
			cut--
		}
		query = query[:cut]
	}
	qn := truncateWords(Normalize(query), maxQueryNorm)
	_, isDomain := hostOf(unwrapSlack(strings.TrimSpace(query)))
	if qn == "" {
		return out
	}

	ix.mu.RLock()
	if ix.prefixes.unsettled() {
		ix.mu.RUnlock()
		ix.mu.Lock()
		ix.settle()
		ix.mu.Unlock()
		ix.mu.RLock()
	}
	defer ix.mu.RUnlock()
	if ix.termCount == 0 {
		return out
	}
	s, _ := ix.pool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	defer ix.pool.Put(s)

	s.q.set(qn, isDomain)
	nExact := ix.exactTerms(s)
	ix.scoreCandidates(s, k, want, nExact)
	out = ix.bestPerAccount(s, out, want)
	slices.SortStableFunc(out, func(a, b Candidate) int {
		// Best score first, then the shorter name, then the older account.
		return cmp.Or(cmp.Compare(b.Score, a.Score), len(a.Name)-len(b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Stages of rank: exactTerms seeds the candidates with the terms equal to the query (or to it
// without a trailing legal form); scoreCandidates generates the others from the vocabulary and
// scores them; bestPerAccount keeps each account's best term.

// exactTerms puts the terms whose text equals the query, or the query without its trailing
// legal form, first among the candidates and returns how many there are.
func (ix *Index) exactTerms(s *scratch) int {
	q := &s.q
	s.cand, s.candEst = s.cand[:0], s.candEst[:0]
	inf := float32(math.Inf(1))
	for _, text := range [2]string{q.norm, q.core} {
		ix.eachExact(text, func(t int32) {
			s.cand = append(s.cand, t)
			s.candEst = append(s.candEst, inf)
		})
		if q.core == q.norm {
			break
		}
	}
	return len(s.cand)
}

// scoreCandidates fills s.scored, best first: the exact terms and up to k more generated from
// the vocabulary. When nothing is confident and some query words were taken as spelt because
// they are words, it looks again for words they may be typos of ("borealridge" for
// "borealbridge").
func (ix *Index) scoreCandidates(s *scratch, k, want, nExact int) {
	s.scored = s.scored[:0]
	s.typoAll, s.skipped = false, false
	best := ix.collect(s, k, want, 0, nExact, 0)
	if best < MinConfidence && s.skipped {
		s.typoAll = true
		s.cand, s.candEst = s.cand[:nExact], s.candEst[:nExact]
		ix.collect(s, k, want, nExact, nExact, best)
	}
	slices.SortFunc(s.scored, func(a, b scoredTerm) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return int(a.id - b.id)
	})
}

// bestPerAccount appends to out, up to want, each account's best scored term as a Candidate.
func (ix *Index) bestPerAccount(s *scratch, out []Candidate, want int) []Candidate {
	slots := s.slots[:0]
	for _, st := range s.scored {
		slot := ix.slotOfTerm(st.id)
		if slices.Contains(slots, slot) {
			continue
		}
		slots = append(slots, slot)
		out = append(out, Candidate{ID: ix.ids[slot], Name: ix.name(slot), Matched: ix.spelling(st.id), Score: round4(st.score)})
		if len(out) == want {
			break
		}
	}
	s.slots = slots[:0]
	return out
}

// collect generates candidates after the first nExact ones in s.cand, rescores s.cand[from:] best
// estimate first until estimates fall well below the top one, appends the scores to s.scored and
// returns the best score seen (starting from best).
func (ix *Index) collect(s *scratch, k, want, from, nExact int, best float64) float64 {
	ix.generate(s, k)
	topEst := float32(0)
	if len(s.cand) > nExact {
		topEst = s.candEst[nExact]
	}
	minRescore := nExact + max(8, want)
	for ci := from; ci < len(s.cand); ci++ {
		if ci >= minRescore && s.candEst[ci] < rescoreRatio*topEst {
			break
		}
		t := s.cand[ci]
		// Trigram similarity (at most diceWeight) only matters while no clearly better match exists.
		useDice := best < diceWeight+PickWindow
		if sc := s.score(&s.q, ix.norm(t), useDice); sc > 0 {
			s.scored = append(s.scored, scoredTerm{id: t, score: sc})
			best = max(best, sc)
		}
	}
	return best
}

func round4(x float64) float64 {
	if x > 1 {
		x = 1
	}
	return float64(int64(x*10000+0.5)) / 10000
}
