// Package corpus reads the labelled texts of sources/understand/testdata and draws their fixed
// held-out part. The training command and the quality tests share it, so both see the same
// texts, labels and split.
//
// Layers (layers_test.go): the sources layer; used by understand's tests and its training command
// only.
package corpus

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"outreachbot/sources/understand"
)

// Seed is the seed of the held-out draw (the number). It was fixed, and the draw
// written to testdata/split.txt, before any detector was run on the corpus.
const Seed = 12

// Text is one labelled text.
type Text struct {
	ID       string   `yaml:"id"`
	Source   string   `yaml:"source"`
	Text     string   `yaml:"text"`
	Pains    []string `yaml:"pains"`
	Accounts []string `yaml:"accounts"`
}

// Load reads a YAML list of labelled texts; every id must be unique.
func Load(path string) ([]Text, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Text
	if err := yaml.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	seen := map[string]bool{}
	for _, t := range out {
		if t.ID == "" || seen[t.ID] {
			return nil, fmt.Errorf("%s: missing or repeated id %q", path, t.ID)
		}
		seen[t.ID] = true
	}
	return out, nil
}

// Group is the unit the split draws: texts from one page go to the same side, so a page's
// wording never helps to score itself. The address is compared without scheme, "www." and a
// trailing slash; each ADOPTERS.md row is a group of its own (rows are independent entries).
func Group(t Text) string {
	s := strings.ToLower(strings.TrimSpace(t.Source))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s = strings.TrimPrefix(s, "www.")
	s = strings.TrimSuffix(s, "/")
	if strings.HasSuffix(s, "/adopters.md") {
		s += "#" + t.ID
	}
	return s
}

// DrawHeldOut returns the ids of the held-out part: the groups, sorted, are shuffled by a PCG
// generator seeded with seed, and whole groups are taken in that order until at least a third
// of the texts are held out. The result is sorted.
func DrawHeldOut(texts []Text, seed uint64) []string {
	byGroup := map[string][]string{}
	for _, t := range texts {
		g := Group(t)
		byGroup[g] = append(byGroup[g], t.ID)
	}
	groups := make([]string, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	rng := rand.New(rand.NewPCG(seed, seed))
	rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	want := (len(texts) + 2) / 3
	var out []string
	for _, g := range groups {
		if len(out) >= want {
			break
		}
		out = append(out, byGroup[g]...)
	}
	sort.Strings(out)
	return out
}

// WriteSplit writes held-out ids one a line after a comment saying how they were drawn.
func WriteSplit(w io.Writer, ids []string, total int) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "# Held-out part of corpus.yaml: %d of %d texts, drawn by corpus.DrawHeldOut with seed %d\n", len(ids), total, Seed)
	fmt.Fprintf(b, "# (go run ./sources/understand/train split). Never used to choose phrases, features or thresholds.\n")
	for _, id := range ids {
		fmt.Fprintln(b, id)
	}
	return b.Flush()
}

// ReadSplit reads the ids a split file lists.
func ReadSplit(path string) (map[string]bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out[line] = true
	}
	return out, nil
}

// TrainingExamples are the texts the pain model may learn from, read from dir (the testdata
// folder): corpus.yaml without its held-out part, training-extra.yaml and the earlier
// labelled.yaml. heldout.yaml and the held-out part are never returned.
func TrainingExamples(dir string) ([]understand.Example, error) {
	held, err := ReadSplit(filepath.Join(dir, "split.txt"))
	if err != nil {
		return nil, err
	}
	var files [3][]Text // corpus.yaml, training-extra.yaml, labelled.yaml
	for i, name := range []string{"corpus.yaml", "training-extra.yaml", "labelled.yaml"} {
		if files[i], err = Load(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	texts, extra, earlier := files[0], files[1], files[2]
	var out []understand.Example
	for _, t := range append(texts, extra...) {
		if !held[t.ID] {
			out = append(out, understand.Example{Text: t.Text, Pains: t.Pains, Group: Group(t)})
		}
	}
	for _, t := range earlier {
		out = append(out, understand.Example{Text: t.Text, Pains: t.Pains, Group: "labelled.yaml#" + t.ID})
	}
	return out, nil
}
