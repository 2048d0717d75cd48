package handlers_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"outreachbot/cli"
	"outreachbot/config"
	"outreachbot/handlers"
	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// newApp prepares a store exactly as a first start does: report knowledge plus the embedded
// ADOPTERS.md snapshot, the name index and every handler.
func newApp(t *testing.T, d store.Dialect) *cli.App {
	t.Helper()
	st := storetest.Open(t, d)
	app, err := cli.Prepare(context.Background(), config.Options{}, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("prepare app: %v", err)
	}
	return app
}

// ask runs a slash command line through the registry, as Slack and the terminal do.
func ask(t *testing.T, app *cli.App, line string) slackmsg.Response {
	t.Helper()
	cmd, text, _ := strings.Cut(line, " ")
	resp, err := app.Registry.Dispatch(context.Background(), handlers.Request{Command: cmd, Text: text, UserID: "U1", ChannelID: "C1"})
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	checkLimits(t, line, resp)
	return resp
}

// checkLimits asserts a message is within Slack's Block Kit limits.
func checkLimits(t *testing.T, line string, r slackmsg.Response) {
	t.Helper()
	if r.Text == "" {
		t.Errorf("%s: no fallback text", line)
	}
	if len(r.Blocks) > slackmsg.MaxBlocks {
		t.Errorf("%s: %d blocks, Slack allows %d", line, len(r.Blocks), slackmsg.MaxBlocks)
	}
	body, _ := json.Marshal(r.Blocks)
	var blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Fields []struct {
			Text string `json:"text"`
		} `json:"fields"`
	}
	_ = json.Unmarshal(body, &blocks)
	for i, b := range blocks {
		if b.Type == "section" && b.Text != nil && len([]rune(b.Text.Text)) > slackmsg.MaxSectionText {
			t.Errorf("%s: block %d section text is %d characters", line, i, len([]rune(b.Text.Text)))
		}
		if len(b.Fields) > slackmsg.MaxFields {
			t.Errorf("%s: block %d has %d fields", line, i, len(b.Fields))
		}
	}
}

// answer is what kind of reply a lookup gave, read from its blocks: an account's card (a header
// with the name and the card's buttons), a pick-list (one button per matching account), or a
// no-match (neither, saying so and perhaps naming the nearest names).
type answer struct {
	kind    string   // "card", "pick" or "none"
	title   string   // the card's header
	choices []string // the pick-list's buttons
	nearest []string // the no-match's suggested names
}

func kindOf(t *testing.T, r slackmsg.Response) answer {
	t.Helper()
	body, err := json.Marshal(r.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Text     struct{ Text string }
		Elements []struct {
			ActionID string          `json:"action_id"`
			Text     json.RawMessage `json:"text"` // a text object on a button, a string in a context block
		} `json:"elements"`
	}
	if err := json.Unmarshal(body, &blocks); err != nil {
		t.Fatal(err)
	}
	var a answer
	for _, b := range blocks {
		switch {
		case b.Type == "header":
			a.title = b.Text.Text
		case b.Type == "actions" && b.BlockID == "account_actions":
			a.kind = "card"
		case b.Type == "actions":
			for _, e := range b.Elements {
				var label struct{ Text string }
				if e.ActionID == handlers.ActionAccountPick && json.Unmarshal(e.Text, &label) == nil {
					a.choices = append(a.choices, label.Text)
				}
			}
		}
	}
	switch {
	case a.kind == "card" && a.title != "" && len(a.choices) == 0:
	case a.kind == "" && a.title == "" && len(a.choices) > 1:
		a.kind = "pick"
	case a.kind == "" && a.title == "" && len(a.choices) == 0 && strings.HasPrefix(r.Text, "No account matches"):
		a.kind = "none"
		if _, names, ok := strings.Cut(r.Text, "Nearest names: "); ok {
			names, _, _ = strings.Cut(names, ".")
			for _, n := range strings.Split(names, ", ") {
				a.nearest = append(a.nearest, strings.Trim(n, "`"))
			}
		}
	default:
		t.Fatalf("neither a card, a pick-list nor a no-match: %s", body)
	}
	return a
}

func TestAccountLookup_oddNamesAndTypos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		cases := []struct {
			query string
			card  string   // the account whose card must answer
			want  []string // what the card shows
		}{
			{"expedia", "Expedia Group", []string{"6x", "40-day", "5,000+", "Erik Lindgren"}},
			{"expdia", "Expedia Group", []string{"6x"}},
			{"EXPEDIA GROUP", "Expedia Group", nil},
			{"h&m", "H&M", []string{"in production"}},
			{"H&M", "H&M", nil},
			{"BOL.COM", "bol.com", []string{"initial roll-out"}},
			{"volvo", "Volvo Cars", nil},
			{"american", "American Airlines", []string{"one month", "20 minutes"}},
			{"toyta", "Toyota", []string{"$10 million"}},
			{"  baillie   gifford ", "Baillie Gifford", []string{"Antony Rinaldi", "Roadie"}},
			{"telus", "Telus", nil},
			{"expediagroup.com", "Expedia Group", nil},
		}
		for _, c := range cases {
			resp := ask(t, app, "/account "+c.query)
			if a := kindOf(t, resp); a.kind != "card" || a.title != c.card {
				t.Errorf("/account %s: want %s's card, got a %s (%q %q)", c.query, c.card, a.kind, a.title, a.choices)
				continue
			}
			out := slackmsg.PlainText(resp)
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("/account %s: the card lacks %q:\n%s", c.query, w, out)
				}
			}
		}
	})
}

func TestAccountCard_showsEverySection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		out := slackmsg.PlainText(ask(t, app, "/account baillie gifford"))
		for _, want := range []string{
			"Backstage: managed", "Key figures", "250", "Pain points", "Implementation complexity",
			"Contacts (by decision power)", "Antony Rinaldi, Head of Architecture", "Latest signals",
			"Managed by: Roadie", "Suggested next step", "Sources: the research report",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("card lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestAccountLookup_contactsRankedByDecisionPower(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		ctx := context.Background()
		id, err := app.Store.UpsertAccount(ctx, &store.Account{Name: "Rankly Bank", Domain: "rankly.example", Industry: "financial services"})
		if err != nil {
			t.Fatal(err)
		}
		roles, err := app.Store.DecisionRoles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ name, title string }{
			{"Ann Other", "Staff Engineer"},
			{"Pat Manager", "Platform Engineering Manager"},
			{"Dee Director", "Director of Engineering"},
			{"Val Vp", "VP of Engineering"},
			{"Hal Head", "Head of Platform Engineering"},
		} {
			ct := store.Contact{AccountID: id, Name: c.name, Title: c.title, DecisionRank: store.RankTitle(c.title, roles), Handles: []string{}, SpokeAt: []string{}}
			if err := app.Store.DB().Create(&ct).Error; err != nil {
				t.Fatal(err)
			}
		}
		out := slackmsg.PlainText(ask(t, app, "/account rankly bank"))
		order := []string{"Hal Head", "Val Vp", "Dee Director", "Pat Manager", "Ann Other"}
		last := -1
		for _, name := range order {
			i := strings.Index(out, name)
			if i < 0 || i < last {
				t.Fatalf("contacts not ranked Head of Platform Engineering, VP, Director, Manager, others:\n%s", out)
			}
			last = i
		}
		if !strings.Contains(out, "Reach out to Hal Head") {
			t.Errorf("next step does not name the top decision-maker:\n%s", out)
		}
	})
}

func TestAccountLookup_pickListWhenSeveralMatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		// A second "American" company, added while the bot runs: the index must see it at once.
		if _, err := app.Store.UpsertAccount(context.Background(), &store.Account{Name: "American Express", Domain: "americanexpress.com"}); err != nil {
			t.Fatal(err)
		}
		resp := ask(t, app, "/account american")
		if a := kindOf(t, resp); a.kind != "pick" || !slices.Contains(a.choices, "American Airlines") || !slices.Contains(a.choices, "American Express") {
			t.Fatalf("want a pick-list with both Americans, got a %s (%q %q)", a.kind, a.title, a.choices)
		}
		// Choosing one from the pick-list shows its card in place of the list.
		var id string
		body, _ := json.Marshal(resp.Blocks)
		var blocks []struct {
			Elements []struct {
				ActionID string                `json:"action_id"`
				Value    string                `json:"value"`
				Text     struct{ Text string } `json:"text"`
			} `json:"elements"`
		}
		_ = json.Unmarshal(body, &blocks)
		for _, b := range blocks {
			for _, e := range b.Elements {
				if e.Text.Text == "American Express" {
					id = e.Value
				}
			}
		}
		card, err := app.Registry.HandleAction(context.Background(), handlers.Action{ActionID: handlers.ActionAccountPick, Value: id, UserID: "U1"})
		if err != nil {
			t.Fatal(err)
		}
		if a := kindOf(t, card); a.kind != "card" || a.title != "American Express" || !card.ReplaceOriginal {
			t.Errorf("picking American Express should replace the list with its card, got a %s (%q), replace %v", a.kind, a.title, card.ReplaceOriginal)
		}
	})
}

func TestAccountLookup_noMatchSuggestsNearest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		for _, q := range []string{"zzqx", "expeditionary force"} {
			resp := ask(t, app, "/account "+q)
			if a := kindOf(t, resp); a.kind != "none" || !strings.Contains(slackmsg.PlainText(resp), "No account matches "+q) {
				t.Errorf("/account %s: want a clear no-match, got a %s (%q %q)", q, a.kind, a.title, a.choices)
			}
		}
		if a := kindOf(t, ask(t, app, "/account spotifyy music")); a.kind != "none" || !slices.Equal(a.nearest, []string{"Spotify"}) {
			t.Errorf("/account spotifyy music: want a no-match suggesting Spotify, got a %s (%q %q %q)", a.kind, a.title, a.choices, a.nearest)
		}
	})
}

func TestAccountLookup_escapesWhatWasTyped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		for _, q := range []string{"<!channel>", "<@U123> & <!here>", "<https://evil.example|click>"} {
			resp := ask(t, app, "/account "+q)
			body, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			raw := string(body)
			for _, bad := range []string{"<!channel>", "<!here>", "<@U123>", "<https://evil"} {
				// JSON escapes < as \u003c; look for both spellings.
				if strings.Contains(raw, bad) || strings.Contains(raw, strings.ReplaceAll(bad, "<", `\u003c`)) {
					t.Errorf("/account %s: the answer contains the control sequence %s unescaped: %s", q, bad, raw)
				}
			}
			if !strings.Contains(raw, "\\u0026lt;") {
				t.Errorf("/account %s: want the query echoed escaped as &lt;: %s", q, raw)
			}
		}
	})
}

func TestAccountFind_segmentQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		ctx := context.Background()
		add := func(name, industry string, employees int, hq string, stage store.Stage, pains ...string) {
			id, err := app.Store.UpsertAccount(ctx, &store.Account{Name: name, Industry: industry, Employees: employees, HQ: hq, Stage: stage})
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range pains {
				var p store.PainPoint
				if err := app.Store.DB().Where("key = ?", key).Take(&p).Error; err != nil {
					t.Fatal(err)
				}
				if err := app.Store.DB().Create(&store.AccountPain{AccountID: id, PainPointID: p.ID, Evidence: "test"}).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		add("Thames Ledger", "financial services", 450, "London, UK", store.StageEvaluating, "yaml")
		add("Thames Ledger Two", "financial services", 450, "London, UK", store.StageEvaluating)
		add("Mersey Mutual", "financial services", 5000, "Liverpool, UK", store.StageEvaluating, "yaml")
		add("Camden Care", "healthcare", 300, "London, UK", store.StageEvaluating, "yaml")
		add("Shoreditch Bank", "financial services", 800, "London, UK", store.StageInitial, "yaml", "cost")

		out := slackmsg.PlainText(ask(t, app, `/account find industry:"financial services" size:100-1000 region:london stage:evaluating pain:yaml`))
		if !strings.Contains(out, "1 account matches") || !strings.Contains(out, "Thames Ledger") || strings.Contains(out, "Mersey") || strings.Contains(out, "Camden") || strings.Contains(out, "Thames Ledger Two") {
			t.Errorf("want exactly Thames Ledger:\n%s", out)
		}
		out = slackmsg.PlainText(ask(t, app, `/account find industry:"financial services" size:100-1000 region:london`))
		if i, j := strings.Index(out, "Shoreditch Bank"), strings.Index(out, "Thames Ledger Two"); i < 0 || j < 0 || i > j {
			t.Errorf("Shoreditch Bank (2 pain points, initial) should rank above Thames Ledger Two:\n%s", out)
		}
		for _, c := range []struct{ q, want string }{
			{"/account find", "Add at least one filter"},
			{"/account find size:big", "is not a size"},
			{"/account find stage:happy", "is not a stage"},
			{"/account find colour:blue", "I don't know the filter"},
			{"/account find pain:zzzz", "is not a pain point I know"},
			{`/account find industry:"financial services`, "quote is not closed"},
			{"/account find industry:mining", "No account matches"},
		} {
			if out := slackmsg.PlainText(ask(t, app, c.q)); !strings.Contains(out, c.want) {
				t.Errorf("%s: want %q, got:\n%s", c.q, c.want, out)
			}
		}
	})
}

func TestPain_catalogueAndTopics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		app := newApp(t, d)
		out := slackmsg.PlainText(ask(t, app, "/pain"))
		if !strings.Contains(out, "Implementation complexity requiring specialized engineering resources (implementation-complexity) — 5 accounts") {
			t.Errorf("catalogue should count the accounts showing each pain:\n%s", out)
		}
		cases := []struct {
			topic string
			want  []string
		}{
			{"yaml", []string{"YAML", "Talking points", "Evidence"}},
			{"adoption", []string{"adoption", "10%", "99%"}},
			{"cost", []string{"$400–500K", "$150,000", "$30–65"}},
			{"auth", []string{"Authentication"}},
			{"implementation-complexity", []string{"4–7", "Baillie Gifford", "Accounts showing it (5)"}},
			{"Implementaton complexty", []string{"Implementation complexity"}},
		}
		for _, c := range cases {
			out := slackmsg.PlainText(ask(t, app, "/pain "+c.topic))
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("/pain %s: lacks %q:\n%s", c.topic, w, out)
				}
			}
		}
		// Spotify sells the remedy (Spotify Portal): a vendor is not an account showing the pain.
		if out := slackmsg.PlainText(ask(t, app, "/pain implementation-complexity")); strings.Contains(out, "• Spotify (") {
			t.Errorf("/pain implementation-complexity lists the vendor Spotify:\n%s", out)
		}
		if out := slackmsg.PlainText(ask(t, app, "/pain <!channel> quantum")); !strings.Contains(out, "I don't know a pain point called") {
			t.Errorf("unknown topic: %s", out)
		}
	})
}

func TestHelp_everyCommandAndUnknownOnes(t *testing.T) {
	app := newApp(t, store.SQLite)
	for _, c := range app.Registry.Commands() {
		for _, form := range []string{c.Name + " help", c.Name + " HELP", c.Name + " ?"} {
			out := slackmsg.PlainText(ask(t, app, form))
			if !strings.Contains(out, "Usage") || !strings.Contains(out, c.Name) {
				t.Errorf("%s: want usage, got:\n%s", form, out)
			}
		}
	}
	out := slackmsg.PlainText(ask(t, app, "/acount expedia"))
	if !strings.Contains(out, "I don't know the command /acount") || !strings.Contains(out, "/account") {
		t.Errorf("unknown command: %s", out)
	}
	out = slackmsg.PlainText(ask(t, app, "/market frobnicate"))
	if !strings.Contains(out, "I don't know the topic frobnicate") {
		t.Errorf("unknown subcommand: %s", out)
	}
	out = slackmsg.PlainText(ask(t, app, "/account"))
	if !strings.Contains(out, "Which account?") {
		t.Errorf("empty /account: %s", out)
	}
}

func TestAccountOwner_setAndShown(t *testing.T) {
	app := newApp(t, store.SQLite)
	out := slackmsg.PlainText(ask(t, app, "/account expedia owner @U0OWNER1"))
	if !strings.Contains(out, "@U0OWNER1 now owns Expedia Group") {
		t.Fatalf("owner not set: %s", out)
	}
	if out := slackmsg.PlainText(ask(t, app, "/account expedia")); !strings.Contains(out, "Owner: @U0OWNER1") {
		t.Errorf("card does not show the owner:\n%s", out)
	}
	if out := slackmsg.PlainText(ask(t, app, "/account expedia owner bob")); !strings.Contains(out, "is not a Slack user") {
		t.Errorf("bad owner: %s", out)
	}
}

// TestAccountLookup_readOnly: a lookup (card, pick-list, no match) says it changed nothing, so
// the bot skips laying out the caller's App Home again; a command that writes does not say so.
func TestAccountLookup_readOnly(t *testing.T) {
	app := newApp(t, store.SQLite)
	for _, tc := range []struct {
		line     string
		readOnly bool
	}{
		{"/account expedia", true},
		{"/account american", true},
		{"/account zzqqxxnothing", true},
		{"/account expedia owner @U0OWNER1", false},
	} {
		if got := ask(t, app, tc.line).ReadOnly; got != tc.readOnly {
			t.Errorf("%s: ReadOnly = %v, want %v", tc.line, got, tc.readOnly)
		}
	}
}
