// Package followup runs follow-ups of sent drafts: it gives every draft marked sent with no reply
// a follow-up due some business days later in the rep's own time zone, and on the day it falls
// due sends the rep one direct message with every follow-up due, each with a draft to send.
// Every replica runs a Scheduler; the store's advisory lock and the one-nudge-a-day record make
// the pass happen once.
//
// Layers (layers_test.go): followup imports store, slackmsg and clock; never handlers or bot
// (handlers import it for the dates and messages; main wires the scheduler to the bot's poster).
package followup

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"outreachbot/clock"
	"outreachbot/slackmsg"
	"outreachbot/store"
)

// Store is what the scheduler reads and writes.
type Store interface {
	TryLockFollowups(ctx context.Context) (*store.SubscriptionLock, bool, error)
	DraftsAwaitingFollowup(ctx context.Context, since time.Time) ([]store.OutreachDraft, error)
	CreateFollowup(ctx context.Context, f *store.Followup) (bool, error)
	FollowupsToNudge(ctx context.Context, latestDay string) ([]store.FollowupDetail, error)
	ClaimNudge(ctx context.Context, userID, day string, followups int, at time.Time) (bool, error)
	MarkNudged(ctx context.Context, ids []int64, at time.Time) error
	NewestSignalSince(ctx context.Context, accountID int64, since time.Time) (*store.Signal, error)
}

// Poster posts the nudge and looks up a rep's time zone (bot.Poster).
type Poster interface {
	PostMessage(ctx context.Context, channel, threadTS string, r slackmsg.Response) (string, error)
	// UserTimeZone is the IANA zone Slack's users.info gives for a user ("Europe/Berlin").
	UserTimeZone(ctx context.Context, userID string) (string, error)
}

// Options configure a Scheduler.
type Options struct {
	// Days are the business days from a send to the first follow-up, then from each follow-up
	// to the next (default 4, 7).
	Days []int
	// NudgeHour is the local hour from which a rep is nudged on the due day (default 9).
	NudgeHour int
	// Poll is how often the pass runs (default 1 minute).
	Poll time.Duration
	// Lookback is how old a sent draft may be and still get its first follow-up (default 30
	// days), so turning follow-ups on does not nudge about last year's messages.
	Lookback time.Duration
	// Clock is the time source (default the wall clock).
	Clock clock.Clock
	// Changed is told whose follow-ups changed (to publish their App Home again); may be nil.
	Changed func(ctx context.Context, userID string)
	Log     *slog.Logger
}

// Scheduler schedules follow-ups and sends the nudges.
type Scheduler struct {
	st     Store
	poster Poster
	o      Options
}

// New builds a scheduler.
func New(st Store, p Poster, o Options) *Scheduler {
	if len(o.Days) == 0 {
		o.Days = []int{4, 7}
	}
	if o.NudgeHour == 0 {
		o.NudgeHour = 9
	}
	if o.Poll <= 0 {
		o.Poll = time.Minute
	}
	if o.Lookback <= 0 {
		o.Lookback = 30 * 24 * time.Hour
	}
	if o.Clock == nil {
		o.Clock = clock.System
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{st: st, poster: p, o: o}
}

// Run does a pass every Poll until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		if err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			s.o.Log.Warn("follow-up pass", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.o.Clock.After(s.o.Poll):
		}
	}
}

// Pass schedules the first follow-up of newly sent drafts and nudges the reps whose follow-ups
// are due, under the follow-up lock; when another replica holds it, it does nothing.
func (s *Scheduler) Pass(ctx context.Context) error {
	lock, ok, err := s.st.TryLockFollowups(ctx)
	if err != nil || !ok {
		return err
	}
	defer lock.Release()
	zones := map[string]string{}
	if err := s.schedule(ctx, zones); err != nil {
		return err
	}
	return s.nudge(ctx)
}

// schedule gives each sent, unanswered draft without a follow-up its first one, due Days[0]
// business days after the day it was sent, both read in the sender's time zone.
func (s *Scheduler) schedule(ctx context.Context, zones map[string]string) error {
	now := s.o.Clock.Now()
	drafts, err := s.st.DraftsAwaitingFollowup(ctx, now.Add(-s.o.Lookback))
	if err != nil {
		return err
	}
	for _, d := range drafts {
		user := d.SentBy
		if user == "" {
			user = d.Author
		}
		tz, ok := zones[user]
		if !ok {
			tz, err = s.poster.UserTimeZone(ctx, user)
			if err != nil {
				// Without the zone the due day may be wrong; try again next pass.
				s.o.Log.Warn("look up time zone for a follow-up", "user", user, "err", err)
				continue
			}
			zones[user] = tz
		}
		loc := Zone(tz)
		f := &store.Followup{DraftID: d.ID, Step: 1, UserID: user, AccountID: d.AccountID, Timezone: loc.String(),
			DueOn: AddBusinessDays(LocalDay(*d.SentAt, loc), s.o.Days[0]), CreatedAt: now}
		created, err := s.st.CreateFollowup(ctx, f)
		if err != nil {
			return err
		}
		if created && s.o.Changed != nil {
			s.o.Changed(ctx, user)
		}
	}
	return nil
}

// nudge sends each rep with follow-ups due today (in their zone, from NudgeHour) one message
// with all of them, at most once a day.
func (s *Scheduler) nudge(ctx context.Context) error {
	now := s.o.Clock.Now()
	// The latest calendar day anywhere (UTC+14) bounds what can be due somewhere now.
	fs, err := s.st.FollowupsToNudge(ctx, now.UTC().Add(14*time.Hour).Format(time.DateOnly))
	if err != nil {
		return err
	}
	byUser := map[string][]store.FollowupDetail{}
	var users []string
	for _, f := range fs {
		local := now.In(Zone(f.Timezone))
		if f.DueOn > local.Format(time.DateOnly) || local.Hour() < s.o.NudgeHour {
			continue
		}
		if _, seen := byUser[f.UserID]; !seen {
			users = append(users, f.UserID)
		}
		byUser[f.UserID] = append(byUser[f.UserID], f)
	}
	for _, user := range users {
		if err := s.nudgeUser(ctx, user, byUser[user], now); err != nil {
			s.o.Log.Warn("follow-up nudge", "user", user, "err", err)
		}
	}
	return nil
}

func (s *Scheduler) nudgeUser(ctx context.Context, user string, fs []store.FollowupDetail, now time.Time) error {
	day := LocalDay(now, Zone(fs[0].Timezone))
	claimed, err := s.st.ClaimNudge(ctx, user, day, len(fs), now)
	if err != nil || !claimed {
		return err // already nudged today: these wait for tomorrow's
	}
	items := make([]NudgeItem, len(fs))
	ids := make([]int64, len(fs))
	for i, f := range fs {
		items[i], ids[i] = NudgeItem{FollowupDetail: f}, f.ID
		if f.Draft.SentAt != nil {
			if items[i].Newer, err = s.st.NewestSignalSince(ctx, f.AccountID, *f.Draft.SentAt); err != nil {
				return err
			}
		}
	}
	if _, err := s.poster.PostMessage(ctx, user, "", Nudge(items, now)); err != nil {
		return fmt.Errorf("post nudge: %w", err)
	}
	if err := s.st.MarkNudged(ctx, ids, now); err != nil {
		return err
	}
	if s.o.Changed != nil {
		s.o.Changed(ctx, user)
	}
	return nil
}
