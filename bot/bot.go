// Package bot is the Slack transport: it holds the Socket Mode connection (slack-go's socketmode
// client inside the bot's own reconnect loop), acks every envelope within Slack's 3 seconds,
// routes commands, interactions and events to package handlers, and makes every Web API call
// through one Poster that keeps Slack's pace.
//
// Layers (layers_test.go): bot imports handlers, slackmsg, config and clock only; never cli,
// digest, sources or store (handlers get their data through constructors, the runtime through
// Deps). Only main imports bot.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"golang.org/x/sync/errgroup"

	"outreachbot/config"
	"outreachbot/handlers"
)

// Claimer records that an envelope has been acted on, across every replica. ClaimDelivery
// returns false when the key was claimed before (a redelivery).
type Claimer interface {
	ClaimDelivery(ctx context.Context, key string) (bool, error)
}

// Deps are what the bot runs with; main wires them.
type Deps struct {
	Options  config.Options
	Log      *slog.Logger
	Registry *handlers.Registry
	Claims   Claimer
	// Homes remembers each user's last published App Home; without it the Home is published only
	// when opened or paged, never refreshed after a change.
	Homes HomeStore
	// Ready reports whether the store answers (for /readyz).
	Ready func(ctx context.Context) error
	// Background jobs run beside the socket until shutdown (e.g. the account index watcher).
	Background []func(ctx context.Context) error
	// PingTimeout is how long without a ping from Slack before the link counts as dead (default 30s).
	PingTimeout time.Duration
	// HTTPClient is used for the Web API and response_url (default: 10 s timeout).
	HTTPClient *http.Client
}

// drainTimeout is how long in-flight envelopes may take to finish after SIGTERM.
const drainTimeout = 10 * time.Second

// Bot is a running Slack app.
type Bot struct {
	deps     Deps
	log      *slog.Logger
	api      *slack.Client
	client   *socketmode.Client
	poster   *Poster
	access   *Access
	metrics  *Metrics
	inflight sync.WaitGroup
	drainMu  sync.RWMutex // orders inflight.Add before the drain's Wait
	draining bool
	online   atomic.Bool
	notReady atomic.Pointer[string] // why /readyz says 503, when not online
	botUser  atomic.Value           // string: the bot's own user id (auth.test), to skip its own messages
	// homeLocks order the publishing of each user's App Home (striped by user: bounded).
	homeLocks [homeStripes]sync.Mutex
	ops       *http.Server
	opsAddr   chan string
}

// New builds a bot; Run connects it.
func New(d Deps) *Bot {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.PingTimeout == 0 {
		d.PingTimeout = 30 * time.Second
	}
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	opts := []slack.Option{slack.OptionAppLevelToken(d.Options.AppToken), slack.OptionHTTPClient(d.HTTPClient)}
	if d.Options.SlackAPIURL != "" {
		opts = append(opts, slack.OptionAPIURL(d.Options.SlackAPIURL))
	}
	api := slack.New(d.Options.BotToken, opts...)
	m := NewMetrics()
	b := &Bot{
		deps: d, log: d.Log, api: api, metrics: m,
		poster:  NewPoster(api, d.HTTPClient, m),
		client:  socketmode.New(api, socketmode.OptionPingInterval(d.PingTimeout)),
		opsAddr: make(chan string, 1),
	}
	b.access = NewAccess(d.Options.AllowedUsers, d.Options.AdminUsers, b.groupMembers, d.Log)
	return b
}

// AddJob adds a job that runs beside the Slack connection until shutdown (call before Run).
func (b *Bot) AddJob(job func(ctx context.Context) error) {
	b.deps.Background = append(b.deps.Background, job)
}

// Poster returns the bot's Web API poster, for jobs that post on their own (digests).
func (b *Bot) Poster() *Poster { return b.poster }

// OpsAddr returns the address the health and metrics listener bound (after Run started).
func (b *Bot) OpsAddr(ctx context.Context) (string, error) {
	select {
	case a := <-b.opsAddr:
		b.opsAddr <- a
		return a, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Run connects and serves until ctx ends, then stops the background jobs, stops taking
// envelopes, lets the in-flight ones finish (up to 10 s), waits for the jobs and the socket to
// stop, and returns nil. It returns an error when Slack refuses a token; while Slack cannot be
// reached (network errors, 5xx) it retries with backoff and /readyz says why.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.startOps(); err != nil {
		return err
	}
	defer b.shutdownOps()
	if err := b.checkBotToken(ctx); err != nil || ctx.Err() != nil {
		return err
	}
	// The socket outlives ctx by the drain: in-flight envelopes still need it to ack. The jobs
	// stop first, so that nothing new (a digest) starts while the drain is under way.
	sockCtx, stopSock := context.WithCancel(context.Background())
	defer stopSock()
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	defer stopJobs()
	g, gaveUp := errgroup.WithContext(context.Background())
	for _, job := range b.deps.Background {
		g.Go(func() error {
			if err := job(jobsCtx); err != nil && jobsCtx.Err() == nil {
				b.log.Error("background job stopped", "err", err)
			}
			return nil
		})
	}
	g.Go(func() error { b.eventLoop(sockCtx); return nil })
	g.Go(func() error { return b.connectLoop(sockCtx) })

	select {
	case <-gaveUp.Done(): // Slack refused the app token
	case <-ctx.Done():
		b.log.Info("shutting down: background jobs stop; no new envelopes; finishing in-flight ones", "limit", drainTimeout)
		stopJobs()
		b.drain()
		b.flushAcks()
	}
	stopJobs()
	stopSock()
	return b.await(g)
}

// drain stops taking envelopes and waits (up to drainTimeout) for the in-flight ones.
func (b *Bot) drain() {
	b.drainMu.Lock()
	b.draining = true
	b.drainMu.Unlock()
	done := make(chan struct{})
	go func() { b.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(drainTimeout):
		b.log.Warn("in-flight envelopes did not finish in time")
	}
}

// flushAcks holds the socket open until the acks the drain queued have been written. slack-go's
// AckCtx only queues an ack for the connection's writer; closing the socket straight after the
// last handler returns loses what is still queued, and with it an answer carried in an ack. The
// queue is not exported, so its length is read by reflection (ackQueueLen). Once it is empty the
// writer may still hold the last ack, so the socket lingers ackLinger more. Bounded by
// ackFlushLimit: a connection that is gone cannot be flushed.
func (b *Bot) flushAcks() {
	deadline := time.Now().Add(ackFlushLimit)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for ackQueueLen(b.client) > 0 {
		if time.Now().After(deadline) {
			b.log.Warn("acks still queued at shutdown", "queued", ackQueueLen(b.client))
			return
		}
		<-tick.C
	}
	time.Sleep(ackLinger)
}

const (
	ackFlushLimit = 2 * time.Second
	ackLinger     = 100 * time.Millisecond
)

// ackQueueLen is how many socket mode responses slack-go has queued and not yet written, or 0
// when its client no longer has the queue (a test pins the field, so an upgrade that renames it
// fails there rather than silently here).
func ackQueueLen(c *socketmode.Client) int {
	q := reflect.ValueOf(c).Elem().FieldByName("socketModeResponses")
	if !q.IsValid() || q.Kind() != reflect.Chan {
		return 0
	}
	return q.Len()
}

// await waits for the background jobs and the socket loops, which have been told to stop, and
// returns the connect loop's error if it gave up. A job that ignores its context is given
// drainTimeout, then left behind with a warning rather than holding the process forever.
func (b *Bot) await(g *errgroup.Group) error {
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(drainTimeout):
		b.log.Warn("background jobs did not stop in time")
		return nil
	}
}

// checkBotToken asks Slack whose the bot token is (auth.test) until Slack answers. A refusal
// (invalid_auth and friends) is returned; anything else (Slack unreachable, a 5xx, a 429) is
// retried with backoff, logged, and shown on /readyz. It returns nil when ctx ends first.
func (b *Bot) checkBotToken(ctx context.Context) error {
	b.setNotReady("checking the bot token with Slack")
	err := backoff.RetryNotify(func() error {
		auth, err := b.api.AuthTestContext(ctx)
		if err == nil {
			b.botUser.Store(auth.UserID)
		}
		if err == nil || !refused(err) {
			return err
		}
		//lint:ignore ST1005 it starts with a proper noun; the operator reads it as is
		return backoff.Permanent(fmt.Errorf("Slack refused the bot token (SLACK_BOT_TOKEN): %s", slackErrText(err)))
	}, backoff.WithContext(reconnectBackOff(), ctx), func(err error, wait time.Duration) {
		why := "cannot reach Slack (auth.test): " + unreachableText(err) + "; retrying"
		b.setNotReady(why)
		b.log.Warn("cannot reach Slack; retrying", "err", unreachableText(err), "retry_in", wait)
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// connectLoop keeps a Socket Mode connection up. slack-go reconnects by itself on disconnect
// messages, dropped sockets and missed pings, but RunContext returns on some errors; this loop
// retries the recoverable ones with backoff and gives up only when Slack refuses the token.
func (b *Bot) connectLoop(ctx context.Context) error {
	err := backoff.RetryNotify(func() error {
		err := b.client.RunContext(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case refused(err):
			//lint:ignore ST1005 it starts with a proper noun; the operator reads it as is
			return backoff.Permanent(fmt.Errorf("Slack refused the app token (SLACK_APP_TOKEN): %s", slackErrText(err)))
		}
		b.online.Store(false)
		b.metrics.reconnects.Inc()
		return fmt.Errorf("socket mode stopped: %s", unreachableText(err))
	}, backoff.WithContext(reconnectBackOff(), ctx), func(err error, wait time.Duration) {
		b.setNotReady("reconnecting to Slack: " + err.Error())
		b.log.Warn("socket mode stopped; reconnecting", "err", err.Error(), "backoff", wait)
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// reconnectBackOff waits 0.5 s doubling to a minute, with jitter, for as long as it takes.
func reconnectBackOff() backoff.BackOff {
	return backoff.NewExponentialBackOff(backoff.WithInitialInterval(500*time.Millisecond), backoff.WithMultiplier(2),
		backoff.WithMaxInterval(time.Minute), backoff.WithMaxElapsedTime(0))
}

// setNotReady records why the bot is not connected, for /readyz.
func (b *Bot) setNotReady(why string) { b.notReady.Store(&why) }

// notReadyReason says why the bot is not connected to Slack.
func (b *Bot) notReadyReason() string {
	if why := b.notReady.Load(); why != nil {
		return *why
	}
	return "not connected to Slack"
}

func (b *Bot) eventLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-b.client.Events:
			b.onEvent(ctx, evt)
		}
	}
}

func (b *Bot) onEvent(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.log.Debug("connecting to Slack")
	case socketmode.EventTypeConnected:
		if ce, ok := evt.Data.(*socketmode.ConnectedEvent); ok && ce.ConnectionCount > 0 {
			b.metrics.reconnects.Inc()
			b.log.Info("reconnected to Slack", "connection", ce.ConnectionCount)
		}
	case socketmode.EventTypeHello:
		b.online.Store(true)
		b.notReady.Store(nil)
		b.log.Info("socket mode connection ready")
	case socketmode.EventTypeDisconnect:
		b.online.Store(false)
		b.setNotReady("reconnecting to Slack: Slack asked to disconnect")
		reason := ""
		if evt.Request != nil {
			reason = evt.Request.Reason
		}
		b.log.Info("Slack asked to disconnect; reconnecting", "reason", reason)
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed, socketmode.EventTypeErrorBadMessage:
		b.log.Warn("socket mode error", "type", string(evt.Type), "detail", eventErrText(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("Slack refused the app token (SLACK_APP_TOKEN)")
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		b.metrics.envelopes.WithLabelValues(string(evt.Type)).Inc()
		b.drainMu.RLock()
		if b.draining {
			b.drainMu.RUnlock()
			// Not acked: Slack delivers it again over another replica's connection.
			return
		}
		b.inflight.Add(1)
		b.drainMu.RUnlock()
		go func() {
			defer b.inflight.Done()
			b.handleEnvelope(ctx, evt, time.Now())
		}()
	}
}

// refused is true for the Slack errors that mean the token itself was refused: retrying will not
// help, a person has to fix the token. Anything else (network errors, 5xx, 429, Slack's own
// hiccups) may pass.
func refused(err error) bool {
	if err == nil {
		return false
	}
	switch strings.TrimSpace(err.Error()) {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
		"not_allowed_token_type", "invalid_token", "team_disabled", "app_uninstalled":
		return true
	}
	return false
}

// unreachableText describes a failure to reach Slack briefly: a network error without the
// request line around it, or Slack's status.
func unreachableText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return slackErrText(ue.Err)
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return "Slack answered " + sc.Status
	}
	return slackErrText(err)
}

// slackErrText describes a Slack error without anything secret in it (tokens never are).
func slackErrText(err error) string {
	if err == nil {
		return "connection closed"
	}
	return strings.TrimSpace(err.Error())
}

func eventErrText(data any) string {
	switch d := data.(type) {
	case *slack.ConnectionErrorEvent:
		return slackErrText(d.ErrorObj)
	case error:
		return d.Error()
	}
	return fmt.Sprint(data)
}

func (b *Bot) groupMembers(ctx context.Context, group string) ([]string, error) {
	return b.api.GetUserGroupMembersContext(ctx, group)
}
