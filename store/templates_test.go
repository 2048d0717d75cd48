package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"outreachbot/store"
	"outreachbot/store/storetest"
)

// TestSaveTemplate_versionsAndConflicts: every save is a new version, the latest is live, and a
// save from a stale version (someone else saved meanwhile) is refused.
func TestSaveTemplate_versionsAndConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		at := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
		save := func(name, src string, base int) (*store.OutreachTemplate, error) {
			row := &store.OutreachTemplate{Name: name, Source: src, Channel: "email", Description: "d", Author: "UADMIN"}
			return row, st.SaveTemplate(ctx, row, base, at)
		}
		v1, err := save("intro", "one", 0)
		if err != nil || v1.Version != 1 {
			t.Fatalf("first save: %+v %v", v1, err)
		}
		if _, err := save("intro", "stale", 0); !errors.Is(err, store.ErrVersionConflict) {
			t.Errorf("a save from version 0 after v1: %v, want ErrVersionConflict", err)
		}
		v2, err := save("intro", "two", 1)
		if err != nil || v2.Version != 2 {
			t.Fatalf("second save: %+v %v", v2, err)
		}
		if _, err := save("other", "x", 0); err != nil {
			t.Fatal(err)
		}
		latest, err := st.LatestTemplates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(latest) != 2 || latest[0].Name != "intro" || latest[0].Version != 2 || latest[0].Source != "two" || latest[1].Name != "other" {
			t.Errorf("latest = %+v", latest)
		}
		versions, err := st.TemplateVersions(ctx, "intro")
		if err != nil || len(versions) != 2 || versions[0].Version != 2 || versions[1].Source != "one" {
			t.Errorf("versions = %+v %v", versions, err)
		}
	})
}

// TestSaveTemplate_concurrentSavesFromOneVersion: two admins saving from the same version at
// once: exactly one becomes the next version, the other is told to reload.
func TestSaveTemplate_concurrentSavesFromOneVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				row := &store.OutreachTemplate{Name: "race", Source: "s", Channel: "email", Author: "U"}
				errs[i] = st.SaveTemplate(ctx, row, 0, time.Now())
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrVersionConflict):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d saves won, want exactly 1", ok)
		}
	})
}
