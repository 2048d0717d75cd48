package digest

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"outreachbot/store"
)

func TestZZTiming(t *testing.T) {
	b := &testing.B{}
	_ = b
	ctx := context.Background()
	st, sub := zzSetup(t)
	e := New(st, Options{Segment: testSegment})
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		var cands []store.SignalDetail
		st.DB().Transaction(func(tx *gorm.DB) error {
			var err error
			s, _ := st.SubscriptionByID(ctx, sub.ID)
			cands, err = zzCandidates(st, tx, s)
			return err
		})
		t1 := time.Now()
		sc, _ := e.scorer(ctx)
		en := selectEntries(sc, cands, 0)
		t2 := time.Now()
		items, pages := e.layout.plan(en)
		t3 := time.Now()
		t.Logf("cands %d %v score %v plan %v (%d pages)", len(cands), t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), pages)
		_ = items
		t4 := time.Now()
		run, err := e.build(ctx, sub.ID, store.RunRequest{Kind: store.RunManual, Tick: time.Now(), Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		t5 := time.Now()
		its, _ := st.RunItems(ctx, run.ID)
		t6 := time.Now()
		msgs := e.layout.render(header{Kind: run.Kind, Sub: *sub, Loc: time.UTC, Since: run.WindowStart, Total: run.Items, Pages: run.Pages}, its)
		t7 := time.Now()
		t.Logf("build %v runitems %v render %v (%d msgs)", t5.Sub(t4), t6.Sub(t5), t7.Sub(t6), len(msgs))
		st.DB().Exec("DELETE FROM digest_runs WHERE id = ?", run.ID)
		st.DB().Exec("UPDATE digest_subscriptions SET cursor = ? WHERE id = ?", run.CursorFrom, sub.ID)
	}
}

func zzSetup(t *testing.T) (*store.Store, *store.Subscription) { return benchData(t, 100000, 10000) }

func zzCandidates(st *store.Store, tx *gorm.DB, s *store.Subscription) ([]store.SignalDetail, error) {
	return st.ZZCandidates(tx, s)
}
