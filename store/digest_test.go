package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"testing"
	"time"

	"outreachbot/store"
	"outreachbot/store/storetest"
)

// digestFixture is a store with one account, one subscription and a way to add signals.
type digestFixture struct {
	st      *store.Store
	account int64
	sub     store.Subscription
	n       int
}

func newDigestFixture(t *testing.T, d store.Dialect) *digestFixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, d)
	id, err := st.UpsertAccount(ctx, &store.Account{Key: "acme", Name: "Acme", Industry: "healthcare", Employees: 400, Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f := &digestFixture{st: st, account: id}
	f.sub = store.Subscription{ChannelID: "C1", Schedule: "0 9 * * *", Timezone: "UTC", CreatedAt: time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)}
	if err := st.CreateSubscription(ctx, &f.sub); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *digestFixture) add(t *testing.T, n int) []int64 {
	t.Helper()
	var in []store.NewSignal
	for i := 0; i < n; i++ {
		f.n++
		in = append(in, store.NewSignal{Signal: store.Signal{AccountID: &f.account, Kind: "news", Title: fmt.Sprintf("S%d", f.n),
			DedupeKey: fmt.Sprintf("k%d", f.n), DiscoveredAt: time.Now()}})
	}
	got, err := f.st.IngestSignals(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(got))
	for i, s := range got {
		ids[i] = s.ID
	}
	return ids
}

// takeAll is a build function that claims every candidate on one page.
func takeAll(seen *[]int64) store.BuildFunc {
	return func(in store.BuildInput) (store.RunPlan, error) {
		var items []store.RunItem
		for i, c := range in.Candidates {
			items = append(items, store.RunItem{SignalID: c.ID, Position: i, Score: 50, Why: "test"})
			if seen != nil {
				*seen = append(*seen, c.ID)
			}
		}
		if seen != nil {
			sort.Slice(*seen, func(i, j int) bool { return (*seen)[i] < (*seen)[j] })
		}
		pages := 0
		if len(items) > 0 {
			pages = 1
		}
		return store.RunPlan{Items: items, Pages: pages, Advance: true}, nil
	}
}

func TestBuildRun_claimsEachSignalOnceAndRecordsTheRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := newDigestFixture(t, d)
		ids := f.add(t, 3)
		now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
		var seen []int64
		run, err := f.st.BuildRun(ctx, f.sub.ID, store.RunRequest{Kind: store.RunScheduled, Tick: now, Now: now}, takeAll(&seen))
		if err != nil {
			t.Fatal(err)
		}
		if run.State != store.RunPosting || run.Items != 3 || run.Pages != 1 || fmt.Sprint(seen) != fmt.Sprint(ids) {
			t.Fatalf("run %+v saw %v, want the 3 signals %v", run, seen, ids)
		}
		// The same tick again: already answered.
		if _, err := f.st.BuildRun(ctx, f.sub.ID, store.RunRequest{Kind: store.RunScheduled, Tick: now, Now: now}, takeAll(nil)); !errors.Is(err, store.ErrRunExists) {
			t.Fatalf("same tick twice: %v", err)
		}
		// Nothing new: an empty run, and the window moves on.
		seen = nil
		empty, err := f.st.BuildRun(ctx, f.sub.ID, store.RunRequest{Kind: store.RunManual, Tick: now.Add(time.Minute), Now: now.Add(time.Minute)}, takeAll(&seen))
		if err != nil || empty.State != store.RunEmpty || len(seen) != 0 {
			t.Fatalf("nothing new: %+v %v (saw %v)", empty, err, seen)
		}
		items, err := f.st.RunItems(ctx, run.ID)
		if err != nil || len(items) != 3 || items[0].AccountName != "Acme" || items[0].Why != "test" {
			t.Fatalf("run items: %+v %v", items, err)
		}
	})
}

func TestBuildRun_failedBuildLeavesNoTrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := newDigestFixture(t, d)
		ids := f.add(t, 2)
		now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
		boom := errors.New("boom")
		_, err := f.st.BuildRun(ctx, f.sub.ID, store.RunRequest{Kind: store.RunScheduled, Tick: now, Now: now}, func(in store.BuildInput) (store.RunPlan, error) {
			return store.RunPlan{}, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("want the build's error, got %v", err)
		}
		var seen []int64
		run, err := f.st.BuildRun(ctx, f.sub.ID, store.RunRequest{Kind: store.RunScheduled, Tick: now, Now: now}, takeAll(&seen))
		if err != nil || fmt.Sprint(seen) != fmt.Sprint(ids) || run.Items != 2 {
			t.Fatalf("after a failed build the same tick must build with every signal: %+v %v %v", run, err, seen)
		}
	})
}

func TestBuildRun_newSubscriptionStartsFromNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := newDigestFixture(t, d)
		if d == store.Postgres {
			// A long transaction in another database of the same server (someone's report, a
			// test next door) must not make new subscriptions reach back before it.
			other, err := sql.Open("pgx", storetest.AdminURL(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			tx, err := other.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = tx.Rollback() })
			if _, err := tx.ExecContext(ctx, "SELECT pg_current_xact_id()"); err != nil {
				t.Fatal(err)
			}
		}
		f.add(t, 4)
		later := store.Subscription{ChannelID: "C2", Schedule: "0 9 * * *", Timezone: "UTC", CreatedAt: time.Now()}
		if err := f.st.CreateSubscription(ctx, &later); err != nil {
			t.Fatal(err)
		}
		fresh := f.add(t, 1)
		var seen []int64
		if _, err := f.st.BuildRun(ctx, later.ID, store.RunRequest{Kind: store.RunManual, Tick: time.Now(), Now: time.Now()}, takeAll(&seen)); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(seen) != fmt.Sprint(fresh) {
			t.Fatalf("a new subscription should get only signals stored after it: %v, want %v", seen, fresh)
		}
	})
}

func TestPlacePage_firstRecordWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := newDigestFixture(t, d)
		f.add(t, 1)
		run, err := f.st.BuildRun(ctx, f.sub.ID, store.RunRequest{Kind: store.RunManual, Tick: time.Now(), Now: time.Now()}, takeAll(nil))
		if err != nil {
			t.Fatal(err)
		}
		ts, won, err := f.st.PlacePage(ctx, run.ID, 0, "111.1")
		if err != nil || !won || ts != "111.1" {
			t.Fatalf("first placement: %q %v %v", ts, won, err)
		}
		ts, won, err = f.st.PlacePage(ctx, run.ID, 0, "222.2")
		if err != nil || won || ts != "111.1" {
			t.Fatalf("second placement must get the first ts back: %q %v %v", ts, won, err)
		}
		if err := f.st.MarkPagePosted(ctx, run.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.st.FinishRun(ctx, run.ID, "111.1", time.Now()); err != nil {
			t.Fatal(err)
		}
		got, _ := f.st.RunByID(ctx, run.ID)
		if got.State != store.RunDone || got.MessageTS != "111.1" {
			t.Fatalf("finished run: %+v", got)
		}
	})
}

func TestTryLockSubscription_oneHolderAtATime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := newDigestFixture(t, d)
		other := f.st
		if d == store.Postgres {
			// Another replica: its own pool, the same database.
			var err error
			other, err = store.Open(ctx, store.Config{DatabaseURL: storeURL(t, f.st)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
		}
		l, ok, err := f.st.TryLockSubscription(ctx, f.sub.ID)
		if err != nil || !ok {
			t.Fatalf("first lock: %v %v", ok, err)
		}
		if err := l.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := other.TryLockSubscription(ctx, f.sub.ID); err != nil || ok {
			t.Fatalf("a second holder got the lock: %v %v", ok, err)
		}
		l.Release()
		l.Release()
		l2, ok, err := other.TryLockSubscription(ctx, f.sub.ID)
		if err != nil || !ok {
			t.Fatalf("after release: %v %v", ok, err)
		}
		l2.Release()
	})
}

// storeURL finds the PostgreSQL URL a test store was opened with.
func storeURL(t *testing.T, st *store.Store) string {
	t.Helper()
	var name string
	if err := st.DB().Raw("SELECT current_database()").Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(storetest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func TestSaveSignal_sameLinkIsStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := newDigestFixture(t, d)
		sig := func(url string) store.Signal {
			return store.Signal{AccountID: &f.account, Kind: "blog_post", Title: "Our portal journey", URL: url, Source: "slack",
				DedupeKey: store.SignalDedupeKey(url, "acme", "blog_post", "Our portal journey")}
		}
		first, created, err := f.st.SaveSignal(ctx, sig("https://acme.dev/blog/portal"), "good read", "U1")
		if err != nil || !created {
			t.Fatalf("first save: %v %v", created, err)
		}
		again, created, err := f.st.SaveSignal(ctx, sig("https://ACME.dev/blog/portal/"), "again", "U2")
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("the same link again must return #%d unchanged: #%d created=%v %v", first.ID, again.ID, created, err)
		}
		d2, err := f.st.SignalDetailByID(ctx, first.ID)
		if err != nil || d2.Note != "good read" || d2.AddedBy != "U1" || d2.AccountName != "Acme" {
			t.Fatalf("detail: %+v %v", d2, err)
		}
		list, total, err := f.st.SignalsMatching(ctx, store.SignalQuery{AccountID: f.account, Kinds: []string{"blog_post"}})
		if err != nil || total != 1 || len(list) != 1 {
			t.Fatalf("list: %d %v", total, err)
		}
	})
}

func TestRecordVote_laterVoteReplacesAndTalliesByKindAndSource(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := newDigestFixture(t, d)
		ids := f.add(t, 2)
		now := time.Now()
		if _, err := f.st.RecordVote(ctx, ids[0], "U1", store.VoteNoise, now); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.RecordVote(ctx, ids[0], "U1", store.VoteUseful, now); err != nil {
			t.Fatal(err)
		}
		tally, err := f.st.RecordVote(ctx, ids[1], "U2", store.VoteUseful, now)
		if err != nil || tally.Useful != 2 || tally.Noise != 0 || tally.Kind != "news" {
			t.Fatalf("tally: %+v %v", tally, err)
		}
		if _, err := f.st.RecordVote(ctx, 99999, "U1", store.VoteUseful, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("vote on a missing signal: %v", err)
		}
		all, err := f.st.VoteTallies(ctx)
		if err != nil || len(all) != 1 || all[0].Useful != 2 {
			t.Fatalf("tallies: %+v %v", all, err)
		}
	})
}
