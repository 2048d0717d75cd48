// Command train draws the held-out split of the labelled corpus and trains the pain model of
// sources/understand from the rest. Run from the repository root:
//
//	go run ./sources/understand/train split   # once, before any tuning: writes testdata/split.txt
//	go run ./sources/understand/train         # writes sources/understand/model.json
//	go run ./sources/understand/train curve   # learning curve: CV figures on part of the training pages
//
// Both are deterministic: the same corpus gives byte-identical files. Training reads the
// training part of corpus.yaml and labelled.yaml; it never reads the held-out texts.
//
// Layers (layers_test.go): the sources layer; a development command, not part of the bot.
package main

import (
	"bytes"
	"fmt"
	"os"

	"outreachbot/sources/understand"
	"outreachbot/sources/understand/internal/corpus"
)

const (
	corpusPath = "sources/understand/testdata/corpus.yaml"
	splitPath  = "sources/understand/testdata/split.txt"
	modelPath  = "sources/understand/model.json"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 0:
		return train()
	case len(args) == 1 && args[0] == "split":
		return writeSplit()
	case len(args) == 1 && args[0] == "curve":
		return curve()
	}
	return fmt.Errorf("usage: go run ./sources/understand/train [split|curve]")
}

func train() error {
	examples, err := corpus.TrainingExamples("sources/understand/testdata")
	if err != nil {
		return err
	}
	model, rep, err := understand.Train(examples)
	if err != nil {
		return err
	}
	fmt.Printf("trained on %d texts, %d features; lambda %g, positive weight %g, threshold %.2f; cross-validated precision %.3f recall %.3f\n",
		rep.Examples, rep.Features, rep.Lambda, rep.PosWeight, rep.Threshold, rep.CVPrecision, rep.CVRecall)
	for _, k := range understand.PainKeys() {
		fmt.Printf("  %-26s cross-validated precision %.2f recall %.2f\n", k, rep.PerKey[k][0], rep.PerKey[k][1])
	}
	return os.WriteFile(modelPath, model, 0o644)
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
