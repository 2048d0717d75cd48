package match

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Entry is one account as the index sees it: its primary key and every string it may be looked up by.
type Entry struct {
	ID      int64
	Name    string
	Aliases []string
	Domain  string
}

// Index is an in-memory fuzzy index of account names, aliases and domains; it is safe for concurrent use.
//
// Every name, alias and domain is stored as a normalized "term" made of words. Each distinct word of
// the vocabulary has a posting list of the terms containing it, and the vocabulary itself is indexed
// by character trigrams (each word padded with a space at both ends, so word starts and ends are
// grams of their own). A lookup finds, for every query word, the vocabulary words equal to it, starting
// with it, within its typo budget, or merely similar; it then counts those words' postings from the
// rarest query word up, rescores the best few dozen terms in full, and keeps the best term per account.
//
// Reads take a read lock; Upsert and Remove take the write lock and cost O(length of the posting
// lists they touch), which is fine for occasional edits. The zero value is not usable: call NewIndex.
type Index struct {
	mu sync.RWMutex

	entries     []entry         // by slot; a free slot has terms == nil
	freeEntries []int32         // reusable entry slots
	byID        map[int64]int32 // account id → entry slot

	terms     []term
	tnw       []uint8          // words per term (capped at 255), parallel to terms
	freeTerms []int32          // reusable term ids
	termCount int              // live terms
	exact     map[uint64]int32 // hash of a normalized term → first term id with that text

	words     []word
	wmeta     []wordMeta // parallel to words, compact for scanning
	wordID    map[string]int32
	freeWords []int32
	wgrams    [][]int32 // trigram key → ids of vocabulary words containing it (unordered)

	// One-deletion variants of vocabulary words (SymSpell): two words within one edit share a
	// variant or one is a variant of the other, so single typos are found by hash lookups.
	dels     map[uint64]int32 // hash of a word with one rune deleted → first node
	delNodes []delNode
	freeDels []int32

	pool sync.Pool // *scratch
}

type entry struct {
	id      int64
	name    string
	aliases []string
	domain  string
	terms   []int32
}

// field values of term: which string of the entry the term came from.
const (
	fieldName   = 0
	fieldDomain = -1
	// aliases use 1 + alias index
)

type term struct {
	norm  string // normalized text; "" when the term id is free
	slot  int32  // entry slot
	next  int32  // next term id in the exact-match chain, or -1
	field int16
}

type word struct {
	text string
	post []int32 // ids of the terms containing the word (unordered); empty when the id is free
}

type delNode struct {
	word int32 // vocabulary word id, -1 when free
	next int32 // next node with the same deletion hash, or -1
}

type wordMeta struct {
	sig   uint64 // set of runes, one bit each (mod 64); an edit changes at most two bits
	runes uint8  // rune count, capped at 255
	grams uint8  // distinct trigrams, capped at 255
	ascii bool
	dels  bool // its one-deletion variants are indexed (it occurs in a name or an alias)
}

// runeSig returns the rune-set signature of s.
func runeSig(s string) uint64 {
	var sig uint64
	for _, r := range s {
		if x, ok := sym(r); ok {
			sig |= 1 << x
		} else {
			sig |= 1 << (37 + uint32(r)%27)
		}
	}
	return sig
}

// maxTermBytes caps the normalized length of an indexed term; longer text is cut at a word boundary.
const maxTermBytes = 128

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		byID:   make(map[int64]int32),
		exact:  make(map[uint64]int32),
		wordID: make(map[string]int32),
		wgrams: make([][]int32, numGramKeys),
		dels:   make(map[uint64]int32),
	}
}

// Len returns the number of accounts in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byID)
}

// Name returns the display name of account id and whether the account is indexed.
func (ix *Index) Name(id int64) (string, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	slot, ok := ix.byID[id]
	if !ok {
		return "", false
	}
	return ix.entries[slot].name, true
}

// Upsert adds e, or replaces the account with the same ID (its old names, aliases and domain are dropped).
func (ix *Index) Upsert(e Entry) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if slot, ok := ix.byID[e.ID]; ok {
		ix.removeSlot(slot)
	}
	slot := takeSlot(&ix.entries, &ix.freeEntries)
	en := entry{id: e.ID, name: e.Name, domain: e.Domain, terms: []int32{}}
	if len(e.Aliases) > 0 {
		en.aliases = slices.Clone(e.Aliases)
	}
	add := func(s string, field int16) {
		n := truncateWords(Normalize(s), maxTermBytes)
		if n == "" {
			return
		}
		for _, t := range en.terms {
			if ix.terms[t].norm == n {
				return // same text as an earlier field of this entry
			}
		}
		var skip func(string) bool
		if field == fieldDomain {
			skip = func(w string) bool { return ix.joinsWords(w, en.terms) }
		}
		en.terms = append(en.terms, ix.addTerm(n, slot, field, skip))
	}
	add(e.Name, fieldName)
	for i, a := range e.Aliases {
		if i >= 1<<14 {
			break
		}
		add(a, int16(i+1))
	}
	add(e.Domain, fieldDomain)
	ix.entries[slot] = en
	ix.byID[e.ID] = slot
}

// Remove deletes account id; removing an unknown id does nothing.
func (ix *Index) Remove(id int64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if slot, ok := ix.byID[id]; ok {
		ix.removeSlot(slot)
	}
}

func (ix *Index) removeSlot(slot int32) {
	en := &ix.entries[slot]
	for _, t := range en.terms {
		ix.removeTerm(t)
	}
	delete(ix.byID, en.id)
	*en = entry{}
	ix.freeEntries = append(ix.freeEntries, slot)
}

// termWords calls f for each distinct indexed word of a term. Domains are indexed without their
// public suffix ("volvocars com" → "volvocars") so that "com" does not post every account.
func termWords(n string, field int16, f func(w string)) {
	if field == fieldDomain {
		n = domainCore(n)
	}
	start := 0
	for i := 0; i <= len(n); i++ {
		if i < len(n) && n[i] != ' ' {
			continue
		}
		w := n[start:i]
		if w != "" && !seenBefore(n, start, w) {
			f(w)
		}
		start = i + 1
	}
}

// seenBefore reports whether word w occurs in n before byte offset at.
func seenBefore(n string, at int, w string) bool {
	for start := 0; start < at; {
		end := strings.IndexByte(n[start:], ' ')
		if end < 0 {
			return false
		}
		if n[start:start+end] == w {
			return true
		}
		start += end + 1
	}
	return false
}

// joinsWords reports whether w is two or more consecutive words (of two or more bytes each) of one
// of terms run together ("volvocars" for "volvo cars"). Such domain words are not indexed: Resolve finds them by splitting
// the query word, and indexing every "namesuffix" concatenation would bloat the vocabulary.
func (ix *Index) joinsWords(w string, terms []int32) bool {
	for _, t := range terms {
		n := ix.terms[t].norm
		for start := 0; start < len(n); {
			end := start
			parts := 0
			rest := w
			for end < len(n) {
				e := strings.IndexByte(n[end:], ' ')
				if e < 0 {
					e = len(n) - end
				}
				word := n[end : end+e]
				if len(word) < 2 || !strings.HasPrefix(rest, word) {
					break
				}
				rest = rest[len(word):]
				parts++
				end += e + 1
				if rest == "" {
					if parts >= 2 {
						return true
					}
					break
				}
			}
			sp := strings.IndexByte(n[start:], ' ')
			if sp < 0 {
				break
			}
			start += sp + 1
		}
	}
	return false
}

// addTerm indexes normalized text n; words for which skip returns true get no postings.
func (ix *Index) addTerm(n string, slot int32, field int16, skip func(string) bool) int32 {
	id := takeSlot(&ix.terms, &ix.freeTerms)
	if int(id) == len(ix.tnw) {
		ix.tnw = append(ix.tnw, 0)
	}
	termWords(n, field, func(w string) {
		if skip != nil && skip(w) {
			return
		}
		wid := ix.wordFor(w)
		if field != fieldDomain {
			ix.addDeletes(w, wid)
		}
		ix.words[wid].post = append(ix.words[wid].post, id)
	})
	h := hashString(n)
	next := int32(-1)
	if head, ok := ix.exact[h]; ok {
		next = head
	}
	ix.exact[h] = id
	ix.terms[id] = term{norm: n, slot: slot, next: next, field: field}
	ix.tnw[id] = uint8(min(strings.Count(n, " ")+1, 255))
	ix.termCount++
	return id
}

// wordFor returns the vocabulary id of w, adding it if needed.
func (ix *Index) wordFor(w string) int32 {
	if id, ok := ix.wordID[w]; ok {
		return id
	}
	id := takeSlot(&ix.words, &ix.freeWords)
	if int(id) == len(ix.wmeta) {
		ix.wmeta = append(ix.wmeta, wordMeta{})
	}
	grams := wordGrams(w, nil)
	for _, g := range grams {
		ix.wgrams[g] = append(ix.wgrams[g], id)
	}
	ix.words[id] = word{text: w}
	ix.wmeta[id] = wordMeta{sig: runeSig(w), runes: uint8(min(utf8.RuneCountInString(w), 255)), grams: uint8(min(len(grams), 255)), ascii: len(w) == utf8.RuneCountInString(w)}
	ix.wordID[w] = id
	return id
}

// addDeletes indexes the one-deletion variants of word wid (text w), once. Only words of names
// and aliases get them: a domain's own word ("barcortech123" of barcortech123.example) is
// usually unique to its account, and indexing the variants of every one of them cost most of
// the index's memory; a misspelt domain is still found through shared trigrams.
func (ix *Index) addDeletes(w string, wid int32) {
	if ix.wmeta[wid].dels || !deletable(w) {
		return
	}
	ix.wmeta[wid].dels = true
	forEachDelete(w, func(h uint64) {
		n := takeSlot(&ix.delNodes, &ix.freeDels)
		next := int32(-1)
		if head, ok := ix.dels[h]; ok {
			next = head
		}
		ix.delNodes[n] = delNode{word: wid, next: next}
		ix.dels[h] = n
	})
}

// takeSlot returns a free slot of items, reusing one from free when there is one, else
// appending a zero value.
func takeSlot[T any](items *[]T, free *[]int32) int32 {
	if k := len(*free); k > 0 {
		id := (*free)[k-1]
		*free = (*free)[:k-1]
		return id
	}
	var zero T
	*items = append(*items, zero)
	return int32(len(*items) - 1)
}

// deletable reports whether w gets one-deletion variants: words of 3 to 32 runes, the ones that can
// be a single edit away from a query word long enough for typos.
func deletable(w string) bool {
	n := utf8.RuneCountInString(w)
	return n >= 3 && n <= 32
}

// forEachDelete calls f with the hash of every distinct string made by deleting one rune of w.
func forEachDelete(w string, f func(h uint64)) {
	prev := rune(-1)
	for i, r := range w {
		if r == prev {
			continue // deleting either of two equal neighbours gives the same string
		}
		prev = r
		h := hashBytes(hashInit, w[:i])
		f(hashBytes(h, w[i+utf8.RuneLen(r):]))
	}
}

func (ix *Index) removeDeletes(w string, wid int32) {
	if !ix.wmeta[wid].dels {
		return
	}
	forEachDelete(w, func(h uint64) {
		head, ok := ix.dels[h]
		if !ok {
			return
		}
		prev := int32(-1)
		for n := head; n >= 0; prev, n = n, ix.delNodes[n].next {
			if ix.delNodes[n].word != wid {
				continue
			}
			next := ix.delNodes[n].next
			switch {
			case prev >= 0:
				ix.delNodes[prev].next = next
			case next >= 0:
				ix.dels[h] = next
			default:
				delete(ix.dels, h)
			}
			ix.delNodes[n] = delNode{word: -1, next: -1}
			ix.freeDels = append(ix.freeDels, n)
			return
		}
	})
}

// removeTerm unindexes term id. It tries every word of the term: words skipped by addTerm simply
// do not list the term.
func (ix *Index) removeTerm(id int32) {
	t := &ix.terms[id]
	termWords(t.norm, t.field, func(w string) {
		wid, ok := ix.wordID[w]
		if !ok {
			return
		}
		wd := &ix.words[wid]
		wd.post = removeID(wd.post, id)
		if len(wd.post) == 0 {
			for _, g := range wordGrams(w, nil) {
				ix.wgrams[g] = removeID(ix.wgrams[g], wid)
			}
			ix.removeDeletes(w, wid)
			delete(ix.wordID, w)
			*wd = word{}
			ix.wmeta[wid] = wordMeta{}
			ix.freeWords = append(ix.freeWords, wid)
		}
	})
	h := hashString(t.norm)
	if head := ix.exact[h]; head == id {
		if t.next >= 0 {
			ix.exact[h] = t.next
		} else {
			delete(ix.exact, h)
		}
	} else {
		for p := head; p >= 0; p = ix.terms[p].next {
			if ix.terms[p].next == id {
				ix.terms[p].next = t.next
				break
			}
		}
	}
	*t = term{slot: -1, next: -1}
	ix.freeTerms = append(ix.freeTerms, id)
	ix.termCount--
}

// removeID deletes one occurrence of id from an unordered list.
func removeID(list []int32, id int32) []int32 {
	i := slices.Index(list, id)
	if i < 0 {
		return list
	}
	last := len(list) - 1
	list[i] = list[last]
	list = list[:last]
	if len(list) == 0 {
		return nil
	}
	return list
}

// truncateWords cuts a normalized string to at most max bytes, at a word boundary when possible.
func truncateWords(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	s = s[:cut]
	for i := len(s) - 1; i > max/2; i-- {
		if s[i] == ' ' {
			return s[:i]
		}
	}
	return s
}

// hashString is 64-bit FNV-1a.
func hashString(s string) uint64 { return hashBytes(hashInit, s) }

const hashInit = uint64(14695981039346656037)

// hashBytes continues an FNV-1a hash over s.
func hashBytes(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// Trigram keys. Runes of the normalized alphabet (space, a-z, 0-9) map to 37 symbols, and a gram of
// three such symbols has its own key; grams with any other rune are hashed into extraGramKeys buckets.
const (
	alphaSyms     = 37
	asciiGramKeys = alphaSyms * alphaSyms * alphaSyms
	extraGramKeys = 1 << 14
	numGramKeys   = asciiGramKeys + extraGramKeys
)

func sym(r rune) (uint32, bool) {
	switch {
	case r == ' ':
		return 0, true
	case r >= 'a' && r <= 'z':
		return uint32(r-'a') + 1, true
	case r >= '0' && r <= '9':
		return uint32(r-'0') + 27, true
	}
	return 0, false
}

func gramKey(a, b, c rune) uint32 {
	x, ok1 := sym(a)
	y, ok2 := sym(b)
	z, ok3 := sym(c)
	if ok1 && ok2 && ok3 {
		return (x*alphaSyms+y)*alphaSyms + z
	}
	h := uint32(2166136261)
	for _, r := range [3]rune{a, b, c} {
		h ^= uint32(r)
		h *= 16777619
		h ^= h >> 13
	}
	return asciiGramKeys + h%extraGramKeys
}

// appendGrams appends the trigram keys of " s " to dst (with duplicates).
func appendGrams(dst []uint32, s string) []uint32 {
	if s == "" {
		return dst
	}
	a, b := ' ', ' '
	n := 0
	for _, r := range s {
		if n >= 1 {
			dst = append(dst, gramKey(a, b, r))
		}
		a, b = b, r
		n++
	}
	dst = append(dst, gramKey(a, b, ' '))
	return dst
}

// wordGrams returns the sorted distinct trigram keys of " w ".
func wordGrams(w string, dst []uint32) []uint32 {
	dst = appendGrams(dst[:0], w)
	slices.Sort(dst)
	return slices.Compact(dst)
}
