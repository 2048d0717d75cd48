package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"outreachbot/cli"
	"outreachbot/handlers"
	"outreachbot/identity"
	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// askAs runs a command line as a given user, admin or not.
func askAs(t *testing.T, app *cli.App, user string, admin bool, line string) string {
	t.Helper()
	cmd, text, _ := strings.Cut(line, " ")
	resp, err := app.Registry.Dispatch(context.Background(), handlers.Request{Command: cmd, Text: text, UserID: user, ChannelID: "C1", Admin: admin})
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	checkLimits(t, line, resp)
	return slackmsg.PlainText(resp)
}

// expect checks that an answer says every want and none of the never.
func expect(t *testing.T, line, out string, want, never []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s: answer lacks %q:\n%s", line, w, out)
		}
	}
	for _, n := range never {
		if strings.Contains(out, n) {
			t.Errorf("%s: answer says %q:\n%s", line, n, out)
		}
	}
}

func TestAccountCard_adoptersListedOrganizationUsesBackstage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		out := askAs(t, app, "U1", false, "/account stone")
		expect(t, "/account stone", out,
			[]string{"Backstage: uses Backstage (stage not stated) — from ADOPTERS.md: “We're using Backstage as our Credit Team Developer Portal"},
			[]string{"no Backstage"})
		out = askAs(t, app, "U1", false, "/account bol.com")
		expect(t, "/account bol.com", out, []string{"Backstage: initial roll-out — from ADOPTERS.md: “"}, nil)
		out = askAs(t, app, "U1", false, "/account expedia")
		expect(t, "/account expedia", out, []string{"Backstage: in production — from the research report: “Major enterprise adopter"}, nil)

		// No organization on the list is left saying it has no Backstage.
		var wrong int64
		if err := app.Store.DB().Model(&store.Account{}).Where("source = ? AND stage = ?", store.AdoptersSource, store.StageNone).Count(&wrong).Error; err != nil {
			t.Fatal(err)
		}
		if wrong != 0 {
			t.Errorf("%d ADOPTERS.md organizations are labelled no Backstage", wrong)
		}
	})
}

func TestAccountCard_competitorsAnswerWithTheirOwnCard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		for _, c := range []struct {
			name string
			want []string
		}{
			{"port", []string{"Competitor — sells a competing developer portal", "Port (commercial developer portal)", "no Port-specific figures", "Accounts known to use or evaluate it: none recorded yet", "Positioning against it", "30–45 days", "Talking points that answer it"}},
			{"cortex", []string{"Competitor", "migration assistance", "Backstage-burned", "Talking points that answer it"}},
			{"opslevel", []string{"Competitor", "OpsLevel-specific", "Positioning against it"}},
			{"humanitec", []string{"Competitor", "Humanitec-specific", "platform orchestrator"}},
		} {
			out := askAs(t, app, "U1", false, "/account "+c.name)
			expect(t, "/account "+c.name, out, append(c.want, "Not a prospect", "don't reach out"),
				[]string{"No account matches", "Draft outreach", "before they pick a portal"})
		}
	})
}

func TestAccountCard_vendorsShowClientsAndClientsShowVendor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		out := askAs(t, app, "U1", false, "/account roadie")
		expect(t, "/account roadie", out,
			[]string{"Vendor — sells or hosts Backstage", "Known clients (4)", "• Baillie Gifford", "• Contentful", "• Lunar", "• Paddle", "don't pitch them"},
			[]string{"before they pick a portal", "Draft outreach"})
		for _, client := range []string{"baillie gifford", "contentful", "paddle", "lunar"} {
			out := askAs(t, app, "U1", false, "/account "+client)
			expect(t, "/account "+client, out, []string{"Managed by: Roadie", "Role: prospect"}, nil)
		}
		out = askAs(t, app, "U1", false, "/account spotify")
		expect(t, "/account spotify", out,
			[]string{"Vendor", "Spotify Portal (managed Backstage)", "99%", "don't pitch them"},
			[]string{"Spotify's 99%", "Draft outreach"})
	})
}

func TestDraft_competitorsAndVendorsAreRefusedWithTheReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		for _, name := range []string{"spotify", "roadie", "port"} {
			out := askAs(t, app, "U1", false, "/draft "+name)
			expect(t, "/draft "+name, out, []string{"No draft:", "not a prospect", "override:yes"}, []string{"Hi "})
		}
		out := askAs(t, app, "U1", false, "/draft roadie override:yes")
		expect(t, "/draft roadie override:yes (not admin)", out, []string{"Only an admin"}, []string{"Hi "})
		// An admin's override passes the role check (Roadie's only contact is a GitHub handle, so
		// what stops the draft now is the channel, said as such).
		out = askAs(t, app, "UADMIN", true, "/draft roadie override:yes")
		expect(t, "/draft roadie override:yes (admin)", out, []string{"Roadie", "GitHub comment"}, []string{"No draft:", "Hi there"})
	})
}

func TestAccountRole_editableByAdminsAndKeptBySeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		out := askAs(t, app, "U1", false, "/account port role partner")
		expect(t, "non-admin", out, []string{"Only an admin"}, nil)
		out = askAs(t, app, "UADMIN", true, "/account port role frenemy")
		expect(t, "bad role", out, []string{"frenemy is not a role", "competitor"}, nil)
		out = askAs(t, app, "UADMIN", true, "/account stone role competitor")
		expect(t, "admin", out, []string{"Stone is now a competitor"}, nil)
		out = askAs(t, app, "UADMIN", true, "/account port role partner")
		expect(t, "admin", out, []string{"Port is now a partner"}, nil)

		if _, err := app.Store.Seed(context.Background(), app.Knowledge); err != nil {
			t.Fatal(err)
		}
		expect(t, "/account stone after a seed", askAs(t, app, "U1", false, "/account stone"), []string{"Role: competitor", "(role set by hand)"}, []string{"Draft outreach"})
		expect(t, "/account port after a seed", askAs(t, app, "U1", false, "/account port"), []string{"Role: partner"}, []string{"Not a prospect"})
	})
}

func TestMarketCompetitors_noBulletRepeatedUnderTwoCompetitors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		out := askAs(t, app, "U1", false, "/market competitors")
		seen := map[string]int{}
		for _, line := range strings.Split(out, "\n") {
			if l := strings.TrimSpace(line); strings.HasPrefix(l, "•") {
				seen[l]++
			}
		}
		for l, n := range seen {
			if n > 1 {
				t.Errorf("/market competitors repeats %q %d times:\n%s", l, n, out)
			}
		}
		expect(t, "/market competitors", out, []string{"All commercial alternatives", "_Clients:_ Baillie Gifford, Contentful, Lunar, Paddle"}, nil)
	})
}

func TestSignals_baselineAtSeedIsNotNews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		out := askAs(t, app, "U1", false, "/signals")
		expect(t, "/signals", out, []string{"No signals match"}, []string{"ADOPTERS.md entry", "today"})
		// The account's own list still shows what is known, and says it is not news.
		out = askAs(t, app, "U1", false, "/signals stone")
		expect(t, "/signals stone", out, []string{"Stone is listed in Backstage ADOPTERS.md", "known since the bot first looked, not news"}, []string{"today +"})
	})
}

func TestNextStep_aUsersNoteIsNeverAContactsWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		out := askAs(t, app, "U1", false, "/signal add expedia https://github.com/backstage/backstage/issues/99999 catalog is slow")
		expect(t, "/signal add", out, []string{"Saved signal"}, []string{"catalog is slow"})
		out = askAs(t, app, "U1", false, "/account expedia")
		expect(t, "/account expedia", out, []string{"Reach out to Erik Lindgren"},
			[]string{"catalog is slow", "their github issue"})
		// The note is still there, said as the saver's.
		out = askAs(t, app, "U1", false, "/signals expedia")
		expect(t, "/signals expedia", out, []string{"note from @U1: catalog is slow"}, nil)
	})
}

func TestImportCSV_roleColumnIsReadAndSurvivesReimportsAndSeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		ctx := context.Background()
		imp := func(data string) store.CSVImport {
			t.Helper()
			res, err := app.Store.ImportCSV(ctx, store.CSVAccounts, strings.NewReader(data), store.CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		imp("name,domain,role\nGlobex Portals,globexportals.example,competitor\nStone,stone.com.br,partner\n")
		expect(t, "/account globex portals", askAs(t, app, "U1", false, "/account globex portals"), []string{"Role: competitor", "(role from a CSV import)"}, []string{"Draft outreach"})
		// A later file without the column, and a seed, leave the roles as the file said.
		imp("name,domain,industry\nGlobex Portals,globexportals.example,software\nStone,stone.com.br,financial services\n")
		if _, err := app.Store.Seed(ctx, app.Knowledge); err != nil {
			t.Fatal(err)
		}
		expect(t, "/account globex portals", askAs(t, app, "U1", false, "/account globex portals"), []string{"Role: competitor", "Industry: software\n"}, nil)
		expect(t, "/account stone", askAs(t, app, "U1", false, "/account stone"), []string{"Role: partner", "Industry: financial services\n"}, []string{"financial services (inferred)"})
		res, err := app.Store.ImportCSV(ctx, store.CSVAccounts, strings.NewReader("name,role\nAcme,frenemy\n"), store.CSVOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Errors) != 1 || res.Errors[0].Column != "role" {
			t.Errorf("a bad role must be refused in its column: %+v", res.Errors)
		}
	})
}

func TestImportCSV_aStatedValueIsNoLongerLabelledInferred(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		expect(t, "before", askAs(t, app, "U1", false, "/account volvofinans bank"), []string{"Industry: financial services (inferred)"}, nil)
		if _, err := app.Store.ImportCSV(context.Background(), store.CSVAccounts,
			strings.NewReader("name,domain,industry\nVolvofinans Bank,volvofinans.se,banking\n"), store.CSVOptions{}); err != nil {
			t.Fatal(err)
		}
		expect(t, "after", askAs(t, app, "U1", false, "/account volvofinans bank"), []string{"Industry: banking\n"}, []string{"banking (inferred)", "Industry — the name"})
	})
}

func TestDraft_attributionAndChannelFitTheContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		cases := []struct {
			line        string
			want, never []string
		}{
			// A real talk title is named; a speaker profile is not a talk.
			{"/draft toyota", []string{"Draft to Kishore Jonnalagedda", "Toyota's talk at BackstageCon 2024 on platform automation"},
				[]string{"you spoke", "speaker profile", "E-mail"}},
			// Erik has no address and no talk of his own on record: no e-mail, no "you spoke".
			{"/draft expedia", []string{"Draft to Erik Lindgren", "Hi Erik,", "LinkedIn"},
				[]string{"you spoke", "speaker profile", "E-mail ·", "Hi there"}},
			// A full name is known: greet by it, and never by e-mail without an address.
			{"/draft volvofinans bank", []string{"Draft to Johan Hammar", "Hi Johan"}, []string{"Hi there", "E-mail ·"}},
			// Only a GitHub handle: nothing fits that channel for these signals, and no "Hi there" e-mail.
			{"/draft expedia ajbw", []string{"can be reached on (GitHub comment)"}, []string{"Hi there", "E-mail ·"}},
			{"/draft expedia ajbw channel:email", []string{"I have no e-mail address for @ajbw"}, []string{"Hi there"}},
		}
		for _, c := range cases {
			expect(t, c.line, askAs(t, app, "U1", false, c.line), c.want, c.never)
		}
		// A card's next step never passes a profile off as a talk.
		expect(t, "/account baillie gifford", askAs(t, app, "U1", false, "/account baillie gifford"),
			[]string{"Reach out to Antony Rinaldi"}, []string{"referencing their conference talk", "speaker profile”"})
		expect(t, "/account toyota", askAs(t, app, "U1", false, "/account toyota"),
			[]string{"referencing Toyota's conference talk “Toyota at BackstageCon 2024: platform automation”"}, []string{"their conference talk"})
	})
}

func TestPain_linksFromSignalsWithTheWordsThatShowIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		ctx := context.Background()
		pains, err := app.Store.PainPointIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var stone store.Account
		if err := app.Store.DB().Where("key = ?", identity.Key("Stone")).Take(&stone).Error; err != nil {
			t.Fatal(err)
		}
		// The knowledge file links some accounts to yaml already; the signal adds Stone to them.
		_, links := seededPainLinks(t)
		n := len(links["yaml"])
		before := askAs(t, app, "U1", false, "/pain")
		expect(t, "/pain before", before, []string{"Manual YAML file management and fixed data models (yaml) — " + accountsCount(n) + "\n"}, nil)
		// A watcher finds a post by Stone's team that says the YAML hurts; the text names no one.
		_, err = app.Store.IngestSignals(ctx, []store.NewSignal{{
			Signal: store.Signal{AccountID: &stone.ID, Kind: "blog_post", Title: "Keeping 900 catalog-info.yaml files honest",
				URL: "https://stone.example/blog/yaml", DiscoveredAt: time.Now(), Source: "feeds", DedupeKey: "test:stone-yaml"},
			Mentions: []store.SignalMention{{Kind: "pain", RefID: pains["yaml"], Phrase: "catalog-info.yaml files"}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, "/pain", askAs(t, app, "U1", false, "/pain"), []string{"(yaml) — " + accountsCount(n+1) + "\n"}, []string{"1 accounts"})
		expect(t, "/pain yaml", askAs(t, app, "U1", false, "/pain yaml"),
			[]string{fmt.Sprintf("Accounts showing it (%d)", n+1), "Stone", "Blog post “Keeping 900 catalog-info.yaml files honest” says “catalog-info.yaml files”"}, nil)
		expect(t, "/account stone", askAs(t, app, "U1", false, "/account stone"),
			[]string{"Manual YAML file management", "says “catalog-info.yaml files”", "(feeds)"}, nil)
		expect(t, "/account find pain:yaml", askAs(t, app, "U1", false, "/account find pain:yaml"), []string{fmt.Sprintf("%d accounts match pain:yaml", n+1), "Stone"}, nil)
	})
}
