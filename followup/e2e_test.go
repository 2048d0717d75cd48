package followup_test

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"outreachbot/bot"
	"outreachbot/bot/bottest"
	"outreachbot/cli"
	"outreachbot/clock/clocktest"
	"outreachbot/followup"
	"outreachbot/handlers"
	"outreachbot/slacktest"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// rep is a sales rep in Berlin talking to the real bot through the Slack test double.
type rep struct {
	t     *testing.T
	ctx   context.Context
	srv   *slacktest.Server
	st    *store.Store
	clock *clocktest.Manual
	bot   *bot.Bot
}

const repID = "U0REP"

func startRep(t *testing.T, c *clocktest.Manual) *rep {
	t.Helper()
	srv := bottest.NewServer(t)
	srv.SetUser(slacktest.User{ID: repID, Name: "rep", RealName: "Rita Rep", TZ: "Europe/Berlin", TZOffset: 3600})
	st := storetest.Open(t, store.Postgres)
	opts := bottest.Options(srv)
	opts.HTTPAddr = "off"
	log := slog.New(slog.DiscardHandler)
	app, err := cli.Prepare(context.Background(), opts, st, log)
	if err != nil {
		t.Fatal(err)
	}
	reg := handlers.NewRegistry(cli.FeaturesAt(app, c.Now)...)
	b := bot.New(bot.Deps{Options: opts, Log: log, Registry: reg, Claims: st, Homes: st})
	bottest.Start(t, srv, b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &rep{t: t, ctx: ctx, srv: srv, st: st, clock: c, bot: b}
}

type msg = bottest.Message

// command runs a slash command and returns the answer, from the ack or the response_url.
func (r *rep) command(command, text string) msg {
	r.t.Helper()
	url := r.srv.NewResponseURL()
	ack, err := r.srv.SlashCommand(r.ctx, slacktest.SlashCommand{Command: command, Text: text, UserID: repID, ChannelID: "C0SALES", ResponseURL: url})
	if err != nil {
		r.t.Fatal(err)
	}
	if len(ack.Payload) > 0 {
		return decode(r.t, ack.Payload)
	}
	return r.responseAt(url)
}

// click presses a button (action id, value) on a message and returns the answer on its response_url.
func (r *rep) click(button bottest.Button) msg {
	r.t.Helper()
	url := r.srv.NewResponseURL()
	_, err := r.srv.Interaction(r.ctx, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": repID}, "trigger_id": r.srv.NewTriggerID(),
		"response_url": url, "channel": map[string]any{"id": "C0SALES"}, "container": map[string]any{"message_ts": "1700000000.000100"},
		"actions": []map[string]any{{"action_id": button.ActionID, "value": button.Value, "type": "button", "block_id": "b"}},
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return r.responseAt(url)
}

func (r *rep) responseAt(url string) msg {
	r.t.Helper()
	for n := 1; ; n++ {
		posts, err := r.srv.WaitForResponsePosts(r.ctx, n)
		if err != nil {
			r.t.Fatalf("no answer at %s: %v", url, err)
		}
		for _, p := range posts {
			if p.ResponseURL == url {
				return decode(r.t, p.Body)
			}
		}
	}
}

// openHome opens the rep's Home tab, as Slack tells the bot when they click it, and returns the
// Home published then.
func (r *rep) openHome() msg {
	r.t.Helper()
	n := len(r.srv.Calls("views.publish"))
	if _, err := r.srv.Event(r.ctx, map[string]any{"type": "app_home_opened", "user": repID, "channel": "D0HOME", "tab": "home"}); err != nil {
		r.t.Fatal(err)
	}
	calls, err := r.srv.WaitForCalls(r.ctx, "views.publish", n+1)
	if err != nil {
		r.t.Fatal(err)
	}
	return decode(r.t, []byte(calls[n].Args["view"]))
}

// clickHome presses a button on the rep's Home tab (a block_actions from the home view).
func (r *rep) clickHome(button bottest.Button) {
	r.t.Helper()
	_, err := r.srv.Interaction(r.ctx, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": repID}, "trigger_id": r.srv.NewTriggerID(),
		"container": map[string]any{"type": "view", "view_id": "V0HOME"},
		"view":      map[string]any{"id": "V0HOME", "type": "home", "private_metadata": "0"},
		"actions":   []map[string]any{{"action_id": button.ActionID, "value": button.Value, "type": "button", "block_id": "home"}},
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// homeAfter waits for a Home published to the rep after the first n views.publish calls that
// passes ok, and returns what it shows.
func (r *rep) homeAfter(n int, ok func(string) bool) string {
	r.t.Helper()
	for seen := n; ; seen++ {
		calls, err := r.srv.WaitForCalls(r.ctx, "views.publish", seen+1)
		if err != nil {
			r.t.Fatalf("no such Home after call %d: %v", n, err)
		}
		if got := decode(r.t, []byte(calls[seen].Args["view"])).All(); calls[seen].Args["user_id"] == repID && ok(got) {
			return got
		}
	}
}

// dms are the messages the bot posted to the rep's DM.
func (r *rep) dms() []msg {
	var out []msg
	for _, m := range r.srv.Messages(repID) {
		out = append(out, bottest.DecodeBlocks(m.Text, m.Blocks))
	}
	return out
}

func decode(t *testing.T, raw []byte) msg {
	t.Helper()
	m, err := bottest.Decode(raw)
	if err != nil {
		t.Fatalf("answer: %v\n%s", err, raw)
	}
	return m
}

// berlinSpringWeek is a Thursday afternoon in Berlin three days before clocks go forward (the last
// Sunday of March), in the first such week after now — so the seeded signals, found now, are
// older than the send.
func berlinSpringWeek(t *testing.T) (send time.Time, loc *time.Location) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for year := time.Now().Year(); ; year++ {
		lastSunday := time.Date(year, time.March, 31, 12, 0, 0, 0, loc)
		for lastSunday.Weekday() != time.Sunday {
			lastSunday = lastSunday.AddDate(0, 0, -1)
		}
		send = time.Date(year, time.March, lastSunday.Day()-3, 17, 0, 0, 0, loc)
		if send.After(time.Now().Add(24 * time.Hour)) {
			return send, loc
		}
	}
}

// TestFollowup_nudgedOnTheRightDayInBerlinAcrossDST: a rep in Berlin marks two drafts sent on a
// Thursday; clocks go forward on Sunday; the follow-ups fall due four business days later, on
// Wednesday, and the rep gets one DM at 09:00 Berlin summer time (07:00 UTC) with both, each with
// a follow-up draft naming the first message, one naming a signal found since. Two replicas run
// the pass; the rep is nudged once. Snooze and Replied work from the DM, and the snoozed one comes
// back the next day alone.
func TestFollowup_nudgedOnTheRightDayInBerlinAcrossDST(t *testing.T) {
	send, berlin := berlinSpringWeek(t)
	c := clocktest.NewManual(send)
	r := startRep(t, c)

	for _, account := range []string{"expedia", "toyota"} {
		if got := r.command("/account", account+" owner <@"+repID+"|rita>").All(); !strings.Contains(got, "now owns") {
			t.Fatalf("own %s: %s", account, got)
		}
		d := r.command("/draft", account)
		sent := d.Buttons("Mark sent")
		if len(sent) != 1 {
			t.Fatalf("/draft %s:\n%s", account, d.All())
		}
		if got := r.click(sent[0]); !strings.Contains(got.All(), "Marked sent") {
			t.Fatalf("Mark sent: %s", got.All())
		}
	}
	// A draft not sent yet, a digest subscription, and the Home open: the rep's day.
	if got := r.command("/account", "american airlines owner <@"+repID+"|rita>").All(); !strings.Contains(got, "now owns") {
		t.Fatalf("own american airlines: %s", got)
	}
	if d := r.command("/draft", "american airlines"); len(d.Buttons("Mark sent")) != 1 {
		t.Fatalf("/draft american airlines:\n%s", d.All())
	}
	if got := r.command("/digest", "subscribe me weekdays 08:30").All(); !strings.Contains(got, "Subscription *#") {
		t.Fatalf("subscribe: %s", got)
	}
	if got := r.openHome().All(); strings.Contains(got, "Follow-ups due today") || !strings.Contains(got, "Drafts not sent yet") {
		t.Fatalf("the Home before anything is due:\n%s", got)
	}
	replica := followup.New(r.st, r.bot.Poster(), followup.Options{Clock: c, Changed: r.bot.RefreshHome})
	other := followup.New(r.st, r.bot.Poster(), followup.Options{Clock: c, Changed: r.bot.RefreshHome})
	if err := replica.Pass(r.ctx); err != nil {
		t.Fatal(err)
	}
	wed := send.AddDate(0, 0, 6) // Thursday + 6 days = the Wednesday after the DST change
	wantDue := "due " + wed.Format("Mon 2 Jan")
	if got := r.command("/followups", "").All(); strings.Count(got, wantDue) != 2 {
		t.Fatalf("/followups after the send should list two %q:\n%s", wantDue, got)
	}

	// A signal about Expedia found after the send: the follow-up names it.
	expedia := accountID(t, r, "Expedia Group")
	found := send.Add(4 * 24 * time.Hour)
	if _, err := r.st.IngestSignals(r.ctx, []store.NewSignal{{Signal: store.Signal{AccountID: &expedia, Kind: "job_posting",
		Title: "Expedia hiring a Staff Engineer, Developer Portal", URL: "https://careers.expedia.com/jobs/123",
		DiscoveredAt: found, Source: "test", DedupeKey: "test:expedia-portal-job"}}}); err != nil {
		t.Fatal(err)
	}

	pass := func(at time.Time) {
		t.Helper()
		c.Set(at)
		var wg sync.WaitGroup
		for _, s := range []*followup.Scheduler{replica, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Pass(r.ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	for _, at := range []time.Time{
		time.Date(wed.Year(), wed.Month(), wed.Day()-1, 10, 0, 0, 0, berlin), // Tuesday: not due yet
		time.Date(wed.Year(), wed.Month(), wed.Day(), 6, 59, 0, 0, time.UTC), // 08:59 in Berlin (CEST): before the nudge hour
	} {
		pass(at)
		if n := len(r.dms()); n != 0 {
			t.Fatalf("nudged at %s (%s in Berlin): %s", at.UTC(), at.In(berlin).Format("Mon 15:04 MST"), r.dms()[0].All())
		}
	}
	// 07:00 UTC is 09:00 in Berlin after the change (it would be 08:00 on winter time).
	pass(time.Date(wed.Year(), wed.Month(), wed.Day(), 7, 0, 0, 0, time.UTC))
	dms := r.dms()
	if len(dms) != 1 {
		t.Fatalf("want one nudge on %s at 09:00 Berlin, got %d", wed.Format("Mon 2 Jan"), len(dms))
	}
	nudge := dms[0].All()
	t.Logf("the nudge:\n%s", nudge)
	for _, want := range []string{"Follow-ups due: 2 messages", "Expedia Group", "Toyota", "Following up on my note from " + send.Format("Mon 2 Jan"),
		"Expedia hiring a Staff Engineer, Developer Portal", "*due today*"} {
		if !strings.Contains(nudge, want) {
			t.Errorf("nudge lacks %q:\n%s", want, nudge)
		}
	}
	if strings.Count(nudge, "Since then I saw") != 1 {
		t.Errorf("only the Expedia follow-up has a newer signal:\n%s", nudge)
	}
	// The rep's Home was published again with the follow-ups due.
	calls := r.srv.Calls("views.publish")
	if len(calls) == 0 || !strings.Contains(calls[len(calls)-1].Args["view"], "Follow-ups due today") {
		t.Fatalf("Home not republished with the follow-ups due")
	}
	if home, err := bottest.Decode([]byte(calls[len(calls)-1].Args["view"])); err == nil {
		t.Logf("the rep's Home on the due day, block by block:\n%s", home.Outline())
	}
	pass(time.Date(wed.Year(), wed.Month(), wed.Day(), 15, 0, 0, 0, berlin))
	if n := len(r.dms()); n != 1 {
		t.Fatalf("a second nudge the same day: %d", n)
	}

	// Snooze Expedia's from the nudge; record Toyota's reply from the Home.
	snooze, replied := dms[0].Buttons("Snooze"), dms[0].Buttons("Replied")
	if len(snooze) != 2 || len(replied) != 2 {
		t.Fatalf("buttons in the nudge:\n%s", nudge)
	}
	expediaFirst := strings.Index(nudge, "Expedia Group") < strings.Index(nudge, "Toyota")
	ex, to := 0, 1
	if !expediaFirst {
		ex, to = 1, 0
	}
	thu := wed.AddDate(0, 0, 1)
	if got := r.click(snooze[ex]).All(); !strings.Contains(got, "until "+thu.Format("Mon 2 Jan")) {
		t.Errorf("Snooze: %s", got)
	}
	n := len(r.srv.Calls("views.publish"))
	r.clickHome(replied[to])
	if got := r.homeAfter(n, func(h string) bool { return !strings.Contains(h, "Follow-ups due today") }); !strings.Contains(got, "0 follow-ups due") ||
		!strings.Contains(got, "1 follow-up later") {
		t.Errorf("the Home after Expedia snoozed and Toyota's reply recorded on it:\n%s", got)
	}
	pass(time.Date(thu.Year(), thu.Month(), thu.Day(), 9, 30, 0, 0, berlin))
	dms = r.dms()
	if len(dms) != 2 {
		t.Fatalf("want the snoozed follow-up back on %s, got %d DMs", thu.Format("Mon 2 Jan"), len(dms))
	}
	if got := dms[1].All(); !strings.Contains(got, "Follow-ups due: 1 message") || !strings.Contains(got, "Expedia") || strings.Contains(got, "Toyota") {
		t.Errorf("the day after:\n%s", got)
	}
	// Done: the next follow-up is due 7 business days later (the second of the default 4, 7).
	done := dms[1].Buttons("Done")
	if len(done) != 1 {
		t.Fatalf("buttons the day after:\n%s", dms[1].All())
	}
	next := followup.AddBusinessDays(followup.LocalDay(c.Now(), berlin), 7)
	if got := r.click(done[0]).All(); !strings.Contains(got, "I'll remind you on "+followup.DayText(next)+" (7 business days)") {
		t.Errorf("Done: %s", got)
	}
	list := r.command("/followups", "")
	if got := list.All(); !strings.Contains(got, "Expedia Group") || !strings.Contains(got, "due "+followup.DayText(next)) || !strings.Contains(got, "Follow-up 2.") || strings.Contains(got, "Toyota") {
		t.Errorf("/followups after Done:\n%s", got)
	}
	// Stop: no follow-ups left.
	if got := r.click(list.Buttons("Stop")[0]).All(); !strings.Contains(got, "no more follow-ups to *Erik Lindgren* at *Expedia Group*") {
		t.Errorf("Stop: %s", got)
	}
	if got := r.command("/followups", "").All(); !strings.Contains(got, "No follow-ups waiting") {
		t.Errorf("/followups after Stop:\n%s", got)
	}

	// Reply rates by template, pain point and signal kind: Toyota's reply counts, Expedia's
	// silence counts, the American Airlines draft never sent counts only as drafted.
	stats := r.command("/template", "stats").All()
	t.Logf("/template stats:\n%s", stats)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`talk-followup +2 +1 +1 +100%`), // drafted 2 (Toyota, American Airlines), sent 1
		regexp.MustCompile(`not-warm-connect +1 +1 +0 +0%`),
		regexp.MustCompile(`(?s)Reply rate by pain point.*?low-adoption +2 +1 +50%`), // both sent named it
		regexp.MustCompile(`(?s)Reply rate by signal.*?Conference talk +1 +1 +100%`),
	} {
		if !want.MatchString(stats) {
			t.Errorf("/template stats lacks %s:\n%s", want, stats)
		}
	}
}

func accountID(t *testing.T, r *rep, name string) int64 {
	t.Helper()
	rows, err := r.st.AccountNames(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range rows {
		if a.Name == name {
			return a.ID
		}
	}
	t.Fatalf("no account %q", name)
	return 0
}
