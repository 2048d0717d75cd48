package store_test

import (
	"context"
	"testing"
	"time"

	"outreachbot/store"
	"outreachbot/store/storetest"
)

// TestSaveWatchSource_newTargetForgetsTheOldOnesState: changing a source's schedule keeps what
// its next conditional request sends, but pointing it at another repository starts afresh, so the
// old repository's cursor does not hide the new one's recent issues.
func TestSaveWatchSource_newTargetForgetsTheOldOnesState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		ws := store.WatchSource{Key: "gh", Kind: store.SourceGitHub, Target: "backstage/backstage", Schedule: "@hourly", Enabled: true}
		if err := st.SaveWatchSource(ctx, ws); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		if err := st.RecordWatchRun(ctx, "gh", store.WatchRun{StartedAt: at, ItemsSeen: 3, ItemsFound: 1,
			ETag: `"e1"`, LastModified: "Sun, 01 Mar 2026 09:00:00 GMT", Cursor: "2026-03-01T08:59:00Z", NextRunAt: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}

		ws.Schedule = "*/15 * * * *"
		if err := st.SaveWatchSource(ctx, ws); err != nil {
			t.Fatal(err)
		}
		got, err := st.WatchSourceByKey(ctx, "gh")
		if err != nil {
			t.Fatal(err)
		}
		if got.ETag != `"e1"` || got.Cursor != "2026-03-01T08:59:00Z" || got.Schedule != "*/15 * * * *" || got.NextRunAt != nil {
			t.Errorf("after a schedule change: etag %q, cursor %q, schedule %q, next %v; want the state kept, due at once",
				got.ETag, got.Cursor, got.Schedule, got.NextRunAt)
		}

		ws.Target = "backstage/community-plugins"
		if err := st.SaveWatchSource(ctx, ws); err != nil {
			t.Fatal(err)
		}
		got, err = st.WatchSourceByKey(ctx, "gh")
		if err != nil {
			t.Fatal(err)
		}
		if got.ETag != "" || got.LastModified != "" || got.Cursor != "" || got.Target != "backstage/community-plugins" {
			t.Errorf("after a new target: etag %q, last-modified %q, cursor %q, target %q; want a fresh start",
				got.ETag, got.LastModified, got.Cursor, got.Target)
		}
		if got.TotalFound != 1 || got.LastRunAt == nil {
			t.Errorf("the run history went: total %d, last run %v", got.TotalFound, got.LastRunAt)
		}
	})
}

// TestDueWatchSources_neverRunFirstOnBothEngines: a source just added or asked to run (no next
// run) comes before overdue ones, whichever way the engine sorts NULLs.
func TestDueWatchSources_neverRunFirstOnBothEngines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		defaults, err := st.WatchSources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ws := range defaults {
			if err := st.RemoveWatchSource(ctx, ws.Key); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		for _, k := range []string{"a-overdue", "b-new"} {
			if err := st.SaveWatchSource(ctx, store.WatchSource{Key: k, Kind: store.SourceFeed, Target: "https://example.com/" + k, Schedule: "@hourly", Enabled: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.RecordWatchRun(ctx, "a-overdue", store.WatchRun{StartedAt: now.Add(-2 * time.Hour), NextRunAt: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		due, err := st.DueWatchSources(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 2 || due[0].Key != "b-new" || due[1].Key != "a-overdue" {
			t.Errorf("due = %+v, want b-new (never run) then a-overdue", due)
		}
	})
}
