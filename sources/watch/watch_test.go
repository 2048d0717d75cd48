package watch_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"outreachbot/clock/clocktest"
	"outreachbot/sources/adopters"
	"outreachbot/sources/adopterswatch"
	"outreachbot/sources/watch"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upstream is every outside service the watchers read, recorded, on one httptest server.
type upstream struct {
	mu       sync.Mutex
	adopters []byte
	broken   int // requests to the failing feed
	hits     map[string]int
}

func newUpstream(t *testing.T) (*httptest.Server, *upstream) {
	u := &upstream{adopters: read(t, "../../../shared/data/backstage-adopters/ADOPTERS-0034d8d750ac.md"), hits: map[string]int{}}
	etagged := func(w http.ResponseWriter, r *http.Request, etag, ctype string, body []byte) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", ctype)
		w.Write(body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/blog/rss.xml", func(w http.ResponseWriter, r *http.Request) {
		etagged(w, r, `"blog-1"`, "application/rss+xml", read(t, "../feeds/testdata/backstage-blog.rss.xml"))
	})
	mux.HandleFunc("/broken/feed", func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.broken++
		n := u.broken
		u.mu.Unlock()
		if n > 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
	})
	mux.HandleFunc("/gh/repos/backstage/backstage/issues", func(w http.ResponseWriter, r *http.Request) {
		etagged(w, r, `"issues-1"`, "application/json", read(t, "../github/testdata/issues-page1.json"))
	})
	mux.HandleFunc("/gh/users/", func(w http.ResponseWriter, r *http.Request) {
		login := strings.TrimPrefix(r.URL.Path, "/gh/users/")
		w.Header().Set("Content-Type", "application/json")
		w.Write(read(t, "../github/testdata/user-"+login+".json"))
	})
	mux.HandleFunc("/greenhouse/v1/boards/brex/jobs", func(w http.ResponseWriter, r *http.Request) {
		etagged(w, r, `"jobs-1"`, "application/json", read(t, "../jobs/testdata/greenhouse-jobs.json"))
	})
	mux.HandleFunc("/raw/ADOPTERS.md", func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		body := u.adopters
		u.mu.Unlock()
		etagged(w, r, `"adopters-`+string(rune('0'+len(body)%10))+`"`, "text/plain", body)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.hits[r.URL.Path]++
		u.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, u
}

func setup(t *testing.T, d store.Dialect, tune ...func(*watch.Config)) (*store.Store, *watch.Runner, *upstream, *clocktest.Manual) {
	t.Helper()
	ctx := context.Background()
	st := storetest.OpenSeeded(t, d)
	older, err := adopters.Parse(bytes.NewReader(read(t, "../../../shared/data/backstage-adopters/ADOPTERS-a196ce90e60e.md")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportAdopters(ctx, adopterswatch.Rows(older), false, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The migration's default sources point at real hosts: tests never reach them.
	defaults, _ := st.WatchSources(ctx)
	for _, ws := range defaults {
		if err := st.RemoveWatchSource(ctx, ws.Key); err != nil {
			t.Fatal(err)
		}
	}
	srv, up := newUpstream(t)
	for _, ws := range []store.WatchSource{
		{Key: "backstage-blog", Kind: store.SourceFeed, Target: srv.URL + "/blog/rss.xml", Schedule: "@hourly", Enabled: true},
		{Key: "broken-feed", Kind: store.SourceFeed, Target: srv.URL + "/broken/feed", Schedule: "@hourly", Enabled: true},
		{Key: "github-backstage", Kind: store.SourceGitHub, Target: "backstage/backstage", Schedule: "*/30 * * * *", Enabled: true},
		{Key: "brex-jobs", Kind: store.SourceGreenhouse, Target: "brex", Account: "Brex", Schedule: "@every 6h", Enabled: true},
		{Key: "adopters-md", Kind: store.SourceAdopters, Target: srv.URL + "/raw/ADOPTERS.md", Schedule: "@daily", Enabled: true},
		{Key: "disabled", Kind: store.SourceFeed, Target: srv.URL + "/never", Schedule: "@hourly", Enabled: false},
	} {
		if err := watch.Validate(ws); err != nil {
			t.Fatalf("%s: %v", ws.Key, err)
		}
		if err := st.SaveWatchSource(ctx, ws); err != nil {
			t.Fatal(err)
		}
	}
	c := clocktest.NewManual(time.Date(2024, 10, 8, 16, 0, 0, 0, time.UTC))
	cfg := watch.Config{
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, GitHubAPI: srv.URL + "/gh/", GreenhouseAPI: srv.URL + "/greenhouse",
		Clock: c, RunTimeout: 60 * time.Second, // a bound, not a budget: the ADOPTERS.md run took over 10 s at load 20
	}
	for _, f := range tune {
		f(&cfg)
	}
	return st, watch.New(st, cfg), up, c
}

func byKey(reps []watch.Report) map[string]watch.Report {
	m := map[string]watch.Report{}
	for _, r := range reps {
		m[r.Key] = r
	}
	return m
}

func TestRunner_failingSourceDoesNotStopTheOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		var (
			mu    sync.Mutex
			found []int64 // accounts the runner said got new signals (the owners' Homes change)
		)
		st, r, up, clk := setup(t, d, func(c *watch.Config) {
			c.Found = func(_ context.Context, ids []int64) {
				mu.Lock()
				defer mu.Unlock()
				found = append(found, ids...)
			}
		})

		reps, err := r.RunDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := byKey(reps)
		if len(got) != 5 {
			t.Fatalf("ran %d sources, want the 5 enabled: %+v", len(got), reps)
		}
		if got["broken-feed"].Err == nil {
			t.Error("the broken feed did not fail")
		}
		for _, k := range []string{"backstage-blog", "github-backstage", "brex-jobs", "adopters-md"} {
			if got[k].Err != nil {
				t.Errorf("%s failed: %v", k, got[k].Err)
			}
		}
		if f := got["backstage-blog"].Found; f != 2 {
			t.Errorf("blog: %d signals, want 2 (the Paddle story and the Zalando/DAZN recap; release notes name no account)", f)
		}
		if f := got["github-backstage"].Found; f != 1 {
			// Siemens only joins the accounts with this run's newer ADOPTERS.md, and the renovate
			// bot's and the company-less author's items name no account.
			t.Errorf("github: %d signals, want 1 (the Wayfair issue, by its author's company)", f)
		}
		if f := got["brex-jobs"].Found; f != 2 {
			t.Errorf("jobs: %d signals, want the 2 platform roles", f)
		}
		if f := got["adopters-md"].Found; f != 150 {
			t.Errorf("adopters: %d signals, want the 150 organizations added since the older list", f)
		}

		// Signals carry their account and mentions with the matching phrases.
		var paddle store.Signal
		if err := st.DB().Where("dedupe_key = ?", "url:https://backstage.io/blog/2024/10/08/paddle-adopter-story").Take(&paddle).Error; err != nil {
			t.Fatal(err)
		}
		ms, err := st.SignalMentions(ctx, paddle.ID)
		if err != nil {
			t.Fatal(err)
		}
		var acc store.Account
		if err := st.DB().Where("id = ?", *paddle.AccountID).Take(&acc).Error; err != nil {
			t.Fatal(err)
		}
		if acc.Name != "Paddle" || paddle.Kind != "blog_post" || paddle.Source != "watch:backstage-blog" {
			t.Errorf("Paddle story: account %q, kind %q, source %q", acc.Name, paddle.Kind, paddle.Source)
		}
		if !hasMention(ms, "account", "Paddle") || !hasMention(ms, "pain", "") {
			t.Errorf("Paddle story mentions = %+v, want the account and a pain point with phrases", ms)
		}
		var wayfair store.Signal
		if err := st.DB().Where("dedupe_key = ?", "github:backstage/backstage#27012").Take(&wayfair).Error; err != nil {
			t.Fatal(err)
		}
		var wacc store.Account
		if err := st.DB().Where("id = ?", *wayfair.AccountID).Take(&wacc).Error; err != nil {
			t.Fatal(err)
		}
		if wacc.Name != "Wayfair" {
			t.Errorf("GitHub issue by @wayfair's engineer tied to %q", wacc.Name)
		}
		wms, err := st.SignalMentions(ctx, wayfair.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !hasMention(wms, "account", "@wayfair") || !hasMention(wms, "pain", "") {
			t.Errorf("Wayfair issue mentions = %+v", wms)
		}

		// What /sources shows.
		broken, err := st.WatchSourceByKey(ctx, "broken-feed")
		if err != nil {
			t.Fatal(err)
		}
		if broken.Failures != 1 || !strings.Contains(broken.LastError, "500") || broken.LastRunAt == nil ||
			!broken.NextRunAt.Equal(clk.Now().Add(time.Minute)) || broken.LeaseUntil != nil {
			t.Errorf("broken source state = failures %d, error %q, next %v, lease %v", broken.Failures, broken.LastError, broken.NextRunAt, broken.LeaseUntil)
		}
		blog, err := st.WatchSourceByKey(ctx, "backstage-blog")
		if err != nil {
			t.Fatal(err)
		}
		if blog.ItemsFound != 2 || blog.ItemsSeen != 3 || blog.ETag != `"blog-1"` || blog.LastError != "" || blog.LastOKAt == nil ||
			!blog.NextRunAt.Equal(time.Date(2024, 10, 8, 17, 0, 0, 0, time.UTC)) {
			t.Errorf("blog state = %+v", blog)
		}
		total := count(t, st)
		told := map[string]bool{}
		accs, err := st.AccountNames(ctx, found...)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range accs {
			told[a.Name] = true
		}
		if !told["Paddle"] || !told["Wayfair"] || !told["Brex"] {
			t.Errorf("told of new signals on %d accounts, want Paddle, Wayfair and Brex among them", len(accs))
		}
		found = nil

		// Nothing is due a minute later but the failed source's retry.
		clk.Advance(time.Minute)
		reps, err = r.RunDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(reps) != 1 || reps[0].Key != "broken-feed" {
			t.Fatalf("a minute later ran %+v, want only the broken feed's retry", reps)
		}
		if broken, err = st.WatchSourceByKey(ctx, "broken-feed"); err != nil {
			t.Fatal(err)
		}
		if broken.Failures != 2 || !broken.NextRunAt.Equal(clk.Now().Add(time.Hour)) {
			t.Errorf("after a 503 with Retry-After 3600: failures %d, next %v (want an hour on)", broken.Failures, broken.NextRunAt)
		}

		// A day later every source runs again; the unchanged ones answer 304 and nothing is stored twice.
		clk.Advance(24 * time.Hour)
		reps, err = r.RunDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = byKey(reps)
		for _, k := range []string{"backstage-blog", "github-backstage", "brex-jobs", "adopters-md"} {
			if got[k].Err != nil || !got[k].NotModified || got[k].Found != 0 {
				t.Errorf("%s second run = %+v, want 304 and nothing new", k, got[k])
			}
		}
		if after := count(t, st); after != total {
			t.Errorf("signals went from %d to %d on an unchanged second run", total, after)
		}
		if len(found) != 0 {
			t.Errorf("told of new signals on %d accounts after runs that found none", len(found))
		}
		if up.hits["/never"] != 0 {
			t.Error("a disabled source was fetched")
		}
	})
}

// failingClaims is the store with a database that fails when one source is claimed.
type failingClaims struct {
	*store.Store
	failKey string
}

func (f failingClaims) ClaimWatchSource(ctx context.Context, key string, now time.Time, lease time.Duration) (bool, error) {
	if key == f.failKey {
		return false, errors.New("connection reset")
	}
	return f.Store.ClaimWatchSource(ctx, key, now, lease)
}

// TestRunner_failedClaimWaitsForTheRunsItStarted: when claiming a source fails part-way, the
// sources already started still finish, record their run and release their lease before RunDue
// returns the error.
func TestRunner_failedClaimWaitsForTheRunsItStarted(t *testing.T) {
	ctx := context.Background()
	st, _, _, clk := setup(t, store.SQLite)
	// Due in key order: adopters-md, backstage-blog, then brex-jobs, whose claim fails.
	r := watch.New(failingClaims{Store: st, failKey: "brex-jobs"}, watch.Config{
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, Clock: clk, RunTimeout: 60 * time.Second,
	})
	reps, err := r.RunDue(ctx)
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("RunDue error = %v, want the failed claim", err)
	}
	if got := byKey(reps); len(got) != 2 || got["adopters-md"].Err != nil || got["backstage-blog"].Err != nil {
		t.Fatalf("reports = %+v, want the two runs started before the failed claim, finished", reps)
	}
	for _, k := range []string{"adopters-md", "backstage-blog"} {
		ws, err := st.WatchSourceByKey(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if ws.LastRunAt == nil || ws.LeaseUntil != nil {
			t.Errorf("%s: last run %v, lease %v; want recorded and released", k, ws.LastRunAt, ws.LeaseUntil)
		}
	}
}

func TestRunner_leaseKeepsTwoReplicasFromRunningOneSource(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ok1, err := st.ClaimWatchSource(ctx, "github-backstage", now, time.Minute)
	if err != nil || !ok1 {
		t.Fatalf("first claim = %v, %v", ok1, err)
	}
	if ok2, _ := st.ClaimWatchSource(ctx, "github-backstage", now.Add(time.Second), time.Minute); ok2 {
		t.Error("a second replica claimed a running source")
	}
	if ok3, _ := st.ClaimWatchSource(ctx, "github-backstage", now.Add(2*time.Minute), time.Minute); !ok3 {
		t.Error("an expired lease was not taken over")
	}
}

func TestValidate(t *testing.T) {
	good := []store.WatchSource{
		{Key: "gh", Kind: "github", Target: "backstage/backstage", Schedule: "*/30 * * * *"},
		{Key: "blog", Kind: "feed", Target: "https://example.com/feed.xml", Schedule: "@hourly"},
		{Key: "jobs", Kind: "lever", Target: "spotify", Schedule: "@every 6h"},
	}
	for _, ws := range good {
		if err := watch.Validate(ws); err != nil {
			t.Errorf("Validate(%+v) = %v", ws, err)
		}
	}
	bad := []store.WatchSource{
		{Key: "gh", Kind: "github", Target: "backstage", Schedule: "@hourly"},
		{Key: "blog", Kind: "feed", Target: "example.com/feed", Schedule: "@hourly"},
		{Key: "x", Kind: "gitlab", Target: "a/b", Schedule: "@hourly"},
		{Key: "x", Kind: "feed", Target: "https://a", Schedule: "every hour"},
		{Key: "Bad Key", Kind: "feed", Target: "https://a", Schedule: "@hourly"},
	}
	for _, ws := range bad {
		if err := watch.Validate(ws); err == nil {
			t.Errorf("Validate(%+v) accepted", ws)
		}
	}
}

func hasMention(ms []store.SignalMention, kind, phrase string) bool {
	for _, m := range ms {
		if m.Kind == kind && m.Phrase != "" && (phrase == "" || m.Phrase == phrase) {
			return true
		}
	}
	return false
}

func count(t *testing.T, st *store.Store) int64 {
	var n int64
	if err := st.DB().Model(&store.Signal{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRunner_forgetsTheWatchersOfRemovedSources: the runner keeps a source's watcher between runs
// (its caches), and drops it once the source is removed, disabled or pointed elsewhere.
func TestRunner_forgetsTheWatchersOfRemovedSources(t *testing.T) {
	ctx := context.Background()
	st, r, _, clk := setup(t, store.SQLite)
	if _, err := r.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, ws := range mustSources(t, st) {
		if ws.Enabled {
			want = append(want, ws.Key+" "+ws.Target)
		}
	}
	if got := r.CachedWatchers(); len(want) != 5 || !slices.Equal(got, want) {
		t.Fatalf("cached after the first run: %v, want %v", got, want)
	}
	if err := st.RemoveWatchSource(ctx, "brex-jobs"); err != nil {
		t.Fatal(err)
	}
	blog, err := st.WatchSourceByKey(ctx, "backstage-blog")
	if err != nil {
		t.Fatal(err)
	}
	blog.Enabled = false
	if err := st.SaveWatchSource(ctx, *blog); err != nil {
		t.Fatal(err)
	}
	gh, err := st.WatchSourceByKey(ctx, "github-backstage")
	if err != nil {
		t.Fatal(err)
	}
	gh.Target = "backstage/community-plugins"
	if err := st.SaveWatchSource(ctx, *gh); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute) // the broken feed's retry and the re-pointed source are due
	if _, err := r.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	want = []string{want[0], want[3], "github-backstage backstage/community-plugins"}
	if got := r.CachedWatchers(); !slices.Equal(got, want) {
		t.Errorf("cached after removing, disabling and re-pointing sources: %v, want %v", got, want)
	}
}

func mustSources(t *testing.T, st *store.Store) []store.WatchSource {
	t.Helper()
	all, err := st.WatchSources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return all
}
