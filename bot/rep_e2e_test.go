package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"outreachbot/bot/bottest"
	"outreachbot/slacktest"
	"outreachbot/store"
)

// view is a published Home tab as Slack received it.
type view = bottest.Message

// button finds the first button labelled label.
func button(t *testing.T, v view, label string) bottest.Button {
	t.Helper()
	bs := v.Buttons(label)
	if len(bs) == 0 {
		t.Fatalf("no %q button in:\n%s", label, v.All())
	}
	return bs[0]
}

// openHome sends app_home_opened for user and returns the view published after it.
func (h *harness) openHome(user string) view {
	h.t.Helper()
	before := len(h.srv.Calls("views.publish"))
	if _, err := h.srv.Event(h.ctx(), map[string]any{"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home", "event_ts": "1.0"}); err != nil {
		h.t.Fatal(err)
	}
	return h.publishedAfter(before)
}

// publishedAfter waits for the views.publish call after the first n and decodes its view.
func (h *harness) publishedAfter(n int) view {
	h.t.Helper()
	calls, err := h.srv.WaitForCalls(h.ctx(), "views.publish", n+1)
	if err != nil {
		h.t.Fatal(err)
	}
	c := calls[n]
	if !c.OK() {
		h.t.Fatalf("Slack refused the Home: %s %s", c.Error, c.Response)
	}
	v, err := bottest.Decode([]byte(c.Args["view"]))
	if err != nil {
		h.t.Fatal(err)
	}
	if len(v.Blocks) > 100 {
		h.t.Fatalf("Home has %d blocks; Slack allows 100", len(v.Blocks))
	}
	return v
}

// clickHome presses a button on the Home tab (a block_actions from a home view) and returns
// the Home published after it.
func (h *harness) clickHome(user string, v view, label string) view {
	h.t.Helper()
	b := button(h.t, v, label)
	before := len(h.srv.Calls("views.publish"))
	_, err := h.srv.Interaction(h.ctx(), map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "trigger_id": h.srv.NewTriggerID(),
		"container": map[string]any{"type": "view", "view_id": "V0HOME"},
		"view":      map[string]any{"id": "V0HOME", "type": "home", "private_metadata": v.PrivateMetadata},
		"actions":   []map[string]any{{"action_id": b.ActionID, "value": b.Value, "type": "button", "block_id": "home"}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return h.publishedAfter(before)
}

// posted waits for a chat.postMessage to channel (a user id means their DM) after the first n
// there, and returns its text and blocks as one string with its thread.
func (h *harness) posted(channel string, n int) (text, thread string) {
	h.t.Helper()
	ctx := h.ctx()
	for {
		msgs := h.srv.Messages(channel)
		if len(msgs) > n {
			m := msgs[n]
			return bottest.DecodeBlocks(m.Text, m.Blocks).All(), m.ThreadTS
		}
		if _, err := h.srv.WaitForCalls(ctx, "chat.postMessage", len(h.srv.Calls("chat.postMessage"))+1); err != nil {
			h.t.Fatalf("no message in %s: %v", channel, err)
		}
	}
}

func TestE2E_homeWithoutAccountsSaysHowToClaimOne(t *testing.T) {
	h := start(t)
	v := h.openHome("U0NEW")
	got := v.All()
	for _, want := range []string{"You don't own any accounts yet", "/account expedia owner @you", "/digest subscribe me"} {
		if !strings.Contains(got, want) {
			t.Errorf("Home of a user without accounts lacks %q:\n%s", want, got)
		}
	}
}

func TestE2E_homeIsTheRepsDashboard(t *testing.T) {
	h := start(t)
	own(t, h, "U0REP", "expedia", "toyota")
	// A draft not sent, and a digest subscription, both made through Slack.
	if body := h.answer(slacktest.SlashCommand{Command: "/draft", Text: "expedia", UserID: "U0REP"}); !strings.Contains(body, "Draft to") {
		t.Fatalf("draft: %s", body)
	}
	if body := h.answer(slacktest.SlashCommand{Command: "/digest", Text: "subscribe me weekdays 08:30 tz:Europe/Berlin", UserID: "U0REP"}); !strings.Contains(body, "Subscription *#") {
		t.Fatalf("subscribe: %s", body)
	}
	v := h.openHome("U0REP")
	got := v.All()
	for _, want := range []string{"Your day", "Drafts not sent yet", "My accounts", "*Expedia Group*", "Toyota", "My digest subscriptions", "weekdays 08:30", "[Open card]", "[Draft outreach]", "[Open draft]"} {
		if !strings.Contains(got, want) {
			t.Errorf("Home lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "You don't own any accounts") {
		t.Errorf("Home of an owner says they own none:\n%s", got)
	}
	t.Logf("Home of U0REP:\n%s", got)

	// Open card from the Home: the card arrives in the rep's DM, and the Home is published again.
	dm := len(h.srv.Messages("U0REP"))
	v = h.clickHome("U0REP", v, "Open card")
	if text, _ := h.posted("U0REP", dm); !strings.Contains(text, "Expedia") {
		t.Errorf("Open card from the Home: %s", text)
	}
	if !strings.Contains(v.All(), "Your day") {
		t.Errorf("Home after Open card:\n%s", v.All())
	}
	// Open draft: the draft arrives in the DM with its buttons.
	dm = len(h.srv.Messages("U0REP"))
	h.clickHome("U0REP", v, "Open draft")
	if text, _ := h.posted("U0REP", dm); !strings.Contains(text, "Draft to") || !strings.Contains(text, "[Mark sent]") {
		t.Errorf("Open draft from the Home: %s", text)
	}
}

func TestE2E_homePagedWithinTheBlockLimit(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	names, err := h.app.Store.AccountNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 80 {
		t.Fatalf("need 80 accounts, the seed has %d", len(names))
	}
	for _, a := range names[:80] {
		if err := h.app.Store.SetAccountOwner(ctx, a.ID, "U0BIG"); err != nil {
			t.Fatal(err)
		}
	}
	v := h.openHome("U0BIG")
	if !strings.Contains(v.All(), "Page 1 of ") || strings.Contains(v.All(), "[◀ Previous]") {
		t.Fatalf("first page of a long Home:\n%s", v.All())
	}
	seen := map[string]bool{}
	pages := 1
	for strings.Contains(v.All(), "[Next ▶]") {
		v = h.clickHome("U0BIG", v, "Next ▶")
		pages++
		if !strings.Contains(v.All(), fmt.Sprintf("Page %d of ", pages)) {
			t.Fatalf("page %d:\n%s", pages, v.All())
		}
		for _, bl := range v.Blocks {
			if bl.Text != nil && strings.HasPrefix(bl.Text.Text, "*") {
				seen[bl.Text.Text] = true
			}
		}
		if pages > 10 {
			t.Fatal("Next never ends")
		}
	}
	if pages < 2 {
		t.Fatalf("80 accounts fit one page?\n%s", v.All())
	}
	back := h.clickHome("U0BIG", v, "◀ Previous")
	if !strings.Contains(back.All(), fmt.Sprintf("Page %d of %d", pages-1, pages)) {
		t.Errorf("Previous from the last page:\n%s", back.All())
	}
}

func TestE2E_mentionAnsweredInItsThread(t *testing.T) {
	h := start(t)
	// In a channel: a new thread under the message that asked.
	n := len(h.srv.Messages("C0SALES"))
	if _, err := h.srv.Event(h.ctx(), map[string]any{"type": "app_mention", "user": "U0001", "channel": "C0SALES",
		"text": "<@" + slacktest.BotUserID + "> expedia", "ts": "1700000500.000100", "event_ts": "1700000500.000100"}); err != nil {
		t.Fatalf("app_mention not acked: %v", err)
	}
	text, thread := h.posted("C0SALES", n)
	if thread != "1700000500.000100" || !strings.Contains(text, "Expedia Group") {
		t.Errorf("mention answered in thread %q: %s", thread, text)
	}
	// In a thread: the answer joins that thread.
	if _, err := h.srv.Event(h.ctx(), map[string]any{"type": "app_mention", "user": "U0001", "channel": "C0SALES",
		"text": "<@" + slacktest.BotUserID + "> pain yaml", "ts": "1700000600.000100", "thread_ts": "1700000400.000100"}); err != nil {
		t.Fatal(err)
	}
	text, thread = h.posted("C0SALES", n+1)
	if thread != "1700000400.000100" || !strings.Contains(text, "YAML") {
		t.Errorf("mention in a thread answered in %q: %s", thread, text)
	}
}

func TestE2E_directMessageTakesTheCommandsWords(t *testing.T) {
	h := start(t, withAdmins("U0ADMIN"))
	cases := []struct {
		user, said string
		want       []string
	}{
		{"U0001", "expedia", []string{"Expedia Group"}},
		{"U0001", "pain yaml", []string{"YAML"}},
		{"U0001", "draft toyota", []string{"Draft to"}},
		{"U0001", "H&amp;M", []string{"H&amp;M"}},
		{"U0001", "help", []string{"without the slash", "`draft`"}},
		{"U0ADMIN", "template add", []string{"opens the form", "`/template add`", "templates/outreach/"}},
	}
	for i, c := range cases {
		channel := "D0DM" + c.user
		n := len(h.srv.Messages(channel))
		if _, err := h.srv.Event(h.ctx(), map[string]any{"type": "message", "channel_type": "im", "channel": channel,
			"user": c.user, "text": c.said, "ts": fmt.Sprintf("1700001%03d.000100", i)}); err != nil {
			t.Fatalf("%q: message.im not acked: %v", c.said, err)
		}
		text, _ := h.posted(channel, n)
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("DM %q: answer lacks %q:\n%.600s", c.said, w, text)
			}
		}
	}
	// The bot's own messages and edits are not questions.
	n := len(h.srv.Calls("chat.postMessage"))
	for _, ev := range []map[string]any{
		{"type": "message", "channel_type": "im", "channel": "D0DMU0001", "user": slacktest.BotUserID, "bot_id": slacktest.BotID, "text": "expedia", "ts": "1700002000.000100"},
		{"type": "message", "subtype": "message_changed", "channel_type": "im", "channel": "D0DMU0001", "ts": "1700002001.000100",
			"message": map[string]any{"type": "message", "user": "U0001", "text": "expedia"}},
	} {
		if _, err := h.srv.Event(h.ctx(), ev); err != nil {
			t.Fatalf("not acked: %v", err)
		}
	}
	// A question after them is answered; nothing was posted for the two before it.
	if _, err := h.srv.Event(h.ctx(), map[string]any{"type": "message", "channel_type": "im", "channel": "D0DMU0001", "user": "U0001", "text": "market", "ts": "1700002002.000100"}); err != nil {
		t.Fatal(err)
	}
	calls, err := h.srv.WaitForCalls(h.ctx(), "chat.postMessage", n+1)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != n+1 || !strings.Contains(string(calls[n].Body), "arket") {
		t.Errorf("after the bot's own message and an edit, %d posts; the last: %s", len(calls)-n, calls[len(calls)-1].Body)
	}
}

func TestE2E_lookUpAccountsShortcut(t *testing.T) {
	h := start(t)
	responseURL := h.srv.NewResponseURL()
	_, err := h.srv.Interaction(h.ctx(), map[string]any{
		"type": "message_action", "callback_id": "lookup_accounts", "trigger_id": h.srv.NewTriggerID(),
		"user": map[string]any{"id": "U0001"}, "channel": map[string]any{"id": "C0SALES"}, "response_url": responseURL,
		"message": map[string]any{"type": "message", "user": "U0002", "ts": "1700003000.000100",
			"text": "Met the platform team from Expedia Group at KubeCon; Toyota North America is hiring for Backstage too."},
	})
	if err != nil {
		t.Fatal(err)
	}
	posts, err := h.srv.WaitForResponsePosts(h.ctx(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, p := range posts {
		if p.ResponseURL == responseURL {
			got = string(p.Body)
		}
	}
	if !strings.Contains(got, `"response_type":"ephemeral"`) || !strings.Contains(got, "Expedia Group") || !strings.Contains(got, "Toyota") {
		t.Errorf("Look up accounts answered: %.1500s", got)
	}
	// A message naming no account says so, and how to look one up.
	responseURL = h.srv.NewResponseURL()
	if _, err := h.srv.Interaction(h.ctx(), map[string]any{
		"type": "message_action", "callback_id": "lookup_accounts", "trigger_id": h.srv.NewTriggerID(),
		"user": map[string]any{"id": "U0001"}, "channel": map[string]any{"id": "C0SALES"}, "response_url": responseURL,
		"message": map[string]any{"type": "message", "user": "U0002", "ts": "1700003001.000100", "text": "lunch at noon?"},
	}); err != nil {
		t.Fatal(err)
	}
	posts, err = h.srv.WaitForResponsePosts(h.ctx(), len(posts)+1)
	if err != nil {
		t.Fatal(err)
	}
	if last := string(posts[len(posts)-1].Body); !strings.Contains(last, "found no account") {
		t.Errorf("no account: %s", last)
	}
}

// own makes user the owner of the named accounts.
func own(t *testing.T, h *harness, user string, names ...string) {
	t.Helper()
	for _, n := range names {
		if body := h.answer(slacktest.SlashCommand{Command: "/account", Text: n + " owner <@" + user + "|rep>", UserID: user}); !strings.Contains(body, "now owns") {
			t.Fatalf("own %s: %s", n, body)
		}
	}
}

// TestE2E_digestSubscribeRefusesATwinAndWarnsOfAnEmptyFilter: the same subscription twice is
// refused, pointing to the first; a filter value no account has is accepted with a warning.
func TestE2E_digestSubscribeRefusesATwinAndWarnsOfAnEmptyFilter(t *testing.T) {
	h := start(t)
	sub := func(text string) string {
		return h.answer(slacktest.SlashCommand{Command: "/digest", Text: "subscribe " + text, ChannelID: "C0GTM", UserID: "U0001"})
	}
	if got := sub(`weekdays 08:30 tz:Europe/London industry:"financial services"`); !strings.Contains(got, "Subscription *#1*") || strings.Contains(got, "Careful") {
		t.Fatalf("first: %s", got)
	}
	if got := sub(`weekdays 08:30 tz:Europe/London industry:"financial services"`); !strings.Contains(got, "Subscription *#1* already posts exactly that") ||
		!strings.Contains(got, "/digest unsubscribe 1") {
		t.Errorf("twin: %s", got)
	}
	if got := sub(`daily 09:00 tz:Europe/London industry:"financial services"`); !strings.Contains(got, "Subscription *#2*") {
		t.Errorf("another schedule is another subscription: %s", got)
	}
	if got := sub("weekdays 08:30 industry:widgets"); !strings.Contains(got, "Subscription *#3*") || !strings.Contains(got, "no account has an industry like `widgets`") {
		t.Errorf("industry:widgets: %s", got)
	}
}

// homeOf waits for a Home published to user after the first n views.publish calls whose text
// passes ok, and returns it with how many calls there were then.
func (h *harness) homeOf(user string, n int, ok func(string) bool) (view, int) {
	h.t.Helper()
	ctx := h.ctx()
	for seen := n; ; seen++ {
		calls, err := h.srv.WaitForCalls(ctx, "views.publish", seen+1)
		if err != nil {
			h.t.Fatalf("no Home published to %s after call %d: %v", user, n, err)
		}
		c := calls[seen]
		if c.Args["user_id"] != user {
			continue
		}
		v, err := bottest.Decode([]byte(c.Args["view"]))
		if err != nil {
			h.t.Fatal(err)
		}
		if ok(v.All()) {
			return v, seen + 1
		}
	}
}

// TestE2E_homePublishedAgainWhenWhatItShowsChanges: a rep looking at their Home sees it change
// as they work, whatever they work in (a slash command, a DM), and when someone else gives them
// an account; a question that changes nothing publishes nothing.
func TestE2E_homePublishedAgainWhenWhatItShowsChanges(t *testing.T) {
	h := start(t)
	h.openHome("U0REP")
	h.openHome("U0OTHER")
	has := func(s string) func(string) bool { return func(got string) bool { return strings.Contains(got, s) } }

	n := len(h.srv.Calls("views.publish"))
	own(t, h, "U0REP", "expedia", "toyota")
	_, n = h.homeOf("U0REP", n, has("*Toyota*"))

	// A read-only question publishes nothing; the draft after it is the next Home.
	if body := h.answer(slacktest.SlashCommand{Command: "/pain", Text: "yaml", UserID: "U0REP"}); !strings.Contains(body, "YAML") {
		t.Fatalf("/pain yaml: %s", body)
	}
	if body := h.answer(slacktest.SlashCommand{Command: "/draft", Text: "expedia", UserID: "U0REP"}); !strings.Contains(body, "Draft to") {
		t.Fatalf("draft: %s", body)
	}
	calls, err := h.srv.WaitForCalls(h.ctx(), "views.publish", n+1)
	if err != nil {
		t.Fatal(err)
	}
	if got := calls[n].Args["view"]; calls[n].Args["user_id"] != "U0REP" || !strings.Contains(got, "Drafts not sent yet") {
		t.Errorf("the Home published after /pain yaml and /draft expedia (the first should publish nothing): %.300s", got)
	}
	n++

	// A DM that subscribes to a digest: the subscription shows.
	if _, err := h.srv.Event(h.ctx(), map[string]any{"type": "message", "channel_type": "im", "channel": "D0DMREP",
		"user": "U0REP", "text": "digest subscribe me weekdays 08:30", "ts": "1700004000.000100"}); err != nil {
		t.Fatal(err)
	}
	_, n = h.homeOf("U0REP", n, has("weekdays 08:30"))

	// Toyota given to someone else: it leaves the rep's Home and joins theirs.
	if body := h.answer(slacktest.SlashCommand{Command: "/account", Text: "toyota owner <@U0OTHER|otto>", UserID: "U0REP"}); !strings.Contains(body, "now owns") {
		t.Fatalf("give toyota: %s", body)
	}
	h.homeOf("U0OTHER", n, has("*Toyota*"))
	h.homeOf("U0REP", n, func(got string) bool {
		return strings.Contains(got, "*Expedia Group*") && !strings.Contains(got, "Toyota")
	})
}

// TestE2E_homeShowsNewSignalsOnMyAccounts: a signal someone else saves about the rep's account,
// and one a watcher finds, each publish the rep's Home again with it.
func TestE2E_homeShowsNewSignalsOnMyAccounts(t *testing.T) {
	h := start(t)
	own(t, h, "U0REP", "expedia")
	h.openHome("U0REP")
	n := len(h.srv.Calls("views.publish"))
	if body := h.answer(slacktest.SlashCommand{Command: "/signal", Text: "add expedia https://medium.com/expedia-group-tech/portal-day-two our portal, day two", UserID: "U0001"}); !strings.Contains(body, "Saved signal") {
		t.Fatalf("/signal add: %s", body)
	}
	_, n = h.homeOf("U0REP", n, func(got string) bool { return strings.Contains(got, "portal-day-two") })

	ctx := h.ctx()
	var expedia int64
	names, err := h.app.Store.AccountNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range names {
		if a.Name == "Expedia Group" {
			expedia = a.ID
		}
	}
	if _, err := h.app.Store.IngestSignals(ctx, []store.NewSignal{{Signal: store.Signal{AccountID: &expedia, Kind: "job_posting",
		Title: "Expedia: Staff Engineer, Internal Developer Portal", URL: "https://careers.expedia.com/jobs/456",
		DiscoveredAt: time.Now(), OccurredAt: ptr(time.Now()), Source: "watch:test", DedupeKey: "test:expedia-456"}}}); err != nil {
		t.Fatal(err)
	}
	h.bot.AccountsChanged(ctx, []int64{expedia}) // what a watcher's run does after storing it
	h.homeOf("U0REP", n, func(got string) bool { return strings.Contains(got, "Staff Engineer, Internal Developer Portal") })
}

func ptr[T any](v T) *T { return &v }
