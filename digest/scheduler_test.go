package digest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/clock/clocktest"
	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// rig is a store with accounts, an engine and a scheduler on a fake clock and a fake Slack.
type rig struct {
	t     *testing.T
	st    *store.Store
	fx    *fixture
	clk   *clocktest.Manual
	eng   *Engine
	slack *FakeSlack
	sch   *Scheduler
}

func newRig(t *testing.T, d store.Dialect, start time.Time) *rig {
	t.Helper()
	st := storetest.Open(t, d)
	r := &rig{t: t, st: st, fx: addAccounts(t, st, 6), clk: clocktest.NewManual(start), slack: NewFakeSlack(t)}
	r.eng = New(st, Options{Clock: r.clk, Segment: testSegment, Log: testLog(t)})
	r.sch = NewScheduler(r.eng, r.slack, SchedulerOptions{})
	return r
}

func (r *rig) subscribe(req SubscribeRequest) int64 {
	r.t.Helper()
	if req.UserID == "" {
		req.UserID = "U1"
	}
	info, err := r.eng.Subscribe(context.Background(), req)
	if err != nil {
		r.t.Fatalf("subscribe %+v: %v", req, err)
	}
	return info.ID
}

func (r *rig) pass() {
	r.t.Helper()
	if err := r.sch.Pass(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) at(t time.Time) {
	r.clk.Set(t)
	r.pass()
}

// runs lists a subscription's runs, oldest first.
func (r *rig) runs(subID int64) []store.Run {
	r.t.Helper()
	rs, err := r.st.RunsOf(context.Background(), subID, 100000)
	if err != nil {
		r.t.Fatal(err)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
	return rs
}

// expectExactly checks that the channel shows exactly these signals, each once.
func (r *rig) expectExactly(channel string, ids []int64) {
	r.t.Helper()
	shown := r.slack.shown(channel)
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
		if shown[id] != 1 {
			r.t.Errorf("%s: signal %d shown %d times, want once", channel, id, shown[id])
		}
	}
	for id, n := range shown {
		if !want[id] {
			r.t.Errorf("%s: signal %d shown %d times, want never", channel, id, n)
		}
	}
}

// roots are a channel's top-level messages.
func (r *rig) roots(channel string) []FakeMessage {
	var out []FakeMessage
	for _, m := range r.slack.Messages(channel) {
		if m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

func TestScheduler_runsOnScheduleOverDaysAcrossTimeZonesAndDST(t *testing.T) {
	cases := []struct {
		name     string
		schedule string
		tz       string
		from, to time.Time
		step     time.Duration
		want     []time.Time
	}{
		{"daily 09:00 London over the spring change", "daily 09:00", "Europe/London", utc(2025, 3, 27, 12, 0), utc(2025, 4, 1, 12, 0), 30 * time.Minute,
			[]time.Time{utc(2025, 3, 28, 9, 0), utc(2025, 3, 29, 9, 0), utc(2025, 3, 30, 8, 0), utc(2025, 3, 31, 8, 0), utc(2025, 4, 1, 8, 0)}},
		{"weekdays 08:30 New York over a week and its DST change", "weekdays 08:30", "America/New_York", utc(2025, 3, 6, 0, 0), utc(2025, 3, 13, 0, 0), 30 * time.Minute,
			[]time.Time{utc(2025, 3, 6, 13, 30), utc(2025, 3, 7, 13, 30), utc(2025, 3, 10, 12, 30), utc(2025, 3, 11, 12, 30), utc(2025, 3, 12, 12, 30)}},
		{"cron every six hours", `cron 0 */6 * * *`, "UTC", utc(2025, 3, 3, 1, 0), utc(2025, 3, 4, 1, 0), time.Hour,
			[]time.Time{utc(2025, 3, 3, 6, 0), utc(2025, 3, 3, 12, 0), utc(2025, 3, 3, 18, 0), utc(2025, 3, 4, 0, 0)}},
		{"cron 01:30 London through the repeated autumn hour", `cron 30 1 * * *`, "Europe/London", utc(2025, 10, 25, 12, 0), utc(2025, 10, 27, 12, 0), 15 * time.Minute,
			[]time.Time{utc(2025, 10, 26, 0, 30), utc(2025, 10, 27, 1, 30)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, d store.Dialect) {
				r := newRig(t, d, c.from)
				id := r.subscribe(SubscribeRequest{ChannelID: "C1", Schedule: c.schedule, Timezone: c.tz})
				type batch struct {
					at  time.Time
					ids []int64
				}
				var batches []batch
				for now := c.from; !now.After(c.to); now = now.Add(c.step) {
					r.clk.Set(now)
					if now.Sub(c.from)%(4*time.Hour) == 0 {
						batches = append(batches, batch{now, r.fx.addSignals(t, 2, now)})
					}
					r.pass()
				}
				var got []time.Time
				var lastRun time.Time
				for _, run := range r.runs(id) {
					if run.Kind != store.RunScheduled {
						continue
					}
					got = append(got, run.Tick)
					lastRun = run.CreatedAt
					if late := run.CreatedAt.Sub(run.Tick); late < 0 || late >= c.step {
						t.Errorf("run for %v built at %v", run.Tick, run.CreatedAt)
					}
				}
				assertTimes(t, got, c.want)
				// Every signal stored by the last run is in the channel once; later ones wait.
				var want []int64
				for _, b := range batches {
					if !b.at.After(lastRun) {
						want = append(want, b.ids...)
					}
				}
				r.expectExactly("C1", want)
				if roots := r.roots("C1"); len(roots) > len(c.want) {
					t.Errorf("%d digests for %d ticks", len(roots), len(c.want))
				}
			})
		})
	}
}

func TestScheduler_catchesUpMissedTicksOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		r := newRig(t, d, utc(2025, 3, 3, 8, 0))
		id := r.subscribe(SubscribeRequest{ChannelID: "C1", Schedule: "daily 09:00"})
		first := r.fx.addSignals(t, 3, r.clk.Now())
		r.at(utc(2025, 3, 3, 9, 5))
		r.expectExactly("C1", first)
		// Down from Monday 10:00 to Thursday 11:00: the ticks of Tuesday, Wednesday and Thursday
		// are missed; signals keep arriving (watchers of another replica).
		var down []int64
		for day := 4; day <= 6; day++ {
			down = append(down, r.fx.addSignals(t, 4, utc(2025, 3, day, 12, 0))...)
		}
		r.at(utc(2025, 3, 6, 11, 0))
		r.pass()
		runs := r.runs(id)
		if len(runs) != 2 {
			t.Fatalf("%d runs, want 2 (one catch-up)", len(runs))
		}
		c := runs[1]
		if !c.Tick.Equal(utc(2025, 3, 6, 9, 0)) || c.MissedTicks != 2 || c.Items != len(down) {
			t.Fatalf("catch-up run: tick %v missed %d items %d", c.Tick, c.MissedTicks, c.Items)
		}
		r.expectExactly("C1", append(first, down...))
		roots := r.roots("C1")
		if raw, _ := json.Marshal(roots[len(roots)-1].Blocks); len(roots) != 2 || !strings.Contains(string(raw), "caught up 2 runs missed") {
			t.Fatalf("want one catch-up digest saying so, got %d digests", len(roots))
		}
		// The next tick is Friday's.
		r.at(utc(2025, 3, 7, 8, 59))
		if len(r.runs(id)) != 2 {
			t.Fatal("ran again before Friday 09:00")
		}
	})
}

func TestScheduler_filtersPickTheirSignals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		r := newRig(t, d, utc(2025, 3, 3, 8, 0))
		// Account 4 (healthcare, London, 538 staff) belongs to U9.
		if err := r.st.SetAccountOwner(ctx, r.fx.accounts[4], "U9"); err != nil {
			t.Fatal(err)
		}
		subs := map[string]SubscribeRequest{
			"CIND":  {ChannelID: "CIND", Filter: store.SignalFilter{Industries: []string{"healthcare"}}},
			"CSEG":  {ChannelID: "CSEG", Filter: store.SignalFilter{Segment: "target", EmployeesMin: 100, EmployeesMax: 1000, Industries: testSegment.Industries}},
			"CKIND": {ChannelID: "CKIND", Filter: store.SignalFilter{Kinds: []string{"job_posting", "github_issue"}}},
			"CMIN":  {ChannelID: "CMIN", Filter: store.SignalFilter{MinScore: 45}},
			"U9":    {Personal: true, UserID: "U9", ChannelID: "CX"},
			"CALL":  {ChannelID: "CALL"},
		}
		ids := map[string]int64{}
		for ch, req := range subs {
			ids[ch] = r.subscribe(req)
		}
		sigs := r.fx.addSignals(t, 40, r.clk.Now().Add(-30*time.Minute))
		for ch := range subs {
			if _, err := r.eng.RunNow(ctx, ids[ch], "U1"); err != nil {
				t.Fatal(err)
			}
		}
		r.pass()
		details := map[int64]store.SignalDetail{}
		for _, id := range sigs {
			dd, err := r.st.SignalDetailByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			details[id] = *dd
		}
		sc, _ := r.eng.scorer(ctx)
		want := func(keep func(store.SignalDetail) bool) []int64 {
			var out []int64
			for _, id := range sigs {
				if keep(details[id]) {
					out = append(out, id)
				}
			}
			return out
		}
		checks := map[string]func(store.SignalDetail) bool{
			"CIND": func(s store.SignalDetail) bool { return s.Industry == "healthcare" },
			"CSEG": func(s store.SignalDetail) bool {
				return s.Employees >= 100 && s.Employees <= 1000 && (s.Industry == "healthcare" || s.Industry == "financial services" || s.Industry == "manufacturing")
			},
			"CKIND": func(s store.SignalDetail) bool { return s.Kind == "job_posting" || s.Kind == "github_issue" },
			"CMIN":  func(s store.SignalDetail) bool { score, _ := sc.Score(s); return score >= 45 },
			"U9":    func(s store.SignalDetail) bool { return s.OwnerUserID == "U9" },
			"CALL":  func(store.SignalDetail) bool { return true },
		}
		for ch, keep := range checks {
			w := want(keep)
			if len(w) == 0 || (ch != "CALL" && len(w) == len(sigs)) {
				t.Fatalf("%s: the fixture should keep some and drop some signals (keeps %d of %d)", ch, len(w), len(sigs))
			}
			r.expectExactly(ch, w)
		}
	})
}

func TestScheduler_allQuietLineOnlyWhenAsked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		r := newRig(t, d, utc(2025, 3, 3, 8, 0))
		r.subscribe(SubscribeRequest{ChannelID: "CQ", Schedule: "daily 09:00", AllQuiet: true})
		r.subscribe(SubscribeRequest{ChannelID: "CS", Schedule: "daily 09:00"})
		r.at(utc(2025, 3, 3, 9, 1))
		q := r.slack.Messages("CQ")
		if len(q) != 1 || !strings.Contains(q[0].Text, "All quiet") {
			t.Fatalf("want one all-quiet line, got %+v", q)
		}
		if n := len(r.slack.Messages("CS")); n != 0 {
			t.Fatalf("a quiet subscription without the option posted %d messages", n)
		}
	})
}

func TestScheduler_alertsPostAtOnceCappedAndGroupedNotAgainInDigest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		r := newRig(t, d, utc(2025, 3, 3, 8, 0))
		id := r.subscribe(SubscribeRequest{ChannelID: "CA", Schedule: "daily 17:00", AlertThreshold: 50, AlertCap: 2})
		hot := func(n int) []int64 { return r.fx.addSignals(t, n, r.clk.Now(), "competitor_evaluation") }
		cold := func(n int) []int64 { return r.fx.addSignals(t, n, r.clk.Now().AddDate(0, 0, -60), "news") }

		a1 := hot(1)
		coldIDs := cold(2)
		r.at(utc(2025, 3, 3, 9, 0))
		if roots := r.roots("CA"); len(roots) != 1 || len(SignalIDsIn(roots[0].Blocks)) != 1 {
			t.Fatalf("one hot signal: want one alert with it, got %d posts", len(roots))
		}
		burst := hot(4)
		r.at(utc(2025, 3, 3, 9, 1))
		roots := r.roots("CA")
		if len(roots) != 2 || !strings.Contains(roots[1].Text, "4 signals") {
			t.Fatalf("a burst of 4 should be one grouped alert, got %d posts (%q)", len(roots), roots[len(roots)-1].Text)
		}
		held := hot(3) // the cap (2 an hour) is reached: these wait
		r.at(utc(2025, 3, 3, 9, 30))
		if n := len(r.roots("CA")); n != 2 {
			t.Fatalf("over the cap: %d posts, want still 2", n)
		}
		r.at(utc(2025, 3, 3, 10, 5)) // the first alert is an hour old: one slot frees
		roots = r.roots("CA")
		if len(roots) != 3 || !strings.Contains(roots[2].Text, "3 signals") {
			t.Fatalf("held alerts should go out as one post when the hour frees, got %d posts", len(roots))
		}
		late := hot(2) // cap reached again; the digest takes them
		r.at(utc(2025, 3, 3, 17, 0))
		r.expectExactly("CA", append(append(append(append(a1, burst...), held...), late...), coldIDs...))
		runs := r.runs(id)
		last := runs[len(runs)-1]
		if last.Kind != store.RunScheduled || last.Items != len(late)+len(coldIDs) {
			t.Fatalf("the digest should hold only what no alert posted: %+v", last)
		}
		_ = ctx
	})
}

// TestScheduler_forgetsTheAlertTimesOfStoppedSubscriptions: the scheduler remembers when each
// alerting subscription last looked, and forgets it once the subscription is stopped.
func TestScheduler_forgetsTheAlertTimesOfStoppedSubscriptions(t *testing.T) {
	r := newRig(t, store.SQLite, utc(2025, 3, 3, 8, 0))
	ctx := context.Background()
	var ids []int64
	for _, ch := range []string{"CA", "CB", "CC"} {
		ids = append(ids, r.subscribe(SubscribeRequest{ChannelID: ch, Schedule: "daily 17:00", AlertThreshold: 50}))
	}
	r.at(utc(2025, 3, 3, 9, 0))
	if n := r.alertTimes(); n != 3 {
		t.Fatalf("alert times kept for %d subscriptions, want 3", n)
	}
	for _, id := range ids[:2] {
		if err := r.eng.Unsubscribe(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	r.at(utc(2025, 3, 3, 9, 1))
	if n := r.alertTimes(); n != 1 {
		t.Errorf("alert times kept for %d subscriptions after two of three stopped, want 1", n)
	}
}

func (r *rig) alertTimes() int {
	r.sch.mu.Lock()
	defer r.sch.mu.Unlock()
	return len(r.sch.lastAlert)
}

func TestScheduler_crashAtAnyPointNeitherLosesNorRepeats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		r := newRig(t, d, utc(2025, 3, 3, 8, 0))
		id := r.subscribe(SubscribeRequest{ChannelID: "CK", Schedule: "hourly"})
		var all []int64
		// 40 signals on 6 accounts: the message and two thread replies, 6 Slack calls. A run
		// built by a tick is posted from the messages its build laid out, one built by /digest
		// now is read back from the store; either way the restart reads it back.
		for _, mode := range []string{"tick", "now"} {
			for point := 1; point <= 6; point++ {
				for _, after := range []bool{false, true} {
					all = append(all, r.fx.addSignals(t, 40, r.clk.Now())...)
					if mode == "now" {
						if _, err := r.eng.RunNow(ctx, id, "U1"); err != nil {
							t.Fatal(err)
						}
					} else {
						r.clk.Set(r.clk.Now().Truncate(time.Hour).Add(time.Hour + time.Second))
					}
					calls := r.slack.Calls()
					r.slack.Crash = func(n int, method string, isAfter bool) error {
						if n == calls+point && isAfter == after {
							return errCrash
						}
						return nil
					}
					r.pass()
					r.slack.Crash = nil
					// "Restart": a new scheduler on the same store, once the retry is due.
					r.clk.Advance(time.Minute)
					r.sch = NewScheduler(r.eng, r.slack, SchedulerOptions{})
					r.pass()
					r.expectExactly("CK", all)
				}
			}
		}
		for _, run := range r.runs(id) {
			if run.State != store.RunDone && run.State != store.RunEmpty {
				t.Errorf("run %d is %s", run.ID, run.State)
			}
		}
		// Placeholders left by a crash between Slack's answer and the record show no signal.
		orphans := 0
		for _, m := range r.slack.Messages("CK") {
			if raw, _ := json.Marshal(m.Blocks); strings.Contains(string(raw), "Posting") && m.Edits == 0 {
				orphans++
			}
		}
		t.Logf("%d empty placeholders left by crashes after posting", orphans)
	})
}

func TestScheduler_splitsDigestsOfEverySize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		for _, n := range []int{0, 1, 49, 50, 51, 5000} {
			r := newRig(t, d, utc(2025, 3, 3, 8, 0))
			ch := fmt.Sprintf("C%d", n)
			id := r.subscribe(SubscribeRequest{ChannelID: ch})
			ids := r.fx.addSignals(t, n, r.clk.Now())
			res, err := r.eng.RunNow(ctx, id, "U1")
			if err != nil {
				t.Fatal(err)
			}
			r.pass()
			r.expectExactly(ch, ids)
			msgs := r.slack.Messages(ch)
			if n == 0 {
				if len(msgs) != 0 || res.Run == nil || res.Run.State != store.RunEmpty {
					t.Fatalf("nothing new: %d messages", len(msgs))
				}
				continue
			}
			if len(msgs) != res.Run.Pages {
				t.Fatalf("%d signals: %d messages, want %d", n, len(msgs), res.Run.Pages)
			}
			root := msgs[0]
			if root.ThreadTS != "" || len(SignalIDsIn(root.Blocks)) > DefaultTopItems {
				t.Fatalf("%d signals: the channel message shows %d", n, len(SignalIDsIn(root.Blocks)))
			}
			for _, m := range msgs[1:] {
				if m.ThreadTS != root.TS {
					t.Fatalf("%d signals: a reply outside the digest's thread", n)
				}
			}
		}
	})
}

func TestScheduler_refusedRunIsRetriedThenGivenUpAndItsSignalsGoNextTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		r := newRig(t, d, utc(2025, 3, 3, 8, 0))
		id := r.subscribe(SubscribeRequest{ChannelID: "CGONE"})
		refused := r.fx.addSignals(t, 3, r.clk.Now())
		r.slack.Crash = func(int, string, bool) error { return slack.SlackErrorResponse{Err: "not_in_channel"} }
		if _, err := r.eng.RunNow(ctx, id, "U1"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < maxPermanentAttempts; i++ {
			r.pass()
			r.clk.Advance(2 * time.Hour)
		}
		manual := func() store.Run {
			var last store.Run
			for _, run := range r.runs(id) {
				if run.Kind == store.RunManual {
					last = run
				}
			}
			return last
		}
		if got := manual(); got.State != store.RunFailed || got.Attempts != maxPermanentAttempts || !strings.Contains(got.Error, "not_in_channel") {
			t.Fatalf("run after %d refusals: %s, %d attempts, %q", maxPermanentAttempts, got.State, got.Attempts, got.Error)
		}
		// A transient failure is retried and then succeeds.
		r.slack.Crash = nil
		fails := 2
		r.slack.Crash = func(n int, m string, after bool) error {
			if !after && fails > 0 {
				fails--
				return errors.New("connection reset")
			}
			return nil
		}
		// The signals of the run given up come with the next one.
		ids := append(refused, r.fx.addSignals(t, 2, r.clk.Now())...)
		if _, err := r.eng.RunNow(ctx, id, "U1"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			r.pass()
			r.clk.Advance(time.Minute)
		}
		if got := manual(); got.State != store.RunDone || got.Attempts != 2 || got.Items != len(ids) {
			t.Fatalf("transient failures: %s after %d attempts with %d signals", got.State, got.Attempts, got.Items)
		}
		shown := r.slack.shown("CGONE")
		for _, s := range ids {
			if shown[s] != 1 {
				t.Fatalf("signal %d shown %d times", s, shown[s])
			}
		}
	})
}

func TestScheduler_threeReplicasOnOnePostgreSQLMakeOneDigestPerTick(t *testing.T) {
	ctx := context.Background()
	url := storetest.NewDatabase(t)
	clk := clocktest.NewManual(utc(2025, 3, 3, 0, 30))
	fs := NewFakeSlack(t)
	var replicas []*Scheduler
	var first *store.Store
	for i := 0; i < 3; i++ {
		st, err := store.Open(ctx, store.Config{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = st
		}
		eng := New(st, Options{Clock: clk, Segment: testSegment, Log: testLog(t)})
		replicas = append(replicas, NewScheduler(eng, fs, SchedulerOptions{}))
	}
	fx := addAccounts(t, first, 6)
	var subs []int64
	for i := 0; i < 4; i++ {
		sub := store.Subscription{ChannelID: fmt.Sprintf("CR%d", i), Schedule: "0 * * * *", ScheduleLabel: "hourly", Timezone: "UTC",
			CreatedAt: clk.Now(), AlertThreshold: 60 * (i % 2)}
		if err := first.CreateSubscription(ctx, &sub); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub.ID)
	}
	var all []int64
	const hours = 8
	for h := 1; h <= hours; h++ {
		all = append(all, fx.addSignals(t, 15, clk.Now())...)
		clk.Set(utc(2025, 3, 3, h, 0).Add(time.Duration(h) * time.Second))
		var wg sync.WaitGroup
		for _, rep := range replicas {
			for k := 0; k < 2; k++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := rep.Pass(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
		}
		wg.Wait()
	}
	for i, id := range subs {
		ch := fmt.Sprintf("CR%d", i)
		shown := fs.shown(ch)
		for _, s := range all {
			if shown[s] != 1 {
				t.Errorf("%s: signal %d shown %d times", ch, s, shown[s])
			}
		}
		runs, _ := first.RunsOf(ctx, id, 1000)
		ticks := map[time.Time]int{}
		digests := 0
		for _, r := range runs {
			if r.Kind == store.RunScheduled {
				ticks[r.Tick]++
				digests++
			}
			if r.State != store.RunDone {
				t.Errorf("%s: run %d is %s", ch, r.ID, r.State)
			}
		}
		if digests != hours || len(ticks) != hours {
			t.Errorf("%s: %d digests over %d ticks, want one per tick for %d ticks", ch, digests, len(ticks), hours)
		}
		roots := 0
		for _, m := range fs.Messages(ch) {
			if m.ThreadTS == "" {
				roots++
			}
		}
		if roots != len(runs) {
			t.Errorf("%s: %d channel messages for %d runs", ch, roots, len(runs))
		}
	}
}

func TestScheduler_signalCommittedLateIsStillDelivered(t *testing.T) {
	// A watcher's transaction takes its id before a digest reads but commits after: reading by
	// id or by time would miss it for good; reading by transaction horizon does not.
	ctx := context.Background()
	r := newRig(t, store.Postgres, utc(2025, 3, 3, 8, 0))
	id := r.subscribe(SubscribeRequest{ChannelID: "CL"})
	tx, err := r.st.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lateID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO signals (account_id, kind, title, url, source, dedupe_key, discovered_at)
VALUES ($1, 'job_posting', 'Late', 'https://example.com/late', 'jobs', 'late', $2) RETURNING id`, r.fx.accounts[0], r.clk.Now()).Scan(&lateID); err != nil {
		t.Fatal(err)
	}
	early := r.fx.addSignals(t, 2, r.clk.Now()) // larger ids, committed first
	if _, err := r.eng.RunNow(ctx, id, "U1"); err != nil {
		t.Fatal(err)
	}
	r.pass()
	r.expectExactly("CL", early)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(time.Minute)
	if _, err := r.eng.RunNow(ctx, id, "U1"); err != nil {
		t.Fatal(err)
	}
	r.pass()
	r.expectExactly("CL", append(early, lateID))
}

// TestEngine_runNowTriesAHeldLockForSecondsThenSaysBusy: /digest now while another replica holds
// the subscription keeps trying (backoff on the wall clock) for about three seconds, then says
// busy; once the lock is free it builds the run.
func TestEngine_runNowTriesAHeldLockForSecondsThenSaysBusy(t *testing.T) {
	r := newRig(t, store.SQLite, utc(2025, 3, 3, 8, 0))
	ctx := context.Background()
	id := r.subscribe(SubscribeRequest{ChannelID: "CB", Schedule: "daily 17:00"})
	lock, ok, err := r.st.TryLockSubscription(ctx, id)
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	start := time.Now()
	res, err := r.eng.RunNow(ctx, id, "U1")
	if err != nil || !res.Busy {
		t.Fatalf("RunNow under a held lock = %+v, %v; want busy", res, err)
	}
	if waited := time.Since(start); waited < 2*time.Second {
		t.Errorf("gave up after %v; want about 3 s of tries", waited)
	}
	lock.Release()
	if res, err := r.eng.RunNow(ctx, id, "U1"); err != nil || res.Busy || res.Run == nil {
		t.Errorf("RunNow with the lock free = %+v, %v; want a run", res, err)
	}
}

// TestSubscribe_refusesSchedulesThatRunTooOftenLaterInTheYear: the floor holds for runs far off.
func TestSubscribe_refusesSchedulesThatRunTooOftenLaterInTheYear(t *testing.T) {
	eng := New(nil, Options{Clock: clocktest.NewManual(utc(2026, 11, 29, 19, 0))})
	for _, expr := range []string{"cron * * 10 * *", "cron * * 31 12 *", "cron * 3 29 2 *", "cron 0,1 9 1 1 *"} {
		_, err := eng.Subscribe(context.Background(), SubscribeRequest{ChannelID: "C1", UserID: "U1", Schedule: expr})
		var ue *slackmsg.UserError
		if !errors.As(err, &ue) || !strings.Contains(ue.Msg, "runs as often as every minute on the days it runs; digests may run at most every 15 minutes") {
			t.Errorf("%s: %v, want refused as too frequent", expr, err)
		}
	}
}

// TestScheduler_subscriptionThatKeepsFailingIsPausedAndItsCreatorToldOnce: a subscription whose
// every run fails (a stored filter PostgreSQL cannot read, a time zone that no longer exists) is
// paused after a few tries, and the person who made it gets one DM saying why and what to do.
func TestScheduler_subscriptionThatKeepsFailingIsPausedAndItsCreatorToldOnce(t *testing.T) {
	cases := []struct {
		name    string
		dialect store.Dialect // "" for both
		break_  func(sub *store.Subscription)
		reason  string
	}{
		{"a time zone that no longer exists", "", func(sub *store.Subscription) { sub.Timezone = "Mars/Olympus" }, "not a time zone"},
		{"a NUL in a stored filter", store.Postgres, func(sub *store.Subscription) { sub.Filters.Industries = []string{"\x00x"} }, "could not build"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, d store.Dialect) {
				if c.dialect != "" && d != c.dialect {
					t.Skipf("the failure is %s's", c.dialect)
				}
				start := utc(2025, 3, 3, 8, 0)
				r := newRig(t, d, start)
				sub := store.Subscription{ChannelID: "CGTM", Schedule: "@every 1m", ScheduleLabel: "every minute", Timezone: "UTC",
					AlertThreshold: 1, CreatedBy: "UMAKER", CreatedAt: start}
				c.break_(&sub)
				if err := r.st.CreateSubscription(context.Background(), &sub); err != nil {
					t.Fatal(err)
				}
				r.fx.addSignals(t, 3, start)
				for i := 1; i <= 20; i++ {
					r.at(start.Add(time.Duration(i) * time.Minute))
				}
				got, err := r.st.SubscriptionByID(context.Background(), sub.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Active {
					t.Errorf("still active after 20 failed runs")
				}
				dms := r.slack.Messages("UMAKER")
				if len(dms) != 1 {
					t.Fatalf("creator told %d times, want once: %+v", len(dms), dms)
				}
				if txt := dms[0].Text; !strings.Contains(txt, fmt.Sprintf("paused digest subscription #%d", sub.ID)) || !strings.Contains(txt, c.reason) ||
					!strings.Contains(txt, "/digest subscribe") {
					t.Errorf("the DM does not say what happened and what to do: %q", txt)
				}
				if n := len(r.slack.Messages("CGTM")); n != 0 {
					t.Errorf("%d messages in the channel", n)
				}
			})
		})
	}
}
