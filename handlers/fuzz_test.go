package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// The fuzz targets of what users type. `go test` runs their seed corpus (testdata/fuzz and the
// f.Add seeds); scripts/fuzz.sh runs each for FUZZTIME.

// FuzzCommandLine: any command text is refused with a message or split into tokens, never a
// panic; a token never holds the quotes or the spaces that delimit it.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{"", "expedia", `industry:"financial services" size:100-1000`, "“curly quoted”", `"unclosed`,
		"a\tb\nc", "<@U123|bob> owner", "H&amp;M", "\x00", "\xff\xfe", "\u202Eevil", `""`, `a"b"c`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text := NormalizeSlackText(s)
		if msg := unreadable(text); msg != "" {
			if !strings.Contains(msg, "can't read") {
				t.Fatalf("unreadable text without a reason: %q", msg)
			}
			return
		}
		toks, err := tokenize(text)
		if err != nil {
			var ue *slackmsg.UserError
			if !errors.As(err, &ue) || ue.Msg == "" {
				t.Fatalf("%q: an error that is not a message for the user: %v", text, err)
			}
			return
		}
		for _, tok := range toks {
			if tok == "" || strings.ContainsAny(tok, `"“”`) {
				t.Fatalf("%q: token %q", text, tok)
			}
			if !utf8.ValidString(tok) {
				t.Fatalf("%q: token %q is not UTF-8", text, tok)
			}
		}
	})
}

// findStore answers the one query /account find parsing makes: the pain catalogue.
type findStore struct{ AccountStore }

func (findStore) PainCatalogue(ctx context.Context) ([]store.PainSummary, error) {
	return []store.PainSummary{{PainPoint: store.PainPoint{Key: "yaml", Title: "YAML sprawl"}}}, nil
}

// FuzzAccountFindFilters: any filter text becomes a filter or a message; sizes are never
// negative or inverted, whatever number is typed.
func FuzzAccountFindFilters(f *testing.F) {
	for _, s := range []string{`industry:"financial services" size:100-1000 region:london stage:evaluating pain:yaml`,
		"size:500+", "size:<=200", "size:>1k", "size:99999999999999999k", "size:5-3", "stage:production,churned", "pain:nope",
		"industry:50%", "industry:ai_ml", `industry:back\slash`, "colour:blue", "size:-5", "size:1k-2k"} {
		f.Add(s)
	}
	h := NewAccounts(findStore{}, nil, Segment{})
	f.Fuzz(func(t *testing.T, s string) {
		if unreadable(s) != "" {
			return
		}
		fq, err := h.parseFilters(context.Background(), s)
		flt := fq.filter
		if err != nil {
			var ue *slackmsg.UserError
			if !errors.As(err, &ue) || ue.Msg == "" {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if flt.EmployeesMin < 0 || flt.EmployeesMax < 0 || (flt.EmployeesMax > 0 && flt.EmployeesMin > flt.EmployeesMax) {
			t.Fatalf("%q: size %d–%d", s, flt.EmployeesMin, flt.EmployeesMax)
		}
	})
}
