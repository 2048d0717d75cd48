package match

import "slices"

// table is an open-addressing hash set of int32 ids (linear probing, no tombstones): the
// index's lookups by account id, by term text and by word cost four bytes a slot instead of a
// Go map's bucket, key and overflow. The caller owns the keys: it hashes them and compares
// them, and tells the table how to rehash an id when it grows or shifts entries on delete.
type table struct {
	slots []int32 // id+1; 0 is empty
	n     int
}

func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// home maps hash h onto n slots (multiply-shift, so n need not be a power of two and the table
// can grow by half rather than double).
func home(h uint64, n int) int { return int((mix(h) >> 32) * uint64(n) >> 32) }

// start returns the first slot to probe for hash h; the caller walks with t.probe until an empty slot.
func (t *table) start(h uint64) int {
	if len(t.slots) == 0 {
		return -1
	}
	return home(h, len(t.slots))
}

// at returns the id in slot i and whether the slot is used.
func (t *table) at(i int) (int32, bool) {
	v := t.slots[i]
	return v - 1, v != 0
}

func (t *table) probe(i int) int {
	if i++; i == len(t.slots) {
		return 0
	}
	return i
}

// reserve sizes an empty table for n ids without growing.
func (t *table) reserve(n int) {
	if len(t.slots) == 0 && n > 0 {
		t.slots = make([]int32, n*4/3+16)
	}
}

// insert adds id under hash h; hashOf rehashes stored ids when the table grows.
func (t *table) insert(id int32, h uint64, hashOf func(int32) uint64) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow(hashOf)
	}
	i := t.start(h)
	for t.slots[i] != 0 {
		i = t.probe(i)
	}
	t.slots[i] = id + 1
	t.n++
}

// remove deletes id, stored under hash h, shifting later entries of its run back.
func (t *table) remove(id int32, h uint64, hashOf func(int32) uint64) {
	i := t.start(h)
	if i < 0 {
		return
	}
	for t.slots[i] != id+1 {
		if t.slots[i] == 0 {
			return
		}
		i = t.probe(i)
	}
	t.n--
	closeGap(t.slots, i, func(v int32) int { return t.start(hashOf(v - 1)) })
	if t.n == 0 {
		t.slots = nil
	}
}

func (t *table) grow(hashOf func(int32) uint64) {
	size := max(16, len(t.slots)+len(t.slots)/2)
	for (t.n+1)*4 > size*3 {
		size += size / 2
	}
	t.rehash(size, hashOf)
}

// fit rehashes t into the fewest slots its load allows, when that saves a tenth of them.
func (t *table) fit(hashOf func(int32) uint64) {
	if size := t.n*4/3 + 16; size <= len(t.slots)*9/10 {
		t.rehash(size, hashOf)
	}
}

func (t *table) rehash(size int, hashOf func(int32) uint64) {
	// Rehash in id order: ids are handed out in the order their records (and text) were added,
	// so hashOf then reads memory front to back instead of at random, which at a million words
	// made a growth cost seconds of cache misses rather than a fraction of one.
	ids := slices.DeleteFunc(t.slots, func(v int32) bool { return v == 0 })
	slices.Sort(ids)
	t.slots = make([]int32, size)
	for _, v := range ids {
		i := t.start(hashOf(v - 1))
		for t.slots[i] != 0 {
			i = t.probe(i)
		}
		t.slots[i] = v
	}
}

// delTable is a multiset of (fingerprint, word) pairs by open addressing: the one-deletion
// variants of vocabulary words keyed by the low 32 bits of the variant's hash. Two variants
// whose hashes share those bits only cost a wasted edit-distance check: every word found is
// verified before it counts.
type delTable struct {
	slots []uint64 // fingerprint<<32 | word+1; 0 is empty
	n     int
}

func (d *delTable) home(fp uint32) int { return home(uint64(fp), len(d.slots)) }

func (d *delTable) probe(i int) int {
	if i++; i == len(d.slots) {
		return 0
	}
	return i
}

func (d *delTable) insert(fp uint32, word int32) {
	if (d.n+1)*4 > len(d.slots)*3 {
		old := d.slots
		size := max(16, len(old)+len(old)/2)
		d.slots = make([]uint64, size)
		for _, v := range old {
			if v != 0 {
				d.put(v)
			}
		}
	}
	d.put(uint64(fp)<<32 | uint64(uint32(word+1)))
	d.n++
}

// fit rehashes d into the fewest slots its load allows, when that saves a tenth of them.
func (d *delTable) fit() {
	size := d.n*4/3 + 16
	if size > len(d.slots)*9/10 {
		return
	}
	old := d.slots
	d.slots = make([]uint64, size)
	for _, v := range old {
		if v != 0 {
			d.put(v)
		}
	}
}

func (d *delTable) put(v uint64) {
	i := d.home(uint32(v >> 32))
	for d.slots[i] != 0 {
		i = d.probe(i)
	}
	d.slots[i] = v
}

// each calls f with every word stored under fp (and, rarely, under another variant with the same
// fingerprint) until f returns false.
func (d *delTable) each(fp uint32, f func(word int32) bool) {
	if d.n == 0 {
		return
	}
	for i := d.home(fp); d.slots[i] != 0; i = d.probe(i) {
		if v := d.slots[i]; uint32(v>>32) == fp && !f(int32(uint32(v))-1) {
			return
		}
	}
}

func (d *delTable) remove(fp uint32, word int32) {
	if d.n == 0 {
		return
	}
	want := uint64(fp)<<32 | uint64(uint32(word+1))
	i := d.home(fp)
	for d.slots[i] != want {
		if d.slots[i] == 0 {
			return
		}
		i = d.probe(i)
	}
	d.n--
	closeGap(d.slots, i, func(v uint64) int { return d.home(uint32(v >> 32)) })
	if d.n == 0 {
		d.slots = nil
	}
}

// closeGap empties slot i of a linear-probing table, moving the later entries of its run back so
// that each stays reachable from its home slot (homeOf); the zero value marks an empty slot.
func closeGap[S comparable](slots []S, i int, homeOf func(S) int) {
	var empty S
	for j := i; ; {
		if j++; j == len(slots) {
			j = 0
		}
		v := slots[j]
		if v == empty {
			break
		}
		// Move v into the hole at i unless its home k lies cyclically in (i, j].
		if k := homeOf(v); i <= j && (k <= i || k > j) || i > j && k <= i && k > j {
			slots[i] = v
			i = j
		}
	}
	slots[i] = empty
}
