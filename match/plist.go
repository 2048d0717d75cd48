package match

// plist is an ascending list of ids stored as delta varints: most gaps in a posting or trigram
// list fit one byte, where an []int32 spends four. Ids are appended in increasing order (the
// index never reuses a term or word id before it is rebuilt), so adding is an append; removing
// re-encodes the tail, which is fine for occasional edits.
type plist struct {
	data []byte
	n    int32 // ids in the list
	last int32 // largest id, -1 when empty
}

// add appends id, which must be larger than every id in l.
func (l *plist) add(id int32) {
	if l.n == 0 {
		l.last = -1
	}
	l.data = appendUvarint(l.data, uint32(id-l.last))
	l.last = id
	l.n++
}

// remove deletes id from l if present.
func (l *plist) remove(id int32) {
	c := cursor{data: l.data, v: -1}
	at := 0
	prev := int32(-1)
	for {
		start := len(l.data) - len(c.data)
		v, ok := c.next()
		if !ok {
			return
		}
		if v == id {
			at = start
			break
		}
		prev = v
	}
	if len(c.data) == 0 {
		l.data = l.data[:at]
		if id == l.last {
			l.last = prev
		}
	} else {
		// The id after the removed one now follows prev: its gap is the sum of the two gaps and
		// never needs more bytes than they did, so the list is rewritten in place.
		next, _ := c.next()
		tail := len(l.data) - len(c.data)
		w := len(appendUvarint(l.data[:at], uint32(next-prev)))
		w += copy(l.data[w:], l.data[tail:])
		l.data = l.data[:w]
	}
	l.n--
	if l.n == 0 {
		*l = plist{last: -1}
	}
}

// cursor walks a plist, or a single inline id (one > 0 holds id+1).
type cursor struct {
	data []byte
	v    int32
	one  int32
}

func (l *plist) cursor() cursor { return cursor{data: l.data, v: -1} }

// next returns the next id and true, or false at the end.
func (c *cursor) next() (int32, bool) {
	if c.one > 0 {
		v := c.one - 1
		c.one = 0
		return v, true
	}
	if len(c.data) == 0 {
		return 0, false
	}
	if b := c.data[0]; b < 0x80 {
		c.data = c.data[1:]
		c.v += int32(b)
		return c.v, true
	}
	return c.slow()
}

func (c *cursor) slow() (int32, bool) {
	var x uint32
	var s uint
	for i, b := range c.data {
		if b < 0x80 {
			c.data = c.data[i+1:]
			c.v += int32(x | uint32(b)<<s)
			return c.v, true
		}
		x |= uint32(b&0x7f) << s
		s += 7
	}
	c.data = nil
	return 0, false
}

func appendUvarint(b []byte, x uint32) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

// uvarint decodes a varint at the start of b and returns it and its length.
func uvarint(b []byte) (uint32, int) {
	var x uint32
	var s uint
	for i, c := range b {
		if c < 0x80 {
			return x | uint32(c)<<s, i + 1
		}
		x |= uint32(c&0x7f) << s
		s += 7
	}
	return 0, len(b)
}

// packLists moves the data of lists into one block, each list's exactly as long as it is (cut
// to its length, so that adding to a list moves it out of the block rather than over its
// neighbour). A list grown by appending holds up to a quarter more than it uses, and a small one
// is rounded up to the allocator's size class besides: at 100,000 accounts that slack was a
// third of the lists' bytes. A list that grows later leaves its old bytes in the block unused
// until the index is rebuilt; a bulk load is followed by few edits.
func packLists(lists []plist) {
	total := 0
	for i := range lists {
		total += len(lists[i].data)
	}
	block := make([]byte, 0, total)
	for i := range lists {
		l := &lists[i]
		at := len(block)
		block = append(block, l.data...)
		l.data = block[at:len(block):len(block)]
	}
}
