package understand

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// model.json is the pain model: one regularised logistic regression per pain key over the
// features of features.go, learned from the training part of testdata by
// `go run ./sources/understand/train`. Do not edit it by hand; TestModel_isReproducible fails
// when it is not what training writes.
//
//go:embed model.json
var modelJSON []byte

// modelFile is model.json's shape: the keys, a bias per key, and for every feature one weight
// per key in the same order. Numbers are written with fixed decimals so that training writes the
// same bytes every time.
type modelFile struct {
	Comment   string                   `json:"comment"`
	Threshold json.Number              `json:"threshold"`
	Lambda    json.Number              `json:"lambda"`
	PosWeight json.Number              `json:"positive_weight"`
	Keys      []string                 `json:"keys"`
	Bias      []json.Number            `json:"bias"`
	Weights   map[string][]json.Number `json:"weights"`
}

// painModel scores a text for every pain key at once.
type painModel struct {
	threshold float64
	keys      []string
	bias      []float64
	weights   map[string][]keyWeight // feature name → its weight for each key that uses it
	phrases   map[string]bool        // the taxonomy phrases the model learned a weight for
}

type keyWeight struct {
	key int
	w   float32
}

// defaultModel is the embedded model, parsed on first use.
var defaultModel = parsedOnce("model.json", modelJSON, parseModel)

// parsedOnce parses an embedded file on first use. A broken file panics: it is part of the
// binary, and the package's tests parse it.
func parsedOnce[T any](name string, data []byte, parse func([]byte) (T, error)) func() T {
	return sync.OnceValue(func() T {
		v, err := parse(data)
		if err != nil {
			panic("understand: " + name + ": " + err.Error())
		}
		return v
	})
}

func parseModel(b []byte) (*painModel, error) {
	var f modelFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	th, err := f.Threshold.Float64()
	if err != nil {
		return nil, fmt.Errorf("threshold: %w", err)
	}
	m := &painModel{threshold: th, keys: f.Keys, weights: make(map[string][]keyWeight, len(f.Weights)), phrases: map[string]bool{}}
	if len(f.Bias) != len(f.Keys) {
		return nil, fmt.Errorf("%d keys but %d biases", len(f.Keys), len(f.Bias))
	}
	for _, n := range f.Bias {
		b, err := n.Float64()
		if err != nil {
			return nil, fmt.Errorf("bias: %w", err)
		}
		m.bias = append(m.bias, b)
	}
	for name, row := range f.Weights {
		if _, ok := rareRule(name); ok {
			m.phrases[name] = true
		}
		if len(row) != len(f.Keys) {
			return nil, fmt.Errorf("feature %q has %d weights for %d keys", name, len(row), len(f.Keys))
		}
		for k, n := range row {
			w, err := n.Float64()
			if err != nil {
				return nil, fmt.Errorf("feature %q: %w", name, err)
			}
			if w != 0 {
				m.weights[name] = append(m.weights[name], keyWeight{key: k, w: float32(w)})
			}
		}
	}
	return m, nil
}

// contribution is what one feature added to one key's score.
type contribution struct {
	f feature
	w float64
}

// score returns a mention for every key whose probability reaches the threshold, quoting the
// features that raised it most, in the order of the model's keys. A long text is read in
// passages of about the length the model was trained on (a paragraph); each key keeps its best
// passage, so a complaint in one paragraph of a long issue is not drowned by the rest.
func (m *painModel) score(text string, phrases []phraseHit) []Mention {
	best := make([]*Mention, len(m.keys))
	for _, p := range passages(text) {
		var in []phraseHit
		for _, h := range phrases {
			if h.start >= p[0] && h.end <= p[1] {
				h.start -= p[0]
				h.end -= p[0]
				in = append(in, h)
			}
		}
		for _, mention := range m.scorePassage(text[p[0]:p[1]], in) {
			k := slices.Index(m.keys, mention.Key)
			if best[k] == nil || mention.Score > best[k].Score {
				mention.Offset += p[0]
				best[k] = &mention
			}
		}
	}
	var out []Mention
	for _, b := range best {
		if b != nil {
			out = append(out, *b)
		}
	}
	return out
}

// maxPassageWords is the length of a passage: three quarters of the painful training texts are
// this long or shorter (median 33 words).
const maxPassageWords = 40

// passages cuts text into byte spans of whole lines or sentences of at most about
// maxPassageWords words (a longer sentence is a passage of its own).
func passages(text string) [][2]int {
	if len(strings.Fields(text)) <= maxPassageWords {
		return [][2]int{{0, len(text)}}
	}
	var out [][2]int
	start, words, last := 0, 0, 0
	for i, r := range text {
		if r != '.' && r != '!' && r != '?' && r != '\n' {
			continue
		}
		n := len(strings.Fields(text[last : i+1]))
		if words > 0 && words+n > maxPassageWords {
			out = append(out, [2]int{start, last})
			start, words = last, 0
		}
		words += n
		last = i + 1
	}
	out = append(out, [2]int{start, len(text)})
	return out
}

// scorePassage scores one passage (offsets relative to it).
func (m *painModel) scorePassage(text string, phrases []phraseHit) []Mention {
	fs := m.known(features(text, phrases))
	if len(fs) == 0 || len(m.keys) == 0 {
		return nil
	}
	z := append([]float64(nil), m.bias...)
	why := make([][]contribution, len(m.keys))
	for _, f := range fs {
		for _, kw := range m.weights[f.name] {
			c := float64(float64(kw.w) * featureValue(f.name, len(fs)))
			z[kw.key] += c
			if c > 0 {
				why[kw.key] = append(why[kw.key], contribution{f: f, w: c})
			}
		}
	}
	var out []Mention
	for k, key := range m.keys {
		p := sigmoid(z[k])
		if p < m.threshold || len(why[k]) == 0 {
			continue
		}
		cs := why[k]
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].w > cs[j].w })
		mention := Mention{Kind: MentionPain, Key: key, Score: p, Offset: cs[0].f.start, Phrase: text[cs[0].f.start:cs[0].f.end]}
		for _, c := range cs {
			if c.w < cs[0].w/4 {
				break // too weak to be a reason
			}
			if q := text[c.f.start:c.f.end]; len(mention.Because) < maxBecause && !slices.Contains(mention.Because, q) {
				mention.Because = append(mention.Because, q)
			}
		}
		out = append(out, mention)
	}
	return out
}

// known renames every taxonomy phrase the model has no weight of its own for to its pain's shared
// rare-phrase feature (once per pain, at the first such phrase), as training does.
func (m *painModel) known(fs []feature) []feature {
	out := fs[:0:0]
	seen := map[string]bool{}
	for _, f := range fs {
		if rare, ok := rareRule(f.name); ok && !m.phrases[f.name] {
			f.name = rare
		}
		if !seen[f.name] {
			seen[f.name] = true
			out = append(out, f)
		}
	}
	return out
}

// maxBecause is how many of the strongest features a detection quotes.
const maxBecause = 3

func sigmoid(z float64) float64 {
	return 1 / (1 + math.Exp(-z))
}

// formatNumber writes a model number with a fixed number of decimals.
func formatNumber(x float64, decimals int) json.Number {
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if strings.Trim(s, "-0.") == "" {
		s = "0"
	}
	return json.Number(s)
}
