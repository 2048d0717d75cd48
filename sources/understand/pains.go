package understand

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"
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
	text  string
	re    *regexp.Regexp
	cased bool // matched against the text with its capitals ("=React")
}

type taxonomyFile struct {
	Pains []struct {
		Key     string   `yaml:"key"`
		Phrases []string `yaml:"phrases"`
		Not     []string `yaml:"not"`
	} `yaml:"pains"`
}

var (
	taxOnce sync.Once
	taxVal  *taxonomy
)

func defaultTaxonomy() *taxonomy {
	taxOnce.Do(func() {
		t, err := parseTaxonomy(taxonomyYAML)
		if err != nil {
			panic("understand: taxonomy.yaml: " + err.Error())
		}
		taxVal = t
	})
	return taxVal
}

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
	if strings.HasPrefix(body, "=") {
		ph.cased = true
		body = body[1:]
	}
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
		if !ph.cased {
			norm.cased = norm.lower
		}
		for i, nw := range strings.Fields(norm.cased) {
			pat := " " + regexp.QuoteMeta(nw)
			if strings.HasSuffix(w, "*") && i == len(strings.Fields(norm.cased))-1 {
				pat += `[^ ]*`
			}
			parts = append(parts, pat)
		}
	}
	if len(parts) == 0 {
		return ph, fmt.Errorf("empty phrase %q", s)
	}
	re, err := regexp.Compile(strings.Join(parts, "") + ` `)
	if err != nil {
		return ph, fmt.Errorf("phrase %q: %w", s, err)
	}
	ph.re = re
	return ph, nil
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

// find returns the first phrase of every pain point that text shows.
func (t *taxonomy) find(text string) []Mention {
	n := normalizeText(text)
	var out []Mention
	for _, p := range t.pains {
		var blocked [][]int
		for _, ph := range p.not {
			blocked = append(blocked, ph.re.FindAllStringIndex(n.pick(ph.cased), -1)...)
		}
		best := []int(nil)
		for _, ph := range p.phrases {
			for _, loc := range ph.re.FindAllStringIndex(n.pick(ph.cased), -1) {
				if inside(loc, blocked) {
					continue
				}
				if best == nil || loc[0] < best[0] {
					best = loc
				}
				break
			}
		}
		if best != nil {
			phr, off := n.original(text, best[0]+1, best[1]-1)
			out = append(out, Mention{Kind: MentionPain, Key: p.key, Phrase: phr, Offset: off})
		}
	}
	return out
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
}

func (n normalized) pick(cased bool) string {
	if cased {
		return n.cased
	}
	return n.lower
}

// original returns the original text of normalized bytes [from, to) and its offset.
func (n normalized) original(text string, from, to int) (string, int) {
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
	for i, r := range text {
		switch {
		case r == '\'' || r == '’':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '%' || r == '$' || r == '+' || r == '#':
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
