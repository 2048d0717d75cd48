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
// grams of their own; a word only domains have keeps just its first, see wordFor). A lookup finds,
// for every query word, the vocabulary words equal to it, starting with it, within its typo budget,
// or merely similar; it then counts those words' postings from the rarest query word up, rescores
// the best few dozen terms in full, and keeps the best term per account.
//
// Memory: every string lives once in an append-only arena (a term's normalized text, then how to
// spell the original from it, see appendSpelling); a word is an offset into the text of the term
// that brought it; accounts, terms and words are small fixed-size records in slices indexed by
// int32; lookups by account id, text and word go through open-addressing tables of int32; posting
// and trigram lists are delta varints. There are no per-account maps, strings or pointers, so an
// account costs around a hundred bytes and the garbage collector has almost nothing to scan.
//
// Reads take a read lock; Upsert and Remove take the write lock and cost O(length of the posting
// lists they touch), which is fine for occasional edits. Removed records stay in place, unused, until
// they outnumber half the live ones; the index is then rebuilt from its own live records. The zero
// value is not usable: call NewIndex.
type Index struct {
	mu   sync.RWMutex
	pool sync.Pool // *scratch
	core
}

// core is the index's data, swapped whole when the index is rebuilt.
type core struct {
	text arena
	rec  []byte   // scratch for building a record
	gbuf []uint32 // scratch for a new word's trigrams

	// Entries (accounts) by slot, never reused until a rebuild. An entry's terms are
	// terms[term0[slot]:term0[slot+1]]: terms are added in slot order, so term0 never decreases
	// and a term's slot is found by binary search.
	ids         []int64
	term0       []int32
	dead        []uint64         // bit set of removed slots
	names       map[int32]uint32 // slot → arena offset of a name no term spells (it normalizes to nothing)
	byID        table            // live entry slots by account id
	maxID       int64            // the largest id ever added: a larger one is new without a probe
	liveEntries int

	terms     []term
	exact     table // live term ids by hash of their normalized text
	termCount int   // live terms

	words     []word
	wordID    table    // live word ids by hash of their text
	lists     []plist  // postings of words in more than one term
	freeLists []int32  // unused lists
	gramAt    []int32  // trigram key → 1 + index in grams, 0 when no word has it
	grams     []plist  // ids of the vocabulary words containing a trigram
	dels      delTable // one-deletion variants of vocabulary words (SymSpell)
	prefixes  prefixes // vocabulary words in byte order
	deadWords int
}

// field values of term: which string of the entry the term came from.
const (
	fieldName   = 0
	fieldDomain = -1
	// aliases use 1 + alias index
)

// term is a normalized name, alias or domain. Its record at off in the arena is the normalized
// text (nlen bytes) then its spelling; or, when nw has termShared, the uvarint offset of an
// equal run of text in an earlier term of the entry (an alias inside the name), then its spelling.
type term struct {
	off   uint32
	field int16
	nlen  uint8
	nw    uint8 // words (capped at termWordMask), | termShared, | termByWord
}

const (
	termShared   = 0x80
	termByWord   = 0x40 // a domain not in the exact table: its word finds it (see byWord)
	termWordMask = 0x3f
)

// word is one vocabulary word: tlen bytes of the arena at off. Twelve bytes: what the typo search
// checks for each of the many words sharing trigrams with a query word is in the record (length,
// rune signature), so that it reads the text of few of them; what a lookup needs for few words
// (the rune count of a word with runes beyond ASCII, the trigram count of a merely similar word)
// is recomputed from the text.
type word struct {
	off   uint32
	post  int32 // the one term containing it (>= 0), or -2-index in lists, or noPost once removed
	tlen  uint8
	flags uint8
	sig   uint16 // runeSig of the text
}

const noPost = -1

const (
	wordASCII    = 1 << iota
	wordDels     // its one-deletion variants are indexed (it occurs in a name or an alias)
	wordAllGrams // every trigram of it is indexed (it occurs in a name or an alias), not only its first
)

func (w *word) ascii() bool { return w.flags&wordASCII != 0 }

// runeSig returns the rune-set signature of s: one bit per rune (mod 16), so an edit changes at
// most two bits.
func runeSig(s string) uint16 {
	var sig uint16
	for _, r := range s {
		if x, ok := sym(r); ok {
			sig |= 1 << (x % 16)
		} else {
			sig |= 1 << (uint32(r) % 16)
		}
	}
	return sig
}

// wordRunes returns the rune count of word w, capped at 255.
func (c *core) wordRunes(w int32) int {
	wd := &c.words[w]
	if wd.ascii() {
		return int(wd.tlen)
	}
	return min(utf8.RuneCountInString(c.wordText(w)), 255)
}

// maxTermBytes caps the normalized length of an indexed term; longer text is cut at a word boundary.
const maxTermBytes = 128

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{core: newCore()}
}

// NewIndexFor returns an empty index with room for about n accounts: loading n accounts then
// neither rehashes its id and name tables as they grow (a seventh of a build) nor copies its
// record slices, and the tables end fuller than grown ones (less memory, not more).
func NewIndexFor(n int) *Index {
	ix := NewIndex()
	if n <= 0 {
		return ix
	}
	terms := 2*n + n/32 + 64 // a name and, for most accounts, a domain; aliases are rare
	ix.ids = make([]int64, 0, n)
	ix.term0 = make([]int32, 0, n)
	ix.terms = make([]term, 0, terms)
	ix.byID.reserve(n)
	// Names and aliases: most domains are found through their word (see byWord); when they are
	// not, the table grows, and Settle fits it again.
	ix.exact.reserve(n + n/32 + 64)
	return ix
}

func newCore() core {
	return core{gramAt: make([]int32, numGramKeys)}
}

// normOff returns the arena offset of term t's normalized text and of its spelling.
func (c *core) normOff(t int32) (uint32, uint32) {
	tm := &c.terms[t]
	if tm.nw&termShared == 0 {
		return tm.off, tm.off + uint32(tm.nlen)
	}
	at, k := uvarint(c.text.bytes(tm.off))
	return at, tm.off + uint32(k)
}

// norm returns the normalized text of term t.
func (c *core) norm(t int32) string {
	tm := &c.terms[t]
	if tm.nw&termShared == 0 {
		return c.text.str(tm.off, int(tm.nlen))
	}
	at, _ := c.normOff(t)
	return c.text.str(at, int(tm.nlen))
}

// words returns the number of words of term t.
func (c *core) termWordCount(t int32) uint8 { return c.terms[t].nw & termWordMask }

// wordText returns the text of vocabulary word w.
func (c *core) wordText(w int32) string {
	wd := &c.words[w]
	return c.text.str(wd.off, int(wd.tlen))
}

// df returns how many terms contain word w.
func (c *core) df(w int32) int {
	switch p := c.words[w].post; {
	case p >= 0:
		return 1
	case p == noPost:
		return 0
	default:
		return int(c.lists[-p-2].n)
	}
}

// postings returns a cursor over the terms containing word w, in ascending order.
func (c *core) postings(w int32) cursor {
	switch p := c.words[w].post; {
	case p >= 0:
		return cursor{one: p + 1}
	case p == noPost:
		return cursor{}
	default:
		return c.lists[-p-2].cursor()
	}
}

// gramList returns the list of vocabulary words containing trigram key g, or nil.
func (c *core) gramList(g uint32) *plist {
	if i := c.gramAt[g]; i > 0 {
		return &c.grams[i-1]
	}
	return nil
}

// gramLen returns how many vocabulary words contain trigram key g.
func (c *core) gramLen(g uint32) int {
	if l := c.gramList(g); l != nil {
		return int(l.n)
	}
	return 0
}

// lookupWord returns the vocabulary id of w.
func (c *core) lookupWord(w string) (int32, bool) {
	h := hashString(w)
	for i := c.wordID.start(h); i >= 0; i = c.wordID.probe(i) {
		id, ok := c.wordID.at(i)
		if !ok {
			break
		}
		if c.wordText(id) == w {
			return id, true
		}
	}
	return 0, false
}

// slotOf returns the live entry slot of account id.
func (c *core) slotOf(id int64) (int32, bool) {
	for i := c.byID.start(uint64(id)); i >= 0; i = c.byID.probe(i) {
		s, ok := c.byID.at(i)
		if !ok {
			break
		}
		if c.ids[s] == id {
			return s, true
		}
	}
	return 0, false
}

// slotOfTerm returns the entry slot of term t.
func (c *core) slotOfTerm(t int32) int32 {
	// The last slot whose first term is at most t; entries without terms share their successor's term0.
	lo, hi := 0, len(c.term0)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.term0[m] <= t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return int32(lo - 1)
}

// eachExact calls f with every live term whose normalized text is n.
func (c *core) eachExact(n string, f func(t int32)) {
	for i := c.exact.start(hashString(n)); i >= 0; i = c.exact.probe(i) {
		t, ok := c.exact.at(i)
		if !ok {
			break
		}
		if c.norm(t) == n {
			f(t)
		}
	}
	if t := c.byWord(n); t >= 0 && c.terms[t].nw&termByWord != 0 {
		f(t)
	}
}

func (c *core) termHash(t int32) uint64 { return hashString(c.norm(t)) }
func (c *core) wordHash(w int32) uint64 { return hashString(c.wordText(w)) }
func (c *core) slotHash(s int32) uint64 { return uint64(c.ids[s]) }

// entryTerms returns the range of term ids of entry slot.
func (c *core) entryTerms(slot int32) (int32, int32) {
	end := int32(len(c.terms))
	if int(slot)+1 < len(c.term0) {
		end = c.term0[slot+1]
	}
	return c.term0[slot], end
}

// name returns the display name of entry slot.
func (c *core) name(slot int32) string {
	if off, ok := c.names[slot]; ok {
		n, k := uvarint(c.text.bytes(off))
		return string(c.text.bytes(off + uint32(k))[:n])
	}
	return c.spelling(c.term0[slot])
}

func (c *core) isDead(slot int) bool { return c.dead[slot>>6]&(1<<(slot&63)) != 0 }

// Len returns the number of accounts in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.liveEntries
}

// Name returns the display name of account id and whether the account is indexed.
func (ix *Index) Name(id int64) (string, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	slot, ok := ix.slotOf(id)
	if !ok {
		return "", false
	}
	return ix.name(slot), true
}

// Upsert adds e, or replaces the account with the same ID (its old names, aliases and domain are dropped).
func (ix *Index) Upsert(e Entry) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if e.ID <= ix.maxID {
		// A bulk load in id order never gets here: only a known-size id can already be indexed.
		if slot, ok := ix.slotOf(e.ID); ok {
			ix.removeSlot(slot)
		}
	}
	fields := make([]field, 0, 2+len(e.Aliases))
	fields = append(fields, field{raw: e.Name, num: fieldName})
	for i, a := range e.Aliases {
		if i >= 1<<14 {
			break
		}
		fields = append(fields, field{raw: a, num: int16(i + 1)})
	}
	fields = append(fields, field{raw: e.Domain, num: fieldDomain})
	for i := range fields {
		fields[i].norm = truncateWords(Normalize(fields[i].raw), maxTermBytes)
	}
	ix.addEntry(e.ID, e.Name, fields)
	ix.compactIfSparse()
}

// field is one name, alias or domain of an entry being added, with its normalized text.
type field struct {
	raw, norm string
	num       int16
}

// Remove deletes account id; removing an unknown id does nothing.
func (ix *Index) Remove(id int64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if slot, ok := ix.slotOf(id); ok {
		ix.removeSlot(slot)
		ix.compactIfSparse()
	}
}

// addEntry indexes account id with its fields (the name first); fields whose normalized text is
// empty or repeats an earlier field's get no term.
func (c *core) addEntry(id int64, name string, fields []field) {
	slot := int32(len(c.ids))
	first := int32(len(c.terms))
	c.ids = appendLean(c.ids, id)
	c.term0 = appendLean(c.term0, first)
	if len(c.dead)*64 <= int(slot) {
		c.dead = appendLean(c.dead, 0)
	}
	for _, f := range fields {
		if f.norm == "" {
			continue
		}
		dup := false
		for t := first; int(t) < len(c.terms); t++ {
			dup = dup || c.norm(t) == f.norm
		}
		if dup {
			continue // same text as an earlier field of this entry
		}
		var skip func(string) bool
		if f.num == fieldDomain {
			skip = func(w string) bool { return c.joinsWords(w, first) }
		}
		c.addTerm(f, first, skip)
	}
	if int(first) == len(c.terms) || c.terms[first].field != fieldName {
		if c.names == nil {
			c.names = make(map[int32]uint32)
		}
		c.rec = appendUvarint(c.rec[:0], uint32(len(name)))
		c.rec = append(c.rec, name...)
		c.names[slot] = c.text.put(c.rec)
	}
	c.byID.insert(slot, uint64(id), c.slotHash)
	c.maxID = max(c.maxID, id)
	c.liveEntries++
}

func (c *core) removeSlot(slot int32) {
	from, to := c.entryTerms(slot)
	for t := from; t < to; t++ {
		c.removeTerm(t)
	}
	c.byID.remove(slot, uint64(c.ids[slot]), c.slotHash)
	c.dead[slot>>6] |= 1 << (slot & 63)
	delete(c.names, slot)
	c.liveEntries--
}

// compactIfSparse rebuilds the index from its live records once removed ones outnumber half the
// live ones: their text, records and table slots are then returned.
func (ix *Index) compactIfSparse() {
	deadTerms := len(ix.terms) - ix.termCount
	deadEntries := len(ix.ids) - ix.liveEntries
	if deadTerms <= 1024+ix.termCount/2 && deadEntries <= 1024+ix.liveEntries/2 && ix.deadWords <= 1024+len(ix.words)/2 {
		return
	}
	fresh := newCore()
	var fields []field
	for slot := range ix.ids {
		if ix.isDead(slot) {
			continue
		}
		fields = fields[:0]
		from, to := ix.entryTerms(int32(slot))
		for t := from; t < to; t++ {
			fields = append(fields, field{raw: ix.spelling(t), norm: ix.norm(t), num: ix.terms[t].field})
		}
		fresh.addEntry(ix.ids[slot], ix.name(int32(slot)), fields)
	}
	ix.core = fresh
}

// pack gives back the room the index's lists, tables and record slices grew into while it was
// loaded: the posting and trigram lists move into one block each (see packLists), the hash
// tables are rehashed to their fullest load when growth left them emptier, and the record slices are
// cut to their length (a slice appended to later grows by an eighth, see appendLean).
func (c *core) pack() {
	packLists(c.lists)
	packLists(c.grams)
	c.dels.fit()
	c.exact.fit(c.termHash)
	c.wordID.fit(c.wordHash)
	c.words = trim(c.words)
	c.terms = trim(c.terms)
}

// termWords calls f for each distinct indexed word of a term, with its byte offset in n. Domains
// are indexed without their public suffix ("volvocars com" → "volvocars") so that "com" does not
// post every account.
func termWords(n string, field int16, f func(w string, at int)) {
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
			f(w, start)
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
// of the terms from first on run together ("volvocars" for "volvo cars"). Such domain words are not
// indexed: Resolve finds them by splitting the query word, and indexing every "namesuffix"
// concatenation would bloat the vocabulary.
func (c *core) joinsWords(w string, first int32) bool {
	for t := first; int(t) < len(c.terms); t++ {
		n := c.norm(t)
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

// addTerm indexes field f of the entry whose terms start at first; words for which skip returns
// true get no postings.
func (c *core) addTerm(f field, first int32, skip func(string) bool) {
	id := int32(len(c.terms))
	nw := uint8(min(strings.Count(f.norm, " ")+1, termWordMask))
	c.rec = c.rec[:0]
	shared := false
	for t := first; t < id; t++ {
		if i := strings.Index(c.norm(t), f.norm); i >= 0 {
			at, _ := c.normOff(t)
			c.rec = appendUvarint(c.rec, at+uint32(i))
			shared = true
			nw |= termShared
			break
		}
	}
	if !shared {
		c.rec = append(c.rec, f.norm...)
	}
	c.rec = appendSpelling(c.rec, f.raw, f.norm)
	c.terms = appendLean(c.terms, term{off: c.text.put(c.rec), field: f.num, nlen: uint8(len(f.norm)), nw: nw})
	n := c.norm(id)
	off, _ := c.normOff(id)
	termWords(n, f.num, func(w string, at int) {
		if skip != nil && skip(w) {
			return
		}
		name := f.num != fieldDomain
		wid := c.wordFor(w, off+uint32(at), name)
		if name {
			c.addDeletes(w, wid)
		}
		c.addPosting(wid, id)
	})
	if f.num == fieldDomain && c.byWord(n) == id {
		c.terms[id].nw |= termByWord
	} else {
		c.exact.insert(id, hashString(n), c.termHash)
	}
	c.termCount++
}

// byWord returns the domain term with normalized text n that the exact table can do without,
// or -1: a domain whose core is one word ("ingka com") that no other term has is the one term
// that word posts, so a lookup of n finds it through the word (see eachExact) for no memory of
// its own. Most domains are such words (a brand of its own, a numbered name) or joined name
// words, which are not indexed at all (see joinsWords); when another term brings the word, the
// domain moves to the exact table (see addPosting).
func (c *core) byWord(n string) int32 {
	core := domainCore(n)
	if strings.IndexByte(core, ' ') >= 0 {
		return -1
	}
	w, ok := c.lookupWord(core)
	if !ok {
		return -1
	}
	p := c.words[w].post
	if p < 0 || c.terms[p].field != fieldDomain || c.norm(p) != n {
		return -1
	}
	return p
}

func (c *core) addPosting(w, t int32) {
	wd := &c.words[w]
	switch p := wd.post; {
	case p == noPost:
		wd.post = t
	case p >= 0:
		if c.terms[p].nw&termByWord != 0 {
			// Term p no longer has the word to itself: the exact table finds it from now on.
			c.terms[p].nw &^= termByWord
			c.exact.insert(p, c.termHash(p), c.termHash)
		}
		var l int32
		if k := len(c.freeLists); k > 0 {
			l = c.freeLists[k-1]
			c.freeLists = c.freeLists[:k-1]
		} else {
			c.lists = append(c.lists, plist{})
			l = int32(len(c.lists) - 1)
		}
		c.lists[l].add(p)
		c.lists[l].add(t)
		wd.post = -2 - l
	default:
		c.lists[-p-2].add(t)
	}
}

// removePosting drops term t from word w's postings and reports whether the word is left in none.
func (c *core) removePosting(w, t int32) bool {
	wd := &c.words[w]
	switch p := wd.post; {
	case p == t:
		wd.post = noPost
	case p <= -2:
		l := &c.lists[-p-2]
		l.remove(t)
		if l.n == 1 {
			cur := l.cursor()
			one, _ := cur.next()
			*l = plist{}
			c.freeLists = append(c.freeLists, -p-2)
			wd.post = one
		}
	}
	return wd.post == noPost
}

// wordFor returns the vocabulary id of w, adding it (its text at arena offset off) if needed.
// A word of a name or an alias (name) has all its trigrams indexed, for typo and similarity
// search; a word only domains have brought so far gets only its first, which finds it for a
// one-letter query (the prefix and exact lookups use the sorted words and the word table, and
// typos after its first letters are found in the sorted words too, see domainTypos).
//
// A domain's word of its own (one not in its name, nor the name's words run together, see
// joinsWords: "ingka" of ingka.com for IKEA, "getport" of getport.io for Port, a numbered
// "barcortech123") is usually unique to its account and often long: its trigram postings, one
// per letter, were the largest part of what a domain costs. The trigram search is for the typos
// people make typing a name from memory; a domain is pasted from a URL or an e-mail address, or
// typed by its name, whose words keep every trigram. When a name or an alias brings such a word
// later ("Nordwind" after nordwind.de), it is promoted (see promote).
func (c *core) wordFor(w string, off uint32, name bool) int32 {
	if id, ok := c.lookupWord(w); ok {
		if name && c.words[id].flags&wordAllGrams == 0 {
			return c.promote(w, id)
		}
		return id
	}
	id := int32(len(c.words))
	runes := utf8.RuneCountInString(w)
	wd := word{off: off, post: noPost, tlen: uint8(len(w)), sig: runeSig(w)}
	if runes == len(w) {
		wd.flags |= wordASCII
	}
	c.words = appendLean(c.words, wd)
	if name || runes == 1 {
		c.indexGrams(id, w)
	} else {
		c.addGram(firstGram(w), id)
	}
	c.wordID.insert(id, hashString(w), c.wordHash)
	c.prefixes.add(id)
	return id
}

// indexGrams adds word id (text w) to the lists of all its trigrams; id must be the largest id
// in each list.
func (c *core) indexGrams(id int32, w string) {
	c.gbuf = wordGrams(w, c.gbuf)
	for _, g := range c.gbuf {
		c.addGram(g, id)
	}
	c.words[id].flags |= wordAllGrams
}

func (c *core) addGram(g uint32, id int32) {
	if c.gramAt[g] == 0 {
		c.grams = append(c.grams, plist{})
		c.gramAt[g] = int32(len(c.grams))
	}
	c.grams[c.gramAt[g]-1].add(id)
}

// firstGram returns the trigram key that starts " w " (the first of appendGrams).
func firstGram(w string) uint32 {
	r0, n := utf8.DecodeRuneInString(w)
	if n == len(w) {
		return gramKey(' ', r0, ' ')
	}
	r1, _ := utf8.DecodeRuneInString(w[n:])
	return gramKey(' ', r0, r1)
}

// promote gives domain-only word old (text w), which a name or an alias now brings, a new id with
// every trigram indexed (trigram lists are appended to in id order), and returns it. The old
// record keeps no postings and counts as removed until the next rebuild.
func (c *core) promote(w string, old int32) int32 {
	c.gramList(firstGram(w)).remove(old)
	c.wordID.remove(old, hashString(w), c.wordHash)
	id := int32(len(c.words))
	wd := c.words[old]
	wd.flags &^= wordAllGrams
	c.words = appendLean(c.words, wd)
	c.words[old].post = noPost
	c.deadWords++
	c.indexGrams(id, w)
	c.wordID.insert(id, hashString(w), c.wordHash)
	c.prefixes.add(id)
	return id
}

// addDeletes indexes the one-deletion variants of word wid (text w), once. Only words of names
// and aliases get them: a domain's own word ("barcortech123" of barcortech123.example) is
// usually unique to its account, and indexing the variants of every one of them cost most of
// the index's memory (see wordFor).
func (c *core) addDeletes(w string, wid int32) {
	if c.words[wid].flags&wordDels != 0 || !deletable(w) {
		return
	}
	c.words[wid].flags |= wordDels
	forEachDelete(w, func(h uint64) { c.dels.insert(uint32(h), wid) })
}

// deletable reports whether w gets one-deletion variants: words of 3 to 32 runes, the ones that can
// be a single edit away from a query word long enough for typos, except numbers. A number one
// digit off is another number ("Area 52" is not "Area 51"), and numbered names ("Barcor Tech
// 40117") would otherwise bring half a dozen variants each.
func deletable(w string) bool {
	n := utf8.RuneCountInString(w)
	return n >= 3 && n <= 32 && strings.IndexFunc(w, func(r rune) bool { return r < '0' || r > '9' }) >= 0
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

// removeTerm unindexes term id. It tries every word of the term: words skipped by addTerm simply
// do not list the term.
func (c *core) removeTerm(id int32) {
	n := c.norm(id)
	termWords(n, c.terms[id].field, func(w string, _ int) {
		wid, ok := c.lookupWord(w)
		if !ok || !c.removePosting(wid, id) {
			return
		}
		if c.words[wid].flags&wordAllGrams != 0 {
			for _, g := range wordGrams(w, nil) {
				c.gramList(g).remove(wid)
			}
		} else {
			c.gramList(firstGram(w)).remove(wid)
		}
		if c.words[wid].flags&wordDels != 0 {
			forEachDelete(w, func(h uint64) { c.dels.remove(uint32(h), wid) })
		}
		c.wordID.remove(wid, hashString(w), c.wordHash)
		c.deadWords++
	})
	if c.terms[id].nw&termByWord == 0 {
		c.exact.remove(id, hashString(n), c.termHash)
	}
	c.termCount--
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
