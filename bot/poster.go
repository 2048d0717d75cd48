package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/slack-go/slack"

	"outreachbot/clock"
	"outreachbot/slackmsg"
)

// Poster makes every Web API call that writes to Slack. It keeps Slack's pace of one message a
// second per channel, waits out 429s for as long as Retry-After says, retries failures that
// certainly did not post (connection refused, 5xx) with backoff, and never retries a call whose
// outcome is unknown, so no message is posted twice.
type Poster struct {
	api      *slack.Client
	http     *http.Client
	metrics  *Metrics
	interval time.Duration
	retries  int
	clock    clock.Clock

	mu      sync.Mutex
	next    map[string]time.Time // channel → earliest time of its next post; see forgetPast
	sweepAt int                  // forgetPast runs when next grows past this
}

// minSweep is the size below which the pacing map is never swept.
const minSweep = 64

// NewPoster builds a poster over a Slack client.
func NewPoster(api *slack.Client, httpClient *http.Client, m *Metrics) *Poster {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Poster{
		api: api, http: httpClient, metrics: m, interval: time.Second, retries: 5,
		clock: clock.System, next: map[string]time.Time{}, sweepAt: minSweep,
	}
}

// PostMessage posts a message to a channel (or a thread when threadTS is set) and returns its ts.
func (p *Poster) PostMessage(ctx context.Context, channel, threadTS string, r slackmsg.Response) (string, error) {
	opts := msgOptions(r)
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	return answer(ctx, p, "chat.postMessage", channel, func(ctx context.Context) (string, error) {
		_, ts, err := p.api.PostMessageContext(ctx, channel, opts...)
		return ts, err
	})
}

// UpdateMessage replaces a message the bot posted.
func (p *Poster) UpdateMessage(ctx context.Context, channel, ts string, r slackmsg.Response) error {
	return p.do(ctx, "chat.update", channel, func(ctx context.Context) error {
		_, _, _, err := p.api.UpdateMessageContext(ctx, channel, ts, msgOptions(r)...)
		return err
	})
}

// PostEphemeral shows a message to one user in a channel.
func (p *Poster) PostEphemeral(ctx context.Context, channel, user string, r slackmsg.Response) error {
	return p.do(ctx, "chat.postEphemeral", channel, func(ctx context.Context) error {
		_, err := p.api.PostEphemeralContext(ctx, channel, user, msgOptions(r)...)
		return err
	})
}

// DeleteMessage removes a message the bot posted.
func (p *Poster) DeleteMessage(ctx context.Context, channel, ts string) error {
	return p.do(ctx, "chat.delete", channel, func(ctx context.Context) error {
		_, _, err := p.api.DeleteMessageContext(ctx, channel, ts)
		return err
	})
}

// OpenDM returns the id of the bot's direct-message channel with a user (conversations.open),
// which chat.update needs for messages the bot sent to that user.
func (p *Poster) OpenDM(ctx context.Context, userID string) (string, error) {
	return answer(ctx, p, "conversations.open", "", func(ctx context.Context) (string, error) {
		ch, _, _, err := p.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}, ReturnIM: true})
		if err != nil {
			return "", err
		}
		return ch.ID, nil
	})
}

// PublishHome publishes a user's App Home tab.
func (p *Poster) PublishHome(ctx context.Context, user string, view slack.HomeTabViewRequest) error {
	return p.do(ctx, "views.publish", "", func(ctx context.Context) error {
		_, err := p.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
		return err
	})
}

// UserTimeZone is the IANA time zone Slack has for a user (users.info, scope users:read).
func (p *Poster) UserTimeZone(ctx context.Context, userID string) (string, error) {
	return answer(ctx, p, "users.info", "", func(ctx context.Context) (string, error) {
		u, err := p.api.GetUserInfoContext(ctx, userID)
		if err != nil {
			return "", err
		}
		return u.TZ, nil
	})
}

// OpenView opens a modal.
func (p *Poster) OpenView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error {
	return p.do(ctx, "views.open", "", func(ctx context.Context) error {
		_, err := p.api.OpenViewContext(ctx, triggerID, view)
		return err
	})
}

// Respond answers through a response_url (valid for 30 minutes, up to 5 times).
func (p *Poster) Respond(ctx context.Context, responseURL string, r slackmsg.Response) error {
	body, err := json.Marshal(r.Payload())
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return p.do(ctx, "response_url", "", func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := p.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return &slack.RateLimitedError{RetryAfter: time.Duration(max(secs, 1)) * time.Second}
		case resp.StatusCode >= 300:
			return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
		}
		return nil
	})
}

// answer is do for a call that answers with a value: the value of the try that succeeded.
func answer[T any](ctx context.Context, p *Poster, method, channel string, call func(context.Context) (T, error)) (T, error) {
	var v T
	err := p.do(ctx, method, channel, func(ctx context.Context) error {
		got, err := call(ctx)
		if err == nil {
			v = got
		}
		return err
	})
	return v, err
}

// do runs one Web API call with pacing, 429 handling and safe retries.
func (p *Poster) do(ctx context.Context, method, channel string, call func(context.Context) error) error {
	policy := p.policy()
	err := backoff.RetryNotifyWithTimer(func() error {
		if channel != "" {
			if err := p.pace(ctx, channel); err != nil {
				return backoff.Permanent(err)
			}
		}
		err := call(ctx)
		p.metrics.apiCall(method, err)
		var rl *slack.RateLimitedError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &rl):
			wait := max(rl.RetryAfter, time.Second)
			if channel != "" {
				p.holdChannel(channel, wait)
			}
			policy.retryAfter = wait
			return err
		case safeToRetry(err):
			return err
		}
		return backoff.Permanent(err)
	}, backoff.WithContext(policy, ctx), nil, clock.NewTimer(p.clock))
	switch {
	case err == nil:
		return nil
	case policy.limited >= maxRateLimited:
		return fmt.Errorf("%s: still rate limited after %d tries: %w", method, policy.limited+1, err)
	}
	return fmt.Errorf("%s: %w", method, err)
}

// maxRateLimited is how many 429s in a row a call waits out before it gives up.
const maxRateLimited = 20

// callPolicy is one call's retry policy: after a 429 it waits as long as Retry-After says (up to
// maxRateLimited times); after a failure that surely did not post it backs off exponentially
// from 250 ms to 10 s with jitter (up to the poster's retries).
type callPolicy struct {
	exp        backoff.BackOff
	retries    int           // failures still to retry
	limited    int           // 429s waited out so far
	retryAfter time.Duration // set by a call that was rate limited
}

func (p *Poster) policy() *callPolicy {
	exp := backoff.NewExponentialBackOff(backoff.WithInitialInterval(250*time.Millisecond), backoff.WithMultiplier(2),
		backoff.WithMaxInterval(10*time.Second), backoff.WithMaxElapsedTime(0), backoff.WithClockProvider(p.clock))
	return &callPolicy{exp: exp, retries: p.retries}
}

// NextBackOff is the wait before the next try, or backoff.Stop.
func (c *callPolicy) NextBackOff() time.Duration {
	if wait := c.retryAfter; wait > 0 {
		c.retryAfter = 0
		if c.limited >= maxRateLimited {
			return backoff.Stop
		}
		c.limited++
		return wait
	}
	if c.retries <= 0 {
		return backoff.Stop
	}
	c.retries--
	return c.exp.NextBackOff()
}

// Reset starts the exponential waits over; the retry loop calls it once before the first try.
func (c *callPolicy) Reset() { c.exp.Reset() }

// pace waits for the channel's next free slot and books the one after it.
func (p *Poster) pace(ctx context.Context, channel string) error {
	p.mu.Lock()
	now := p.clock.Now()
	slot := p.next[channel]
	if slot.Before(now) {
		slot = now
	}
	p.next[channel] = slot.Add(p.interval)
	p.forgetPast(now)
	p.mu.Unlock()
	return clock.Sleep(ctx, p.clock, slot.Sub(now))
}

// forgetPast drops the channels whose next free slot has passed (they are free: a missing entry
// means the same), once the map has doubled since the last sweep, so it holds about the channels
// posted to in the last second or held back by a 429, not every channel ever. p.mu is held.
func (p *Poster) forgetPast(now time.Time) {
	if len(p.next) <= p.sweepAt {
		return
	}
	for ch, slot := range p.next {
		if !slot.After(now) {
			delete(p.next, ch)
		}
	}
	p.sweepAt = max(minSweep, 2*len(p.next))
}

// holdChannel keeps every post to a channel back until Retry-After has passed.
func (p *Poster) holdChannel(channel string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.clock.Now().Add(d); p.next[channel].Before(until) {
		p.next[channel] = until
	}
}

// safeToRetry is true only for failures after which Slack certainly did not act: a 5xx answer or
// a connection that was never made. A timeout after sending is not retried: it may have posted.
func safeToRetry(err error) bool {
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code >= 500
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op == "dial"
	}
	return false
}

func msgOptions(r slackmsg.Response) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(r.FallbackText(), false)}
	if len(r.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(r.Blocks...))
	}
	return opts
}
