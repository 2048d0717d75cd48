package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize lower-cases s, folds accents, drops punctuation and returns space-separated words; URLs, e-mail addresses and domains are reduced to their host ("https://www.Telus.com/x" → "telus com").
//
// Rules, applied in order:
//   - invalid UTF-8 is replaced by spaces; Slack link markup "<url|label>" is unwrapped to its label;
//   - a URL, e-mail address or bare domain loses its scheme, user, "www.", port, path, query and fragment;
//   - text is NFKD-decomposed and combining marks are dropped ("Société" → "societe", "Ｈ" → "h");
//     a few letters without a decomposition are spelled out (ß→ss, æ→ae, ø→o, ł→l, …);
//   - apostrophes vanish ("McDonald's" → "mcdonalds"); every other non-letter, non-digit rune,
//     including "&", "." and "-", separates words;
//   - the word "and" between two words is dropped, as "&" is;
//   - runs of single-character words are joined, so "H&M", "H & M", "h.m." and "hm" all become "hm"
//     and "U.S. Bank" becomes "us bank";
//   - words are separated by exactly one space, with none at either end.
func Normalize(s string) string {
	if s == "" {
		return ""
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	s = UnwrapSlack(strings.TrimSpace(s))
	if host, ok := Host(s); ok {
		s = host
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = norm.NFKD.String(s)
	}

	// First pass: fold runes into words separated by single spaces.
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		if r < utf8.RuneSelf {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			case r >= 'A' && r <= 'Z':
				r += 'a' - 'A'
			case r == '\'' || r == '`':
				continue
			default:
				pendingSpace = b.Len() > 0
				continue
			}
			if pendingSpace {
				b.WriteByte(' ')
				pendingSpace = false
			}
			b.WriteByte(byte(r))
			continue
		}
		if unicode.Is(unicode.Mn, r) || isApostrophe(r) {
			continue
		}
		r = unicode.ToLower(r)
		if f, ok := foldSpecial[r]; ok {
			if pendingSpace {
				b.WriteByte(' ')
				pendingSpace = false
			}
			b.WriteString(f)
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			pendingSpace = b.Len() > 0
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
	}
	// Dropping "and" can leave one-letter words side by side and joining them can spell "and":
	// repeat until stable, so that Normalize(Normalize(s)) == Normalize(s). Each round shortens s.
	out := b.String()
	for {
		t := joinSingles(dropInnerAnd(out))
		if t == out {
			return out
		}
		out = t
	}
}

// dropInnerAnd removes the word "and" between two other words, so "H and M" meets "H&M" and
// "Johnson and Johnson" meets "Johnson & Johnson"; a leading or trailing "and" stays.
func dropInnerAnd(s string) string {
	if !strings.Contains(s, " and ") {
		return s
	}
	words := strings.Split(s, " ")
	var b strings.Builder
	b.Grow(len(s))
	for i, w := range words {
		if w == "and" && i > 0 && i < len(words)-1 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// foldSpecial spells out lower-case letters that NFKD does not decompose.
var foldSpecial = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d",
	'ł': "l", 'þ': "th", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŋ': "ng", 'ĸ': "k",
}

func isApostrophe(r rune) bool {
	switch r {
	case '’', '‘', 'ʼ', '´', '′':
		return true
	}
	return false
}

// joinSingles joins runs of two or more one-rune words: "h m co" → "hm co".
func joinSingles(s string) string {
	if s == "" {
		return s
	}
	// Fast check: is there any one-rune word followed by another one?
	words := 0
	singlesAdjacent := false
	prevSingle := false
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ' ' {
			continue
		}
		w := s[start:i]
		single := utf8.RuneCountInString(w) == 1
		if single && prevSingle {
			singlesAdjacent = true
		}
		prevSingle = single
		words++
		start = i + 1
	}
	if !singlesAdjacent {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevSingle = false
	start = 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ' ' {
			continue
		}
		w := s[start:i]
		single := utf8.RuneCountInString(w) == 1
		if b.Len() > 0 && !(single && prevSingle) {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		prevSingle = single
		start = i + 1
	}
	return b.String()
}

// Key is the identity of an account name: Normalize without the spaces, so "Nestlé",
// "NESTLE" and "Nestle" are one key, and so are "H&M", "H & M" and "HM". A name with no letter
// or digit keys as itself, lower-cased and trimmed, so it is never the empty key.
func Key(name string) string {
	if k := strings.ReplaceAll(Normalize(name), " ", ""); k != "" {
		return k
	}
	return strings.ToLower(strings.TrimSpace(name))
}
