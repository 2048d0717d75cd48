package match

import (
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

// settle merges the recent words into the sorted ones.
func (c *core) settle() {
	p := &c.prefixes
	if len(p.recent) == 0 {
		return
	}
	byText := func(a, b int32) int { return strings.Compare(c.wordText(a), c.wordText(b)) }
	slices.SortFunc(p.recent, byText)
	if len(p.sorted) == 0 {
		p.sorted, p.recent = p.recent, nil
		return
	}
	merged := make([]int32, 0, len(p.sorted)+len(p.recent))
	i, j := 0, 0
	for i < len(p.sorted) && j < len(p.recent) {
		if byText(p.sorted[i], p.recent[j]) <= 0 {
			merged = append(merged, p.sorted[i])
			i++
		} else {
			merged = append(merged, p.recent[j])
			j++
		}
	}
	merged = append(merged, p.sorted[i:]...)
	p.sorted = append(merged, p.recent[j:]...)
	p.recent = p.recent[:0]
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
