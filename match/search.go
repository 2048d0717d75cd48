package match

import (
	"slices"
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

// Scoring tiers (see score).
const (
	scoreExact       = 1.0
	scoreCompact     = 0.97 // equal once spaces are ignored: "volvocars" ~ "volvo cars"
	scoreWords       = 0.90 // every query word is a whole word of the term, starting at its first word
	scorePrefix      = 0.80 // ... but the last query word is only a prefix of a term word
	innerPenalty     = 0.06 // the match starts at a later word of the term
	gapPenalty       = 0.05 // the query words skip term words
	coverageBonus    = 0.06 // times len(query)/len(term), both without spaces
	typoPenalty      = 0.07 // per Damerau-Levenshtein edit
	scoreCompactTypo = 0.92 // whole strings without spaces within the typo budget, minus typoPenalty per edit
	diceWeight       = 0.65 // times the trigram Dice coefficient; always below MinConfidence
	legalPenalty     = 0.03 // the query matched only after dropping a trailing "AB", "Inc", ...
)

// Query and work limits.
const (
	maxQueryBytes = 1024 // raw query bytes looked at
	maxQueryNorm  = 128  // normalized query bytes kept
	genBudget     = 12000
	resolveK      = 40 // terms rescored for Resolve
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
	ranked := ix.rank(query, resolveK, MaxPickList+1)
	if len(ranked) == 0 {
		return Result{Outcome: None}
	}
	best := ranked[0]
	if best.Score >= scoreExact {
		exact := 0
		for _, c := range ranked {
			if c.Score >= scoreExact {
				exact++
			}
		}
		if exact == 1 {
			return Result{Outcome: Unique, Best: best}
		}
		return Result{Outcome: Ambiguous, Candidates: clip(ranked, MaxPickList)}
	}
	if best.Score < MinConfidence {
		var sugg []Candidate
		for _, c := range ranked {
			if len(sugg) == MaxSuggestions || c.Score < MinSuggestion {
				break
			}
			sugg = append(sugg, c)
		}
		return Result{Outcome: None, Candidates: sugg}
	}
	if len(ranked) == 1 || best.Score-ranked[1].Score >= MinGap {
		return Result{Outcome: Unique, Best: best}
	}
	var pick []Candidate
	for _, c := range ranked {
		if len(pick) == MaxPickList || c.Score < best.Score-PickWindow {
			break
		}
		pick = append(pick, c)
	}
	return Result{Outcome: Ambiguous, Candidates: pick}
}

// Search returns up to limit accounts (10 if limit <= 0, at most 100) matching query, best first.
func (ix *Index) Search(query string, limit int) []Candidate {
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, maxSearch)
	ranked := ix.rank(query, max(resolveK, 4*limit), limit)
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

// scratch is per-lookup working memory, pooled.
type scratch struct {
	counts  []uint8
	touched []int32
	lists   []gramList
	heap    []heapItem
	cand    []int32
	scored  []scoredTerm
	q       [2]queryInfo
	nq      int
	tr      []rune   // term runes
	tc      []rune   // term runes without spaces
	ttoks   [][2]int // term word spans in tr
	tgrams  []uint32
	dl      []int
}

type gramList struct {
	key uint32
	n   int
}

type heapItem struct {
	est uint32
	id  int32
}

type scoredTerm struct {
	id    int32
	score float64
}

type queryInfo struct {
	norm    string
	runes   []rune
	comp    []rune
	toks    [][2]int
	grams   []uint32 // sorted, distinct
	short   bool     // at most 2 runes without spaces: exact and word-prefix matches only
	penalty float64
}

func (q *queryInfo) set(norm string, penalty float64) {
	q.norm = norm
	q.penalty = penalty
	q.runes = q.runes[:0]
	q.comp = q.comp[:0]
	q.toks = q.toks[:0]
	start := 0
	for _, r := range norm {
		if r == ' ' {
			q.toks = append(q.toks, [2]int{start, len(q.runes)})
			q.runes = append(q.runes, r)
			start = len(q.runes)
			continue
		}
		q.runes = append(q.runes, r)
		q.comp = append(q.comp, r)
	}
	q.toks = append(q.toks, [2]int{start, len(q.runes)})
	q.short = len(q.comp) <= 2
	q.grams = appendGrams(q.grams[:0], norm)
	slices.Sort(q.grams)
	q.grams = slices.Compact(q.grams)
}

func (q *queryInfo) tok(i int) []rune { return q.runes[q.toks[i][0]:q.toks[i][1]] }

// rank returns up to want accounts ordered by score, rescoring at most k terms.
func (ix *Index) rank(query string, k, want int) []Candidate {
	if len(query) > maxQueryBytes {
		cut := maxQueryBytes
		for cut > 0 && !utf8.RuneStart(query[cut]) {
			cut--
		}
		query = query[:cut]
	}
	qn := truncateWords(Normalize(query), maxQueryNorm)
	if qn == "" {
		return nil
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.termCount == 0 {
		return nil
	}
	s, _ := ix.pool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	defer ix.pool.Put(s)

	s.q[0].set(qn, 0)
	s.nq = 1
	if core := stripLegal(qn); core != qn {
		s.q[1].set(core, legalPenalty)
		s.nq = 2
	}

	s.cand = s.cand[:0]
	for i := 0; i < s.nq; i++ {
		for t, ok := ix.exact[hashString(s.q[i].norm)]; ok && t >= 0; t = ix.terms[t].next {
			if ix.terms[t].norm == s.q[i].norm {
				s.cand = append(s.cand, t)
			}
		}
	}
	ix.generate(s, k)

	// Rescore.
	s.scored = s.scored[:0]
	for _, t := range s.cand {
		tn := ix.terms[t].norm
		best := 0.0
		for i := 0; i < s.nq; i++ {
			best = max(best, s.score(&s.q[i], tn)-s.q[i].penalty)
		}
		if best > 0 {
			s.scored = append(s.scored, scoredTerm{id: t, score: best})
		}
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

	// Best term per account.
	out := make([]Candidate, 0, want)
	var slots []int32
	for _, st := range s.scored {
		t := &ix.terms[st.id]
		if slices.Contains(slots, t.slot) {
			continue
		}
		slots = append(slots, t.slot)
		en := &ix.entries[t.slot]
		out = append(out, Candidate{ID: en.id, Name: en.name, Matched: en.field(t.field), Score: round4(st.score)})
		if len(out) == want {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case len(a.Name) != len(b.Name):
			return len(a.Name) - len(b.Name)
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

func (en *entry) field(f int16) string {
	switch {
	case f == fieldName:
		return en.name
	case f == fieldDomain:
		return en.domain
	case int(f) <= len(en.aliases):
		return en.aliases[f-1]
	}
	return en.name
}

func round4(x float64) float64 {
	if x > 1 {
		x = 1
	}
	return float64(int64(x*10000+0.5)) / 10000
}

// generate appends to s.cand the k terms sharing the most query trigrams (relative to their own
// trigram count). It walks posting lists from the rarest up and stops once genBudget postings have
// been counted, so common grams ("ing", " co") cost nothing when rarer ones already narrow things down.
func (ix *Index) generate(s *scratch, k int) {
	q := &s.q[0]
	s.lists = s.lists[:0]
	if len(q.comp) == 1 && len(q.toks) == 1 {
		// One rune: words starting with it.
		r := q.runes[0]
		if _, ok := sym(r); ok {
			for _, c := range " abcdefghijklmnopqrstuvwxyz0123456789" {
				s.addList(ix, gramKey(' ', r, c))
			}
		} else {
			s.addList(ix, gramKey(' ', r, ' '))
		}
	} else {
		for _, g := range q.grams {
			s.addList(ix, g)
		}
	}
	if len(s.lists) == 0 {
		return
	}
	slices.SortFunc(s.lists, func(a, b gramList) int { return a.n - b.n })

	if cap(s.counts) < len(ix.terms) {
		s.counts = make([]uint8, len(ix.terms)+len(ix.terms)/4)
	}
	counts := s.counts[:len(ix.terms)]
	touched := s.touched[:0]
	processed, lists := 0, 0
	maxCount := uint8(0)
	for i, gl := range s.lists {
		list := ix.post[gl.key]
		if i > 0 && processed+len(list) > genBudget {
			break
		}
		if len(list) > genBudget {
			list = list[:genBudget]
		}
		for _, t := range list {
			c := counts[t]
			if c == 0 {
				touched = append(touched, t)
			}
			c++
			counts[t] = c
			if c > maxCount {
				maxCount = c
			}
		}
		processed += len(list)
		lists++
	}

	// Keep the k best by est = count / (lists + term grams), a Dice-like ratio that prefers shorter
	// terms among equal counts. Terms with less than half the best count are ignored.
	minCount := max(1, maxCount/2)
	h := s.heap[:0]
	for _, t := range touched {
		c := counts[t]
		counts[t] = 0
		if c < minCount {
			continue
		}
		est := uint32(c) << 16 / uint32(lists+int(ix.terms[t].ngrams))
		if len(h) < k {
			h = append(h, heapItem{est, t})
			if len(h) == k {
				heapInit(h)
			}
			continue
		}
		if est > h[0].est {
			h[0] = heapItem{est, t}
			heapDown(h, 0)
		}
	}
	for _, it := range h {
		s.cand = append(s.cand, it.id)
	}
	s.touched = touched[:0]
	s.heap = h[:0]
}

func (s *scratch) addList(ix *Index, key uint32) {
	if n := len(ix.post[key]); n > 0 {
		s.lists = append(s.lists, gramList{key, n})
	}
}

// min-heap on est.
func heapInit(h []heapItem) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		heapDown(h, i)
	}
}

func heapDown(h []heapItem, i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r].est < h[l].est {
			m = r
		}
		if h[i].est <= h[m].est {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

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
func (s *scratch) score(q *queryInfo, tn string) float64 {
	if tn == q.norm {
		return scoreExact
	}
	s.tr, s.tc, s.ttoks = s.tr[:0], s.tc[:0], s.ttoks[:0]
	start := 0
	for _, r := range tn {
		if r == ' ' {
			s.ttoks = append(s.ttoks, [2]int{start, len(s.tr)})
			s.tr = append(s.tr, r)
			start = len(s.tr)
			continue
		}
		s.tr = append(s.tr, r)
		s.tc = append(s.tc, r)
	}
	s.ttoks = append(s.ttoks, [2]int{start, len(s.tr)})
	if slices.Equal(q.comp, s.tc) {
		return scoreCompact
	}
	best := s.alignScore(q)
	if !q.short && len(q.comp) >= 4 {
		k := maxTypos(len(q.comp))
		if d := s.osa(q.comp, s.tc, k); d <= k {
			best = max(best, scoreCompactTypo-typoPenalty*float64(d))
		}
	}
	if !q.short && best < diceWeight {
		s.tgrams = appendGrams(s.tgrams[:0], tn)
		slices.Sort(s.tgrams)
		s.tgrams = slices.Compact(s.tgrams)
		best = max(best, diceWeight*dice(q.grams, s.tgrams))
	}
	return best
}

// alignScore matches the query words, in order, to words of the term (see score).
func (s *scratch) alignScore(q *queryInfo) float64 {
	nq, nt := len(q.toks), len(s.ttoks)
	if nq == 0 || nq > nt {
		return 0
	}
	cov := min(1, float64(len(q.comp))/float64(max(1, len(s.tc))))
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

// matchWord compares query word i with term word j: equal, a prefix (last query word only), or
// within the typo budget of the shorter word.
func (s *scratch) matchWord(q *queryInfo, i, j int) (ok, partial bool, typos int) {
	a := q.tok(i)
	b := s.tr[s.ttoks[j][0]:s.ttoks[j][1]]
	if slices.Equal(a, b) {
		return true, false, 0
	}
	if i == len(q.toks)-1 && len(a) < len(b) && slices.Equal(a, b[:len(a)]) {
		return true, true, 0
	}
	if q.short {
		return false, false, 0
	}
	k := maxTypos(min(len(a), len(b)))
	if k == 0 {
		return false, false, 0
	}
	if d := s.osa(a, b, k); d <= k {
		return true, false, d
	}
	return false, false, 0
}

// osa returns the optimal-string-alignment (restricted Damerau-Levenshtein) distance of a and b,
// or k+1 if it exceeds k.
func (s *scratch) osa(a, b []rune, k int) int {
	la, lb := len(a), len(b)
	if la-lb > k || lb-la > k {
		return k + 1
	}
	if la == 0 || lb == 0 {
		return max(la, lb)
	}
	if la > 64 || lb > 64 {
		return k + 1
	}
	w := lb + 1
	if cap(s.dl) < 3*w {
		s.dl = make([]int, 3*w+32)
	}
	buf := s.dl[:3*w]
	pp, p, c := buf[:w], buf[w:2*w], buf[2*w:]
	for j := range p {
		p[j] = j
	}
	for i := 1; i <= la; i++ {
		c[0] = i
		rowMin := i
		ai := a[i-1]
		for j := 1; j <= lb; j++ {
			cost := 1
			if ai == b[j-1] {
				cost = 0
			}
			v := p[j-1] + cost
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
			c[j] = v
			if v < rowMin {
				rowMin = v
			}
		}
		if rowMin > k {
			return k + 1
		}
		pp, p, c = p, c, pp
	}
	return min(p[lb], k+1)
}

// dice is 2|a∩b|/(|a|+|b|) for sorted distinct slices.
func dice(a, b []uint32) float64 {
	if len(a)+len(b) == 0 {
		return 0
	}
	i, j, n := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return 2 * float64(n) / float64(len(a)+len(b))
}
