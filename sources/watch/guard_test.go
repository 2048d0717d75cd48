package watch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"outreachbot/clock/clocktest"
	"outreachbot/sources/watch"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// TestRunner_refusesInternalAddressesUnlessAllowed: a feed added with /sources add pointing at a
// loopback address is not fetched by a runner with the default client; the run's error says why
// and how to allow it. With the explicit setting it is fetched.
func TestRunner_refusesInternalAddressesUnlessAllowed(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>`))
	}))
	defer srv.Close()
	for _, allow := range []bool{false, true} {
		ctx := context.Background()
		st := storetest.Open(t, store.SQLite)
		defaults, _ := st.WatchSources(ctx)
		for _, ws := range defaults {
			if err := st.RemoveWatchSource(ctx, ws.Key); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.SaveWatchSource(ctx, store.WatchSource{Key: "internal", Kind: store.SourceFeed, Target: srv.URL + "/feed", Schedule: "@hourly", Enabled: true}); err != nil {
			t.Fatal(err)
		}
		hits.Store(0)
		r := watch.New(st, watch.Config{AllowPrivate: allow, Clock: clocktest.NewManual(time.Date(2024, 10, 8, 16, 0, 0, 0, time.UTC))})
		reps, err := r.RunDue(ctx)
		if err != nil || len(reps) != 1 {
			t.Fatalf("allow=%v: %v %+v", allow, err, reps)
		}
		if allow {
			if reps[0].Err != nil || hits.Load() == 0 {
				t.Errorf("allowed explicitly: %v, %d requests", reps[0].Err, hits.Load())
			}
			continue
		}
		if reps[0].Err == nil || !strings.Contains(reps[0].Err.Error(), "loopback address") || hits.Load() != 0 {
			t.Errorf("by default: %v, %d requests reached the server", reps[0].Err, hits.Load())
		}
	}
}
