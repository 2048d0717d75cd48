// Command train draws the held-out split of the labelled corpus and trains the pain model of
// sources/understand from the training part. Run from the repository root:
//
//	go run ./sources/understand/train split   # (once) writes testdata/split.txt
//	go run ./sources/understand/train         # writes model.json from the training part
//
// Both are deterministic: the same corpus gives byte-identical files.
package main

import (
	"bytes"
	"fmt"
	"os"

	"outreachbot/sources/understand/internal/corpus"
)

const (
	corpusPath = "sources/understand/testdata/corpus.yaml"
	splitPath  = "sources/understand/testdata/split.txt"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "split" {
		return writeSplit()
	}
	return fmt.Errorf("training is not wired yet")
}

func writeSplit() error {
	texts, err := corpus.Load(corpusPath)
	if err != nil {
		return err
	}
	ids := corpus.DrawHeldOut(texts, corpus.Seed)
	var b bytes.Buffer
	if err := corpus.WriteSplit(&b, ids, len(texts)); err != nil {
		return err
	}
	fmt.Printf("held out %d of %d texts\n", len(ids), len(texts))
	return os.WriteFile(splitPath, b.Bytes(), 0o644)
}
