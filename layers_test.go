package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// layers is the architecture, written down once: every package of the module in the layer it
// belongs to, lowest first. A package may import packages of lower layers, and packages of its
// own layer only within its own folder family (sources/feeds may import sources/understand;
// store may not import templates). Nothing may import a higher layer. A path ending in "/..."
// covers the folder and everything below it; the longest matching entry wins.
//
// The README's "How it is built" table describes the same packages; each package's doc comment
// says what it owns and what it must not import.
var layers = []layer{
	{"vocabulary", []string{"segment"}}, // segment fit and its words; store/seed reads the target through it
	{"leaf", []string{"config", "clock", "clock/clocktest", "identity", "slackmsg", "store/seed"}},
	{"index", []string{"match"}},
	{"data", []string{"store", "templates"}},
	{"sources", []string{"sources/..."}},
	{"digest", []string{"digest", "followup"}},
	{"handlers", []string{"handlers"}},
	{"runtime", []string{"bot"}},
	{"commands", []string{"cli"}},
	{"main", []string{"."}},
	// Above everything that ships: the Slack double, synthetic data and the fixtures built on
	// them, which only tests import.
	{"test doubles", []string{"slacktest", "match/matchtest"}},
	{"test kits", []string{"store/storetest", "bot/bottest", "digest/digesttest"}},
	{"fault suite", []string{"faults"}},
}

const module = "outreachbot"

type layer struct {
	name     string
	packages []string // paths relative to the module
}

// TestLayers_importsOnlyRunDown reads the module's real import graph and fails on any import that
// runs back up a layer, or on a package no layer names.
func TestLayers_importsOnlyRunDown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	graph, err := moduleImports()
	if err != nil {
		t.Fatal(err)
	}
	if len(graph) < 10 {
		t.Fatalf("go list found only %d packages: %v", len(graph), graph)
	}
	for _, v := range violations(layers, graph) {
		t.Error(v)
	}
}

// TestLayers_violations shows the check can fail: fake graphs with an import up a layer, across
// a layer between families, and from a package no layer names.
func TestLayers_violations(t *testing.T) {
	fake := []layer{
		{"leaf", []string{"identity", "slackmsg"}},
		{"data", []string{"store", "templates"}},
		{"sources", []string{"sources/..."}},
		{"handlers", []string{"handlers"}},
	}
	cases := []struct {
		name  string
		graph map[string][]string
		want  []string
	}{
		{"imports that run down pass", map[string][]string{
			"handlers":       {"store", "templates", "slackmsg", "sources/adopters"},
			"store":          {"identity"},
			"sources/watch":  {"sources/feeds", "store"},
			"sources/feeds":  {"sources"},
			"identity":       nil,
			"sources":        nil,
			"slackmsg":       nil,
			"templates":      nil,
			"sources/adopt2": {"identity"},
		}, nil},
		{"a store importing a source parser", map[string][]string{
			"store": {"identity", "sources/adopters"},
		}, []string{"store (data) imports sources/adopters (sources)"}},
		{"a leaf importing the store", map[string][]string{
			"identity": {"store"},
		}, []string{"identity (leaf) imports store (data)"}},
		{"within a layer, only within a family", map[string][]string{
			"store":     {"templates"},
			"templates": {"identity"},
		}, []string{"store (data) imports templates (data)"}},
		{"a package no layer names", map[string][]string{
			"handlers": {"newthing"},
			"newthing": nil,
		}, []string{"newthing is in no layer", "handlers (handlers) imports newthing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := violations(fake, c.graph)
			for _, w := range c.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("want a violation %q, got %q", w, got)
				}
			}
			if len(c.want) == 0 && len(got) > 0 {
				t.Errorf("want none, got %q", got)
			}
		})
	}
}

// violations lists every import in graph (package → its imports, module-relative) that the
// layers forbid, and every package they do not place.
func violations(ls []layer, graph map[string][]string) []string {
	var out []string
	pkgs := make([]string, 0, len(graph))
	for p := range graph {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	for _, p := range pkgs {
		rank, name := layerOf(ls, p)
		if rank < 0 {
			out = append(out, fmt.Sprintf("%s is in no layer: add it to the layers (layers_test.go) and the README", p))
			continue
		}
		for _, d := range graph[p] {
			drank, dname := layerOf(ls, d)
			switch {
			case drank < 0:
				out = append(out, fmt.Sprintf("%s (%s) imports %s, which is in no layer", p, name, d))
			case drank > rank, drank == rank && family(d) != family(p):
				out = append(out, fmt.Sprintf("%s (%s) imports %s (%s)", p, name, d, dname))
			}
		}
	}
	return out
}

// layerOf finds the layer of a module-relative package path: -1 when none names it.
func layerOf(ls []layer, pkg string) (int, string) {
	rank, name, best := -1, "", -1
	for i, l := range ls {
		for _, pat := range l.packages {
			n := -1
			if dir, ok := strings.CutSuffix(pat, "/..."); ok {
				if pkg == dir || strings.HasPrefix(pkg, dir+"/") {
					n = len(dir)
				}
			} else if pkg == pat {
				n = len(pat) + 1 // an exact entry beats a folder of the same length
			}
			if n > best {
				rank, name, best = i, l.name, n
			}
		}
	}
	return rank, name
}

// family is a package's top folder: "sources" for sources/feeds.
func family(pkg string) string {
	top, _, _ := strings.Cut(pkg, "/")
	return top
}

// moduleImports runs go list over the module and returns each package's imports of the module's
// own packages, both module-relative ("." for the root). Test-only imports are not counted.
func moduleImports() (map[string][]string, error) {
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", "./...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	rel := func(p string) (string, bool) {
		if p == module {
			return ".", true
		}
		r, ok := strings.CutPrefix(p, module+"/")
		return r, ok
	}
	graph := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read go list: %w", err)
		}
		me, ok := rel(p.ImportPath)
		if !ok {
			continue
		}
		graph[me] = nil
		for _, imp := range p.Imports {
			if r, ok := rel(imp); ok {
				graph[me] = append(graph[me], r)
			}
		}
	}
	return graph, nil
}
