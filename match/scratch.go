package match

// This file holds a lookup's pooled working memory: the scratch buffers, the top-k heap and
// the id table, bounded so a pooled scratch never keeps a huge query's memory.

import (
	"math/bits"
)

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
