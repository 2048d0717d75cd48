package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"outreachbot/store"
	"outreachbot/store/storetest"
)

// TestHomeViews_lastPublishedIsReplaced: no Home at first; each publish replaces the one before.
func TestHomeViews_lastPublishedIsReplaced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		if _, ok, err := st.LastHome(ctx, "U1"); err != nil || ok {
			t.Fatalf("before any publish: ok=%v err=%v", ok, err)
		}
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		for i, v := range []store.HomeView{
			{UserID: "U1", Page: 0, Digest: "aaa", PublishedAt: t0},
			{UserID: "U1", Page: 2, Digest: "bbb", PublishedAt: t0.Add(time.Minute)},
		} {
			if err := st.RecordHome(ctx, v); err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			got, ok, err := st.LastHome(ctx, "U1")
			if err != nil || !ok || got.Page != v.Page || got.Digest != v.Digest || !got.PublishedAt.Equal(v.PublishedAt) {
				t.Errorf("after record %d: %+v ok=%v err=%v", i, got, ok, err)
			}
		}
		if _, ok, _ := st.LastHome(ctx, "U2"); ok {
			t.Error("another user's Home")
		}
	})
}

// TestOwnersOf_eachOwnerOnce: the owners of the accounts asked about, each once, none for an
// account nobody owns.
func TestOwnersOf_eachOwnerOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		names, err := st.AccountNames(ctx)
		if err != nil || len(names) < 4 {
			t.Fatalf("accounts: %d %v", len(names), err)
		}
		for i, owner := range []string{"U2", "U1", "U2"} {
			if err := st.SetAccountOwner(ctx, names[i].ID, owner); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.OwnersOf(ctx, []int64{names[0].ID, names[1].ID, names[2].ID, names[3].ID})
		if err != nil || strings.Join(got, ",") != "U1,U2" {
			t.Errorf("owners: %v %v", got, err)
		}
		if got, err := st.OwnersOf(ctx, []int64{names[3].ID}); err != nil || len(got) != 0 {
			t.Errorf("owners of an unowned account: %v %v", got, err)
		}
	})
}
