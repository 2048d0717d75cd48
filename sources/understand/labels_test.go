package understand_test

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"outreachbot/sources/understand/internal/corpus"
)

// TestLabels_areTheVoteOfThreeLabellings fails unless every text's pain labels are exactly the
// keys that at least two of the three blind labellings in testdata/labellers give it (see
// LABELLING.md, "Agreement and the vote"): no label was changed by hand after the vote.
func TestLabels_areTheVoteOfThreeLabellings(t *testing.T) {
	var votes []map[string][]string
	for _, name := range []string{"first", "a", "b"} {
		votes = append(votes, readLabelling(t, "testdata/labellers/"+name+".tsv"))
	}
	for _, file := range []string{corpusFile, extraFile} {
		texts, err := corpus.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range texts {
			count := map[string]int{}
			for _, v := range votes {
				keys, ok := v[tx.ID]
				if !ok {
					t.Fatalf("%s: no labelling for %s", file, tx.ID)
				}
				for _, k := range keys {
					count[k]++
				}
			}
			var want []string
			for k, n := range count {
				if n >= 2 {
					want = append(want, k)
				}
			}
			got := slices.Clone(tx.Pains)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: pains %v, the vote gives %v", file, tx.ID, got, want)
			}
		}
	}
}

// readLabelling reads one labelling: "<id>\t<keys comma-separated | none>" per line.
func readLabelling(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id, keys, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("%s: line %q has no tab", path, sc.Text())
		}
		if _, dup := out[id]; dup {
			t.Fatalf("%s: %s twice", path, id)
		}
		out[id] = nil
		if keys != "none" {
			out[id] = strings.Split(keys, ",")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
