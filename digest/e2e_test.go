package digest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"outreachbot/bot"
	"outreachbot/bot/bottest"
	"outreachbot/cli"
	"outreachbot/config"
	"outreachbot/digest"
	"outreachbot/digest/digesttest"
	"outreachbot/slacktest"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// e2e runs the real bot (slack-go's Socket Mode client, the store on PostgreSQL, the digest
// scheduler posting through bot.Poster) against the Slack test double.
type e2e struct {
	t   *testing.T
	srv *slacktest.Server
	app *cli.App
}

func startE2E(t *testing.T) *e2e {
	t.Helper()
	srv := bottest.NewServer(t)
	app, err := cli.Prepare(context.Background(), config.Options{}, storetest.Open(t, store.Postgres), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(bot.Deps{
		Options: bottest.Options(srv),
		Log:     slog.New(slog.DiscardHandler), Registry: app.Registry, Claims: app.Store, Ready: app.Store.Ping,
	})
	eng := digest.New(app.Store, digest.Options{Segment: app.Knowledge.Segments})
	b.AddJob(digest.NewScheduler(eng, b.Poster(), digest.SchedulerOptions{Poll: 100 * time.Millisecond}).Run)
	bottest.Start(t, srv, b)
	return &e2e{t: t, srv: srv, app: app}
}

func (h *e2e) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// slash runs a command and returns what the user sees (the ack, or the response_url post).
func (h *e2e) slash(channel, command, text string) string {
	h.t.Helper()
	url := h.srv.NewResponseURL()
	ack, err := h.srv.SlashCommand(h.ctx(), slacktest.SlashCommand{Command: command, Text: text, ChannelID: channel, ResponseURL: url})
	if err != nil {
		h.t.Fatalf("%s %s: %v", command, text, err)
	}
	if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
		return unescapeJSON(string(ack.Payload))
	}
	return h.responsePost(url)
}

func (h *e2e) responsePost(url string) string {
	h.t.Helper()
	p, err := h.srv.WaitForResponsePost(h.ctx(), url)
	if err != nil {
		h.t.Fatalf("no answer posted to %s: %v", url, err)
	}
	return unescapeJSON(string(p.Body))
}

// shown counts each signal's appearances in messages.
func shown(msgs []slacktest.Message) map[int64]int {
	out := map[int64]int{}
	for _, m := range msgs {
		for _, id := range digesttest.SignalIDsInJSON(m.Blocks) {
			out[id]++
		}
	}
	return out
}

// waitShown waits until the channel shows every id, and returns how often it shows each.
func (h *e2e) waitShown(channel string, ids []int64) map[int64]int {
	h.t.Helper()
	msgs, err := h.srv.WaitForMessages(h.ctx(), channel, func(msgs []slacktest.Message) bool {
		seen := shown(msgs)
		for _, id := range ids {
			if seen[id] == 0 {
				return false
			}
		}
		return true
	})
	if err != nil {
		h.t.Errorf("%s never showed all %d signals: %v", channel, len(ids), err)
	}
	return shown(msgs)
}

func TestE2E_subscribeNowPostsOnceAnd429IsAbsorbed(t *testing.T) {
	h := startE2E(t)
	const ch = "C0DIGEST"
	// The seeded signals were found a moment ago; age them so that the first digest's look back
	// (one schedule period, see TestE2E_firstDigestCoversItsPeriod) leaves only what this test adds.
	if err := h.app.Store.DB().Exec("UPDATE signals SET discovered_at = ?", time.Now().Add(-30*24*time.Hour).UTC()).Error; err != nil {
		t.Fatal(err)
	}
	body := h.slash(ch, "/digest", "subscribe <#C0DIGEST|gtm> weekdays 08:30 tz:Europe/London")
	if !strings.Contains(body, "Subscription *#1*") || !strings.Contains(body, "weekdays 08:30 Europe/London") {
		t.Fatalf("/digest subscribe answered: %s", body)
	}
	ids := digesttest.Ingest(t, h.app.Store, 15, "first")
	if got := h.slash(ch, "/digest", "preview"); !strings.Contains(got, "Preview of #1 (only you see this): 15 signals would go out now, 5 of them in the thread") ||
		!strings.Contains(got, "digest.useful") {
		t.Fatalf("/digest preview: %s", got)
	}
	if n := len(h.srv.Messages(ch)); n != 0 {
		t.Fatalf("a preview posted %d messages", n)
	}
	// Slack answers the first post with 429 Retry-After: 1; the poster waits and retries.
	h.srv.RateLimit("chat.postMessage", 1, time.Second)
	body = h.slash(ch, "/digest", "now")
	if !strings.Contains(body, "Posting 15 new signals to <#C0DIGEST> now") {
		t.Fatalf("/digest now answered: %s", body)
	}
	shown := h.waitShown(ch, ids)
	for _, id := range ids {
		if shown[id] != 1 {
			t.Errorf("signal %d shown %d times", id, shown[id])
		}
	}
	limited := 0
	for _, c := range h.srv.Calls("chat.postMessage") {
		if c.RateLimited {
			limited++
		}
	}
	if limited != 1 {
		t.Errorf("want the 429 to have happened once, saw %d", limited)
	}
	msgs := h.srv.Messages(ch)
	if len(msgs) != 2 || msgs[1].ThreadTS != msgs[0].TS || !strings.Contains(msgs[0].Text, "Signal digest: 15 new signals") {
		t.Fatalf("want the digest and one thread reply, got %d messages: %+v", len(msgs), msgs)
	}

	body = h.slash(ch, "/digest", "now")
	if !strings.Contains(body, "Nothing new for *#1*") {
		t.Fatalf("second /digest now answered: %s", body)
	}
	// Nothing new means no run was built, so nothing is left for the scheduler to post.
	if open, err := h.app.Store.OpenRunsOf(context.Background(), 1); err != nil || len(open) != 0 {
		t.Fatalf("after the second /digest now: %d runs waiting to be posted (%v)", len(open), err)
	}
	if n := len(h.srv.Messages(ch)); n != 2 {
		t.Fatalf("the second /digest now posted: %d messages", n)
	}

	// Votes on an item are stored and shown by /digest stats.
	url := h.srv.NewResponseURL()
	if _, err := h.srv.Interaction(h.ctx(), map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U0001"}, "channel": map[string]any{"id": ch},
		"trigger_id": h.srv.NewTriggerID(), "response_url": url, "container": map[string]any{"type": "message", "message_ts": msgs[0].TS},
		"actions": []map[string]any{{"type": "button", "action_id": "digest.useful", "block_id": fmt.Sprintf("sig:%d", ids[0]), "value": fmt.Sprint(ids[0]), "action_ts": "1.1"}},
	}); err != nil {
		t.Fatal(err)
	}
	if got := h.responsePost(url); !strings.Contains(got, "marked *useful*") || !strings.Contains(got, "1 useful") {
		t.Fatalf("vote answered: %s", got)
	}
	if got := h.slash(ch, "/digest", "stats"); !strings.Contains(got, "Job posting from jobs: 1 useful · 0 noise") || !strings.Contains(got, "15 signals posted") {
		t.Fatalf("/digest stats: %s", got)
	}
	if got := h.slash(ch, "/digest", "list"); !strings.Contains(got, "*#1*") || !strings.Contains(got, "posted 15 signals") {
		t.Fatalf("/digest list: %s", got)
	}
}

func TestE2E_signalAddListAndSaveAsSignalShortcut(t *testing.T) {
	h := startE2E(t)
	body := h.slash("C1", "/signal", "add expedia <https://github.com/backstage/backstage/issues/4242> catalog ingestion is slow")
	if !strings.Contains(body, "Saved signal #") || !strings.Contains(body, "GitHub issue") || !strings.Contains(body, "Expedia Group") {
		t.Fatalf("/signal add: %s", body)
	}
	if again := h.slash("C1", "/signal", "add expedia https://github.com/backstage/backstage/issues/4242/"); !strings.Contains(again, "already saved") {
		t.Fatalf("the same link twice: %s", again)
	}
	// The note is the saver's words: shown as their note, never as the title.
	if list := h.slash("C1", "/signals", "expedia since:7d"); !strings.Contains(list, "note from <@") || !strings.Contains(list, ": catalog ingestion is slow") ||
		strings.Contains(list, "|catalog ingestion is slow>") || !strings.Contains(list, "github issue +18") {
		t.Fatalf("/signals: %s", list)
	}

	// Save as signal: the shortcut opens a modal; submitting it saves and tells the user.
	if _, err := h.srv.Interaction(h.ctx(), map[string]any{
		"type": "message_action", "callback_id": "save_signal", "trigger_id": h.srv.NewTriggerID(),
		"user": map[string]any{"id": "U0001"}, "channel": map[string]any{"id": "C1"}, "response_url": h.srv.NewResponseURL(),
		"message": map[string]any{"type": "message", "ts": "1700000000.000100", "text": "Toyota is hiring a platform team <https://boards.greenhouse.io/toyota/jobs/1>"},
	}); err != nil {
		t.Fatal(err)
	}
	calls, err := h.srv.WaitForCalls(h.ctx(), "views.open", 1)
	if err != nil {
		t.Fatal(err)
	}
	view := calls[0].Args["view"]
	if !strings.Contains(view, "save_signal_modal") || !strings.Contains(view, "https://boards.greenhouse.io/toyota/jobs/1") || !strings.Contains(view, `"job_posting"`) {
		t.Fatalf("modal: %s", view)
	}
	values := map[string]any{
		"account": map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "toyota"}},
		"kind":    map[string]any{"value": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "job_posting"}}},
		"url":     map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "https://boards.greenhouse.io/toyota/jobs/1"}},
		"title":   map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "Toyota hiring platform engineers"}},
		"note":    map[string]any{"value": map[string]any{"type": "plain_text_input", "value": ""}},
	}
	ack, err := h.srv.Interaction(h.ctx(), map[string]any{
		"type": "view_submission", "user": map[string]any{"id": "U0001"}, "trigger_id": h.srv.NewTriggerID(),
		"view": map[string]any{"type": "modal", "callback_id": "save_signal_modal", "private_metadata": "{}", "state": map[string]any{"values": values}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ack.Payload) > 0 && strings.Contains(string(ack.Payload), "errors") {
		t.Fatalf("the modal was refused: %s", ack.Payload)
	}
	if _, err := h.srv.WaitForMessages(h.ctx(), "U0001", func(msgs []slacktest.Message) bool {
		return slices.ContainsFunc(msgs, func(m slacktest.Message) bool {
			return strings.Contains(m.Text, "Saved signal") && strings.Contains(m.Text, "Toyota")
		})
	}); err != nil {
		raw, _ := json.Marshal(h.srv.Messages("U0001"))
		t.Fatalf("no confirmation DM (%v): %s", err, raw)
	}
}

// unescapeJSON undoes encoding/json's HTML escaping so tests can look for Slack's <#C…> forms.
func unescapeJSON(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}

// TestE2E_firstDigestCoversItsPeriod: a signal saved, then a daily subscription made, then
// /digest now: the first digest covers the day before the subscription (and says so when it is
// made), so it posts the signal instead of "Nothing new"; the next /digest now has nothing new.
func TestE2E_firstDigestCoversItsPeriod(t *testing.T) {
	h := startE2E(t)
	const ch = "C0FIRST"
	if err := h.app.Store.DB().Exec("UPDATE signals SET discovered_at = ?", time.Now().Add(-30*24*time.Hour).UTC()).Error; err != nil {
		t.Fatal(err)
	}
	if got := h.slash(ch, "/signal", "add expedia https://medium.com/expedia-group-tech/our-portal-journey-1234 our portal journey"); !strings.Contains(got, "Expedia") {
		t.Fatalf("/signal add: %s", got)
	}
	got := h.slash(ch, "/digest", "subscribe daily 09:00 tz:Europe/London")
	if !strings.Contains(got, "Subscription *#1*") || !strings.Contains(got, "also covers the signals found since") || !strings.Contains(got, "one period of the schedule") {
		t.Fatalf("/digest subscribe: %s", got)
	}
	if got := h.slash(ch, "/digest", "now"); !strings.Contains(got, "Posting 1 new signal to") {
		t.Fatalf("/digest now right after: %s", got)
	}
	// The digest is posted as a placeholder, then filled in: wait for the signal to show.
	if _, err := h.srv.WaitForMessages(h.ctx(), ch, func(ms []slacktest.Message) bool {
		return len(ms) > 0 && strings.Contains(string(ms[0].Blocks), "our portal journey")
	}); err != nil {
		t.Fatalf("the first digest never showed the signal saved before the subscription: %v %+v", err, h.srv.Messages(ch))
	}
	if got := h.slash(ch, "/digest", "now"); !strings.Contains(got, "Nothing new for *#1*") {
		t.Errorf("second /digest now: %s", got)
	}
}
