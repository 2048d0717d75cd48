// Package watch runs the watchers: every configured source (store.WatchSource) on its own cron
// schedule, one replica at a time (a lease row), each run bounded by a timeout and recovered from
// panics, failures backed off exponentially or as long as the server's Retry-After asks. A failing
// source never stops the others. What a run finds is analysed (accounts, pain points) and stored
// idempotently as signals with their mentions.
//
// Layers (layers_test.go): the sources layer (every watcher, store, slackmsg, clock); never digest,
// handlers, bot or cli.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/robfig/cron/v3"

	"outreachbot/clock"
	"outreachbot/slackmsg"
	"outreachbot/sources"
	"outreachbot/sources/adopterswatch"
	"outreachbot/sources/feeds"
	"outreachbot/sources/github"
	"outreachbot/sources/jobs"
	"outreachbot/sources/understand"
	"outreachbot/store"
)

// Store is what the runner reads and writes (store.Store).
type Store interface {
	DueWatchSources(ctx context.Context, now time.Time) ([]store.WatchSource, error)
	ClaimWatchSource(ctx context.Context, key string, now time.Time, lease time.Duration) (bool, error)
	RecordWatchRun(ctx context.Context, key string, run store.WatchRun) error
	IngestSignals(ctx context.Context, in []store.NewSignal) ([]store.Signal, error)
	AccountNames(ctx context.Context, ids ...int64) ([]store.Account, error)
	PainPointIDs(ctx context.Context) (map[string]int64, error)
	ImportAdopters(ctx context.Context, rows []store.Adopter, withEmails bool, now time.Time) (store.AdoptersImport, error)
	WatchSources(ctx context.Context) ([]store.WatchSource, error)
}

// Config tunes the runner; zero values take the defaults.
type Config struct {
	// HTTPClient fetches every source (default: sources.NewClient with a 30 s timeout, which
	// refuses internal addresses unless AllowPrivate).
	HTTPClient *http.Client
	// AllowPrivate lets the default client fetch loopback, private and link-local addresses.
	AllowPrivate bool
	// GitHubToken is optional; it raises GitHub's rate limit from 60 to 5,000 requests an hour.
	GitHubToken string
	// GitHubAPI, GreenhouseAPI and LeverAPI override the API roots (tests, GitHub Enterprise).
	GitHubAPI, GreenhouseAPI, LeverAPI string
	// Tick is how often due sources are looked for (default 30 s).
	Tick time.Duration
	// RunTimeout bounds one source's run (default 5 min).
	RunTimeout time.Duration
	// Concurrency is how many sources run at once (default 4).
	Concurrency int
	// BackoffBase and BackoffMax bound the wait after consecutive failures (default 1 min, 6 h).
	BackoffBase, BackoffMax time.Duration
	// Found, when set, is told after a run which accounts got new signals (main publishes the
	// App Homes of their owners again).
	Found func(ctx context.Context, accountIDs []int64)
	// Clock is the time source (default the wall clock).
	Clock clock.Clock
	Log   *slog.Logger
}

// Runner runs the configured sources.
type Runner struct {
	st  Store
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	watchers map[string]cachedWatcher // by source key, so a watcher's caches survive between runs; see forget
}

type cachedWatcher struct {
	kind, target string
	w            sources.Watcher
}

// New returns a runner over st.
func New(st Store, cfg Config) *Runner {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = sources.NewClient(sources.DefaultTimeout, cfg.AllowPrivate)
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 30 * time.Second
	}
	if cfg.RunTimeout <= 0 {
		cfg.RunTimeout = 5 * time.Minute
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = time.Minute
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 6 * time.Hour
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Runner{st: st, cfg: cfg, log: cfg.Log, watchers: map[string]cachedWatcher{}}
}

// Run runs due sources every tick until ctx ends. It is a bot background job.
func (r *Runner) Run(ctx context.Context) error {
	for {
		next := r.cfg.Clock.Now().Add(r.cfg.Tick) // like a ticker: a long pass is followed at once
		if _, err := r.RunDue(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("watch sources", "err", err)
		}
		if clock.Sleep(ctx, r.cfg.Clock, next.Sub(r.cfg.Clock.Now())) != nil {
			return nil
		}
	}
}

// Report is the outcome of one source's run.
type Report struct {
	Key         string
	Seen, Found int
	NotModified bool
	Err         error
	NextRunAt   time.Time
}

// RunDue runs every source that is due and not running elsewhere, concurrently, and waits for
// them. One source's failure is recorded against it and does not affect the others.
func (r *Runner) RunDue(ctx context.Context) ([]Report, error) {
	if err := r.forget(ctx); err != nil {
		return nil, err
	}
	now := r.cfg.Clock.Now().UTC()
	due, err := r.st.DueWatchSources(ctx, now)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	an, err := r.analyzer(ctx)
	if err != nil {
		return nil, err
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		reports  []Report
		claimErr error
		sem      = make(chan struct{}, r.cfg.Concurrency)
	)
	for _, ws := range due {
		// Claim only once a slot is free: a source claimed while it waited for one could outlive
		// its lease and be run a second time by another replica.
		sem <- struct{}{}
		ok, err := r.st.ClaimWatchSource(ctx, ws.Key, r.cfg.Clock.Now().UTC(), r.cfg.RunTimeout+time.Minute)
		if err != nil || !ok {
			<-sem
			if err != nil {
				claimErr = err
				break
			}
			continue // another replica has it
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rep := r.runOne(ctx, ws, an)
			mu.Lock()
			reports = append(reports, rep)
			mu.Unlock()
		}()
	}
	// Wait for the runs already started even when a claim failed: they record their outcome and
	// release their lease, and the reports must not be read while they still append to them.
	wg.Wait()
	return reports, claimErr
}

// runOne runs one source and records the outcome.
func (r *Runner) runOne(ctx context.Context, ws store.WatchSource, an *understand.Analyzer) (rep Report) {
	start := r.cfg.Clock.Now().UTC()
	rep.Key = ws.Key
	rctx, cancel := context.WithTimeout(ctx, r.cfg.RunTimeout)
	defer cancel()
	out, found, err := r.fetchAndStore(rctx, ws, an)
	rep.Seen, rep.Found, rep.NotModified, rep.Err = out.Seen, found, out.NotModified, err

	run := store.WatchRun{StartedAt: start, Duration: r.cfg.Clock.Now().Sub(start), ItemsSeen: out.Seen, ItemsFound: found,
		ETag: out.State.ETag, LastModified: out.State.LastModified, Cursor: out.State.Cursor}
	if err != nil {
		run.Err = oneLine(err.Error())
		run.NextRunAt = start.Add(r.backoff(ws.Failures+1, sources.RetryAfter(err)))
		r.log.Warn("source failed", "source", ws.Key, "kind", ws.Kind, "err", run.Err, "failures", ws.Failures+1, "retry_at", run.NextRunAt)
	} else {
		run.NextRunAt = r.next(ws, start)
		r.log.Info("source watched", "source", ws.Key, "kind", ws.Kind, "seen", out.Seen, "found", found, "not_modified", out.NotModified)
	}
	rep.NextRunAt = run.NextRunAt
	// Record even when ctx ended, so the lease is released.
	recCtx, recCancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer recCancel()
	if err := r.st.RecordWatchRun(recCtx, ws.Key, run); err != nil {
		r.log.Error("record source run", "source", ws.Key, "err", err)
	}
	return rep
}

// fetchAndStore runs the watcher (recovering a panic as an error) and stores what it found.
func (r *Runner) fetchAndStore(ctx context.Context, ws store.WatchSource, an *understand.Analyzer) (out sources.Outcome, found int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("watcher panicked: %v", p)
		}
	}()
	w, err := r.watcher(ws)
	if err != nil {
		return out, 0, err
	}
	prev := sources.State{ETag: ws.ETag, LastModified: ws.LastModified, Cursor: ws.Cursor}
	out, err = w.Watch(ctx, prev)
	if err != nil {
		return sources.Outcome{State: prev}, 0, err
	}
	if out.NotModified {
		return out, 0, nil
	}
	found = out.Stored
	if len(out.Items) > 0 {
		n, err := r.ingest(ctx, ws, w, out.Items, an)
		if err != nil {
			return sources.Outcome{State: prev}, 0, err
		}
		found += n
	}
	return out, found, nil
}

// ingest analyses items and stores those worth keeping.
func (r *Runner) ingest(ctx context.Context, ws store.WatchSource, w sources.Watcher, items []sources.Item, an *understand.Analyzer) (int, error) {
	var own int64
	if ws.Account != "" {
		own, _ = an.Organization(ws.Account)
	}
	keeper, _ := w.(sources.Keeper)
	now := r.cfg.Clock.Now().UTC()
	var batch []store.NewSignal
	for _, it := range items {
		res := an.Analyze(it.AnalysisText())
		acc, via := own, ws.Account
		if acc == 0 && it.Organization != "" {
			if id, ok := an.Organization(it.Organization); ok {
				acc, via = id, it.Organization
			}
		}
		for _, d := range it.Domains {
			if acc != 0 {
				break
			}
			if id, ok := an.ByDomain(d); ok {
				acc, via = id, d
			}
		}
		if acc == 0 && len(res.Accounts) > 0 {
			acc = res.Accounts[0].ID
		}
		mentions := make([]store.SignalMention, 0, len(res.Accounts)+len(res.Pains)+1)
		named := false
		for _, m := range res.Accounts {
			mentions = append(mentions, store.SignalMention{Kind: understand.MentionAccount, RefID: m.ID, Phrase: m.Phrase})
			named = named || m.ID == acc
		}
		if acc != 0 && !named {
			mentions = append(mentions, store.SignalMention{Kind: understand.MentionAccount, RefID: acc, Phrase: via})
		}
		pains := 0
		for _, m := range res.Pains {
			if m.ID != 0 {
				mentions = append(mentions, store.SignalMention{Kind: understand.MentionPain, RefID: m.ID, Phrase: m.Phrase})
				pains++
			}
		}
		accounts := len(res.Accounts)
		if acc != 0 && !named {
			accounts++
		}
		keep := acc != 0
		if keeper != nil {
			keep = keeper.Keep(it, accounts, pains)
		}
		if !keep {
			continue
		}
		sig := store.Signal{Kind: it.Kind, Title: slackmsg.Cut(it.Title, 300), Summary: it.Summary, URL: it.URL, Person: it.Person,
			OccurredAt: it.OccurredAt, DiscoveredAt: now, Source: "watch:" + ws.Key, DedupeKey: it.DedupeKey}
		if acc != 0 {
			id := acc
			sig.AccountID = &id
		}
		if sig.DedupeKey == "" {
			sig.DedupeKey = store.SignalDedupeKey(it.URL, "", it.Kind, it.Title)
		}
		batch = append(batch, store.NewSignal{Signal: sig, Mentions: mentions})
	}
	if len(batch) == 0 {
		return 0, nil
	}
	stored, err := r.st.IngestSignals(ctx, batch)
	if err != nil {
		return 0, err
	}
	if r.cfg.Found != nil {
		if ids := accountsOf(stored); len(ids) > 0 {
			r.cfg.Found(ctx, ids)
		}
	}
	return len(stored), nil
}

// accountsOf lists, once each, the accounts signals are about.
func accountsOf(signals []store.Signal) []int64 {
	var ids []int64
	for _, sg := range signals {
		if sg.AccountID != nil && !slices.Contains(ids, *sg.AccountID) {
			ids = append(ids, *sg.AccountID)
		}
	}
	return ids
}

// analyzer builds account and pain detection over the store's current accounts.
func (r *Runner) analyzer(ctx context.Context) (*understand.Analyzer, error) {
	return Analyzer(ctx, r.st)
}

// AnalyzerStore is what Analyzer reads.
type AnalyzerStore interface {
	AccountNames(ctx context.Context, ids ...int64) ([]store.Account, error)
	PainPointIDs(ctx context.Context) (map[string]int64, error)
}

// Analyzer builds account and pain detection over the store's current accounts, the same one
// every watch run reads items with (and `outreachbot understand` reads a text with).
func Analyzer(ctx context.Context, st AnalyzerStore) (*understand.Analyzer, error) {
	rows, err := st.AccountNames(ctx)
	if err != nil {
		return nil, err
	}
	accs := make([]understand.Account, len(rows))
	for i, a := range rows {
		accs[i] = understand.Account{ID: a.ID, Name: a.Name, Aliases: a.Aliases, Domain: a.Domain}
	}
	pains, err := st.PainPointIDs(ctx)
	if err != nil {
		return nil, err
	}
	return understand.New(accs, pains), nil
}

// watcher returns the watcher of a source, reusing it while its kind and target are unchanged.
func (r *Runner) watcher(ws store.WatchSource) (sources.Watcher, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.watchers[ws.Key]; ok && c.kind == ws.Kind && c.target == ws.Target {
		return c.w, nil
	}
	var w sources.Watcher
	switch ws.Kind {
	case store.SourceFeed:
		w = feeds.New(ws.Target, r.cfg.HTTPClient)
	case store.SourceGitHub:
		g, err := github.New(ws.Target, r.cfg.HTTPClient, r.cfg.GitHubToken, r.cfg.GitHubAPI)
		if err != nil {
			return nil, err
		}
		g.Now = r.cfg.Clock.Now
		w = g
	case store.SourceAdopters:
		a := adopterswatch.New(ws.Target, r.cfg.HTTPClient, r.st)
		a.Now = r.cfg.Clock.Now
		w = a
	case store.SourceGreenhouse:
		b := jobs.NewGreenhouse(ws.Target, ws.Account, r.cfg.HTTPClient)
		if r.cfg.GreenhouseAPI != "" {
			b.API = r.cfg.GreenhouseAPI
		}
		w = b
	case store.SourceLever:
		b := jobs.NewLever(ws.Target, ws.Account, r.cfg.HTTPClient)
		if r.cfg.LeverAPI != "" {
			b.API = r.cfg.LeverAPI
		}
		w = b
	default:
		return nil, fmt.Errorf("unknown source kind %q", ws.Kind)
	}
	r.watchers[ws.Key] = cachedWatcher{kind: ws.Kind, target: ws.Target, w: w}
	return w, nil
}

// forget drops the cached watchers of sources that were removed, disabled or pointed elsewhere
// since they last ran, so the cache holds no more than the configured sources.
func (r *Runner) forget(ctx context.Context) error {
	all, err := r.st.WatchSources(ctx)
	if err != nil {
		return err
	}
	live := make(map[string]store.WatchSource, len(all))
	for _, ws := range all {
		if ws.Enabled {
			live[ws.Key] = ws
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, c := range r.watchers {
		if ws, ok := live[key]; !ok || ws.Kind != c.kind || ws.Target != c.target {
			delete(r.watchers, key)
		}
	}
	return nil
}

// next is when a source that just succeeded is due again: its schedule's next time.
func (r *Runner) next(ws store.WatchSource, after time.Time) time.Time {
	sched, err := ParseSchedule(ws.Schedule)
	if err != nil {
		return after.Add(time.Hour)
	}
	return sched.Next(after).UTC()
}

// backoff is the wait after the n-th consecutive failure: doubling from BackoffBase up to
// BackoffMax, and never shorter than the server's Retry-After. The failures are counted in the
// source's row, so the wait is computed afresh from n each time.
func (r *Runner) backoff(n int, retryAfter time.Duration) time.Duration {
	b := backoff.NewExponentialBackOff(backoff.WithInitialInterval(r.cfg.BackoffBase), backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0), backoff.WithMaxInterval(r.cfg.BackoffMax), backoff.WithMaxElapsedTime(0))
	var d time.Duration
	for range max(n, 1) {
		d = b.NextBackOff()
	}
	return max(d, retryAfter)
}

// ParseSchedule reads a cron expression ("*/30 * * * *") or descriptor ("@hourly", "@every 2h").
func ParseSchedule(s string) (cron.Schedule, error) {
	sched, err := cron.ParseStandard(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", s, err)
	}
	return sched, nil
}

var (
	repoRE  = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	boardRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	keyRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)
)

// Checker checks a source before it is saved: its configuration (Validate) and, for the kinds
// fetched from a URL, that the URL's host is on the public internet, unless AllowPrivate (the
// same setting the runner's client obeys). Lookup resolves host names (the system resolver when nil).
type Checker struct {
	AllowPrivate bool
	Lookup       sources.LookupFunc
}

// Check is Validate, then the address check.
func (c Checker) Check(ctx context.Context, ws store.WatchSource) error {
	if err := Validate(ws); err != nil {
		return err
	}
	if c.AllowPrivate || (ws.Kind != store.SourceFeed && ws.Kind != store.SourceAdopters) {
		return nil
	}
	return sources.CheckURL(ctx, ws.Target, c.Lookup)
}

// Validate checks a source's configuration before it is saved.
func Validate(ws store.WatchSource) error {
	if !keyRE.MatchString(ws.Key) {
		return errors.New("the key must be lower-case letters, digits, dots, dashes or underscores (at most 63)")
	}
	if _, err := ParseSchedule(ws.Schedule); err != nil {
		return fmt.Errorf("%q is not a cron schedule (try \"@hourly\", \"@every 6h\" or \"*/30 * * * *\")", ws.Schedule)
	}
	switch ws.Kind {
	case store.SourceFeed, store.SourceAdopters:
		if !strings.HasPrefix(ws.Target, "https://") && !strings.HasPrefix(ws.Target, "http://") {
			return fmt.Errorf("a %s source needs an http(s) URL", ws.Kind)
		}
	case store.SourceGitHub:
		if !repoRE.MatchString(ws.Target) {
			return errors.New("a github source needs owner/repo, e.g. backstage/backstage")
		}
	case store.SourceGreenhouse, store.SourceLever:
		if !boardRE.MatchString(ws.Target) {
			return fmt.Errorf("a %s source needs the board's name as in its URL, e.g. spotify", ws.Kind)
		}
	default:
		return fmt.Errorf("unknown kind %q; known: %s", ws.Kind, strings.Join(store.SourceKinds, ", "))
	}
	return nil
}

func oneLine(s string) string { return slackmsg.Cut(strings.Join(strings.Fields(s), " "), 500) }
