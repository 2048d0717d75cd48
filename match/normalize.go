package match

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
	s = unwrapSlack(strings.TrimSpace(s))
	if host, ok := hostOf(s); ok {
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

// unwrapSlack turns Slack markup "<https://x.com|x.com>" into "x.com" and "<!channel>" into "!channel".
func unwrapSlack(s string) string {
	if len(s) < 2 || s[0] != '<' || s[len(s)-1] != '>' {
		return s
	}
	inner := s[1 : len(s)-1]
	if i := strings.LastIndexByte(inner, '|'); i >= 0 {
		if label := strings.TrimSpace(inner[i+1:]); label != "" {
			return label
		}
		return inner[:i]
	}
	return inner
}

// hostOf reports whether s is a URL, e-mail address or bare domain and returns its host
// without "www.", port or path. Bare domains need a dot and an alphabetic last label.
func hostOf(s string) (string, bool) {
	scheme := false
	if i := strings.Index(s, "://"); i > 0 && i <= 12 && isSchemeName(s[:i]) {
		s = s[i+3:]
		scheme = true
	} else if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
		scheme = true
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return "", false
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && isDigits(s[i+1:]) {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	if len(s) > 4 && strings.EqualFold(s[:4], "www.") {
		s = s[4:]
	}
	if s == "" {
		return "", false
	}
	if scheme {
		return s, true
	}
	dot := strings.LastIndexByte(s, '.')
	if dot <= 0 {
		return "", false
	}
	tld := s[dot+1:]
	if len(tld) < 2 || len(tld) > 24 {
		return "", false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return "", false
		}
	}
	if s[0] == '.' || strings.Contains(s, "..") {
		return "", false // empty label
	}
	return s, true
}

func isSchemeName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// legalSuffixes are trailing words that say nothing about which company is meant.
var legalSuffixes = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "ltd": true, "limited": true, "plc": true,
	"gmbh": true, "ag": true, "ab": true, "publ": true, "se": true, "sa": true, "sas": true, "sarl": true,
	"srl": true, "spa": true, "nv": true, "bv": true, "oy": true, "oyj": true, "as": true, "asa": true,
	"aps": true, "kg": true, "co": true, "corp": true, "corporation": true, "company": true, "pty": true,
	"pte": true, "kk": true, "llp": true, "lp": true, "sl": true, "sro": true, "doo": true, "bhd": true,
}

// stripLegal drops trailing legal-form words from a normalized string, keeping at least one word.
func stripLegal(s string) string {
	for {
		i := strings.LastIndexByte(s, ' ')
		if i < 0 || !legalSuffixes[s[i+1:]] {
			return s
		}
		s = s[:i]
	}
}

// domainCore drops the public-suffix-like tail of a normalized domain ("volvocars com" → "volvocars",
// "bbc co uk" → "bbc") so that TLDs do not flood the trigram index. It keeps at least one word.
func domainCore(s string) string {
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return s
	}
	s = s[:i]
	if j := strings.LastIndexByte(s, ' '); j >= 0 && secondLevel[s[j+1:]] {
		s = s[:j]
	}
	return s
}

var secondLevel = map[string]bool{"co": true, "com": true, "org": true, "net": true, "gov": true, "ac": true, "edu": true, "ne": true, "or": true, "gv": true}
