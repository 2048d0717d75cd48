// Package digest sends digests of new signals on a schedule, and alerts for the best ones.
//
// It follows alertmanager's notification log: every run is recorded (subscription, tick,
// window, state, message ts), and so is every signal a subscription has been given, so a crash,
// a restart or a second replica never loses or repeats one:
//
//   - A run is built in one database transaction: it reads the subscription's new signals,
//     scores and lays them out, claims them (digest_items, unique per subscription and signal),
//     records the run with its pages and moves the subscription's cursor. A crash before the
//     commit leaves nothing; after it, the run is waiting to be posted.
//   - One run per tick: the run row is unique on (subscription, kind, tick), and replicas take a
//     per-subscription PostgreSQL advisory lock before building or posting, so three replicas
//     make one digest per tick. Ticks missed while nothing ran are caught up by one run.
//   - Posting a page is two steps: post a placeholder that shows no signal and record its ts,
//     then chat.update it with the page and record that. A crash between posting and recording
//     leaves at worst an orphan placeholder; a crash after recording the ts only repeats the
//     update, which is idempotent. So a signal is in the channel once, whatever was killed when.
//
// Schedules are robfig/cron/v3 expressions read in the subscription's time zone (see Schedule);
// the clock and the poster are injected, so tests run days of schedules in milliseconds.
//
// Layers (layers_test.go): digest imports store, slackmsg, seed and clock; never handlers, bot or
// cli. Handlers consume it through interfaces they declare (DigestService, SignalScorer) and it
// posts through the Poster interface it declares, which the bot implements.
package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"

	"outreachbot/clock"
	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/seed"
)

// Engine builds digests: subscriptions, scoring, layout and the build of runs. It posts nothing;
// the Scheduler does. It is what handlers.DigestService and handlers.SignalScorer consume.
type Engine struct {
	st          *store.Store
	clock       clock.Clock
	layout      Layout
	segment     seed.Segments
	minInterval time.Duration
	log         *slog.Logger

	mu      sync.Mutex
	roles   []store.DecisionRole
	rolesAt time.Time
	scheds  map[string]*Schedule
}

// Options configure an Engine.
type Options struct {
	// Segment is the report's target segment, for scoring fit.
	Segment seed.Segments
	// Clock defaults to the system clock.
	Clock clock.Clock
	// TopItems is how many signals the channel message shows (default DefaultTopItems).
	TopItems int
	// MinInterval is the shortest gap between runs a user may subscribe to (default 15 min).
	MinInterval time.Duration
	Log         *slog.Logger
}

// New builds an engine over the store.
func New(st *store.Store, o Options) *Engine {
	if o.Clock == nil {
		o.Clock = clock.System
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MinInterval == 0 {
		o.MinInterval = 15 * time.Minute
	}
	return &Engine{st: st, clock: o.Clock, layout: Layout{TopItems: o.TopItems}, segment: o.Segment,
		minInterval: o.MinInterval, log: o.Log, scheds: map[string]*Schedule{}}
}

// schedule parses (and caches) a subscription's schedule.
func (e *Engine) schedule(sub store.Subscription) (*Schedule, error) {
	key := sub.Timezone + "\x00" + sub.Schedule
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.scheds[key]; ok {
		return s, nil
	}
	s, err := ParseSchedule(sub.Schedule, sub.Timezone)
	if err != nil {
		return nil, err
	}
	e.scheds[key] = s
	return s, nil
}

// Subscribe checks and stores a subscription.
func (e *Engine) Subscribe(ctx context.Context, req SubscribeRequest) (SubscriptionInfo, error) {
	spec, label, err := ScheduleText(req.Schedule)
	if err != nil {
		return SubscriptionInfo{}, err
	}
	sched, err := ParseSchedule(spec, req.Timezone)
	if err != nil {
		return SubscriptionInfo{}, &slackmsg.UserError{Msg: slackmsg.Escape(err.Error()) + "."}
	}
	now := e.clock.Now()
	if gap := sched.MinInterval(); gap > 0 && gap < e.minInterval {
		return SubscriptionInfo{}, &slackmsg.UserError{Msg: fmt.Sprintf("That schedule runs as often as every %s on the days it runs; digests may run at most every %s. Try `hourly` or `daily 09:00`.", spoken(gap), spoken(e.minInterval))}
	}
	if sched.Next(now).IsZero() {
		return SubscriptionInfo{}, &slackmsg.UserError{Msg: "That schedule never runs."}
	}
	sub := store.Subscription{
		ChannelID: req.ChannelID, Schedule: sched.Spec, ScheduleLabel: label, Timezone: sched.Location.String(),
		Filters: req.Filter, AlertThreshold: req.AlertThreshold, AlertCap: req.AlertCap, AllQuiet: req.AllQuiet,
		CreatedBy: req.UserID, CreatedAt: now,
	}
	if req.Personal {
		sub.OwnerUserID, sub.ChannelID = req.UserID, req.UserID
	}
	if err := e.st.CreateSubscription(ctx, &sub); err != nil {
		return SubscriptionInfo{}, err
	}
	return e.info(ctx, sub, false)
}

func (e *Engine) info(ctx context.Context, sub store.Subscription, withRun bool) (SubscriptionInfo, error) {
	info := SubscriptionInfo{Subscription: sub}
	if s, err := e.schedule(sub); err == nil {
		info.Next = s.Next(maxTime(sub.LastTick, e.clock.Now()))
	}
	if withRun {
		runs, err := e.st.RunsOf(ctx, sub.ID, 50)
		if err != nil {
			return info, err
		}
		if len(runs) > 0 {
			info.LastRun = &runs[0]
		}
		for i := 1; i < len(runs); i++ {
			if runs[0].State == store.RunEmpty && runs[i].State != store.RunEmpty {
				info.LastPosted = &runs[i]
				break
			}
		}
	}
	return info, nil
}

// Subscriptions lists the subscriptions posting to a channel, then the user's personal ones
// (every subscription when both are empty).
func (e *Engine) Subscriptions(ctx context.Context, channelID, userID string) ([]SubscriptionInfo, error) {
	var (
		here []store.Subscription
		err  error
	)
	if channelID == "" && userID == "" {
		here, err = e.st.ActiveSubscriptions(ctx)
	} else {
		here, err = e.st.SubscriptionsIn(ctx, channelID)
	}
	if err != nil {
		return nil, err
	}
	if userID != "" && userID != channelID {
		mine, err := e.st.SubscriptionsIn(ctx, userID)
		if err != nil {
			return nil, err
		}
		here = append(here, mine...)
	}
	out := make([]SubscriptionInfo, 0, len(here))
	for _, s := range here {
		info, err := e.info(ctx, s, true)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// Subscription fetches one subscription.
func (e *Engine) Subscription(ctx context.Context, id int64) (SubscriptionInfo, error) {
	sub, err := e.st.SubscriptionByID(ctx, id)
	if err != nil {
		return SubscriptionInfo{}, err
	}
	return e.info(ctx, *sub, true)
}

// Unsubscribe stops a subscription.
func (e *Engine) Unsubscribe(ctx context.Context, id int64) error {
	return e.st.DeactivateSubscription(ctx, id)
}

// scorer returns a scorer with the current decision roles and votes.
func (e *Engine) scorer(ctx context.Context) (*Scorer, error) {
	e.mu.Lock()
	roles, fresh := e.roles, e.clock.Now().Sub(e.rolesAt) < 10*time.Minute && e.roles != nil
	e.mu.Unlock()
	if !fresh {
		r, err := e.st.DecisionRoles(ctx)
		if err != nil {
			return nil, err
		}
		e.mu.Lock()
		e.roles, e.rolesAt, roles = r, e.clock.Now(), r
		e.mu.Unlock()
	}
	votes, err := e.st.VoteTallies(ctx)
	if err != nil {
		return nil, err
	}
	return NewScorer(e.segment, roles, votes, e.clock.Now()), nil
}

// ScoreSignals scores signals as digests rank them.
func (e *Engine) ScoreSignals(ctx context.Context, sigs []store.SignalDetail) ([]ScoredSignal, error) {
	sc, err := e.scorer(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ScoredSignal, len(sigs))
	for i, d := range sigs {
		score, why := sc.Score(d)
		out[i] = ScoredSignal{SignalDetail: d, Score: score, Why: why}
	}
	return out, nil
}

// selectEntries scores the candidates and keeps those at or above min.
func selectEntries(sc *Scorer, cands []store.SignalDetail, min int) []entry {
	out := make([]entry, 0, len(cands))
	for _, d := range cands {
		score, why := sc.Score(d)
		if score < min {
			continue
		}
		out = append(out, entry{ScoredSignal{SignalDetail: d, Score: score, Why: why}})
	}
	return out
}

// build builds one run of a subscription (the caller holds its lock).
func (e *Engine) build(ctx context.Context, subID int64, req store.RunRequest) (*store.Run, error) {
	run, _, err := e.buildMessages(ctx, subID, req, false)
	return run, err
}

// buildMessages builds a run and, when render is set, lays out its messages from what the build
// read, so a fresh run is posted without reading it back (a resumed one is read back: see
// runMessages; both go through the same layout).
func (e *Engine) buildMessages(ctx context.Context, subID int64, req store.RunRequest, render bool) (*store.Run, []slackmsg.Response, error) {
	sc, err := e.scorer(ctx)
	if err != nil {
		return nil, nil, err
	}
	var (
		sub     store.Subscription
		details []store.RunItemDetail
	)
	run, err := e.st.BuildRun(ctx, subID, req, func(in store.BuildInput) (store.RunPlan, error) {
		plan, d := e.plan(sc, in, req)
		sub, details = in.Sub, d
		return plan, nil
	})
	if err != nil || !render || run == nil {
		return run, nil, err
	}
	loc, lerr := LoadLocation(sub.Timezone)
	if lerr != nil {
		loc = time.UTC
	}
	msgs := e.layout.render(header{Kind: run.Kind, Sub: sub, Loc: loc, Since: run.WindowStart, Missed: run.MissedTicks,
		Total: run.Items, Pages: run.Pages, Threshold: sub.AlertThreshold}, details)
	return run, msgs, nil
}

// plan decides a run from the candidates: which signals, in which order, on which pages. It
// also returns them with their details, ready to render.
func (e *Engine) plan(sc *Scorer, in store.BuildInput, req store.RunRequest) (store.RunPlan, []store.RunItemDetail) {
	entries := selectEntries(sc, in.Candidates, in.Sub.Filters.MinScore)
	if req.Kind == store.RunAlert {
		var hot []entry
		for _, en := range entries {
			if en.Score >= in.Sub.AlertThreshold {
				hot = append(hot, en)
			}
		}
		switch {
		case len(hot) == 0:
			return store.RunPlan{Advance: true}, nil
		case in.RecentAlerts >= in.Sub.AlertCap:
			// Over the hourly cap: hold them for one grouped post when the hour frees up (or
			// for the digest, whichever comes first).
			return store.RunPlan{Advance: false}, nil
		}
		entries = hot
	}
	items, pages, details := e.layout.plan(entries)
	if len(items) == 0 && req.Kind == store.RunScheduled && in.Sub.AllQuiet {
		pages = 1
	}
	return store.RunPlan{Items: items, Pages: pages, Advance: true}, details
}

// Preview renders what the subscription's next digest would post now.
func (e *Engine) Preview(ctx context.Context, id int64) (Preview, error) {
	sub, err := e.st.SubscriptionByID(ctx, id)
	if err != nil {
		return Preview{}, err
	}
	cands, err := e.st.PendingSignals(ctx, id)
	if err != nil {
		return Preview{}, err
	}
	sc, err := e.scorer(ctx)
	if err != nil {
		return Preview{}, err
	}
	items, pages, all := e.layout.plan(selectEntries(sc, cands, sub.Filters.MinScore))
	p := Preview{Signals: len(items), Since: sinceOf(*sub)}
	if len(items) == 0 {
		return p, nil
	}
	var details []store.RunItemDetail
	for _, d := range all {
		if d.Page > 0 {
			p.InThread++
			continue
		}
		details = append(details, d)
	}
	loc, _ := LoadLocation(sub.Timezone)
	if loc == nil {
		loc = time.UTC
	}
	since := p.Since
	msgs := e.layout.render(header{Kind: store.RunManual, Sub: *sub, Loc: loc, Since: &since, Total: len(items), Pages: pages, Preview: true}, details)
	p.Message = msgs[0]
	return p, nil
}

func sinceOf(sub store.Subscription) time.Time {
	if sub.LastSuccessAt != nil {
		return *sub.LastSuccessAt
	}
	return sub.CreatedAt
}

// RunNow builds a digest of what is new now. The scheduler posts it within a second or so.
func (e *Engine) RunNow(ctx context.Context, id int64, userID string) (RunNowResult, error) {
	sub, err := e.st.SubscriptionByID(ctx, id)
	if err != nil {
		return RunNowResult{}, err
	}
	res := RunNowResult{Since: sinceOf(*sub)}
	lock, err := e.waitLock(ctx, id, 3*time.Second)
	if err != nil {
		return res, err
	}
	if lock == nil {
		res.Busy = true
		return res, nil
	}
	defer lock.Release()
	now := e.clock.Now()
	run, err := e.build(ctx, id, store.RunRequest{Kind: store.RunManual, Tick: now, Now: now, RequestedBy: userID})
	if errors.Is(err, store.ErrRunExists) {
		res.Busy = true
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.Run = run
	return res, nil
}

// waitLock tries a subscription's lock every 100 ms for up to d; nil means someone else kept
// it. It waits on the wall clock, not the engine's: it waits for another process, which a test's
// clock does not move.
func (e *Engine) waitLock(ctx context.Context, id int64, d time.Duration) (*store.SubscriptionLock, error) {
	every := &backoff.ExponentialBackOff{InitialInterval: 100 * time.Millisecond, Multiplier: 1,
		MaxInterval: 100 * time.Millisecond, MaxElapsedTime: d, Stop: backoff.Stop, Clock: clock.System}
	lock, err := backoff.RetryWithData(func() (*store.SubscriptionLock, error) {
		l, ok, err := e.st.TryLockSubscription(ctx, id)
		switch {
		case err != nil:
			return nil, backoff.Permanent(err)
		case !ok:
			return nil, errLocked
		}
		return l, nil
	}, backoff.WithContext(every, ctx))
	if errors.Is(err, errLocked) {
		return nil, nil
	}
	return lock, err
}

// errLocked is waitLock's "not yet": another holder has the lock.
var errLocked = errors.New("subscription locked elsewhere")

// Stats sums the votes and the last 30 days of runs.
func (e *Engine) Stats(ctx context.Context) (Stats, error) {
	since := e.clock.Now().AddDate(0, 0, -30)
	subs, err := e.st.DigestStats(ctx, since)
	if err != nil {
		return Stats{}, err
	}
	tallies, err := e.st.VoteTallies(ctx)
	if err != nil {
		return Stats{}, err
	}
	out := Stats{Since: since, Subscriptions: subs}
	for _, t := range tallies {
		out.Votes = append(out.Votes, WeightedVote{VoteTally: t, Weight: VoteWeight(t.Useful, t.Noise)})
	}
	return out, nil
}

// Vote records a Useful (+1) or Noise (-1) vote.
func (e *Engine) Vote(ctx context.Context, signalID int64, userID string, vote int) (WeightedVote, error) {
	t, err := e.st.RecordVote(ctx, signalID, userID, vote, e.clock.Now())
	if err != nil {
		return WeightedVote{}, err
	}
	return WeightedVote{VoteTally: t, Weight: VoteWeight(t.Useful, t.Noise)}, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// spoken says a duration the way a person would: "1 minute", "15 minutes", "2h30m".
func spoken(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "minute"
	case d < time.Hour && d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d == time.Hour:
		return "hour"
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}
