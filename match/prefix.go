package match

import (
	"cmp"
	"slices"
	"strings"
)

// prefixes is the vocabulary in byte order, for "which words start with tok": a binary search
// then a walk over exactly the words that do. Scanning a trigram list instead touches every word
// that merely contains the token's grams; at 1,000,000 accounts a first name-word such as
// "paxmarbar" shares its grams with tens of thousands of words, and that scan was half of a
// lookup's CPU.
//
// Words added since the last sort wait in recent (scanned one by one) until a lookup finds more
// than settleAfter of them and sorts them in (settle). A bulk load therefore sorts once, at the
// first lookup, and a refresh of a few accounts costs a short scan. Removed words stay listed
// until the index is rebuilt and are skipped (their postings are empty).
type prefixes struct {
	sorted []int32 // word ids in byte order of their text
	recent []int32 // word ids added since, in id order
}

// settleAfter is how many unsorted words a lookup tolerates before they are sorted in.
const settleAfter = 256

func (p *prefixes) add(w int32) { p.recent = appendLean(p.recent, w) }

// unsettled reports whether lookups should sort the recent words in first.
func (p *prefixes) unsettled() bool { return len(p.recent) > settleAfter }

// settle merges the recent words into the sorted ones. The recent words are sorted by their first
// eight bytes as one integer (text compared only on ties: a million words sort in a fraction of
// a second rather than seconds of scattered reads), then each finds its place in the sorted words
// by binary search, so merging a few words into a million costs one copy, not a million compares.
func (c *core) settle() {
	p := &c.prefixes
	if len(p.recent) == 0 {
		return
	}
	type keyed struct {
		key uint64
		id  int32
	}
	ks := make([]keyed, len(p.recent))
	for i, w := range p.recent {
		ks[i] = keyed{prefix8(c.wordText(w)), w}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return strings.Compare(c.wordText(a.id), c.wordText(b.id))
	})
	merged := make([]int32, 0, len(p.sorted)+len(ks))
	from := 0
	for _, k := range ks {
		text := c.wordText(k.id)
		at, _ := slices.BinarySearchFunc(p.sorted[from:], text, func(w int32, t string) int {
			return strings.Compare(c.wordText(w), t)
		})
		merged = append(merged, p.sorted[from:from+at]...)
		merged = append(merged, k.id)
		from += at
	}
	p.sorted = append(merged, p.sorted[from:]...)
	if cap(p.recent) > 2*settleAfter {
		p.recent = nil // a bulk load's list: keeping its capacity would cost 4 bytes a word for good
	} else {
		p.recent = p.recent[:0]
	}
}

// Settle readies the words added since the last lookup for prefix lookups, which a lookup does
// itself when there are many of them, and gives back the room the index grew into while it was
// loaded (see pack). Call it after a bulk load, so the first lookup after it does not pay for the
// load (and hold every other lookup meanwhile).
func (ix *Index) Settle() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.settle()
	ix.pack()
}

// prefix8 packs the first eight bytes of s into an integer that orders as the bytes do (a shorter
// string, padded with zeros, first: no vocabulary word holds a zero byte).
func prefix8(s string) uint64 {
	var k uint64
	for i := range 8 {
		k <<= 8
		if i < len(s) {
			k |= uint64(s[i])
		}
	}
	return k
}

// eachPrefixed calls f, in ascending id order, with every live word that starts with tok and is
// longer than it; s.prefixed is the scratch it collects them in.
func (c *core) eachPrefixed(s *scratch, tok string, f func(w int32)) {
	p := &c.prefixes
	found := s.prefixed[:0]
	i, _ := slices.BinarySearchFunc(p.sorted, tok, func(w int32, t string) int { return strings.Compare(c.wordText(w), t) })
	for ; i < len(p.sorted); i++ {
		w := p.sorted[i]
		text := c.wordText(w)
		if !strings.HasPrefix(text, tok) {
			break
		}
		if len(text) > len(tok) && c.words[w].post != noPost {
			found = append(found, w)
		}
	}
	for _, w := range p.recent {
		if text := c.wordText(w); len(text) > len(tok) && strings.HasPrefix(text, tok) && c.words[w].post != noPost {
			found = append(found, w)
		}
	}
	slices.Sort(found)
	for _, w := range found {
		f(w)
	}
	s.prefixed = keepSmall(found)
}
