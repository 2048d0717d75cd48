package understand

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A feature is one thing the pain model looks at: a stemmed word ("maintain"), two neighbouring
// stemmed words ("hard maintain"), a word under negation ("!auth"), a pain of the taxonomy one of
// whose phrases matched ("phrase:yaml"), or that phrase itself ("phrase:yaml:stale catalog"), so
// the model learns how far each phrase is to be trusted. Each keeps where it was written, so a detection can quote it.
type feature struct {
	name       string
	start, end int // byte span in the original text
}

// word is one word of a text for the model.
type word struct {
	stem       string
	start, end int
	negated    bool // inside the scope of "no", "not", "without", ...
	stop       bool // a function word: not a feature of its own
}

// negationScope is how many words after a negation cue it covers, unless a clause ends first.
const negationScope = 3

// features lists a text's features for the model: content-word stems (negated ones marked "!"),
// pairs of neighbouring content words, and the taxonomy's phrase hits (each pain at its first
// hit, and every phrase that matched). A name occurs once, at its
// first position.
func features(text string, phrases []phraseHit) []feature {
	ws := modelWords(text)
	seen := map[string]bool{}
	var out []feature
	addF := func(name string, start, end int) {
		if !seen[name] {
			seen[name] = true
			out = append(out, feature{name: name, start: start, end: end})
		}
	}
	var prev *word
	for i := range ws {
		w := &ws[i]
		if w.stem == "|" {
			prev = nil // no pair across a clause boundary
		}
		if w.stop {
			continue
		}
		name := w.stem
		if w.negated {
			name = "!" + name
		}
		addF(name, w.start, w.end)
		if prev != nil && prev.negated == w.negated {
			addF(prev.stem+" "+w.stem, prev.start, w.end)
		}
		prev = w
	}
	first := map[string]phraseHit{}
	for _, h := range phrases {
		if f, ok := first[h.key]; !ok || h.start < f.start {
			first[h.key] = h
		}
	}
	for _, h := range phrases {
		if first[h.key] == h {
			addF("phrase:"+h.key, h.start, h.end)
		}
	}
	for _, h := range phrases {
		addF(ruleFeature(h.key, h.rule), h.start, h.end)
	}
	return out
}

// modelWords splits text into words, stems them and marks negation. A clause boundary (. , ; :
// ! ? a line break or brackets) ends both a negation's scope and a pair of neighbours.
func modelWords(text string) []word {
	var out []word
	negLeft := 0
	start := -1
	flush := func(end int) {
		raw := strings.ToLower(apostrophes.Replace(text[start:end]))
		w := word{start: start, end: end}
		start = -1
		switch {
		case raw == "":
			return
		case negationCues[raw]:
			negLeft = negationScope
			w.stem, w.stop = raw, true
		default:
			w.stem = stem(raw)
			w.stop = stopWords[raw] || utf8.RuneCountInString(raw) < 2
			if negLeft > 0 {
				w.negated = true
				negLeft--
			}
		}
		out = append(out, w)
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			flush(i)
		}
		if strings.ContainsRune(".,;:!?()[]{}\n", r) {
			negLeft = 0
			out = append(out, word{stop: true, start: i, end: i, stem: "|"})
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	return out
}

// featureValue is a present feature's value: a phrase hit counts 1 whatever the length of the
// text; words count 1/sqrt(n) for a text of n features, so a long text is not a sum of many
// weak hints.
func featureValue(name string, n int) float64 {
	if strings.HasPrefix(name, "phrase:") || n == 0 {
		return 1
	}
	return 1 / math.Sqrt(float64(n))
}

// apostrophes are dropped inside words: "don't" is "dont", "Lunar's" is "lunars".
var apostrophes = strings.NewReplacer("'", "", "’", "")

// negationCues start a negation's scope ("no auth problems", "we didn't have any outages").
var negationCues = map[string]bool{
	"no": true, "not": true, "never": true, "without": true, "none": true, "nobody": true,
	"nothing": true, "neither": true, "nor": true, "zero": true, "hardly": true, "cannot": true,
	"dont": true, "doesnt": true, "didnt": true, "isnt": true, "arent": true, "wasnt": true,
	"werent": true, "cant": true, "wont": true, "havent": true, "hasnt": true, "hadnt": true,
	"shouldnt": true, "wouldnt": true, "couldnt": true,
}

// stopWords are function words: they break no pair but are no feature of their own.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if then so as at by for from in into of on onto to
	up with about over under than too very this that these those there here it its itself i me my we us
	our ours you your he she him her his they them their is are was were be been being am do does did
	doing have has had having will would shall should can could may might must just also only own same
	such what which who whom whose when where why how all any both each few more most other some
	again further once out off down s t re ve ll d m o y let lets get got gets yet still even ever`) {
		m[w] = true
	}
	return m
}()

// stem reduces an English word to a stem by a few suffix rules, so "integrations", "integrating"
// and "integrated" meet, as do "scaling", "scales" and "scale". Numbers become "0".
func stem(w string) string {
	for _, r := range w {
		if unicode.IsDigit(r) {
			return "0"
		}
	}
	if utf8.RuneCountInString(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "sses"):
		w = strings.TrimSuffix(w, "es")
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = strings.TrimSuffix(w, "ies") + "y"
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = strings.TrimSuffix(w, "s")
	}
	for _, suf := range []string{"ability", "ations", "ation", "ingly", "ings", "ing", "edly", "ied", "ed", "ly", "ment", "able", "ible", "ness", "ity", "ive", "er", "e", "y"} {
		base, ok := strings.CutSuffix(w, suf)
		if !ok || utf8.RuneCountInString(base) < 3 || !hasVowel(base) {
			continue
		}
		switch suf {
		case "ied":
			base += "y"
		case "ing", "ed", "ings", "edly", "ingly":
			if n := len(base); n >= 2 && base[n-1] == base[n-2] && !strings.ContainsRune("lsz", rune(base[n-1])) {
				base = base[:n-1] // "setting" → "set", "planned" → "plan"
			}
		}
		w = strings.TrimSuffix(base, "e")
		break
	}
	return w
}

func hasVowel(s string) bool {
	return strings.ContainsAny(s, "aeiouy")
}

// ruleFeature names the feature of one taxonomy phrase of a pain.
func ruleFeature(key, rule string) string {
	return "phrase:" + key + ":" + rule
}

// rareRule is the feature a phrase of a pain stands for when the training texts used it too seldom
// to learn a weight of its own (fewer than minDocFreq texts, or never): all such phrases of a pain
// share one weight, learned from the rare phrases of the training texts. That is how a phrase
// written from knowledge of the domain, not yet seen in a labelled text, still counts.
func rareRule(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "phrase:")
	if !ok {
		return "", false
	}
	key, _, ok := strings.Cut(rest, ":")
	if !ok {
		return "", false
	}
	return "phrase:" + key + ":(rare)", true
}
