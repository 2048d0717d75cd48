package match

import (
	"slices"
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
// Every name, alias and domain is stored as a normalized "term". A term's character trigrams (the
// term padded with one space at each end, so word starts and ends are grams of their own) go into an
// inverted index: gram → posting list of term ids. Lookups count gram overlap over the rarest posting
// lists, rescore the best few dozen terms exactly, and keep the best term per account.
//
// Reads take a read lock; Upsert and Remove take the write lock and cost O(total length of the
// posting lists they touch), which is fine for occasional edits.
type Index struct {
	mu sync.RWMutex

	entries     []entry         // by slot; a free slot has terms == nil and id == 0
	freeEntries []int32         // reusable entry slots
	byID        map[int64]int32 // account id → entry slot

	terms     []term
	freeTerms []int32          // reusable term ids
	post      [][]int32        // gram key → ids of the terms containing the gram (unordered)
	exact     map[uint64]int32 // hash of a normalized term → first term id with that text
	pool      sync.Pool        // *scratch
	termCount int
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
	norm   string // normalized text; "" when the term id is free
	slot   int32  // entry slot
	next   int32  // next term id in the exact-match chain, or -1
	field  int16
	ngrams uint8 // distinct trigrams indexed for the term (capped at 255)
}

// maxTermBytes caps the normalized length of an indexed term; longer text is cut at a word boundary.
const maxTermBytes = 160

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		byID:  make(map[int64]int32),
		post:  make([][]int32, numGramKeys),
		exact: make(map[uint64]int32),
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
	var gramBuf []uint32
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if slot, ok := ix.byID[e.ID]; ok {
		gramBuf = ix.removeSlot(slot, gramBuf)
	}
	var slot int32
	if n := len(ix.freeEntries); n > 0 {
		slot = ix.freeEntries[n-1]
		ix.freeEntries = ix.freeEntries[:n-1]
	} else {
		slot = int32(len(ix.entries))
		ix.entries = append(ix.entries, entry{})
	}
	en := entry{id: e.ID, name: e.Name, domain: e.Domain}
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
		en.terms = append(en.terms, ix.addTerm(n, slot, field, &gramBuf))
	}
	add(e.Name, fieldName)
	for i, a := range e.Aliases {
		if i >= 1<<14 {
			break
		}
		add(a, int16(i+1))
	}
	add(e.Domain, fieldDomain)
	if en.terms == nil {
		en.terms = []int32{} // mark the slot used even when nothing is searchable
	}
	ix.entries[slot] = en
	ix.byID[e.ID] = slot
}

// Remove deletes account id; removing an unknown id does nothing.
func (ix *Index) Remove(id int64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if slot, ok := ix.byID[id]; ok {
		ix.removeSlot(slot, nil)
	}
}

func (ix *Index) removeSlot(slot int32, gramBuf []uint32) []uint32 {
	en := &ix.entries[slot]
	for _, t := range en.terms {
		gramBuf = ix.removeTerm(t, gramBuf)
	}
	delete(ix.byID, en.id)
	*en = entry{}
	ix.freeEntries = append(ix.freeEntries, slot)
	return gramBuf
}

func (ix *Index) addTerm(n string, slot int32, field int16, gramBuf *[]uint32) int32 {
	var id int32
	if k := len(ix.freeTerms); k > 0 {
		id = ix.freeTerms[k-1]
		ix.freeTerms = ix.freeTerms[:k-1]
	} else {
		id = int32(len(ix.terms))
		ix.terms = append(ix.terms, term{})
	}
	*gramBuf = termGrams(n, field == fieldDomain, (*gramBuf)[:0])
	for _, g := range *gramBuf {
		ix.post[g] = append(ix.post[g], id)
	}
	h := hashString(n)
	next := int32(-1)
	if head, ok := ix.exact[h]; ok {
		next = head
	}
	ix.exact[h] = id
	ix.terms[id] = term{norm: n, slot: slot, next: next, field: field, ngrams: uint8(min(len(*gramBuf), 255))}
	ix.termCount++
	return id
}

func (ix *Index) removeTerm(id int32, gramBuf []uint32) []uint32 {
	t := &ix.terms[id]
	gramBuf = termGrams(t.norm, t.field == fieldDomain, gramBuf[:0])
	for _, g := range gramBuf {
		list := ix.post[g]
		if i := slices.Index(list, id); i >= 0 {
			last := len(list) - 1
			list[i] = list[last]
			list = list[:last]
			if len(list) == 0 {
				list = nil
			}
			ix.post[g] = list
		}
	}
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
	return gramBuf
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

func hashString(s string) uint64 {
	// FNV-1a, 64 bit.
	h := uint64(14695981039346656037)
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

// termGrams returns the sorted distinct trigram keys indexed for a term. Domains are indexed by their
// core ("volvocars com" → " volvocars ") so that every .com does not share " co", "com" and "om ".
func termGrams(n string, domain bool, dst []uint32) []uint32 {
	if domain {
		n = domainCore(n)
	}
	dst = appendGrams(dst[:0], n)
	slices.Sort(dst)
	return slices.Compact(dst)
}
