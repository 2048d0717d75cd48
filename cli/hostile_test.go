package cli_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"outreachbot/cli"
	"outreachbot/config"
	"outreachbot/handlers"
	"outreachbot/slackmsg"
	"outreachbot/slacktest"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// hostileName is what an attacker could get stored through a CSV, an ADOPTERS.md row or a web
// page: Slack control sequences, markup and a bidi override, 50,000 characters long.
var hostileName = "Evil <!channel> Corp <@U0BOSS> <#C0ALL> *bold* \u202Egnp.exe " + strings.Repeat("<!here> & ", 5000)

// TestEveryAnswer_hostileStoredTextStaysText sweeps every command's answers (help, examples and
// the forms that show the hostile account) and asserts what Slack would receive: no control
// sequence (<!…>, a mention, a channel link) made from stored text, no bidi override, and every
// message within Slack's limits.
func TestEveryAnswer_hostileStoredTextStaysText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		acc := store.Account{Name: hostileName, Domain: "evil.example", Industry: hostileName, Region: hostileName, HQ: hostileName,
			AdoptionNotes: hostileName, OwnerUserID: "<!channel>", Aliases: []string{"Evil Corp"}}
		id, err := st.UpsertAccount(ctx, &acc)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DB().Create(&store.Contact{AccountID: id, Name: hostileName, Title: hostileName, DecisionRank: 1, Handles: []string{"<!everyone>"}, SpokeAt: []string{}}).Error; err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if _, _, err := st.SaveSignal(ctx, store.Signal{AccountID: &id, Kind: "news", Title: hostileName, Summary: hostileName, URL: "https://evil.example/<!channel>",
			Person: hostileName, Source: hostileName, OccurredAt: &now, DedupeKey: "evil"}, hostileName, "U0ADMIN"); err != nil {
			t.Fatal(err)
		}
		app, err := cli.Prepare(ctx, config.Options{}, st, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		reg := handlers.NewRegistry(cli.Features(app)...)
		var lines []string
		for _, c := range reg.Commands() {
			lines = append(lines, c.Name, c.Name+" help")
			lines = append(lines, c.Examples...)
		}
		lines = append(lines, "/account evil corp", "/account find industry:evil", "/account find region:evil", "/signals evil corp", "/signals",
			"/draft evil corp", "/template preview warm-talk-followup evil corp", "/signal add evil corp https://evil.example/x <!here> note",
			"/digest subscribe industry:evil", "/digest list all", "/pain yaml", "/account <!channel>", "/account "+hostileName[:200])
		for _, line := range lines {
			name, text, _ := strings.Cut(line, " ")
			resp, err := reg.Dispatch(ctx, handlers.Request{Command: name, Text: text, UserID: "U0ADMIN", ChannelID: "C0GTM", Admin: true})
			if err != nil {
				t.Errorf("%s: %v", short(line), err)
				continue
			}
			checkHostile(t, short(line), resp)
		}
	})
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// checkHostile asserts a response is safe and within Slack's limits.
func checkHostile(t *testing.T, what string, resp slackmsg.Response) {
	t.Helper()
	p := resp.Payload()
	for _, msg := range slacktest.ValidateMessage(p.Text, p.Blocks) {
		t.Errorf("%s: Slack would refuse it: %s", what, msg)
		break
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	walkStrings(v, false, func(s string, plain bool) {
		bads := []string{"<!", "<@U0BOSS", "<#C0ALL", "<@<", "\u202E"}
		if plain { // Slack shows plain_text as typed: only the bidi override matters there
			bads = bads[4:]
		}
		for _, bad := range bads {
			if strings.Contains(s, bad) {
				i := strings.Index(s, bad)
				t.Errorf("%s: %q reaches Slack as is: …%s…", what, bad, s[max(0, i-40):min(len(s), i+40)])
				return
			}
		}
	})
}

// walkStrings calls f with every string in v and whether it is the text of a plain_text object.
func walkStrings(v any, plain bool, f func(s string, plain bool)) {
	switch v := v.(type) {
	case string:
		f(v, plain)
	case []any:
		for _, x := range v {
			walkStrings(x, plain, f)
		}
	case map[string]any:
		isPlain := v["type"] == "plain_text"
		for k, x := range v {
			walkStrings(x, isPlain && k == "text", f)
		}
	}
}
