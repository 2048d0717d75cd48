package store_test

import (
	"context"
	"testing"

	"outreachbot/store"
	"outreachbot/store/storetest"
)

// TestAccountsMatching_likeWildcardsAreLiteral: %, _ and \ typed in a filter match themselves on
// both engines, and only themselves.
func TestAccountsMatching_likeWildcardsAreLiteral(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		for _, a := range []store.Account{
			{Name: "Fifty", Domain: "fifty.example", Industry: "grew 50% last year"},
			{Name: "Five Hundred", Domain: "fivehundred.example", Industry: "grew 500 last year"},
			{Name: "Underscore", Domain: "underscore.example", Industry: "ai_ml tooling"},
			{Name: "Aixml", Domain: "aixml.example", Industry: "aixml tooling"},
			{Name: "Backslash", Domain: "backslash.example", Industry: `back\slash`},
			{Name: "Backxslash", Domain: "backxslash.example", Industry: "backslash"},
		} {
			a := a
			if _, err := st.UpsertAccount(ctx, &a); err != nil {
				t.Fatal(err)
			}
		}
		for filter, want := range map[string]string{"50%": "Fifty", "ai_ml": "Underscore", `back\slash`: "Backslash"} {
			got, n, err := st.AccountsMatching(ctx, store.AccountFilter{Industry: filter, Limit: 10})
			if err != nil {
				t.Fatalf("industry:%s: %v", filter, err)
			}
			if n != 1 || len(got) != 1 || got[0].Name != want {
				names := []string{}
				for _, a := range got {
					names = append(names, a.Name)
				}
				t.Errorf("industry:%s found %d %v, want only %s", filter, n, names, want)
			}
		}
	})
}
