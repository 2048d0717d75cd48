// Package bot is the Slack transport: it holds the Socket Mode connection (slack-go's socketmode
// client inside the bot's own reconnect loop), acks every envelope within Slack's 3 seconds,
// routes commands, interactions and events to package handlers, and makes every Web API call
// through one Poster that keeps Slack's pace.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

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
	botUser  atomic.Value // string: the bot's own user id (auth.test), to skip its own messages
	ops      *http.Server
	opsAddr  chan string
}

// Serve runs the bot until ctx ends (SIGTERM), then drains and returns nil.
func Serve(ctx context.Context, d Deps) error {
	return New(d).Run(ctx)
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

// Run connects and serves until ctx ends, then stops taking envelopes, lets the in-flight ones
// finish (up to 10 s), and returns nil. It returns an error at once when Slack refuses the tokens.
func (b *Bot) Run(ctx context.Context) error {
	auth, err := b.api.AuthTestContext(ctx)
	if err != nil {
		return fmt.Errorf("Slack refused the bot token (SLACK_BOT_TOKEN): %s", slackErrText(err))
	}
	b.botUser.Store(auth.UserID)
	if err := b.startOps(); err != nil {
		return err
	}
	// The socket outlives ctx by the drain: in-flight envelopes still need it to ack.
	sockCtx, stopSock := context.WithCancel(context.Background())
	defer stopSock()
	bgCtx, stopBg := context.WithCancel(context.Background())
	defer stopBg()
	for _, job := range b.deps.Background {
		go func() {
			if err := job(bgCtx); err != nil {
				b.log.Error("background job stopped", "err", err)
			}
		}()
	}
	go b.eventLoop(sockCtx)
	runErr := make(chan error, 1)
	go func() { runErr <- b.connectLoop(sockCtx) }()

	select {
	case err := <-runErr:
		b.shutdownOps()
		return err
	case <-ctx.Done():
	}
	b.log.Info("shutting down: no new envelopes; finishing in-flight ones", "limit", drainTimeout)
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
	stopSock()
	b.shutdownOps()
	return nil
}

// connectLoop keeps a Socket Mode connection up. slack-go reconnects by itself on disconnect
// messages, dropped sockets and missed pings, but RunContext returns on some errors; this loop
// retries the recoverable ones with backoff and gives up only when Slack refuses the token.
func (b *Bot) connectLoop(ctx context.Context) error {
	backoff := 500 * time.Millisecond
	for {
		err := b.client.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if fatalAuth(err) {
			return fmt.Errorf("Slack refused the app token (SLACK_APP_TOKEN): %s", slackErrText(err))
		}
		b.online.Store(false)
		b.metrics.reconnects.Inc()
		b.log.Warn("socket mode stopped; reconnecting", "err", slackErrText(err), "backoff", backoff)
		if sleepCtx(ctx, jitter(backoff)) != nil {
			return nil
		}
		backoff = min(backoff*2, time.Minute)
	}
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
		b.log.Info("socket mode connection ready")
	case socketmode.EventTypeDisconnect:
		b.online.Store(false)
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

func fatalAuth(err error) bool {
	if err == nil {
		return false
	}
	switch err.Error() {
	case "invalid_auth", "account_inactive", "not_authed", "token_revoked", "not_allowed_token_type":
		return true
	}
	var sc slack.StatusCodeError
	return errors.As(err, &sc) && sc.Code == http.StatusNotFound
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
