package digest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// post posts a run's pages that are not posted yet, then marks the run done.
//
// Each page goes out in two steps. First a placeholder that shows no signal is posted and its
// ts recorded (PlacePage); then the placeholder is edited into the page (chat.update) and the
// page recorded as posted. Killed anywhere, the next attempt does the right thing:
//
//   - before the placeholder's ts is recorded: the page has no ts, so a new placeholder is
//     posted; one posted just before the kill stays behind empty (no signal shown twice);
//   - after the ts is recorded: the same message is edited again with the same page, which
//     changes nothing if the first edit went through;
//   - after the page is marked posted: it is skipped.
//
// A personal digest without a DMOpener cannot be edited (chat.update wants the D… id); it is
// posted in one step, so a kill between Slack's answer and recording it would post that page
// again. bot.Poster needs an OpenDM to close that window.
func (s *Scheduler) post(ctx context.Context, lock *store.SubscriptionLock, run store.Run, msgs []slackmsg.Response) error {
	pages, err := s.e.st.RunPages(ctx, run.ID)
	if err != nil {
		return err
	}
	if len(msgs) != run.Pages {
		if msgs, err = s.e.runMessages(ctx, run); err != nil {
			return err
		}
	}
	channel, twoStep, err := s.channelFor(ctx, run.ChannelID)
	if err != nil {
		return err
	}
	root := ""
	for _, pg := range pages {
		if pg.Page >= len(msgs) {
			continue
		}
		if pg.Posted {
			if pg.Page == 0 {
				root = pg.TS
			}
			continue
		}
		if err := lock.Check(ctx); err != nil {
			return err
		}
		thread := ""
		if pg.Page > 0 {
			thread = root
		}
		ts, err := s.postPage(ctx, run, pg, channel, thread, msgs[pg.Page], twoStep)
		if err != nil {
			return err
		}
		if pg.Page == 0 {
			root = ts
		}
	}
	return s.e.st.FinishRun(ctx, run.ID, root, s.e.clock.Now())
}

// runMessages lays out a run's messages from what the store holds of it.
func (e *Engine) runMessages(ctx context.Context, run store.Run) ([]slackmsg.Response, error) {
	sub, err := e.st.SubscriptionByID(ctx, run.SubscriptionID)
	if err != nil {
		return nil, err
	}
	items, err := e.st.RunItems(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	loc, err := LoadLocation(sub.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return e.layout.render(header{Kind: run.Kind, Sub: *sub, Loc: loc, Since: run.WindowStart, Missed: run.MissedTicks,
		Total: run.Items, Pages: run.Pages, Threshold: sub.AlertThreshold}, items), nil
}

func (s *Scheduler) postPage(ctx context.Context, run store.Run, pg store.Page, channel, thread string, msg slackmsg.Response, twoStep bool) (string, error) {
	if !twoStep {
		ts, err := s.poster.PostMessage(ctx, channel, thread, msg)
		if err != nil {
			return "", err
		}
		if _, _, err := s.e.st.PlacePage(ctx, run.ID, pg.Page, ts); err != nil {
			return "", err
		}
		return ts, s.e.st.MarkPagePosted(ctx, run.ID, pg.Page)
	}
	ts := pg.TS
	if ts == "" {
		got, err := s.poster.PostMessage(ctx, channel, thread, placeholder(msg, pg.Page))
		if err != nil {
			return "", err
		}
		var won bool
		if ts, won, err = s.e.st.PlacePage(ctx, run.ID, pg.Page, got); err != nil {
			return "", err
		}
		if !won {
			s.dropOrphan(ctx, channel, got)
		}
	}
	if err := s.poster.UpdateMessage(ctx, channel, ts, msg); err != nil {
		if slackCode(err) == "message_not_found" {
			// Someone deleted the placeholder: forget it, and the retry posts a new one.
			if ferr := s.e.st.ForgetPage(ctx, run.ID, pg.Page, ts); ferr != nil {
				return "", ferr
			}
		}
		return "", err
	}
	return ts, s.e.st.MarkPagePosted(ctx, run.ID, pg.Page)
}

// channelFor says where to post and whether pages can be posted in two steps.
func (s *Scheduler) channelFor(ctx context.Context, channel string) (string, bool, error) {
	if !isUserID(channel) {
		return channel, true, nil
	}
	if o, ok := s.poster.(DMOpener); ok {
		dm, err := o.OpenDM(ctx, channel)
		if err != nil {
			return "", false, fmt.Errorf("open DM with %s: %w", channel, err)
		}
		return dm, true, nil
	}
	return channel, false, nil
}

func isUserID(ch string) bool { return len(ch) > 1 && (ch[0] == 'U' || ch[0] == 'W') }

func (s *Scheduler) dropOrphan(ctx context.Context, channel, ts string) {
	if d, ok := s.poster.(Deleter); ok {
		if err := d.DeleteMessage(ctx, channel, ts); err != nil {
			s.log.Warn("delete duplicate placeholder", "channel", channel, "ts", ts, "err", err)
		}
	}
}

// permanentCodes are Slack errors a retry in a minute will not fix.
var permanentCodes = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "is_archived": true, "invalid_blocks": true,
	"invalid_blocks_format": true, "msg_too_long": true, "no_text": true, "invalid_auth": true,
	"account_inactive": true, "token_revoked": true, "restricted_action": true, "cannot_dm_bot": true,
	"user_not_found": true, "missing_scope": true, "not_authed": true,
}

// maxAttempts is how often a run is tried before it is given up: a day of backoff for
// transient failures, a few tries for Slack's refusals (someone may invite the bot meanwhile).
const (
	maxAttempts          = 30
	maxPermanentAttempts = 5
)

// failed records a failed posting attempt and schedules the next one with backoff.
func (s *Scheduler) failed(ctx context.Context, r store.Run, cause error) error {
	code := slackCode(cause)
	final := r.Attempts+1 >= maxAttempts || (permanentCodes[code] && r.Attempts+1 >= maxPermanentAttempts)
	wait := retryWait(r.Attempts + 1)
	next := s.e.clock.Now().Add(wait)
	s.log.Warn("digest run not posted", "run", r.ID, "attempt", r.Attempts+1, "final", final, "retry_in", wait, "err", cause)
	return s.e.st.RetryRun(ctx, r.ID, cause.Error(), next, final)
}

// retryWait is the wait after a run's n-th failed attempt: 15 s doubling up to an hour. The
// attempts are counted in the run's row, so the wait is computed afresh from n each time.
func retryWait(n int) time.Duration {
	b := backoff.NewExponentialBackOff(backoff.WithInitialInterval(15*time.Second), backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0), backoff.WithMaxInterval(time.Hour), backoff.WithMaxElapsedTime(0))
	var d time.Duration
	for range n {
		d = b.NextBackOff()
	}
	return d
}

// slackCode is the error code in a Slack API error ("channel_not_found"), or "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	msg := err.Error()
	for code := range permanentCodes {
		if strings.HasSuffix(msg, code) {
			return code
		}
	}
	if strings.HasSuffix(msg, "message_not_found") {
		return "message_not_found"
	}
	return ""
}
