package understand_test

import (
	"bytes"
	"context"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"outreachbot/sources/adopters"
	"outreachbot/sources/adopterswatch"
	"outreachbot/sources/understand"
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

type labelled struct {
	ID       string   `yaml:"id"`
	Source   string   `yaml:"source"`
	Text     string   `yaml:"text"`
	Pains    []string `yaml:"pains"`
	Accounts []string `yaml:"accounts"`
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

// labelledFiles are the labelled texts: the set the taxonomy was tuned on, and texts written
// afterwards and never tuned on.
var labelledFiles = []string{"testdata/labelled.yaml", "testdata/heldout.yaml"}

// minScore is the floor the issue sets for precision and recall of both detections.
const minScore = 0.85

// TestLabelled measures pain-point detection and account matching on the labelled texts and fails
// when precision or recall of either falls below 0.85.
func TestLabelled(t *testing.T) {
	var set []labelled
	fileOf := map[string]string{}
	for _, f := range labelledFiles {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var part []labelled
		if err := yaml.Unmarshal(raw, &part); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, ex := range part {
			fileOf[ex.ID] = f
		}
		set = append(set, part...)
	}
	if len(set) < 60 {
		t.Fatalf("only %d labelled texts, want at least 60", len(set))
	}
	accounts, painIDs := storeAccounts(t)
	an := understand.New(accounts, painIDs)
	known := map[string]bool{}
	for _, a := range accounts {
		known[a.Name] = true
	}
	keys := map[string]bool{}
	for _, k := range understand.PainKeys() {
		keys[k] = true
		if painIDs[k] == 0 {
			t.Errorf("taxonomy pain %q is not a pain point of the knowledge file", k)
		}
	}
	var pains, accs score
	byFile := map[string]*[2]score{}
	for _, f := range labelledFiles {
		byFile[f] = &[2]score{}
	}
	perPain := map[string]*score{}
	for _, k := range understand.PainKeys() {
		perPain[k] = &score{}
	}
	for _, ex := range set {
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
		res := an.Analyze(ex.Text)
		var gotPains, gotAccs []string
		for _, m := range res.Pains {
			gotPains = append(gotPains, m.Key)
			if m.ID == 0 || m.Phrase == "" {
				t.Errorf("%s: pain mention without id or phrase: %+v", ex.ID, m)
			}
		}
		for _, m := range res.Accounts {
			gotAccs = append(gotAccs, m.Key)
			if !strings.Contains(ex.Text, m.Phrase) {
				t.Errorf("%s: account phrase %q is not in the text", ex.ID, m.Phrase)
			}
		}
		if missed, extra := pains.add(ex.Pains, gotPains); len(missed)+len(extra) > 0 {
			t.Logf("%-9s pains    missed %v, extra %v%s", ex.ID, missed, extra, phrases(res.Pains, extra))
		}
		for _, k := range understand.PainKeys() {
			perPain[k].add(filter(ex.Pains, k), filter(gotPains, k))
		}
		fs := byFile[fileOf[ex.ID]]
		fs[0].add(ex.Pains, gotPains)
		fs[1].add(ex.Accounts, gotAccs)
		if missed, extra := accs.add(ex.Accounts, gotAccs); len(missed)+len(extra) > 0 {
			t.Logf("%-9s accounts missed %v, extra %v%s", ex.ID, missed, extra, phrases(res.Accounts, extra))
		}
	}
	for _, k := range understand.PainKeys() {
		s := perPain[k]
		t.Logf("  pain %-26s precision %.2f recall %.2f (tp %d fp %d fn %d)", k, s.precision(), s.recall(), s.tp, s.fp, s.fn)
	}
	for _, f := range labelledFiles {
		fs := byFile[f]
		t.Logf("%-26s pain points precision %.3f recall %.3f; accounts precision %.3f recall %.3f", f,
			fs[0].precision(), fs[0].recall(), fs[1].precision(), fs[1].recall())
	}
	t.Logf("%d texts: pain points precision %.3f recall %.3f (tp %d fp %d fn %d)", len(set), pains.precision(), pains.recall(), pains.tp, pains.fp, pains.fn)
	t.Logf("%d texts: accounts    precision %.3f recall %.3f (tp %d fp %d fn %d)", len(set), accs.precision(), accs.recall(), accs.tp, accs.fp, accs.fn)
	for name, v := range map[string]float64{
		"pain precision": pains.precision(), "pain recall": pains.recall(),
		"account precision": accs.precision(), "account recall": accs.recall(),
	} {
		if v < minScore {
			t.Errorf("%s %.3f is below %.2f", name, v, minScore)
		}
	}
}

func filter(list []string, k string) []string {
	for _, x := range list {
		if x == k {
			return []string{k}
		}
	}
	return nil
}

func phrases(ms []understand.Mention, keys []string) string {
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
