package digest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"outreachbot/store"
	"outreachbot/store/seed"
	"outreachbot/store/storetest"
)

// BenchmarkBuildDigest builds a digest of 10,000 new signals among 100,000 and among 1,000,000
// stored on PostgreSQL: claiming them (the build transaction), reading them back and laying out
// every message. The history is stored and already delivered, as it would be after months of
// digests. scripts/bench-digest.sh runs it and checks the budget (≤ 300 ms at 1,000,000, and
// within 1.5× between the two sizes: the cost follows the new signals, not the history).
//
// The data is generated here, so only -bench pays for it (about a minute for 1,000,000).
func BenchmarkBuildDigest(b *testing.B) {
	for _, stored := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("new=10000/stored=%d", stored), func(b *testing.B) {
			benchBuild(b, stored, 10_000)
		})
	}
}

func benchBuild(b *testing.B, stored, fresh int) {
	st, sub := benchData(b, stored, fresh)
	benchLoop(b, st, sub, fresh)
}

func benchData(b testing.TB, stored, fresh int) (*store.Store, *store.Subscription) {
	ctx := context.Background()
	st := storetest.Open(b, store.Postgres)
	k, err := seed.Load()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Seed(ctx, k); err != nil {
		b.Fatal(err)
	}
	db := st.DB().WithContext(ctx)
	start := time.Now()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(db.Exec(`INSERT INTO accounts (key, name, industry, employees, hq, stage, source)
SELECT 'bench-' || g, 'Bench Account ' || g, (ARRAY['financial services','healthcare','manufacturing','retail','media'])[1 + g % 5],
  100 + (g * 37) % 3000, (ARRAY['London, UK','Berlin','Austin, TX','Singapore'])[1 + g % 4],
  (ARRAY['none','evaluating','initial','production','managed','churned'])[1 + g % 6], 'bench'
FROM generate_series(1, 500) g`).Error)
	insertSignals := func(prefix string, from, n int) {
		must(db.Exec(`WITH a AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts)
INSERT INTO signals (account_id, kind, title, summary, url, person, occurred_at, discovered_at, source, dedupe_key)
SELECT a.ids[1 + g % array_length(a.ids, 1)],
  (ARRAY['competitor_evaluation','job_posting','github_issue','github_pr','conference_talk','adopters_entry','blog_post','linkedin_post','community_post','news'])[1 + g % 10],
  ? || ' signal ' || g, 'What happened at the account, in a sentence or two of summary text.',
  'https://example.com/' || ? || '/' || g, (ARRAY['', 'Jane Roe, VP of Engineering', 'Sam Poe, Head of Platform', 'Ali Khan'])[1 + g % 4],
  now() - (g % 2000) * interval '1 hour', now(), (ARRAY['github-backstage','feeds','jobs'])[1 + g % 3], ? || ':' || g
FROM generate_series(?::int, ?::int) g, a`, prefix, prefix, prefix, from, from+n-1).Error)
	}
	// History, in batches so no one transaction holds the horizon back for long.
	for done := 0; done < stored-fresh; done += 250_000 {
		insertSignals("old", done, min(250_000, stored-fresh-done))
	}
	// It was delivered long ago to the subscription we measure (one past run holds it).
	sub := store.Subscription{ChannelID: "CBENCH", Schedule: "0 9 * * *", Timezone: "UTC", CreatedAt: time.Now().Add(-24 * time.Hour)}
	must(st.CreateSubscription(ctx, &sub))
	must(db.Exec(`INSERT INTO digest_runs (subscription_id, kind, tick, state, channel_id, window_end, items, pages, created_at)
VALUES (?, 'manual', now() - interval '1 day', 'done', 'CBENCH', now(), 0, 0, now())`, sub.ID).Error)
	must(db.Exec(`INSERT INTO digest_items (subscription_id, signal_id, run_id, page, position, score, why)
SELECT ?, s.id, (SELECT MAX(id) FROM digest_runs), 0, 0, 0, '' FROM signals s`, sub.ID).Error)
	// New signals since, with the pain points some of them show.
	insertSignals("new", 0, fresh)
	must(db.Exec(`INSERT INTO signal_mentions (signal_id, kind, ref_id, phrase)
SELECT s.id, 'pain', p.id, 'yaml' FROM signals s JOIN pain_points p ON p.id = (SELECT MIN(id) FROM pain_points) + s.id % 3
WHERE s.dedupe_key LIKE 'new:%' AND s.id % 3 = 0`).Error)
	// As a database in service would be: vacuumed and analysed.
	must(db.Exec("VACUUM ANALYZE").Error)
	var total int64
	must(db.Raw("SELECT COUNT(*) FROM signals").Scan(&total).Error)
	b.Logf("%d signals stored (%d new) in %v", total, fresh, time.Since(start).Round(time.Second))
	return st, &sub
}

func benchLoop(b *testing.B, st *store.Store, sub *store.Subscription, want int) {
	ctx := context.Background()
	db := st.DB().WithContext(ctx)
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	e := New(st, Options{Segment: testSegment})
	now := time.Now()
	builds := 0
	for b.Loop() { // b.Loop runs this function once, so the data above is made once
		// Each round measures a subscription that has not had these signals yet; the history
		// stays delivered (deleting claims instead would leave dead index entries behind).
		b.StopTimer()
		fresh := *sub
		fresh.ID = 0
		must(st.CreateSubscription(ctx, &fresh))
		must(db.Exec("UPDATE digest_subscriptions SET cursor = ? WHERE id = ?", sub.Cursor, fresh.ID).Error)
		b.StartTimer()
		run, msgs, err := e.buildMessages(ctx, fresh.ID, store.RunRequest{Kind: store.RunManual, Tick: now, Now: now}, true)
		if err != nil {
			b.Fatal(err)
		}
		if run.Items != want || len(msgs) != run.Pages || len(msgs) == 0 {
			b.Fatalf("built %d items in %d messages (%d pages), want %d", run.Items, len(msgs), run.Pages, want)
		}
		builds++
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(builds), "ms/build")
}
