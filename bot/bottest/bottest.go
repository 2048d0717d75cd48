// Package bottest runs the real bot — slack-go's Socket Mode client and all — against the Slack
// test double, for end-to-end tests in any package; and deploys the real binary (built, its
// database prepared by cli.Prepare) for the tests that start and kill it as processes.
//
// Layers (layers_test.go): a test kit; only tests import it. It imports cli, so no test inside
// a package cli imports (package bot, not bot_test) may import it.
package bottest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"outreachbot/bot"
	"outreachbot/config"
	"outreachbot/slacktest"
)

// Tokens the double expects from a bot built with Options.
const (
	AppToken = "xapp-1-test"
	BotToken = "xoxb-test"
)

// NewServer starts a Slack test double that accepts only the test tokens; it closes with the test.
func NewServer(t testing.TB, opts ...slacktest.Option) *slacktest.Server {
	t.Helper()
	srv := slacktest.NewServer(append([]slacktest.Option{slacktest.WithAppToken(AppToken), slacktest.WithBotToken(BotToken)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// Options points a bot at srv: test tokens, a random health port, the production ack budget.
func Options(srv *slacktest.Server) config.Options {
	return config.Options{
		AppToken: AppToken, BotToken: BotToken, SlackAPIURL: srv.APIURL(), HTTPAddr: "127.0.0.1:0",
		AckBudget: 2 * time.Second, HandlerTimeout: 10 * time.Second,
	}
}

// Run runs b until the test ends, without waiting for it to connect. stop shuts it down as
// SIGTERM would and returns what Run returned; the test's cleanup calls it too.
func Run(t testing.TB, b *bot.Bot) (stop func() error, result <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- b.Run(ctx) }()
	var (
		once sync.Once
		err  error
	)
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-res:
			case <-time.After(15 * time.Second):
				err = errors.New("bot did not stop within 15s")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stopping the bot: %v", err)
		}
	})
	return stop, res
}

// Start runs b until the test ends and waits until it has connected; see Run for stop.
func Start(t testing.TB, srv *slacktest.Server, b *bot.Bot) (stop func() error) {
	t.Helper()
	before := srv.Hellos()
	stop, result := Run(t, b)
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	select {
	case err := <-result:
		t.Fatalf("bot stopped before connecting: %v", err)
	default:
	}
	if err := srv.WaitConnected(wctx, before+1); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	return stop
}
