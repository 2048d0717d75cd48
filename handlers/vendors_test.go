package handlers_test

import (
	"context"
	"log/slog"
	"testing"

	"outreachbot/cli"
	"outreachbot/config"
	"outreachbot/store"
	"outreachbot/store/seed"
	"outreachbot/store/storetest"
)

func TestAccountCard_backstageSellersAreVendorsWithTheirEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		for _, c := range []struct {
			name string
			want []string
		}{
			{"red hat", []string{"Vendor — sells or hosts Backstage", "Red Hat Developer Hub (supported Backstage distribution)",
				"from github.com/janus-idp/operator: “Sells Red Hat Developer Hub", "a Red Hat supported version of Backstage",
				"What github.com/janus-idp/operator says of Red Hat Developer Hub", "don't pitch them"}},
			{"shipshape", []string{"Vendor", "from ADOPTERS.md: “We are a consultancy helping teams implement and customize Backstage.”", "don't pitch them"}},
			{"syndetic", []string{"Vendor", "multiple F100 clients", "don't pitch them"}},
		} {
			out := askAs(t, app, "U1", false, "/account "+c.name)
			expect(t, "/account "+c.name, out, append(c.want, "Not a prospect"),
				[]string{"no Backstage", "What the report says of Red Hat Developer Hub", "Draft outreach"})
			out = askAs(t, app, "U1", false, "/draft "+c.name)
			expect(t, "/draft "+c.name, out, []string{"No draft:", "not a prospect"}, []string{"Hi "})
		}
	})
}

// A store seeded before the knowledge file knew the competitors and vendors (as every store made
// before the judgment change was) gets them at the next start, without `outreachbot seed`, and a
// second start seeds nothing.
func TestPrepare_aStoreSeededFromAnOlderKnowledgeFileCatchesUpAtStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		old, err := seed.Load()
		if err != nil {
			t.Fatal(err)
		}
		old.Digest, old.Competitors = "before the judgment change", nil
		for i := range old.Accounts {
			old.Accounts[i].Role, old.Accounts[i].Competitors = "", nil
		}
		if _, err := st.Seed(ctx, old); err != nil {
			t.Fatal(err)
		}
		app, err := cli.Prepare(ctx, config.Options{}, st, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("prepare: %v", err)
		}
		expect(t, "/account port after a start", askAs(t, app, "U1", false, "/account port"),
			[]string{"Competitor — sells a competing developer portal", "Not a prospect"}, []string{"No account matches"})
		expect(t, "/account red hat after a start", askAs(t, app, "U1", false, "/account red hat"),
			[]string{"Vendor", "Red Hat Developer Hub"}, []string{"Role: prospect"})
		expect(t, "/account roadie after a start", askAs(t, app, "U1", false, "/account roadie"),
			[]string{"Vendor", "Known clients (4)"}, nil)

		seeded, _, err := st.SeedIfChanged(ctx, app.Knowledge)
		if err != nil {
			t.Fatal(err)
		}
		if seeded {
			t.Error("a second start with the same knowledge file seeded again")
		}
	})
}
