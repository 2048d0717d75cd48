package match

// This file reads a query: its normalised words, runes and token boundaries.

import (
	"slices"
	"strings"
	"unicode/utf8"
)

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
