package handlers_test

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"outreachbot/identity"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

func TestAccountFind_wordsPeopleUseAndInferredValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		cases := []struct {
			line        string
			want, never []string
		}{
			{"/account find industry:tech", []string{"Adobe", "software", "industry software, stated or inferred"}, []string{"No account matches"}},
			{"/account find industry:technology", []string{"Adobe", "software"}, nil},
			{"/account find industry:fintech", []string{"Volvofinans Bank", "financial services (inferred)", "Values marked (inferred) come from the public record"}, []string{"Port", "Roadie"}},
			// SDA SE (insurance, at sda.se) is German, not Swedish: not a Nordic account.
			{"/account find industry:bank region:nordics", []string{"3 accounts match", "Volvofinans Bank", "Tink", "Lunar", "region Nordics (Sweden"}, []string{"SDA SE"}},
			{"/account find region:brazil", []string{"Stone", "Brazil, Latin America (inferred)", "country Brazil"}, nil},
			{"/account find region:uk industry:software", []string{"1 account matches", "Paddle"}, []string{"1 accounts"}},
			{"/account find role:competitor", []string{"4 accounts match", "Port", "Cortex", "OpsLevel", "Humanitec"}, nil},
			// Five filters nothing matches (the README's example before public firmographics): the
			// answer says which filter empties it.
			{`/account find industry:"financial services" size:100-1000 region:london stage:evaluating pain:yaml`,
				[]string{"No account matches all of", "industry financial services, stated or inferred) alone: 19 accounts", "region:london (HQ mentions london) alone: 8 accounts", "pain:yaml (shows pain yaml) alone: 1 account"},
				[]string{"1 accounts"}},
			// An empty answer names only the filters given: no size was given, so no word of size.
			{"/account find industry:widgets", []string{"No account matches all of", "industry:widgets", "not a word I know", "alone: 0 accounts"}, []string{"size"}},
		}
		for _, c := range cases {
			expect(t, c.line, askAs(t, app, "U1", false, c.line), c.want, c.never)
		}
	})
}

func TestAccountCard_inferredValuesSayWhereTheyCameFrom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		expect(t, "/account stone", askAs(t, app, "U1", false, "/account stone"),
			[]string{"Region: Brazil, Latin America (inferred)", "Inferred from the public record", "Country, Region — the domain stone.com.br ends in .com.br"}, nil)
		expect(t, "/account volvofinans", askAs(t, app, "U1", false, "/account volvofinans bank"),
			[]string{"Industry: financial services (inferred)", "Industry — the name “Volvofinans Bank” contains “bank”", "Country, Region — the domain volvofinans.se ends in .se"}, nil)
		expect(t, "/account hellofresh", askAs(t, app, "U1", false, "/account hellofresh"),
			[]string{"Size: engineering headcount 500+ (inferred)", "Engineers — its description says “500+ engineers”"}, nil)
		// Stated values stay unlabelled.
		expect(t, "/account baillie gifford", askAs(t, app, "U1", false, "/account baillie gifford"),
			[]string{"Industry: financial services\n"}, []string{"financial services (inferred)"})
	})
}

// SDA SE's domain sda.se ends in its legal form (Societas Europaea), not in a Swedish address: the
// card infers no country from it, and a database that inferred Sweden before drops it the next
// time the ADOPTERS.md entry is read.
func TestAccountCard_aDomainEndingThatIsTheNamesLegalFormIsNoCountry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		expect(t, "/account sda se", askAs(t, app, "U1", false, "/account sda se"),
			[]string{"SDA SE", "Domain: sda.se"}, []string{"Sweden", "ends in .se"})

		ctx := context.Background()
		var acc store.Account
		if err := app.Store.DB().Where("key = ?", identity.Key("SDA SE")).Take(&acc).Error; err != nil {
			t.Fatal(err)
		}
		acc.Country, acc.Region = "Sweden", "Europe"
		acc.Inferred["country"], acc.Inferred["region"] = "the domain sda.se ends in .se", "the domain sda.se ends in .se"
		if err := app.Store.DB().Save(&acc).Error; err != nil {
			t.Fatal(err)
		}
		expect(t, "/account sda se as an older database left it", askAs(t, app, "U1", false, "/account sda se"), []string{"Sweden"}, nil)
		if _, err := app.Store.ImportAdopters(ctx, []store.Adopter{{Organization: "SDA SE", Domain: "sda.se", Key: "sda se", Row: 1,
			Description: "Central place for developing and sharing services in our insurance ecosystem."}}, false, time.Now()); err != nil {
			t.Fatal(err)
		}
		expect(t, "/account sda se after the list is read again", askAs(t, app, "U1", false, "/account sda se"),
			[]string{"SDA SE"}, []string{"Sweden", "ends in .se"})
	})
}

// The report names JPMorgan Chase only as a company hiring platform engineers; the Backstage blog
// names its practitioners among the large companies telling their adoption stories at BackstageCon
// 2024. The card says it uses Backstage, quotes the blog and names it, not "no Backstage".
func TestAccountCard_jpmorganUsesBackstageByTheBackstageBlog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		expect(t, "/account jpmorgan", askAs(t, app, "U1", false, "/account jpmorgan"),
			[]string{"uses Backstage", "featuring practitioners from Adobe, American Airlines, JPMorgan Chase, Red Hat, and Roku"},
			[]string{"no Backstage"})
	})
}

// readmeFindExample is the /account find example of the README's command table, read from the
// file so the two cannot drift apart.
var readmeFindExample = regexp.MustCompile("\\| `/account find <filters>` \\|[^`|]*`([^`]+)`")

func TestReadme_findExampleAnswersWithRealAccounts(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := readmeFindExample.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no /account find example in its command table")
	}
	line := "/account find " + string(m[1])
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		expect(t, line, askAs(t, app, "U1", false, line), []string{"1. "}, []string{"No account matches"})
	})
}
