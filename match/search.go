package match

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
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
	scorePrefix      = 0.80 // ... but some query word is only a prefix of a term word
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

// scratch is per-lookup working memory, pooled.
type scratch struct {
	q        queryInfo
	wm       []wordMatch
	tokDF    []int
	pseudo   int      // next query word id for a part of a split word
	tg       []uint32 // trigrams of a query word
	glists   []gramList
	wordPos  idMap   // vocabulary words sharing grams with the current query word
	counts   []uint8 // by position in wordPos: grams shared
	wr       []rune
	qbytes   []byte
	bag      [256]int16 // byte counts of the current ASCII query word
	acc      []float32  // by position in termPos: evidence so far
	mark     []uint8    // by position in termPos: 1 + the query word last credited
	typoAll  bool       // look for typos of query words that are words themselves
	skipped  bool       // some query word skipped the typo search
	termPos  idMap      // terms touched by the query words
	heap     []heapItem
	cand     []int32
	slots    []int32
	found    []int32
	prefixed []int32 // words starting with the current query word
	candEst  []float32
	scored   []scoredTerm
	tr       []rune   // term runes
	tc       []rune   // term runes without spaces
	ttoks    [][2]int // term word spans in tr
	tgrams   []uint32
	wgrams   []uint32 // trigrams of a vocabulary word
	dl       []int
}

type gramList struct {
	key uint32
	n   int
}

type heapItem struct {
	est float32
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
	toks    [][2]int // word spans in runes
	btoks   [][2]int // word spans in norm (bytes)
	grams   []uint32 // sorted, distinct
	gset    []uint64 // bitset of grams
	short   bool     // at most 2 runes without spaces: exact and word-prefix matches only
	core    string   // norm without trailing legal-form words ("ikea ab" → "ikea")
	ncore   int      // words in core
	coreLen int      // runes in core, without spaces
	nsearch int      // leading words looked up in the vocabulary: all but a domain's suffix
}

func (q *queryInfo) set(norm string, domain bool) {
	q.norm = norm
	q.nsearch = strings.Count(norm, " ") + 1
	if domain {
		q.nsearch = strings.Count(domainCore(norm), " ") + 1
	}
	q.core = stripLegal(norm)
	q.ncore = strings.Count(q.core, " ") + 1
	q.coreLen = utf8.RuneCountInString(q.core) - (q.ncore - 1)
	q.runes, q.comp, q.toks = splitWords(norm, q.runes[:0], q.comp[:0], q.toks[:0])
	q.btoks = q.btoks[:0]
	for bstart := 0; ; {
		i := strings.IndexByte(norm[bstart:], ' ')
		if i < 0 {
			q.btoks = append(q.btoks, [2]int{bstart, len(norm)})
			break
		}
		q.btoks = append(q.btoks, [2]int{bstart, bstart + i})
		bstart += i + 1
	}
	q.short = len(q.comp) <= 2
	for _, g := range q.grams {
		q.gset[g>>6] = 0
	}
	q.grams = appendGrams(q.grams[:0], norm)
	slices.Sort(q.grams)
	q.grams = slices.Compact(q.grams)
	if q.gset == nil {
		q.gset = make([]uint64, (numGramKeys+63)/64)
	}
	for _, g := range q.grams {
		q.gset[g>>6] |= 1 << (g & 63)
	}
}

func (q *queryInfo) tok(i int) []rune { return q.runes[q.toks[i][0]:q.toks[i][1]] }

func (q *queryInfo) word(i int) string { return q.norm[q.btoks[i][0]:q.btoks[i][1]] }

// splitWords appends the runes of s to runes, the same without its spaces to comp, and the rune
// span of each space-separated word to toks: the query and every term are split the same way.
func splitWords(s string, runes, comp []rune, toks [][2]int) ([]rune, []rune, [][2]int) {
	start := 0
	for _, r := range s {
		if r == ' ' {
			toks = append(toks, [2]int{start, len(runes)})
			runes = append(runes, r)
			start = len(runes)
			continue
		}
		runes = append(runes, r)
		comp = append(comp, r)
	}
	return runes, comp, append(toks, [2]int{start, len(runes)})
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

// Candidate generation limits.
const (
	maxQueryWords         = 12    // query words looked up in the vocabulary
	maxWordMatches        = 48    // vocabulary words kept per query word
	maxPrefixAlternatives = 8     // longer words kept for a last query word that is itself a word
	maxSimilarChecks      = 64    // vocabulary words per query word checked for mere similarity
	vocabBudget           = 20000 // vocabulary-trigram postings counted per query word
	termBudget            = 15000 // term postings counted per query
	commonDF              = 500   // a query word matching more terms than this is "common"
	memberLimit           = 512   // candidates up to which a common word is looked up in their text
)

// Quality of a vocabulary word as a match for a query word, before weighting by rarity.
const (
	qualExact   = 1.0
	qualSplit   = 0.85 // "volvocars" = "volvo" + "cars"
	qualTypo1   = 0.8
	qualTypo2   = 0.65
	qualPrefix  = 0.6 // plus up to 0.3 for covering more of the word
	qualSimilar = 0.25
	minSimilar  = 0.5 // trigram Dice needed to call two words similar
)

type wordMatch struct {
	tok  int32
	word int32
	qual float32
}

// generate appends to s.cand (and their estimates to s.candEst), best first, up to k terms worth
// rescoring. For each query word it collects matching vocabulary words (equal, words run together,
// a word it starts, within the typo budget, or merely similar); then it adds up, per term, the
// rarity-weighted quality of the best word it contains for each query word, walking the query words
// from the rarest up, so that very common words ("gmbh", "group") cost little or nothing once rarer
// ones have narrowed things down.
func (ix *Index) generate(s *scratch, k int) {
	q := &s.q
	s.wm = s.wm[:0]
	ntok := min(q.nsearch, maxQueryWords)
	s.pseudo = maxQueryWords // ids for the parts of split query words
	for i := 0; i < ntok; i++ {
		tok := q.word(i)
		dup := false
		for j := 0; j < i; j++ {
			dup = dup || q.word(j) == tok
		}
		if !dup {
			ix.matchWords(s, q, i)
		}
	}
	if len(s.wm) == 0 {
		return
	}
	// Order: rarest query word first (by total postings), best match first within a word.
	s.tokDF = s.tokDF[:0]
	for _, m := range s.wm {
		for int(m.tok) >= len(s.tokDF) {
			s.tokDF = append(s.tokDF, 0)
		}
		s.tokDF[m.tok] += ix.df(m.word)
	}
	slices.SortFunc(s.wm, func(a, b wordMatch) int {
		if a.tok != b.tok {
			if da, db := s.tokDF[a.tok], s.tokDF[b.tok]; da != db {
				return da - db
			}
			return int(a.tok - b.tok)
		}
		if a.qual != b.qual {
			if a.qual > b.qual {
				return -1
			}
			return 1
		}
		return ix.df(a.word) - ix.df(b.word)
	})

	// Terms touched, in first-touch order, with their weight and the query word last credited.
	tm := &s.termPos
	acc, mark := s.acc[:0], s.mark[:0]
	n := float64(ix.termCount)
	processed := 0
	maxAcc := float32(0)
	for i := 0; i < len(s.wm); {
		j := i + 1
		for j < len(s.wm) && s.wm[j].tok == s.wm[i].tok {
			j++
		}
		group := s.wm[i:j]
		best := group[0]
		df := s.tokDF[best.tok]
		// A query word weighs by the rarity of its best match: its longer or misspelt variants
		// must not outweigh the word itself by being rarer.
		idf := float32(1 + math.Log1p(n/float64(1+ix.df(best.word))))
		if i > 0 && df > commonDF {
			// A common word after rarer ones: once those single out a few terms (all rescored in
			// full anyway; terms lacking every rarer query word cannot be good matches) skip it,
			// and while they single out a few hundred, look it up in those terms' text rather than
			// walking its long posting list.
			if len(acc) <= k || frontSize(acc, maxAcc) <= k/2 {
				break
			}
			if len(acc) <= memberLimit {
				wt := ix.wordText(best.word)
				prefixes := best.qual == qualExact && best.tok < maxQueryWords
				for p, t := range tm.keys {
					if f := wordIn(ix.norm(t), wt, prefixes); f > 0 {
						a := acc[p] + f*best.qual*idf
						acc[p] = a
						maxAcc = max(maxAcc, a)
					}
				}
				i = j
				continue
			}
		}
		if i > 0 && processed+df > termBudget {
			break
		}
		tag := uint8(best.tok) + 1
		for _, m := range group {
			post := ix.postings(m.word)
			np := min(ix.df(m.word), max(0, termBudget-processed))
			w := m.qual * idf
			for range np {
				t, _ := post.next()
				p, added := tm.put(t)
				if added {
					acc, mark = append(acc, 0), append(mark, 0)
				}
				if mark[p] == tag {
					continue // a better match of the same query word already counted
				}
				mark[p] = tag
				a := acc[p] + w
				acc[p] = a
				maxAcc = max(maxAcc, a)
			}
			processed += np
		}
		i = j
	}

	// Keep the k best, preferring terms with fewer words among equals.
	h := s.heap[:0]
	for p, t := range tm.keys {
		est := acc[p] - 0.02*float32(ix.termWordCount(t))
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
	slices.SortFunc(h, func(a, b heapItem) int { return cmp.Or(cmp.Compare(b.est, a.est), cmp.Compare(a.id, b.id)) })
	for _, it := range h {
		s.cand = append(s.cand, it.id)
		s.candEst = append(s.candEst, it.est)
	}
	tm.reset()
	s.acc, s.mark = keepSmall(acc), keepSmall(mark)
	s.heap = h[:0]
}

// wordIn rates how well normalized text n contains word w: 1 as a whole word, else (with prefixes)
// 0.6–0.9 as the start of a longer word (relative to qualExact, like qualPrefix), else 0.
func wordIn(n, w string, prefixes bool) float32 {
	best := float32(0)
	for len(n) > 0 {
		i := strings.IndexByte(n, ' ')
		word := n
		if i >= 0 {
			word, n = n[:i], n[i+1:]
		} else {
			n = ""
		}
		if word == w {
			return 1
		}
		if prefixes && len(word) > len(w) && strings.HasPrefix(word, w) {
			best = max(best, float32(qualPrefix+0.3*float64(len(w))/float64(len(word))))
		}
	}
	return best
}

// frontSize counts the touched terms whose accumulated weight ties the maximum.
func frontSize(acc []float32, maxAcc float32) int {
	n := 0
	for _, a := range acc {
		if a >= maxAcc*0.999 {
			n++
		}
	}
	return n
}

// matchWords appends to s.wm the vocabulary words matching query word i.
func (ix *Index) matchWords(s *scratch, q *queryInfo, i int) {
	tok := q.word(i)
	r := q.tok(i)
	L := len(r)
	first := len(s.wm)
	add := func(w int32, qual float64) {
		s.wm = append(s.wm, wordMatch{tok: int32(i), word: w, qual: float32(qual)})
	}
	exactID := int32(-1)
	if id, ok := ix.lookupWord(tok); ok {
		exactID = id
		add(id, qualExact)
	}
	// A query word that is itself a word is taken as meant, unless it is the last one, which may
	// be unfinished; even then its longer variants are only a few alternatives.
	maxPrefix := maxWordMatches
	if exactID >= 0 && !s.typoAll {
		maxPrefix = 0
		if i == len(q.toks)-1 {
			maxPrefix = maxPrefixAlternatives
		}
	}
	if L == 1 {
		// Words starting with this rune.
		if _, ok := sym(r[0]); ok {
			for _, c := range "abcdefghijklmnopqrstuvwxyz0123456789" {
				l := ix.gramList(gramKey(' ', r[0], c))
				if l == nil {
					continue
				}
				for cur := l.cursor(); ; {
					w, ok := cur.next()
					if !ok {
						break
					}
					if len(s.wm)-first >= maxPrefix {
						return
					}
					if w != exactID {
						add(w, qualPrefix+0.3/float64(ix.wordRunes(w)))
					}
				}
			}
		}
		return
	}

	// Words starting with tok, from the sorted vocabulary; every word keeps its first trigram
	// indexed, so when no word has tok's there is none to look for.
	s.tg = appendGrams(s.tg[:0], tok)
	if maxPrefix > 0 && ix.gramList(s.tg[0]) != nil {
		ix.eachPrefixed(s, tok, func(w int32) {
			if wl := ix.wordRunes(w); w != exactID && wl > L {
				add(w, qualPrefix+0.3*float64(L)/float64(wl))
			}
		})
		if exactID >= 0 && len(s.wm)-first > 1+maxPrefix {
			ix.capWords(s, first, 1+maxPrefix)
		}
	}
	// Short words get no typo or similarity guesses; neither do words that exist or that are
	// words run together ("volvocars" = "volvo" + "cars").
	if q.short {
		ix.capWords(s, first, maxWordMatches)
		return
	}
	if !s.typoAll && (exactID >= 0 || L >= 6 && ix.splitWords(s, tok)) {
		s.skipped = true
		ix.capWords(s, first, maxWordMatches)
		return
	}

	if maxTypos(L) == 0 && L < 3 {
		ix.capWords(s, first, maxWordMatches)
		return // too short for typos or similarity
	}

	if maxTypos(L) > 0 {
		ix.domainTypos(s, tok, r, add)
	}
	// Words one edit away, found by their one-deletion variants: usually the typo meant.
	if maxTypos(L) > 0 && ix.typo1(s, tok, r, exactID, add) {
		ix.capWords(s, first, maxWordMatches)
		return
	}

	// Count shared trigrams over the vocabulary, rarest lists first.
	slices.Sort(s.tg)
	s.tg = slices.Compact(s.tg)
	s.glists = s.glists[:0]
	for _, g := range s.tg {
		if n := ix.gramLen(g); n > 0 {
			s.glists = append(s.glists, gramList{g, n})
		}
	}
	slices.SortFunc(s.glists, func(a, b gramList) int { return a.n - b.n })
	// Words sharing grams with tok, in first-touch order, with how many they share.
	wm := &s.wordPos
	counts := s.counts[:0]
	nproc, processed := 0, 0
	for _, gl := range s.glists {
		if nproc > 0 && processed+gl.n > vocabBudget {
			break
		}
		for cur := ix.gramList(gl.key).cursor(); ; {
			w, ok := cur.next()
			if !ok {
				break
			}
			p, added := wm.put(w)
			if added {
				counts = append(counts, 0)
			}
			counts[p]++
		}
		processed += gl.n
		nproc++
	}
	// Grams missing from the vocabulary count as processed: no word shares them.
	nproc += len(s.tg) - len(s.glists)
	maxTy := maxTypos(L)
	qsig := runeSig(tok)
	qascii := len(tok) == L
	if qascii {
		for i := 0; i < len(tok); i++ {
			s.bag[tok[i]]++
		}
		defer func() {
			for i := 0; i < len(tok); i++ {
				s.bag[tok[i]]--
			}
		}()
	}
	// A word within maxTy edits shares at least nproc-4*maxTy grams (an edit spoils at most four).
	// Similarity needs a quarter of the grams and is only a fallback for suggestions, so only the
	// maxSimilarChecks words sharing the most grams are considered for it.
	minTypo := 256
	if maxTy > 0 {
		minTypo = max(1, nproc-4*maxTy)
	}
	var hist [256]int32
	for _, c := range counts {
		hist[c]++
	}
	minSim := max(1, (len(s.tg)+1)/4)
	for c, n := 255, int32(0); c > minSim; c-- {
		n += hist[c]
		if n > maxSimilarChecks {
			minSim = c + 1
			break
		}
	}
	minC := min(minTypo, minSim)
	hasTypo := false
	for p, w := range wm.keys {
		c := int(counts[p])
		if c < minC || w == exactID {
			continue
		}
		m := &ix.words[w]
		if m.flags&wordAllGrams == 0 {
			continue // a domain's own word, listed under its first gram only (see wordFor)
		}
		wl := int(m.tlen)
		if !m.ascii() {
			wl = ix.wordRunes(w)
		}
		if wl > L && c+1 >= nproc && strings.HasPrefix(ix.wordText(w), tok) {
			continue // a prefix match, added above
		}
		if c >= minTypo && wl-L <= maxTy && L-wl <= maxTy && bits.OnesCount16(qsig^m.sig) <= 2*maxTy {
			k := min(maxTy, maxTypos(wl))
			if d := s.typoDistance(tok, r, ix.wordText(w), qascii && m.ascii(), k); d <= k {
				hasTypo = true
				if d == 1 {
					add(w, qualTypo1)
				} else {
					add(w, qualTypo2)
				}
				continue
			}
		}
		if c >= minSim && L >= 3 && 2*float64(c) >= minSimilar*float64(len(s.tg)+s.gramCount(ix.wordText(w))) {
			add(w, qualSimilar)
		}
	}
	wm.reset()
	s.counts = keepSmall(counts)
	if hasTypo {
		// Similar words are for suggestions when nothing closer exists.
		kept := first
		for _, wm := range s.wm[first:] {
			if wm.qual != qualSimilar {
				s.wm[kept] = wm
				kept++
			}
		}
		s.wm = s.wm[:kept]
	}
	ix.capWords(s, first, maxWordMatches)
}

// typoDistance is the edit distance between query word tok (runes r) and vocabulary word wt, or
// k+1 when it exceeds k. Between ASCII words (ascii) a cheap byte-count bound (s.bag holds tok's
// counts) rules most words out before the alignment is computed.
func (s *scratch) typoDistance(tok string, r []rune, wt string, ascii bool, k int) int {
	if ascii {
		if bagDistance(&s.bag, len(tok), wt) > k {
			return k + 1
		}
		return osa(s.qb(tok), []byte(wt), k, &s.dl)
	}
	s.wr = appendRunes(s.wr[:0], wt)
	return osa(r, s.wr, k, &s.dl)
}

// typo1 adds the vocabulary words exactly one edit from tok (runes r) as qualTypo1 matches and
// reports whether there were any.
func (ix *Index) typo1(s *scratch, tok string, r []rune, exactID int32, add func(int32, float64)) bool {
	found := s.found[:0]
	try := func(w int32) {
		if w == exactID || slices.Contains(found, w) {
			return
		}
		s.wr = appendRunes(s.wr[:0], ix.wordText(w))
		if osa(r, s.wr, 1, &s.dl) == 1 {
			found = append(found, w)
			add(w, qualTypo1)
		}
	}
	chain := func(h uint64) {
		ix.dels.each(uint32(h), func(w int32) bool {
			if len(found) >= maxWordMatches {
				return false
			}
			try(w)
			return true
		})
	}
	chain(hashString(tok)) // words with one rune more
	prev := rune(-1)
	for i, c := range tok {
		if c == prev {
			continue
		}
		prev = c
		end := i + utf8.RuneLen(c)
		s.qbytes = append(append(s.qbytes[:0], tok[:i]...), tok[end:]...)
		if w, ok := ix.lookupWord(unsafe.String(unsafe.SliceData(s.qbytes), len(s.qbytes))); ok {
			try(w) // words with one rune less
		}
		chain(hashBytes(hashBytes(hashInit, tok[:i]), tok[end:])) // substitutions, transpositions
	}
	s.found = found[:0]
	return len(found) > 0
}

// maxDomainChecks caps the sorted words domainTypos compares with a query word.
const maxDomainChecks = 64

// domainTypos adds the words only domains have (no trigrams, see wordFor) within the typo budget
// of query word tok (runes r) that keep its start: the sorted words sharing the shortest start of
// tok, of three bytes or more, that at most maxDomainChecks words share. A typo after the first
// letters of a domain's word is found ("ingak.com" for ingka.com); one in its first letters, or
// after a start that many words share, is not.
func (ix *Index) domainTypos(s *scratch, tok string, r []rune, add func(int32, float64)) {
	p := &ix.prefixes
	sorted := p.sorted
	i, _ := slices.BinarySearchFunc(sorted, tok, func(w int32, t string) int { return strings.Compare(ix.wordText(w), t) })
	minK := min(len(tok)-1, 3)
	lo, hi := i, i // the window sorted[lo:hi], every word sharing tok[:k]
	for k := len(tok) - 1; k >= minK; k-- {
		start := tok[:k]
		nlo, nhi := lo, hi
		for nlo > 0 && hi-nlo < maxDomainChecks && strings.HasPrefix(ix.wordText(sorted[nlo-1]), start) {
			nlo--
		}
		for nhi < len(sorted) && nhi-nlo < maxDomainChecks && strings.HasPrefix(ix.wordText(sorted[nhi]), start) {
			nhi++
		}
		if nhi-nlo >= maxDomainChecks {
			break // too common a start: the last window stands
		}
		lo, hi = nlo, nhi
	}
	try := func(w int32) {
		wd := &ix.words[w]
		if wd.flags&wordAllGrams != 0 || wd.post == noPost {
			return // found through its trigrams, or removed
		}
		wl := ix.wordRunes(w)
		k := min(maxTypos(len(r)), maxTypos(wl))
		if k == 0 || wl-len(r) > k || len(r)-wl > k {
			return
		}
		s.wr = appendRunes(s.wr[:0], ix.wordText(w))
		switch osa(r, s.wr, k, &s.dl) {
		case 1:
			add(w, qualTypo1)
		case 2:
			if k == 2 {
				add(w, qualTypo2)
			}
		}
	}
	for _, w := range sorted[lo:hi] {
		try(w)
	}
	for _, w := range p.recent {
		if strings.HasPrefix(ix.wordText(w), tok[:minK]) {
			try(w)
		}
	}
}

// gramCount returns the number of distinct trigrams of word w.
func (s *scratch) gramCount(w string) int {
	s.wgrams = wordGrams(w, s.wgrams)
	return len(s.wgrams)
}

// capWords keeps the n best matches of s.wm[first:].
func (ix *Index) capWords(s *scratch, first, n int) {
	if len(s.wm)-first <= n {
		return
	}
	mine := s.wm[first:]
	slices.SortFunc(mine, func(a, b wordMatch) int {
		switch {
		case a.qual > b.qual:
			return -1
		case a.qual < b.qual:
			return 1
		}
		return ix.wordRunes(a.word) - ix.wordRunes(b.word)
	})
	s.wm = s.wm[:first+n]
}

// splitWords finds the segmentation of tok into the fewest (2 to 4) vocabulary words of at least three
// bytes each, adds those words as qualSplit matches, each as a query word of its own, and reports
// whether there was one.
func (ix *Index) splitWords(s *scratch, tok string) bool {
	n := len(tok)
	if n > 64 {
		return false
	}
	var segs [65]int8 // fewest words covering tok[:i], or 0 if none
	var from [65]int8
	segs[0] = 1 // offset by one so 0 means unreachable
	for i := 0; i < n; i++ {
		if segs[i] == 0 || segs[i] > 4 || !utf8.RuneStart(tok[i]) {
			continue
		}
		for j := i + 3; j <= n; j++ {
			if j < n && !utf8.RuneStart(tok[j]) {
				continue
			}
			if i == 0 && j == n {
				continue
			}
			if segs[j] != 0 && segs[j] <= segs[i]+1 {
				continue
			}
			if _, ok := ix.lookupWord(tok[i:j]); ok {
				segs[j], from[j] = segs[i]+1, int8(i)
			}
		}
	}
	if segs[n] == 0 || segs[n] > 5 {
		return false
	}
	// Each part must be in the term, just like a query word of its own.
	for j := n; j > 0; j = int(from[j]) {
		w, _ := ix.lookupWord(tok[from[j]:j])
		s.wm = append(s.wm, wordMatch{tok: int32(s.pseudo), word: w, qual: qualSplit})
		s.pseudo++
	}
	return true
}

// bagDistance is a lower bound of the edit distance between the ASCII query word counted in bag
// (lq bytes) and ASCII word w: the larger of the byte counts only one of the two has.
func bagDistance(bag *[256]int16, lq int, w string) int {
	extra := 0 // bytes of w beyond the query's
	for i := 0; i < len(w); i++ {
		bag[w[i]]--
		if bag[w[i]] < 0 {
			extra++
		}
	}
	for i := 0; i < len(w); i++ {
		bag[w[i]]++
	}
	return max(extra, extra+lq-len(w))
}

// qb returns tok as bytes, reusing scratch memory.
func (s *scratch) qb(tok string) []byte {
	s.qbytes = append(s.qbytes[:0], tok...)
	return s.qbytes
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
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

// idMap numbers the distinct ids a lookup touches (0, 1, 2, ... in first-touch order), so that
// per-lookup counters are small slices by that number rather than arrays as long as the index:
// a lookup's working memory stays a few hundred kilobytes at any index size.
type idMap struct {
	slots []int32 // 1 + position in keys; 0 is empty; a power of two long
	keys  []int32
	shift uint8 // 32 - log2(len(slots))
}

// put returns the position of id, adding it if new (added).
func (m *idMap) put(id int32) (pos int, added bool) {
	if 2*len(m.keys) >= len(m.slots) {
		m.grow()
	}
	mask := len(m.slots) - 1
	for i := int(uint32(id) * 0x9e3779b1 >> m.shift); ; i = (i + 1) & mask {
		p := m.slots[i]
		if p == 0 {
			m.keys = append(m.keys, id)
			m.slots[i] = int32(len(m.keys))
			return len(m.keys) - 1, true
		}
		if m.keys[p-1] == id {
			return int(p - 1), false
		}
	}
}

func (m *idMap) grow() {
	size := max(1024, 2*len(m.slots))
	m.slots = make([]int32, size)
	m.shift = uint8(32 - bits.TrailingZeros(uint(size)))
	mask := size - 1
	for p, id := range m.keys {
		i := int(uint32(id) * 0x9e3779b1 >> m.shift)
		for m.slots[i] != 0 {
			i = (i + 1) & mask
		}
		m.slots[i] = int32(p + 1)
	}
}

// keepSmall empties a per-lookup slice for reuse, or drops it when an unusual lookup grew it.
func keepSmall[E any](s []E) []E {
	if cap(s) > maxKeptSlots {
		return nil
	}
	return s[:0]
}

// maxKeptSlots caps the tables and slices a pooled scratch keeps between lookups.
const maxKeptSlots = 1 << 15

// reset empties m for the next lookup.
func (m *idMap) reset() {
	if len(m.slots) > maxKeptSlots {
		*m = idMap{}
		return
	}
	if len(m.keys) > 0 {
		clear(m.slots)
		m.keys = m.keys[:0]
	}
}
