package understand_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"outreachbot/sources/understand"
	"outreachbot/sources/understand/internal/corpus"
)

// TestModel_isReproducible trains the model again from the training data and fails unless it
// writes model.json byte for byte: the checked-in weights are exactly what the corpus gives.
func TestModel_isReproducible(t *testing.T) {
	examples, err := corpus.TrainingExamples("testdata")
	if err != nil {
		t.Fatal(err)
	}
	got, rep, err := understand.Train(examples)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("model.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("model.json differs from what training writes (%d vs %d bytes); run go run ./sources/understand/train and commit it", len(want), len(got))
	}
	t.Logf("trained on %d texts, %d features; cross-validated precision %.3f recall %.3f", rep.Examples, rep.Features, rep.CVPrecision, rep.CVRecall)
}

// TestModel_neverSeesHeldOutTexts fails if a held-out text reaches training.
func TestModel_neverSeesHeldOutTexts(t *testing.T) {
	examples, err := corpus.TrainingExamples("testdata")
	if err != nil {
		t.Fatal(err)
	}
	texts, _ := corpus.Load(corpusFile)
	held, _ := corpus.ReadSplit(splitFile)
	trained := map[string]bool{}
	for _, ex := range examples {
		trained[ex.Text] = true
	}
	for _, ex := range texts {
		if held[ex.ID] && trained[ex.Text] {
			t.Errorf("held-out %s is a training example", ex.ID)
		}
	}
	earlier, _ := corpus.Load(earlierHeld)
	for _, ex := range earlier {
		if trained[ex.Text] {
			t.Errorf("heldout.yaml %s is a training example", ex.ID)
		}
	}
}

func TestPains_negationTurnsAComplaintAround(t *testing.T) {
	an := understand.New(nil, nil)
	for _, tc := range []struct {
		text string
		key  string
		want bool
	}{
		{"Auth problems again: SSO login fails with Okta.", "auth", true},
		{"No auth problems here.", "auth", false},
		{"Upgrading Backstage is painful and breaks our plugins every month.", "implementation-complexity", true},
		{"Upgrading Backstage is not painful at all.", "implementation-complexity", false},
	} {
		got := false
		for _, m := range an.Pains(tc.text) {
			got = got || m.Key == tc.key
		}
		if got != tc.want {
			t.Errorf("Pains(%q) finds %s: %v, want %v", tc.text, tc.key, got, tc.want)
		}
	}
}

func TestPains_everyDetectionSaysWhy(t *testing.T) {
	an := understand.New(nil, map[string]int64{"yaml": 6})
	text := "Our catalog-info.yaml files drift from reality and nobody updates them"
	ms := an.Pains(text)
	if len(ms) == 0 || ms[0].Key != "yaml" || ms[0].ID != 6 {
		t.Fatalf("Pains = %+v, want yaml (id 6)", ms)
	}
	m := ms[0]
	// The evidence is the complaint's own words, where they are written: the file and its drift.
	if !strings.Contains(m.Phrase, "catalog-info.yaml") || text[m.Offset:m.Offset+len(m.Phrase)] != m.Phrase {
		t.Errorf("evidence %q at %d, want words with \"catalog-info.yaml\" at their place in the text", m.Phrase, m.Offset)
	}
	if th := understand.PainThreshold(); m.Score < th || m.Score > 1 || len(m.Because) == 0 || m.Because[0] != m.Phrase {
		t.Errorf("score %.2f, because %q: want a probability over the threshold %.2f and the evidence first", m.Score, m.Because, th)
	}
	for _, w := range m.Because {
		if !strings.Contains(text, w) {
			t.Errorf("because %q is not in the text", w)
		}
	}
}

// TestTrainingExtra_isNotHeldOut fails when a training-only text comes from a page whose texts are
// held out: its wording would leak into the measurement.
func TestTrainingExtra_isNotHeldOut(t *testing.T) {
	texts, err := corpus.Load(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	extra, err := corpus.Load(extraFile)
	if err != nil {
		t.Fatal(err)
	}
	held, _ := corpus.ReadSplit(splitFile)
	heldPages := map[string]string{}
	ids := map[string]bool{}
	for _, ex := range texts {
		ids[ex.ID] = true
		if held[ex.ID] {
			heldPages[corpus.Group(ex)] = ex.ID
		}
	}
	accounts, painIDs := storeAccounts(t)
	checkLabels(t, extra, accounts, painIDs)
	for _, ex := range extra {
		if ids[ex.ID] {
			t.Errorf("%s is also an id of corpus.yaml", ex.ID)
		}
		if id, ok := heldPages[corpus.Group(ex)]; ok {
			t.Errorf("%s comes from %s, whose text %s is held out", ex.ID, ex.Source, id)
		}
	}
}

// A long issue is read paragraph by paragraph: one complaint among many neutral lines is found,
// and its evidence points into the text where it is written.
func TestPains_aComplaintInALongTextIsFound(t *testing.T) {
	an := understand.New(nil, nil)
	complaint := "Our catalog-info.yaml files drift from reality and nobody updates them."
	text := strings.Repeat("We ran the weekly release on Tuesday and the team reviewed the dashboards together.\n", 40) +
		complaint + "\n" + strings.Repeat("Lunch was at noon and the build stayed green all afternoon.\n", 20)
	var found *understand.Mention
	for _, m := range an.Pains(text) {
		if m.Key == "yaml" {
			found = &m
		}
	}
	if found == nil {
		t.Fatalf("the yaml complaint in a %d-byte text was not found", len(text))
	}
	if at := strings.Index(text, complaint); found.Offset < at || text[found.Offset:found.Offset+len(found.Phrase)] != found.Phrase {
		t.Errorf("evidence %q at %d, want it inside the complaint at %d", found.Phrase, found.Offset, at)
	}
}
