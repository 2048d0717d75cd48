package match

// This file generates candidates: the vocabulary words each query word can stand for (exact,
// prefix, typo, split or joined words, domains) and the accounts they point to.

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
)

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
