package understand

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

//go:embed taxonomy.yaml
var taxonomyYAML []byte

// taxonomy is the compiled phrase list of every pain point.
type taxonomy struct {
	pains []painRules
}

type painRules struct {
	key     string
	phrases []phrase
	not     []phrase
}

type phrase struct {
	text     string
	re       *regexp.Regexp
	sre      *regexp.Regexp // the same phrase over stemmed words ("upgrade* ... painful" finds "upgrading is painful"); nil for a cased phrase
	need     []string       // whole words (lower case) the text must have for re to match
	sneed    []string       // the same for sre, as stems
	cased    bool           // matched against the text with its capitals ("=React")
	negative bool           // the phrase itself says "not", "no", ... ("doesnt work out of the box")
}

type taxonomyFile struct {
	Pains []struct {
		Key     string   `yaml:"key"`
		Phrases []string `yaml:"phrases"`
		Not     []string `yaml:"not"`
	} `yaml:"pains"`
}

// defaultTaxonomy is the embedded taxonomy, parsed on first use.
var defaultTaxonomy = parsedOnce("taxonomy.yaml", taxonomyYAML, parseTaxonomy)

func parseTaxonomy(b []byte) (*taxonomy, error) {
	var f taxonomyFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	t := &taxonomy{}
	for _, p := range f.Pains {
		r := painRules{key: p.Key}
		for _, s := range p.Phrases {
			ph, err := compilePhrase(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p.Key, err)
			}
			r.phrases = append(r.phrases, ph)
		}
		for _, s := range p.Not {
			ph, err := compilePhrase(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p.Key, err)
			}
			r.not = append(r.not, ph)
		}
		t.pains = append(t.pains, r)
	}
	return t, nil
}

// compilePhrase turns a taxonomy phrase into a regexp over normalized text. Words are matched
// whole; "word*" matches any word starting with "word"; "..." allows up to three words in
// between; "#" is any number; a leading "=" matches the phrase's capitals as written.
func compilePhrase(s string) (phrase, error) {
	ph := phrase{text: s}
	body := strings.TrimSpace(s)
	ph.negative = negatedWithin(" " + normalizeText(body).lower + " ")
	if strings.HasPrefix(body, "=") {
		ph.cased = true
		body = body[1:]
	}
	re, err := phraseRegexp(body, ph.cased, func(w string) string { return w })
	if err != nil {
		return ph, fmt.Errorf("phrase %q: %w", s, err)
	}
	ph.re = re
	ph.need = neededWords(body, func(w string) string { return w })
	if !ph.cased && len(strings.Fields(body)) > 1 {
		ph.sneed = neededWords(body, stem)
		// Only phrases of several words match by stems: one stemmed word ("scale") is a topic,
		// not a complaint, and would fire on every mention of it.
		if ph.sre, err = phraseRegexp(body, false, stem); err != nil {
			return ph, fmt.Errorf("phrase %q: %w", s, err)
		}
	}
	return ph, nil
}

// neededWords lists the whole words a phrase cannot match without (not its patterns, nor a
// word it takes any ending of), so most phrases are ruled out by a set lookup before any regexp
// runs.
func neededWords(body string, word func(string) string) []string {
	var out []string
	for _, w := range strings.Fields(strings.TrimPrefix(body, "=")) {
		if strings.HasSuffix(w, "*") || strings.ContainsAny(w, "#$") || w == "..." {
			continue
		}
		for _, nw := range strings.Fields(normalizeText(w).lower) {
			out = append(out, word(nw))
		}
	}
	return out
}

// phraseRegexp compiles a phrase's words, each passed through word (the identity, or stem).
func phraseRegexp(body string, cased bool, word func(string) string) (*regexp.Regexp, error) {
	var parts []string
	for _, w := range strings.Fields(body) {
		switch {
		case w == "...":
			parts = append(parts, `(?: [^ ]+){0,3}`)
			continue
		case w == "#":
			parts = append(parts, ` [0-9][0-9,.]*[a-z]*`)
			continue
		case w == "#w":
			parts = append(parts, ` (?:[0-9][0-9,.]*[a-z]*|`+numberWords+`)`)
			continue
		case w == "#%":
			parts = append(parts, ` [0-9][0-9,.]*%`)
			continue
		case w == "$#":
			parts = append(parts, ` \$[0-9][0-9,.]*[a-z]*`)
			continue
		}
		norm := normalizeText(strings.TrimSuffix(w, "*"))
		if !cased {
			norm.cased = norm.lower
		}
		ws := strings.Fields(norm.cased)
		for i, nw := range ws {
			pat := " " + regexp.QuoteMeta(word(nw))
			if strings.HasSuffix(w, "*") && i == len(ws)-1 {
				pat += `[^ ]*`
			}
			parts = append(parts, pat)
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty phrase")
	}
	return regexp.Compile(strings.Join(parts, "") + ` `)
}

// numberWords are the counts people spell out ("four engineers for a year").
const numberWords = `one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|fifty|hundred|several|dozens|hundreds|thousands`

func compileAny(terms []string) *regexp.Regexp {
	alts := make([]string, len(terms))
	for i, t := range terms {
		alts[i] = regexp.QuoteMeta(strings.TrimSpace(normalizeText(t).lower))
	}
	return regexp.MustCompile(` (?:` + strings.Join(alts, "|") + `) `)
}

// phraseHit is one phrase of the taxonomy found in a text: the pain it belongs to, the phrase
// as the taxonomy writes it, and the byte span it matched in the original text.
type phraseHit struct {
	key, rule  string
	start, end int
}

// hits returns, for every phrase of every pain point, its first match in text that is neither
// negated nor inside one of the pain's "not" phrases, in the order of the taxonomy.
func (t *taxonomy) hits(text string) []phraseHit {
	n := normalizeText(text)
	var out []phraseHit
	for _, p := range t.pains {
		var blocked [][]int
		for _, ph := range p.not {
			blocked = append(blocked, n.matches(ph)...)
		}
		for _, ph := range p.phrases {
			for _, loc := range n.matches(ph) {
				if inside(loc, blocked) || negated(n.lower[:loc[0]+1]) || (!ph.negative && negatedWithin(n.lower[loc[0]:loc[1]])) {
					continue
				}
				phr, off := n.original(text, loc[0]+1, loc[1]-1)
				out = append(out, phraseHit{key: p.key, rule: ph.text, start: off, end: off + len(phr)})
				break
			}
		}
	}
	return out
}

// negated reports whether one of the last negationScope words of before (normalized text) is a
// negation cue: "no auth problems", "we never had scaling issues".
func negated(before string) bool {
	ws := strings.Fields(before)
	for i := len(ws) - 1; i >= 0 && i >= len(ws)-negationScope; i-- {
		if negationCues[ws[i]] {
			return true
		}
	}
	return false
}

// negatedWithin reports whether a span of normalized text holds a negation cue: "upgrading is not
// painful" is no match of "upgrade* ... painful".
func negatedWithin(span string) bool {
	for _, w := range strings.Fields(span) {
		if negationCues[w] {
			return true
		}
	}
	return false
}

func inside(loc []int, spans [][]int) bool {
	for _, s := range spans {
		if loc[0] >= s[0] && loc[1] <= s[1] {
			return true
		}
	}
	return false
}

// normalized is text reduced to single-space-separated words, framed by spaces, in lower case and
// as written, with a map back to the original's byte offsets.
type normalized struct {
	lower, cased string
	pos          []int // pos[i] is the original offset of byte i of lower/cased
	stemmed      string
	spos         []int           // spos[i] is the byte of lower that byte i of stemmed stands for
	words, stems map[string]bool // the words of lower and of stemmed
}

// matches returns where a phrase occurs, as spans of lower (framed by its spaces), by its words
// as written or by their stems, in order of position.
func (n *normalized) matches(ph phrase) [][]int {
	if n.words == nil {
		n.words = wordSet(n.lower)
	}
	var locs [][]int
	if hasAll(n.words, ph.need) {
		locs = ph.re.FindAllStringIndex(n.pick(ph.cased), -1)
	}
	if ph.sre == nil {
		return locs
	}
	if n.spos == nil {
		n.stem()
		n.stems = wordSet(n.stemmed)
	}
	if !hasAll(n.stems, ph.sneed) {
		return locs
	}
	for _, l := range ph.sre.FindAllStringIndex(n.stemmed, -1) {
		locs = append(locs, []int{n.spos[l[0]], n.spos[l[1]-1] + 1})
	}
	sort.Slice(locs, func(i, j int) bool { return locs[i][0] < locs[j][0] })
	return locs
}

func wordSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(s) {
		out[w] = true
	}
	return out
}

func hasAll(set map[string]bool, words []string) bool {
	for _, w := range words {
		if !set[w] {
			return false
		}
	}
	return true
}

// stem fills stemmed: lower with every word replaced by its stem.
func (n *normalized) stem() {
	var b strings.Builder
	for i := 0; i < len(n.lower); {
		if n.lower[i] == ' ' {
			b.WriteByte(' ')
			n.spos = append(n.spos, i)
			i++
			continue
		}
		j := i + strings.IndexByte(n.lower[i:], ' ')
		w := n.lower[i:j]
		st := stem(w)
		b.WriteString(st)
		for k := range len(st) {
			n.spos = append(n.spos, i+min(k, len(w)-1))
		}
		i = j
	}
	n.stemmed = b.String()
}

func (n *normalized) pick(cased bool) string {
	if cased {
		return n.cased
	}
	return n.lower
}

// original returns the original text of normalized bytes [from, to) and its offset.
func (n *normalized) original(text string, from, to int) (string, int) {
	if from >= to || to > len(n.pos) {
		return "", 0
	}
	start := n.pos[from]
	end := n.pos[to-1]
	_, size := utf8.DecodeRuneInString(text[end:])
	return text[start : end+size], start
}

// normalizeText keeps letters, digits and % $ + #, drops apostrophes, and turns everything else
// into single spaces: "catalog-info.yaml" → " catalog info yaml ", "TypeScript/React" →
// " typescript react ".
func normalizeText(text string) normalized {
	var lo, ca strings.Builder
	pos := make([]int, 0, len(text)+2)
	lo.WriteByte(' ')
	ca.WriteByte(' ')
	pos = append(pos, 0)
	space := true
	prevDigit := false
	for i, r := range text {
		digit := prevDigit
		prevDigit = unicode.IsDigit(r)
		switch {
		case r == '\'' || r == '’':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '%' || r == '$' || r == '+' || r == '#' ||
			// A point or comma between digits is part of the number: "1.32.2", "40,000".
			((r == '.' || r == ',') && digit && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9'):
			l := unicode.ToLower(r)
			lo.WriteRune(l)
			ca.WriteRune(r)
			for k := 0; k < max(utf8.RuneLen(l), utf8.RuneLen(r)); k++ {
				pos = append(pos, i)
			}
			if utf8.RuneLen(l) != utf8.RuneLen(r) {
				// Keep both strings byte-aligned: pad the shorter rune's string.
				if utf8.RuneLen(l) < utf8.RuneLen(r) {
					lo.WriteString(strings.Repeat("\x00", utf8.RuneLen(r)-utf8.RuneLen(l)))
				} else {
					ca.WriteString(strings.Repeat("\x00", utf8.RuneLen(l)-utf8.RuneLen(r)))
				}
			}
			space = false
		default:
			if !space {
				lo.WriteByte(' ')
				ca.WriteByte(' ')
				pos = append(pos, i)
				space = true
			}
		}
	}
	if !space {
		lo.WriteByte(' ')
		ca.WriteByte(' ')
		pos = append(pos, len(text))
	}
	return normalized{lower: lo.String(), cased: ca.String(), pos: pos}
}
