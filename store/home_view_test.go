package store_test

import (
	"context"
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
