package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// Poster posts and edits Slack messages (bot.Poster: paced per channel, 429s waited out).
type Poster interface {
	PostMessage(ctx context.Context, channel, threadTS string, r slackmsg.Response) (string, error)
	UpdateMessage(ctx context.Context, channel, ts string, r slackmsg.Response) error
}

// DMOpener is an optional Poster method: the DM channel id (D…) for a user, which chat.update
// needs (https://api.slack.com/methods/chat.update: "for direct messages, ensure that this value
// is a DM ID"). Without it a personal digest is posted in one step, see post.
type DMOpener interface {
	OpenDM(ctx context.Context, userID string) (string, error)
}

// Deleter is an optional Poster method used to remove a placeholder another poster beat.
type Deleter interface {
	DeleteMessage(ctx context.Context, channel, ts string) error
}

// Scheduler runs the digests: every poll it builds the runs that are due (scheduled ticks, alert
// checks) and posts the runs that wait, each subscription under its lock. Every replica runs one;
// the locks and the run records make them agree.
type Scheduler struct {
	e          *Engine
	poster     Poster
	log        *slog.Logger
	poll       time.Duration
	alertEvery time.Duration
	sem        chan struct{}

	mu        sync.Mutex
	busy      map[int64]bool
	lastAlert map[int64]time.Time // alerting subscription → its last look; see forgetAlerts
}

// SchedulerOptions configure a Scheduler.
type SchedulerOptions struct {
	// Poll is how often due work is looked for (default 1 s): a tick runs at most this late and
	// /digest now posts within it.
	Poll time.Duration
	// AlertEvery is how often subscriptions with an alert threshold look for new signals
	// (default 30 s); signals found in one look make one post.
	AlertEvery time.Duration
	// Workers is how many subscriptions are built or posted at once (default 4).
	Workers int
	Log     *slog.Logger
}

// NewScheduler builds a scheduler posting through p.
func NewScheduler(e *Engine, p Poster, o SchedulerOptions) *Scheduler {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.AlertEvery <= 0 {
		o.AlertEvery = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Log == nil {
		o.Log = e.log
	}
	return &Scheduler{e: e, poster: p, log: o.Log, poll: o.Poll, alertEvery: o.AlertEvery,
		sem: make(chan struct{}, o.Workers), busy: map[int64]bool{}, lastAlert: map[int64]time.Time{}}
}

// Run schedules until ctx ends. A run cut short by shutdown is finished by the next start (or
// another replica).
func (s *Scheduler) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		if err := s.dispatch(ctx, &wg); err != nil && ctx.Err() == nil {
			s.log.Warn("digest pass", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.e.clock.After(s.poll):
		}
	}
}

// Pass does one round of due work and waits for it (tests drive the scheduler with it).
func (s *Scheduler) Pass(ctx context.Context) error {
	var wg sync.WaitGroup
	err := s.dispatch(ctx, &wg)
	wg.Wait()
	return err
}

// dispatch starts work on every subscription that has some and is not already being worked on
// by this process.
func (s *Scheduler) dispatch(ctx context.Context, wg *sync.WaitGroup) error {
	now := s.e.clock.Now()
	subs, err := s.e.st.ActiveSubscriptions(ctx)
	if err != nil {
		return err
	}
	open, err := s.e.st.OpenRuns(ctx, now)
	if err != nil {
		return err
	}
	hasOpen := map[int64]bool{}
	for _, r := range open {
		hasOpen[r.SubscriptionID] = true
	}
	s.forgetAlerts(subs)
	todo := map[int64]bool{}
	for _, sub := range subs {
		if hasOpen[sub.ID] || s.tickDue(sub, now) || s.alertDue(sub, now) {
			todo[sub.ID] = true
		}
	}
	for id := range hasOpen { // runs of subscriptions stopped since are still posted
		todo[id] = true
	}
	for id := range todo {
		s.mu.Lock()
		if s.busy[id] {
			s.mu.Unlock()
			continue
		}
		s.busy[id] = true
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.busy, id)
				s.mu.Unlock()
			}()
			select {
			case s.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-s.sem }()
			s.work(ctx, id)
		}()
	}
	return nil
}

// forgetAlerts drops the alert times of subscriptions that are gone or no longer alert, so the
// map holds no more than the active alerting subscriptions.
func (s *Scheduler) forgetAlerts(active []store.Subscription) {
	alerting := make(map[int64]bool, len(active))
	for _, sub := range active {
		if sub.AlertThreshold > 0 {
			alerting[sub.ID] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.lastAlert {
		if !alerting[id] {
			delete(s.lastAlert, id)
		}
	}
}

func (s *Scheduler) tickDue(sub store.Subscription, now time.Time) bool {
	sched, err := s.e.schedule(sub)
	if err != nil {
		return true // its build fails, and enough failures pause it and tell its creator
	}
	_, _, ok := sched.Due(sub.LastTick, now)
	return ok
}

func (s *Scheduler) alertDue(sub store.Subscription, now time.Time) bool {
	if sub.AlertThreshold <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return now.Sub(s.lastAlert[sub.ID]) >= s.alertEvery
}

// work builds and posts what one subscription has due, under its lock. Another replica holding
// the lock is doing the same; this one leaves it be.
func (s *Scheduler) work(ctx context.Context, subID int64) {
	log := s.log.With("subscription", subID)
	lock, ok, err := s.e.st.TryLockSubscription(ctx, subID)
	if err != nil {
		log.Warn("lock subscription", "err", err)
		return
	}
	if !ok {
		return
	}
	defer lock.Release()
	fresh := map[int64][]slackmsg.Response{}
	built, err := s.buildDue(ctx, subID, fresh)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Warn("build digest run", "err", err)
		s.buildFailed(ctx, subID, err)
	case err == nil && built:
		if err := s.e.st.RecordBuildSuccess(ctx, subID); err != nil {
			log.Warn("record digest build", "err", err)
		}
	}
	if err := s.postOpen(ctx, lock, subID, fresh); err != nil && ctx.Err() == nil {
		log.Warn("post digest run", "err", err)
	}
}

// buildDue builds the scheduled run for the latest due tick and an alert run if a check is due,
// keeping the messages of the runs it built in fresh; built says whether any was due.
func (s *Scheduler) buildDue(ctx context.Context, subID int64, fresh map[int64][]slackmsg.Response) (built bool, err error) {
	sub, err := s.e.st.SubscriptionByID(ctx, subID)
	if err != nil {
		return false, err
	}
	if !sub.Active {
		return false, nil
	}
	now := s.e.clock.Now()
	sched, err := s.e.schedule(*sub)
	if err != nil {
		return false, err
	}
	var reqs []store.RunRequest
	if tick, missed, ok := sched.Due(sub.LastTick, now); ok {
		reqs = append(reqs, store.RunRequest{Kind: store.RunScheduled, Tick: tick, Now: now, MissedTicks: missed})
	}
	if s.alertDue(*sub, now) {
		s.mu.Lock()
		s.lastAlert[subID] = now
		s.mu.Unlock()
		reqs = append(reqs, store.RunRequest{Kind: store.RunAlert, Tick: now, Now: now})
	}
	for _, req := range reqs {
		run, msgs, err := s.e.buildMessages(ctx, subID, req, true)
		if err != nil && !errors.Is(err, store.ErrRunExists) {
			return true, err
		}
		if run != nil && len(msgs) > 0 {
			fresh[run.ID] = msgs
		}
	}
	return len(reqs) > 0, nil
}

// pauseAfter is how many runs in a row may fail to build before a subscription is paused.
const pauseAfter = 5

// buildFailed counts a failed build; the failure that pauses the subscription tells its creator,
// once, what happened and what to do. Runs already built are still posted.
func (s *Scheduler) buildFailed(ctx context.Context, subID int64, cause error) {
	reason := strings.Join(strings.Fields(cause.Error()), " ")
	paused, err := s.e.st.RecordBuildFailure(ctx, subID, reason, pauseAfter)
	if err != nil || !paused {
		if err != nil {
			s.log.Warn("record digest build failure", "subscription", subID, "err", err)
		}
		return
	}
	sub, err := s.e.st.SubscriptionByID(ctx, subID)
	if err != nil {
		s.log.Warn("paused subscription", "subscription", subID, "err", err)
		return
	}
	who := sub.CreatedBy
	if who == "" {
		who = sub.OwnerUserID
	}
	s.log.Warn("digest subscription paused", "subscription", subID, "failures", pauseAfter, "tell", who, "err", cause)
	if who == "" {
		return
	}
	where := "<#" + sub.ChannelID + ">"
	if sub.OwnerUserID != "" {
		where = "your DM"
	}
	msg := fmt.Sprintf(":double_vertical_bar: I paused digest subscription #%d (to %s, %s) because I could not build its last %d runs: %s. "+
		"Nothing more will be posted for it. Start a new one with `/digest subscribe` (`/digest help` shows how) once that is fixed.",
		sub.ID, where, ScheduleLabel(*sub), pauseAfter, slackmsg.Clip(reason, 300))
	if _, err := s.poster.PostMessage(ctx, who, "", slackmsg.Ephemeral(msg)); err != nil {
		s.log.Warn("tell the creator of a paused subscription", "subscription", subID, "err", err)
	}
}

// postOpen posts the subscription's waiting runs in order; a run waiting for a retry holds back
// the ones after it, so digests never arrive out of order. A run built just now is posted from
// the messages its build laid out; any other is read back from the store.
func (s *Scheduler) postOpen(ctx context.Context, lock *store.SubscriptionLock, subID int64, fresh map[int64][]slackmsg.Response) error {
	runs, err := s.e.st.OpenRunsOf(ctx, subID)
	if err != nil {
		return err
	}
	for _, r := range runs {
		now := s.e.clock.Now()
		if r.NextAttemptAt != nil && r.NextAttemptAt.After(now) {
			return nil
		}
		if err := s.post(ctx, lock, r, fresh[r.ID]); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return s.failed(ctx, r, err)
		}
	}
	return nil
}
