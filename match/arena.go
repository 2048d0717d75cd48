package match

import "unsafe"

// arena holds the index's text: append-only pages of arenaPage bytes, addressed by a uint32
// offset (page<<arenaShift | position). Pages are never reallocated, so the index carries no
// growth slack beyond one page, and bytes are never modified once written, so strings made over
// them stay valid. A record longer than a page gets pages of its own: consecutive page numbers
// map to consecutive windows of one buffer.
type arena struct {
	pages [][]byte
	end   uint32 // offset of the next free byte
	held  int    // bytes allocated
}

const (
	arenaShift = 16
	arenaPage  = 1 << arenaShift
)

// put appends rec as one contiguous record and returns its offset.
func (a *arena) put(rec []byte) uint32 {
	n := len(rec)
	if int(a.end&(arenaPage-1))+n > arenaPage {
		a.end = (a.end>>arenaShift + 1) << arenaShift // the rest of this page stays unused
	}
	if int(a.end>>arenaShift) == len(a.pages) {
		if n > arenaPage {
			big := make([]byte, n)
			for i := 0; i < n; i += arenaPage {
				a.pages = append(a.pages, big[i:])
			}
			copy(big, rec)
			a.held += n
			off := a.end
			a.end = uint32(len(a.pages)) << arenaShift
			return off
		}
		a.pages = append(a.pages, make([]byte, arenaPage))
		a.held += arenaPage
	}
	off := a.end
	copy(a.bytes(off), rec)
	a.end += uint32(n)
	return off
}

// bytes returns the bytes of the arena from off to the end of its page (or record).
func (a *arena) bytes(off uint32) []byte { return a.pages[off>>arenaShift][off&(arenaPage-1):] }

// str returns n bytes at off as a string, without copying.
func (a *arena) str(off uint32, n int) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&a.pages[off>>arenaShift][off&(arenaPage-1)], n)
}

// appendLean appends v to s, growing a large slice by an eighth rather than append's quarter:
// the index's record slices live as long as the process, and their slack is memory held for
// nothing.
func appendLean[S ~[]E, E any](s S, v E) S {
	if len(s) == cap(s) && cap(s) >= 1024 {
		grown := make(S, len(s), cap(s)+cap(s)/8)
		copy(grown, s)
		s = grown
	}
	return append(s, v)
}

// trim returns s in memory of its own length when its spare capacity is worth a copy.
func trim[S ~[]E, E any](s S) S {
	if cap(s)-len(s) <= len(s)/64 {
		return s
	}
	return append(make(S, 0, len(s)), s...)
}
