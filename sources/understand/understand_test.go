package understand_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"outreachbot/sources/adopters"
	"outreachbot/sources/adopterswatch"
	"outreachbot/sources/understand"
	"outreachbot/sources/understand/internal/corpus"
	"outreachbot/store"
	"outreachbot/store/seed"
	"outreachbot/store/storetest"
)

// storeAccounts returns the accounts a fresh bot has: the report's plus the embedded ADOPTERS.md.
func storeAccounts(t *testing.T) ([]understand.Account, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	st := storetest.OpenSeeded(t, store.SQLite)
	entries, err := adopters.Parse(bytes.NewReader(seed.Adopters))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportAdopters(ctx, adopterswatch.Rows(entries), false, time.Now()); err != nil {
		t.Fatal(err)
	}
	rows, err := st.AccountNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]understand.Account, len(rows))
	for i, r := range rows {
		out[i] = understand.Account{ID: r.ID, Name: r.Name, Aliases: r.Aliases, Domain: r.Domain}
	}
	pains, err := st.PainPointIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return out, pains
}

// score counts true and false positives and false negatives over a labelled set.
type score struct{ tp, fp, fn int }

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

func (s *score) add(want, got []string) (missed, extra []string) {
	w, g := map[string]bool{}, map[string]bool{}
	for _, x := range want {
		w[x] = true
	}
	for _, x := range got {
		g[x] = true
	}
	for x := range g {
		if w[x] {
			s.tp++
		} else {
			s.fp++
			extra = append(extra, x)
		}
	}
	for x := range w {
		if !g[x] {
			s.fn++
			missed = append(missed, x)
		}
	}
	sort.Strings(missed)
	sort.Strings(extra)
	return missed, extra
}

// acceptance makes the quality tests hold the detector to issue 12's acceptance floors instead of
// the regression floors: go test ./sources/understand/ -run TestLabelled -v -args -acceptance
var acceptance = flag.Bool("acceptance", false, "assert issue 12's acceptance floors on the held-out texts")

const (
	corpusFile  = "testdata/corpus.yaml"
	extraFile   = "testdata/training-extra.yaml"
	splitFile   = "testdata/split.txt"
	earlierHeld = "testdata/heldout.yaml"
)

// floors are the least a held-out measurement may show.
type floors struct {
	painPrecision, painRecall       float64
	keyRecall                       float64 // for every key with at least keyPositives held-out positives
	keyPositives                    int
	accountPrecision, accountRecall float64
	trapErrors                      int // texts naming an account word, with no account, given one anyway
}

// acceptanceFloors are issue 12's acceptance criteria on the held-out part of the corpus.
var acceptanceFloors = floors{
	painPrecision: 0.85, painRecall: 0.80, keyRecall: 0.60, keyPositives: 5,
	accountPrecision: 0.95, accountRecall: 0.90, trapErrors: 0,
}

// regressionFloors are what the detector measured on the held-out part when it was last trained
// (pain precision 0.551, recall 0.529; the weakest keys with five positives: cost recall 0.200,
// 1 of 5, yaml 0.286, implementation-complexity 0.385; accounts 1.000 / 0.955; no trap text with
// a false account), less a small margin: the suite fails when detection gets worse. They were set
// after measuring and were never used to choose anything. The acceptance floors are not met;
// -acceptance shows by how much.
var regressionFloors = floors{
	painPrecision: 0.50, painRecall: 0.50, keyRecall: 0.15, keyPositives: 5,
	accountPrecision: 0.95, accountRecall: 0.90, trapErrors: 0,
}

// earlierFloors hold heldout.yaml, measured on its own (issue 11); with -acceptance it must meet
// the 0.85 floor the old test pooled it under. Its pain recall moved between 0.24 and 0.32 (6 and
// 8 of 25 texts) as training-extra.yaml grew from 95 to 610 texts and the model changed; it is
// 0.24 now (6 of 25), precision 0.60 (6 of 10 detections).
var (
	earlierAcceptance = floors{painPrecision: 0.85, painRecall: 0.85, accountPrecision: 0.95, accountRecall: 0.90}
	earlierRegression = floors{painPrecision: 0.55, painRecall: 0.20, accountPrecision: 0.95, accountRecall: 0.90}
)

func floorsFor(acc, reg floors) (floors, string) {
	if *acceptance {
		return acc, "acceptance"
	}
	return reg, "regression"
}

// report is what one labelled set measured.
type report struct {
	texts      int
	pains      score
	accounts   score
	perPain    map[string]*score
	traps      int // texts naming no account whose words include an account's name
	trapErrors []string
}

// measure runs the analyzer over texts and counts; misses are logged with the evidence of
// every wrong detection so a failure says why.
func measure(t *testing.T, an *understand.Analyzer, texts []corpus.Text, names []string, logMisses bool) report {
	t.Helper()
	r := report{texts: len(texts), perPain: map[string]*score{}}
	for _, k := range understand.PainKeys() {
		r.perPain[k] = &score{}
	}
	for _, ex := range texts {
		res := an.Analyze(ex.Text)
		var gotPains, gotAccs []string
		for _, m := range res.Pains {
			gotPains = append(gotPains, m.Key)
			if m.Phrase == "" || !strings.Contains(ex.Text, m.Phrase) {
				t.Errorf("%s: pain %s without evidence from the text: %+v", ex.ID, m.Key, m)
			}
		}
		for _, m := range res.Accounts {
			gotAccs = append(gotAccs, m.Key)
			if !strings.Contains(ex.Text, m.Phrase) {
				t.Errorf("%s: account phrase %q is not in the text", ex.ID, m.Phrase)
			}
		}
		missed, extra := r.pains.add(ex.Pains, gotPains)
		if logMisses && len(missed)+len(extra) > 0 {
			t.Logf("%-6s pains    missed %v, extra %v%s", ex.ID, missed, extra, evidence(res.Pains, extra))
		}
		for _, k := range understand.PainKeys() {
			r.perPain[k].add(only(ex.Pains, k), only(gotPains, k))
		}
		missed, extra = r.accounts.add(ex.Accounts, gotAccs)
		if logMisses && len(missed)+len(extra) > 0 {
			t.Logf("%-6s accounts missed %v, extra %v%s", ex.ID, missed, extra, evidence(res.Accounts, extra))
		}
		if len(ex.Accounts) == 0 && namesAnAccountWord(ex.Text, names) {
			r.traps++
			if len(gotAccs) > 0 {
				r.trapErrors = append(r.trapErrors, fmt.Sprintf("%s: %v", ex.ID, gotAccs))
			}
		}
	}
	return r
}

func (r report) log(t *testing.T, name string) {
	t.Helper()
	for _, k := range understand.PainKeys() {
		s := r.perPain[k]
		t.Logf("%s: pain %-26s precision %.2f recall %.2f (tp %d fp %d fn %d)", name, k, s.precision(), s.recall(), s.tp, s.fp, s.fn)
	}
	t.Logf("%s: %d texts: pain points precision %.3f recall %.3f (tp %d fp %d fn %d)", name, r.texts, r.pains.precision(), r.pains.recall(), r.pains.tp, r.pains.fp, r.pains.fn)
	t.Logf("%s: %d texts: accounts    precision %.3f recall %.3f (tp %d fp %d fn %d); %d trap texts, %d with a false account",
		name, r.texts, r.accounts.precision(), r.accounts.recall(), r.accounts.tp, r.accounts.fp, r.accounts.fn, r.traps, len(r.trapErrors))
}

// TestLabelled measures pain-point detection and account matching on the held-out part of the
// real-text corpus alone (never used for training or tuning) and fails below issue 12's floors.
// It also prints, without asserting, the figures on the training part.
func TestLabelled(t *testing.T) {
	all, err := corpus.Load(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	held, err := corpus.ReadSplit(splitFile)
	if err != nil {
		t.Fatal(err)
	}
	accounts, painIDs := storeAccounts(t)
	an := understand.New(accounts, painIDs)
	names := checkLabels(t, all, accounts, painIDs)
	var heldOut, training []corpus.Text
	for _, ex := range all {
		if held[ex.ID] {
			heldOut = append(heldOut, ex)
		} else {
			training = append(training, ex)
		}
	}
	if len(all) < 300 || 3*len(heldOut) < len(all) {
		t.Fatalf("%d texts, %d held out: want at least 300, a third held out", len(all), len(heldOut))
	}
	measure(t, an, training, names, false).log(t, "training part")
	r := measure(t, an, heldOut, names, true)
	r.log(t, "HELD-OUT")

	f, which := floorsFor(acceptanceFloors, regressionFloors)
	r.check(t, "held-out", which, f)
	if r.traps < 10 {
		t.Errorf("only %d held-out trap texts; the trap check measures nothing", r.traps)
	}
	if !*acceptance {
		var short []string
		r.each(acceptanceFloors, func(msg string) { short = append(short, msg) })
		if len(short) > 0 {
			t.Logf("ACCEPTANCE NOT MET on the held-out part: %s", strings.Join(short, "; "))
		}
	}
}

// each calls short with a sentence for every figure of r that misses its floor in f.
func (r report) each(f floors, short func(msg string)) {
	check := func(what string, got, floor float64) {
		if got < floor {
			short(fmt.Sprintf("%s %.3f is below %.2f", what, got, floor))
		}
	}
	check("pain precision (micro)", r.pains.precision(), f.painPrecision)
	check("pain recall (micro)", r.pains.recall(), f.painRecall)
	if f.keyPositives > 0 {
		for _, k := range understand.PainKeys() {
			if s := r.perPain[k]; s.tp+s.fn >= f.keyPositives {
				check("recall of "+k, s.recall(), f.keyRecall)
			}
		}
	}
	check("account precision", r.accounts.precision(), f.accountPrecision)
	check("account recall", r.accounts.recall(), f.accountRecall)
	if len(r.trapErrors) > f.trapErrors {
		short(fmt.Sprintf("%d trap texts got a false account, more than %d (%s)", len(r.trapErrors), f.trapErrors, strings.Join(r.trapErrors, "; ")))
	}
}

// check fails the test for every figure below its floor.
func (r report) check(t *testing.T, set, which string, f floors) {
	t.Helper()
	r.each(f, func(msg string) { t.Errorf("%s (%s floors): %s", set, which, msg) })
}

// checkLabels fails on a label the store does not know and returns every account name and alias.
func checkLabels(t *testing.T, texts []corpus.Text, accounts []understand.Account, painIDs map[string]int64) []string {
	t.Helper()
	known := map[string]bool{}
	var names []string
	for _, a := range accounts {
		known[a.Name] = true
		names = append(names, a.Name)
		names = append(names, a.Aliases...)
	}
	for _, k := range understand.PainKeys() {
		if painIDs[k] == 0 {
			t.Errorf("pain %q is not a pain point of the knowledge file", k)
		}
	}
	keys := map[string]bool{}
	for _, k := range understand.PainKeys() {
		keys[k] = true
	}
	for _, ex := range texts {
		for _, k := range ex.Pains {
			if !keys[k] {
				t.Fatalf("%s: unknown pain key %q", ex.ID, k)
			}
		}
		for _, n := range ex.Accounts {
			if !known[n] {
				t.Fatalf("%s: no account named %q in the store", ex.ID, n)
			}
		}
	}
	return names
}

// namesAnAccountWord reports whether an account's name or alias occurs in text as whole words in
// any case: such a text with no account labelled is a trap ("a box", "peak", "hug a roadie").
func namesAnAccountWord(text string, names []string) bool {
	words := " " + strings.Join(strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ") + " "
	for _, n := range names {
		nw := strings.Join(strings.FieldsFunc(strings.ToLower(n), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}), " ")
		if len(nw) >= 2 && strings.Contains(words, " "+nw+" ") {
			return true
		}
	}
	return false
}

// TestLabelled_earlierHeldOut measures the 25 hand-written texts of heldout.yaml on their own
// (issue 11): they were never used to tune the phrases nor to train the model.
func TestLabelled_earlierHeldOut(t *testing.T) {
	texts, err := corpus.Load(earlierHeld)
	if err != nil {
		t.Fatal(err)
	}
	accounts, painIDs := storeAccounts(t)
	checkLabels(t, texts, accounts, painIDs)
	r := measure(t, understand.New(accounts, painIDs), texts, nil, true)
	r.log(t, "heldout.yaml")
	f, which := floorsFor(earlierAcceptance, earlierRegression)
	r.check(t, "heldout.yaml", which, f)
}

// TestSplit_isTheSeededDraw fails when split.txt is not the seeded draw over corpus.yaml, so the
// held-out part cannot be edited by hand.
func TestSplit_isTheSeededDraw(t *testing.T) {
	texts, err := corpus.Load(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	held, err := corpus.ReadSplit(splitFile)
	if err != nil {
		t.Fatal(err)
	}
	want := corpus.DrawHeldOut(texts, corpus.Seed)
	var got []string
	for id := range held {
		got = append(got, id)
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("split.txt lists %d ids that are not the seed-%d draw (%d ids); run go run ./sources/understand/train split", len(got), corpus.Seed, len(want))
	}
	groups := map[string]bool{}
	for _, ex := range texts {
		if held[ex.ID] {
			groups[corpus.Group(ex)] = true
		}
	}
	for _, ex := range texts {
		if !held[ex.ID] && groups[corpus.Group(ex)] {
			t.Errorf("%s is in training but its page %s is held out", ex.ID, corpus.Group(ex))
		}
	}
}

func only(list []string, k string) []string {
	for _, x := range list {
		if x == k {
			return []string{k}
		}
	}
	return nil
}

func evidence(ms []understand.Mention, keys []string) string {
	var out []string
	for _, m := range ms {
		for _, k := range keys {
			if m.Key == k {
				out = append(out, k+"←"+`"`+m.Phrase+`"`)
			}
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " " + strings.Join(out, " ")
}
