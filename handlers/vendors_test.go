package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
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
			{"frontside", []string{"Vendor", "We've been at the Backstage party since the beginning helping companies adopt and extend Backstage",
				"specializes \"in Backstage implementation\"", "Frontside's CXO on the Backstage blog, July 2023", "don't pitch them"}},
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

// A CSV import enriches the accounts it writes on both paths (row by row on SQLite, COPY and a
// set-wise merge on PostgreSQL): the cards say what was inferred and from what.
func TestImportCSV_newAccountsAreEnrichedOnBothEngines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		csv := "name,domain,adoption_notes\n" +
			"Globex Bank,globexbank.com.br,Developer portal for our 700 engineers.\n" +
			"Initech Software,initech.se,\n"
		res, err := app.Store.ImportCSV(context.Background(), store.CSVAccounts, strings.NewReader(csv), store.CSVOptions{})
		if err != nil || len(res.Errors) != 0 {
			t.Fatalf("import: %v %+v", err, res.Errors)
		}
		expect(t, "/account globex bank", askAs(t, app, "U1", false, "/account globex bank"),
			[]string{"Industry: financial services (inferred)", "Industry — the name “Globex Bank” contains “bank”",
				"Brazil, Latin America (inferred)", "Country, Region — the domain globexbank.com.br ends in .com.br",
				"Size: engineering headcount 700+ (inferred)", "Engineers — its description says “700 engineers”"}, nil)
		expect(t, "/account initech software", askAs(t, app, "U1", false, "/account initech software"),
			[]string{"Industry: software (inferred)", "Sweden, Europe (inferred)"}, nil)
		expect(t, "/account find industry:fintech region:brazil", askAs(t, app, "U1", false, "/account find industry:fintech region:brazil"),
			[]string{"Globex Bank"}, []string{"No account matches"})
	})
}

// Pain links seeded from real public texts that name the account: each card quotes the sentence
// and names where it was published, /pain counts the account, and a draft never presents the
// text as the contact's own.
func TestPain_publicTextsThatNameTheAccountShowItsPain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		sentence := "Catalog scanning across a Github enterprise server with multiple organizations is complex to setup specially regarding authentication."
		expect(t, "/account mercedes", askAs(t, app, "U1", false, "/account mercedes"),
			[]string{"Integration challenges with existing enterprise systems — “" + sentence + "” _(GitHub issue backstage/backstage#6605)_",
				"https://github.com/backstage/backstage/issues/6605"}, nil)
		expect(t, "/account adobe", askAs(t, app, "U1", false, "/account adobe"),
			[]string{"Implementation complexity requiring specialized engineering resources — “The bet paid off, but it came with its own complexity.” _(Developer Home case study by Adobe's product manager (cjdot.dev))_"}, nil)
		expect(t, "/pain integration", askAs(t, app, "U1", false, "/pain integration"),
			[]string{"Mercedes-Benz.io", sentence}, nil)
		expect(t, "/pain", askAs(t, app, "U1", false, "/pain"),
			[]string{"(integration) — 1 account\n"}, nil)
		expect(t, "/draft mercedes", askAs(t, app, "U1", false, "/draft mercedes"),
			[]string{"I came across"}, []string{"Thanks for raising", "Thanks for writing up"})

		// HP's pain is told by its partner on the Backstage blog, Paddle's by its Director of SRE in
		// a Roadie case study: each card names that source and links the text, and neither text is
		// presented as the company's own post in a draft.
		hp := "Backstage provides a robust framework for ingesting data from external sources, but HP needed to scale it beyond its design."
		expect(t, "/account hp inc", askAs(t, app, "U1", false, "/account hp inc"),
			[]string{"Scalability, multi-tenancy and compliance in large organizations — “" + hp + "” _(Backstage blog, January 2023: HP's catalog ingestion (by Frontside))_",
				"https://backstage.io/blog/2023/01/31/incremental-entity-provider"}, nil)
		expect(t, "/pain scalability", askAs(t, app, "U1", false, "/pain scalability"),
			[]string{"Accounts showing it (1)", "HP Inc", hp}, nil)
		paddle := "Initially the focus was getting a complete service catalog, but once that goal was achieved we realised it wasn’t driving change."
		expect(t, "/account paddle", askAs(t, app, "U1", false, "/account paddle"),
			[]string{"Poor out-of-box experience demanding extensive customization — “" + paddle + "” _(Roadie case study, March 2024: Paddle's Director of SRE on self-hosting Backstage)_",
				"https://roadie.io/case-studies/from-self-hosted-backstage-to-roadie/"}, nil)
		for _, name := range []string{"hp inc", "paddle"} {
			expect(t, "/draft "+name, askAs(t, app, "U1", false, "/draft "+name), nil,
				[]string{"your blog post", "your post", "Thanks for writing", "HP Inc's news", "Paddle's news"})
		}
	})
}

// Three more pain points are shown by public texts that name the organization: Mercedes-Benz.io's
// issue names authentication as the complex part, an AppFolio pull request moves its catalog
// files to cut catalog upkeep, and the Backstage blog recaps Booz Allen Hamilton's talk on the
// barriers to adopting Backstage. Each card quotes the sentence and names its source, /pain lists
// the account under that pain point, and no draft presents the text as the contact's own.
func TestPain_authYAMLAndAdoptionAreShownByTextsThatNameTheAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		mercedes := "Catalog scanning across a Github enterprise server with multiple organizations is complex to setup specially regarding authentication."
		expect(t, "/account mercedes", askAs(t, app, "U1", false, "/account mercedes"),
			[]string{"Authentication/authorization complexity — “" + mercedes + "” _(GitHub issue backstage/backstage#6605)_"}, nil)
		expect(t, "/pain auth", askAs(t, app, "U1", false, "/pain auth"),
			[]string{"Accounts showing it (1)", "Mercedes-Benz.io", mercedes}, nil)

		appfolio := "All Backstage component, resource, and api catalog metadata files are migrating to project repositories to lower the rate of effort for catalog maintenance."
		expect(t, "/account appfolio", askAs(t, app, "U1", false, "/account appfolio"),
			[]string{"Manual YAML file management and fixed data models — “" + appfolio + "” _(GitHub pull request appfolio/ae_page_objects#221)_",
				"https://github.com/appfolio/ae_page_objects/pull/221"}, nil)
		expect(t, "/pain yaml", askAs(t, app, "U1", false, "/pain yaml"),
			[]string{"Accounts showing it (1)", "Appfolio", appfolio}, nil)

		bah := "Lizzie (Booz Allen Hamilton) explored corporate barriers to Backstage adoption and lessons learned along the way"
		expect(t, "/account booz allen", askAs(t, app, "U1", false, "/account booz allen"),
			[]string{"Low internal adoption rates despite significant investment — “" + bah,
				"_(Backstage blog, December 2024: BackstageCon North America 2024 highlights)_",
				"https://backstage.io/blog/2024/12/09/kubecon-slc-24"}, nil)
		expect(t, "/pain low-adoption", askAs(t, app, "U1", false, "/pain low-adoption"),
			[]string{"Accounts showing it (1)", "Booz Allen Hamilton", bah}, nil)
		// The talk was Lizzie's and the recap Spotify's: the draft to the ADOPTERS.md contact
		// neither credits him with it nor says he spoke.
		expect(t, "/draft booz allen", askAs(t, app, "U1", false, "/draft booz allen"),
			[]string{"Draft to Jason Miller at Booz Allen Hamilton"},
			[]string{"you spoke", "your talk", "I saw your", "Thanks for"})
	})
}

// Public firmographics fill what the account does not state, each labelled inferred with the
// words, who published them and where; a value a CSV file states replaces them, loses the label
// and survives the next seed.
func TestAccountCard_publicFirmographicsShowTheirSource(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		expect(t, "/account dazn", askAs(t, app, "U1", false, "/account dazn"),
			[]string{"Industry: media (inferred)", "Size: 2,400 employees (inferred)", "London, United Kingdom (inferred)",
				"Industry, Employees, Engineers, HQ — DAZN's Head of Engineering for Developer Experience",
				"around 700 people in engineering", "https://getdx.com/podcast/developer-experience-at-dazn/"}, nil)
		expect(t, "/account adobe", askAs(t, app, "U1", false, "/account adobe"),
			[]string{"Engineers — the portfolio of the product manager of Adobe's Backstage portal (cjdot.dev): “A developer portal for 4,000+ engineers"}, nil)

		ctx := context.Background()
		if _, err := app.Store.ImportCSV(ctx, store.CSVAccounts, strings.NewReader("name,domain,employees,hq\nGoCardless,gocardless.com,950,\"London, United Kingdom\"\n"), store.CSVOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.Seed(ctx, app.Knowledge); err != nil {
			t.Fatal(err)
		}
		expect(t, "/account gocardless after a CSV and a seed", askAs(t, app, "U1", false, "/account gocardless"),
			[]string{"Size: 950 employees\n", "Industry: financial services (inferred)", "Industry — tech.eu, October 2023"},
			[]string{"Size: 800", "Employees —", "HQ —"})
	})
}

// What the user sees in /pain is what the knowledge file links, on both engines: the catalogue
// counts, for every pain point, each account the file links to it (and says 0 where it links
// none), and each linked pain point's page names every such account with the words that show it.
func TestPain_catalogueCountsEveryAccountTheKnowledgeFileLinks(t *testing.T) {
	k, links := seededPainLinks(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		catalogue := askAs(t, app, "U1", false, "/pain")
		for _, p := range k.PainPoints {
			n := len(links[p.Key])
			expect(t, "/pain", catalogue, []string{fmt.Sprintf("%s (%s) — %s\n", p.Title, p.Key, accountsCount(n))}, nil)
			if n == 0 {
				continue
			}
			want := []string{fmt.Sprintf("Accounts showing it (%d)", n)}
			for _, l := range links[p.Key] {
				want = append(want, l.account, l.evidence)
			}
			expect(t, "/pain "+p.Key, askAs(t, app, "U1", false, "/pain "+p.Key), want, nil)
		}
	})
}

type painLink struct{ account, evidence string }

// seededPainLinks is what the embedded knowledge file links to each pain point key.
func seededPainLinks(t *testing.T) (*seed.Knowledge, map[string][]painLink) {
	t.Helper()
	k, err := seed.Load()
	if err != nil {
		t.Fatal(err)
	}
	links := map[string][]painLink{}
	for _, a := range k.Accounts {
		for _, p := range a.Pains {
			links[p.Key] = append(links[p.Key], painLink{a.Name, p.Evidence})
		}
	}
	return k, links
}

// accountsCount is "1 account" or "N accounts", as /pain words it.
func accountsCount(n int) string {
	if n == 1 {
		return "1 account"
	}
	return fmt.Sprintf("%d accounts", n)
}
