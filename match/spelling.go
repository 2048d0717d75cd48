package match

import "strings"

// A term's original spelling (the name, alias or domain as given to Upsert) is stored after its
// normalized text in the arena. Most originals differ from their normalized text only by capital
// letters and by the character between words ("Nordwind Logistics GmbH", "nordwind.de"), so they
// are stored as that difference, usually one byte, rather than as a second copy.
//
// The first byte: spellVerbatim, then a uvarint length and the bytes; or spellDerived with
// spellTitle when the baseline is every word capitalized (else all lower case), a separator code
// (the byte that stands where the normalized text has a space) and spellExceptions when a
// uvarint count and the gaps between the offsets whose case differs from the baseline follow.
const (
	spellVerbatim   = 0
	spellDerived    = 1
	spellTitle      = 1 << 1
	spellExceptions = 1 << 2
	spellSepShift   = 3 // two bits: ' ', '.', '-', or the separator in the next byte
)

var spellSeps = [3]byte{' ', '.', '-'}

// appendSpelling appends to b how to spell raw given its normalized text n.
func appendSpelling(b []byte, raw, n string) []byte {
	if !derivable(raw, n) {
		b = append(b, spellVerbatim)
		b = appendUvarint(b, uint32(len(raw)))
		return append(b, raw...)
	}
	sep := byte(' ')
	if i := strings.IndexByte(n, ' '); i >= 0 {
		sep = raw[i]
	}
	lowerX, titleX := 0, 0
	for i := 0; i < len(n); i++ {
		if n[i] != ' ' {
			up := raw[i] != n[i]
			if up {
				lowerX++
			}
			if up != titleAt(n, i) {
				titleX++
			}
		}
	}
	h := byte(spellDerived)
	title := titleX < lowerX
	if title {
		h |= spellTitle
	}
	code := 3
	for i, s := range spellSeps {
		if s == sep {
			code = i
		}
	}
	h |= byte(code) << spellSepShift
	x := min(lowerX, titleX)
	if x > 0 {
		h |= spellExceptions
	}
	b = append(b, h)
	if code == 3 {
		b = append(b, sep)
	}
	if x == 0 {
		return b
	}
	b = appendUvarint(b, uint32(x))
	last := 0
	for i := 0; i < len(n); i++ {
		if n[i] != ' ' && raw[i] != n[i] != (title && titleAt(n, i)) {
			b = appendUvarint(b, uint32(i-last))
			last = i
		}
	}
	return b
}

// titleAt reports whether byte i of normalized text n starts a word with a letter.
func titleAt(n string, i int) bool {
	return (i == 0 || n[i-1] == ' ') && n[i] >= 'a' && n[i] <= 'z'
}

// derivable reports whether raw is n with some ASCII letters in upper case and every space
// replaced by one same byte.
func derivable(raw, n string) bool {
	if len(raw) != len(n) {
		return false
	}
	sep := -1
	for i := 0; i < len(n); i++ {
		switch c, r := n[i], raw[i]; {
		case c == ' ':
			if sep >= 0 && int(r) != sep {
				return false
			}
			sep = int(r)
		case r == c:
		case c >= 'a' && c <= 'z' && r == c-'a'+'A':
		default:
			return false
		}
	}
	return true
}

// spelling returns the original text of term t.
func (c *core) spelling(t int32) string {
	n := c.norm(t)
	_, at := c.normOff(t)
	rec := c.text.bytes(at)
	h := rec[0]
	if h == spellVerbatim {
		l, k := uvarint(rec[1:])
		return string(rec[1+k : 1+k+int(l)])
	}
	rec = rec[1:]
	sep := byte(' ')
	if code := h >> spellSepShift & 3; code < 3 {
		sep = spellSeps[code]
	} else {
		sep, rec = rec[0], rec[1:]
	}
	b := []byte(n)
	title := h&spellTitle != 0
	for i := range b {
		switch {
		case b[i] == ' ':
			b[i] = sep
		case title && titleAt(n, i):
			b[i] -= 'a' - 'A'
		}
	}
	if h&spellExceptions == 0 {
		return string(b)
	}
	x, k := uvarint(rec)
	rec = rec[k:]
	pos := 0
	for range x {
		d, k := uvarint(rec)
		rec = rec[k:]
		pos += int(d)
		b[pos] ^= 'a' ^ 'A' // flips the case of an ASCII letter
	}
	return string(b)
}
