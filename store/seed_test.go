package store_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"outreachbot/sources/adopters"
	"outreachbot/sources/adopterswatch"
	"outreachbot/store"
	"outreachbot/store/seed"
	"outreachbot/store/storetest"
)

// rowCounts counts every table the seed writes, and a digest of their contents.
func rowCounts(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"sources", "accounts", "facts", "decision_roles", "contacts", "pain_points",
		"account_pains", "signals", "competitors", "account_competitors", "events", "communities", "guidance"} {
		var n int64
		if err := st.DB().Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = fmt.Sprint(n)
	}
	var accounts []store.Account
	if err := st.DB().Order("id").Find(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		a.CreatedAt, a.UpdatedAt = time.Time{}, time.Time{}
		out["account "+a.Key] = fmt.Sprintf("%+v", a)
	}
	return out
}

func TestSeed_isIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		k, err := seed.Load()
		if err != nil {
			t.Fatal(err)
		}
		if empty, _ := st.IsEmpty(ctx); !empty {
			t.Fatal("a new store should be empty")
		}
		first, err := st.Seed(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		before := rowCounts(t, st)
		second, err := st.Seed(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		after := rowCounts(t, st)
		if first != second {
			t.Errorf("seed runs report different work: %+v vs %+v", first, second)
		}
		for key, v := range before {
			if after[key] != v {
				t.Errorf("%s changed on the second seed: %s → %s", key, v, after[key])
			}
		}
		// Every account, plus the organization behind each competitor that is not one already, plus
		// each organization public firmographics describe that the file does not list.
		want := len(k.Accounts)
		named := map[string]bool{}
		for _, a := range k.Accounts {
			named[a.Name] = true
		}
		for _, c := range k.Competitors {
			if c.Vendor == "" {
				want++
			}
		}
		for _, f := range k.Firmographics {
			if !named[f.Account] {
				named[f.Account] = true
				want++
			}
		}
		if before["accounts"] != fmt.Sprint(want) {
			t.Errorf("accounts = %s, the file names %d", before["accounts"], want)
		}
	})
}

func TestSeed_mergesAdoptersIntoReportAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		entries, err := adopters.Parse(bytes.NewReader(seed.Adopters))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ImportAdopters(ctx, adopterswatch.Rows(entries), false, time.Now()); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := st.DB().Model(&store.Account{}).Where("key IN ?", []string{"expediagroup", "americanairlines", "spotify"}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("report accounts found again: %d of 3", n)
		}
		if err := st.DB().Model(&store.Account{}).Where("domain = ?", "expediagroup.com").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("Expedia Group stored %d times, want once (report and adopters list merged by domain)", n)
		}
		var exp store.Account
		if err := st.DB().Where("domain = ?", "expediagroup.com").Take(&exp).Error; err != nil {
			t.Fatal(err)
		}
		if exp.Stage != store.StageProduction {
			t.Errorf("the adopters import must not downgrade Expedia's stage, got %s", exp.Stage)
		}
		var emails int64
		if err := st.DB().Model(&store.Contact{}).Where("email <> ''").Count(&emails).Error; err != nil {
			t.Fatal(err)
		}
		if emails != 0 {
			t.Errorf("%d e-mail addresses stored without --with-emails", emails)
		}
	})
}

func TestMigrate_recordsWhatRanAndIsSafeTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		again, err := st.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 0 {
			t.Errorf("second migrate applied %d migrations", len(again))
		}
		lines, err := st.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) < 3 {
			t.Fatalf("want at least 3 migrations, got %v", lines)
		}
		for _, l := range lines {
			if !bytes.Contains([]byte(l), []byte("applied")) {
				t.Errorf("not applied: %s", l)
			}
		}
	})
}

func TestClaimDelivery_onceAcrossCallers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		first, err := st.ClaimDelivery(ctx, "cmd:T1")
		if err != nil || !first {
			t.Fatalf("first claim = %v, %v", first, err)
		}
		again, err := st.ClaimDelivery(ctx, "cmd:T1")
		if err != nil || again {
			t.Fatalf("second claim = %v, %v; want false", again, err)
		}
	})
}

// TestClaimDelivery_concurrentClaimsOncePerKey: 16 commands in flight, each delivered up to three
// times across two replicas at once, are acted on exactly once each (PostgreSQL writes concurrent
// claims together; the answer must still be one "fresh" per key).
func TestClaimDelivery_concurrentClaimsOncePerKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		var replicas []*store.Store
		if d == store.Postgres {
			mine, other := twoReplicas(t, ctx)
			replicas = []*store.Store{mine, other}
		} else {
			replicas = []*store.Store{storetest.Open(t, d)}
		}
		const keys, deliveries = 16, 3
		fresh := make([]atomic.Int32, keys)
		var wg sync.WaitGroup
		for k := range keys {
			for r := range deliveries {
				wg.Go(func() {
					ok, err := replicas[r%len(replicas)].ClaimDelivery(ctx, fmt.Sprintf("cmd:T%d", k))
					if err != nil {
						t.Error(err)
					}
					if ok {
						fresh[k].Add(1)
					}
				})
			}
		}
		wg.Wait()
		for k := range fresh {
			if n := fresh[k].Load(); n != 1 {
				t.Errorf("cmd:T%d acted on %d times, want once", k, n)
			}
		}
	})
}

func TestRankTitle(t *testing.T) {
	roles := []store.DecisionRole{
		{Title: "Head of Platform Engineering", Rank: 1},
		{Title: "VP of Engineering", Rank: 2, Aliases: []string{"VP Engineering"}},
		{Title: "Director of Engineering", Rank: 3, Aliases: []string{"Engineering Director"}},
		{Title: "Platform Engineering Manager", Rank: 4},
		{Title: "Engineering Manager", Rank: 5},
	}
	cases := []struct {
		title string
		want  int
	}{
		{"Head of Platform Engineering", 1},
		{"VP Engineering", 2},
		{"vp of engineering, developer experience", 2},
		{"Director of Engineering", 3},
		{"Platform Engineering Manager", 4},
		{"Engineering Manager", 5},
		{"Principal Engineer", 99},
		{"", 99},
	}
	for _, c := range cases {
		if got := store.RankTitle(c.title, roles); got != c.want {
			t.Errorf("RankTitle(%q) = %d, want %d", c.title, got, c.want)
		}
	}
}
