package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"outreachbot/match"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// TestDirectory_followsAnotherReplicasWrites checks the index of one replica after writes made
// by another through the accounts trigger: one account (its id in the notification) and a big
// import (one "*" for the statement, a full reload).
func TestDirectory_followsAnotherReplicasWrites(t *testing.T) {
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
