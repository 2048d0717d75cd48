package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"outreachbot/match"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// TestDirectory_followsOtherReplicasAndOutlivesItsListener: a replica's name index learns of an
// account another replica wrote (PostgreSQL LISTEN/NOTIFY), and still does after its listener's
// connection is killed: the watcher reconnects with backoff and reloads.
func TestDirectory_followsOtherReplicasAndOutlivesItsListener(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mine, other := twoReplicas(t, ctx)
	dir, err := store.NewDirectory(ctx, mine, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan error, 1)
	go func() { watched <- dir.Watch(watchCtx) }()
	defer func() {
		stopWatch()
		if err := <-watched; err != nil {
			t.Errorf("Watch returned %v", err)
		}
	}()

	add := func(name string) {
		t.Helper()
		if _, err := other.UpsertAccount(ctx, &store.Account{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	// The listener may not be up yet when the first account is written: keep writing until one
	// arrives (each write notifies), then the index must hold it.
	waitFor(t, ctx, "the first account from the other replica", func(i int) bool {
		add("Listened Corp " + string(rune('A'+i%26)))
		return dir.Search("listened corp", 1) != nil
	})

	// Kill the listener's connection (once pg_stat_activity shows it); the watcher reconnects and
	// catches up.
	waitFor(t, ctx, "the listener's connection to kill", func(int) bool {
		var killed int64
		if err := other.DB().Raw(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`).Scan(&killed).Error; err != nil {
			t.Fatal(err)
		}
		return killed > 0
	})
	add("After Reconnect Ltd")
	waitFor(t, ctx, "the account written after the listener was killed", func(int) bool {
		return len(dir.Search("after reconnect", 1)) == 1
	})
}

// TestDirectory_buildsOnceAtStartAndMissesNothingBeforeWatch: the index a start builds is the
// one Watch keeps fresh (at 1,000,000 accounts a second build is seconds of every start), and an
// account another replica writes between that build and Watch still arrives.
func TestDirectory_buildsOnceAtStartAndMissesNothingBeforeWatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mine, other := twoReplicas(t, ctx)
	dir, err := store.NewDirectory(ctx, mine, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := other.UpsertAccount(ctx, &store.Account{Name: "Between Builds Ltd", Domain: "betweenbuilds.example"})
	if err != nil {
		t.Fatal(err)
	}
	applied := make(chan []int64, 4)
	store.SetAfterListen(dir, func(ids []int64) { applied <- ids })
	go dir.Watch(ctx)
	for r := dir.Resolve("between builds"); r.Outcome != match.Unique || r.Best.ID != id; r = dir.Resolve("between builds") {
		select {
		case <-applied:
		case <-ctx.Done():
			t.Fatalf("the account written before Watch never reached the index: %+v", r)
		}
	}
	if n := store.Reloads(dir); n != 1 {
		t.Errorf("the index was built %d times, want once", n)
	}
}

// waitFor checks cond at every 50 ms tick until it holds or ctx ends: the index changes in a
// goroutine of the store's, on a database notification, which no event of the test's shows.
func waitFor(t *testing.T, ctx context.Context, what string, cond func(i int) bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; !cond(i); i++ {
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("never saw %s: %v", what, ctx.Err())
		}
	}
}

// TestDirectory_oneNotificationPerStatement checks what the accounts trigger tells another
// replica: one account's id, and for a big import one "*" (a full reload) for the statement.
func TestDirectory_oneNotificationPerStatement(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := storetest.NewDatabase(t)
	open := func() *store.Store {
		st, err := store.Open(ctx, store.Config{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return st
	}
	mine, theirs := open(), open()
	dir, err := store.NewDirectory(ctx, mine, nil)
	if err != nil {
		t.Fatal(err)
	}
	applied := make(chan []int64, 16)
	store.SetAfterListen(dir, func(ids []int64) { applied <- ids })
	go dir.Watch(ctx)
	wait := func(what string) []int64 {
		t.Helper()
		select {
		case ids := <-applied:
			return ids
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the other replica's change never reached the index", what)
			return nil
		}
	}
	wait("the listener's first load") // Watch reloads once it listens

	id, err := theirs.UpsertAccount(ctx, &store.Account{Name: "Quillfeather Analytics", Domain: "quillfeather.example"})
	if err != nil {
		t.Fatal(err)
	}
	if ids := wait("one account"); len(ids) != 1 || ids[0] != id {
		t.Errorf("notified ids %v, want [%d]", ids, id)
	}
	if r := dir.Resolve("quillfeather"); r.Outcome != match.Unique || r.Best.ID != id {
		t.Errorf("after one account: %+v", r)
	}

	var csv strings.Builder
	csv.WriteString("name,domain\n")
	for i := range 1000 {
		fmt.Fprintf(&csv, "Brambleworth %d Holdings,brambleworth%d.example\n", i, i)
	}
	if _, err := theirs.ImportCSV(ctx, store.CSVAccounts, strings.NewReader(csv.String()), store.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	if ids := wait("an import"); ids != nil {
		t.Errorf("a 1,000-row import notified %d ids, want one reload", len(ids))
	}
	if dir.Len() != 1001 {
		t.Errorf("%d accounts indexed after the import, want 1,001", dir.Len())
	}
	if r := dir.Resolve("Brambleworth 777 Holdings"); r.Outcome != match.Unique {
		t.Errorf("an imported account: %+v", r)
	}
}

// openReplica opens one more store on the PostgreSQL database at url, as another replica of the
// bot would, closed when the test ends.
// twoReplicas opens two stores on one fresh, migrated PostgreSQL database, as two replicas see it.
func twoReplicas(t *testing.T, ctx context.Context) (*store.Store, *store.Store) {
	t.Helper()
	url := storetest.NewDatabase(t)
	mine, other := openReplica(t, ctx, url), openReplica(t, ctx, url)
	if _, err := mine.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return mine, other
}

func openReplica(t *testing.T, ctx context.Context, url string) *store.Store {
	t.Helper()
	st, err := store.Open(ctx, store.Config{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
