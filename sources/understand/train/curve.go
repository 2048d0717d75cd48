package main

import (
	"fmt"
	"hash/fnv"

	"outreachbot/sources/understand"
	"outreachbot/sources/understand/internal/corpus"
)

// curve prints the learning curve of the pain model: cross-validated precision, recall and F1
// when training sees about a quarter, half, three quarters and all of the training pages (whole
// pages, picked by a hash of the page and a seed, two seeds each). Like train it reads the
// training part only; it writes nothing.
func curve() error {
	examples, err := corpus.TrainingExamples("sources/understand/testdata")
	if err != nil {
		return err
	}
	for _, pct := range []uint32{25, 50, 75, 100} {
		seeds := []string{"a", "b"}
		if pct == 100 {
			seeds = seeds[:1] // every page: the seeds pick the same texts
		}
		for _, seed := range seeds {
			part := pagesSample(examples, pct, seed)
			_, rep, err := understand.Train(part)
			if err != nil {
				return err
			}
			p, r := rep.CVPrecision, rep.CVRecall
			fmt.Printf("%3d%% of pages (seed %s): %4d texts, cross-validated precision %.3f recall %.3f F1 %.3f\n",
				pct, seed, len(part), p, r, 2*p*r/(p+r))
		}
	}
	return nil
}

// pagesSample keeps the examples of the pages whose hash with seed falls below pct percent.
func pagesSample(examples []understand.Example, pct uint32, seed string) []understand.Example {
	var out []understand.Example
	for _, ex := range examples {
		h := fnv.New32a()
		h.Write([]byte(seed + "\x00" + ex.Group))
		if h.Sum32()%100 < pct {
			out = append(out, ex)
		}
	}
	return out
}
