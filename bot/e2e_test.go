package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"outreachbot/bot"
	"outreachbot/bot/bottest"
	"outreachbot/cli"
	"outreachbot/config"
	"outreachbot/handlers"
	"outreachbot/slackmsg"
	"outreachbot/slacktest"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// harness runs the real bot — slack-go's Socket Mode client, the store on PostgreSQL — against
// the Slack test double.
type harness struct {
	t      *testing.T
	srv    *slacktest.Server
	app    *cli.App
	bot    *bot.Bot
	stop   func() error
	counts *atomic.Int64
	gate   gateFeature
}

type harnessOpt func(*bot.Deps)

func withAllowed(users ...string) harnessOpt {
	return func(d *bot.Deps) { d.Options.AllowedUsers = users }
}

func withPingTimeout(p time.Duration) harnessOpt {
	return func(d *bot.Deps) { d.PingTimeout = p }
}

// testFeatures are commands only the tests route: slow, counting and panicking handlers.
type slowFeature struct{ delay time.Duration }

func (f slowFeature) Command() handlers.Command {
	return handlers.Command{Name: "/slow", Description: "waits", Handle: func(ctx context.Context, r handlers.Request) (slackmsg.Response, error) {
		select {
		case <-time.After(f.delay):
			return slackmsg.Ephemeral("slow answer for " + slackmsg.Escape(r.Text)), nil
		case <-ctx.Done():
			return slackmsg.Response{}, ctx.Err()
		}
	}}
}

// gateFeature's /gate handler says it started, then holds until the test opens the gate: an
// envelope in flight for exactly as long as a test needs one.
type gateFeature struct{ started, release chan struct{} }

func newGate() gateFeature {
	return gateFeature{started: make(chan struct{}, 16), release: make(chan struct{})}
}

func (f gateFeature) Command() handlers.Command {
	return handlers.Command{Name: "/gate", Description: "holds", Handle: func(ctx context.Context, r handlers.Request) (slackmsg.Response, error) {
		f.started <- struct{}{}
		select {
		case <-f.release:
			return slackmsg.Ephemeral("gate answer for " + slackmsg.Escape(r.Text)), nil
		case <-ctx.Done():
			return slackmsg.Response{}, ctx.Err()
		}
	}}
}

type countFeature struct{ n *atomic.Int64 }

func (f countFeature) Command() handlers.Command {
	return handlers.Command{Name: "/count", Description: "counts", Handle: func(ctx context.Context, r handlers.Request) (slackmsg.Response, error) {
		return slackmsg.Ephemeral(fmt.Sprintf("acted %d", f.n.Add(1))), nil
	}}
}

type panicFeature struct{}

func (panicFeature) Command() handlers.Command {
	return handlers.Command{Name: "/boom", Description: "panics", Handle: func(ctx context.Context, r handlers.Request) (slackmsg.Response, error) {
		var m map[string]int
		//lint:ignore SA5000 the panic is the point: the bot must survive a handler's real nil-map panic
		m["x"] = 1
		return slackmsg.Response{}, nil
	}}
}

func newStore(t testing.TB) *cli.App {
	t.Helper()
	st := storetest.Open(t, store.Postgres)
	app, err := cli.Prepare(context.Background(), config.Options{}, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func startBot(t testing.TB, srv *slacktest.Server, app *cli.App, counts *atomic.Int64, gate gateFeature, opts ...harnessOpt) (*bot.Bot, func() error) {
	t.Helper()
	features := append(cli.Features(app),
		slowFeature{delay: 400 * time.Millisecond}, countFeature{counts}, panicFeature{}, gate)
	d := bot.Deps{
		Options:  bottest.Options(srv),
		Log:      slog.New(slog.DiscardHandler),
		Registry: handlers.NewRegistry(features...),
		Claims:   app.Store,
		Homes:    app.Store,
		Ready:    app.Store.Ping,
	}
	d.Options.AckBudget = 150 * time.Millisecond // so the slow handler goes through response_url quickly
	for _, o := range opts {
		o(&d)
	}
	b := bot.New(d)
	return b, bottest.Start(t, srv, b)
}

func start(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	srv := bottest.NewServer(t)
	app := newStore(t)
	counts, gate := &atomic.Int64{}, newGate()
	b, stop := startBot(t, srv, app, counts, gate, opts...)
	return &harness{t: t, srv: srv, app: app, bot: b, stop: stop, counts: counts, gate: gate}
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

func (h *harness) slash(cmd slacktest.SlashCommand) slacktest.Ack {
	h.t.Helper()
	ack, err := h.srv.SlashCommand(h.ctx(), cmd)
	if err != nil {
		h.t.Fatalf("%s %s: %v", cmd.Command, cmd.Text, err)
	}
	return ack
}

// ackText is what the user sees from an ack's payload.
func ackText(t *testing.T, ack slacktest.Ack) string {
	t.Helper()
	if len(ack.Payload) == 0 || string(ack.Payload) == "null" {
		return ""
	}
	return string(ack.Payload)
}

// answer runs a command and returns what the user sees: the ack's payload, or the response_url
// post when the handler missed the ack budget (a busy machine may push any answer there).
func (h *harness) answer(cmd slacktest.SlashCommand) string {
	h.t.Helper()
	ack := h.slash(cmd)
	body, err := seen(h.ctx(), h.srv, ack)
	if err != nil {
		h.t.Fatalf("%s %s: %v", cmd.Command, cmd.Text, err)
	}
	return body
}

// seen is what the user sees of an acked command: the ack's payload, or else the response_url
// post that follows it.
func seen(ctx context.Context, srv *slacktest.Server, ack slacktest.Ack) (string, error) {
	if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
		return string(ack.Payload), nil
	}
	post, err := srv.WaitForResponsePost(ctx, ack.ResponseURL)
	if err != nil {
		return "", fmt.Errorf("no answer in the ack nor on response_url: %w", err)
	}
	return string(post.Body), nil
}

func withAdmins(users ...string) harnessOpt {
	return func(d *bot.Deps) { d.Options.AdminUsers = users }
}

func withAckBudget(d time.Duration) harnessOpt {
	return func(d2 *bot.Deps) { d2.Options.AckBudget = d }
}

// TestE2E_accountAnsweredOnce: with the production budget the card rides in the ack on a quiet
// machine; on a busy one it may miss the budget and go through response_url instead. Either way
// the user sees the card exactly once, and the ack itself is never late.
func TestE2E_accountAnsweredOnce(t *testing.T) {
	h := start(t, withAckBudget(2*time.Second)) // the production budget
	ack := h.slash(slacktest.SlashCommand{Command: "/account", Text: "expedia"})
	if ack.Latency > 3*time.Second {
		t.Errorf("ack took %v; Slack's limit is 3s", ack.Latency)
	}
	body := ackText(t, ack)
	if body != "" {
		if n := len(h.srv.ResponseURLPosts()); n != 0 {
			t.Errorf("answered in the ack, yet %d response_url posts", n)
		}
	} else {
		post, err := h.srv.WaitForResponsePost(h.ctx(), ack.ResponseURL)
		if err != nil {
			t.Fatalf("no card in the ack nor on response_url: %v", err)
		}
		body = string(post.Body)
	}
	for _, want := range []string{"Expedia Group", "6x", "40-day", "5,000+", "Erik Lindgren", `"response_type":"ephemeral"`} {
		if !strings.Contains(body, want) {
			t.Errorf("card lacks %q: %s", want, body)
		}
	}
	// Slack escapes & as &amp; in command text; the bot must still find H&M.
	if body := h.answer(slacktest.SlashCommand{Command: "/account", Text: "H&amp;M"}); !strings.Contains(body, `"text":"H\u0026M"`) {
		t.Errorf("/account H&amp;M: %s", body)
	}
}

func TestE2E_slowHandlerAnsweredThroughResponseURL(t *testing.T) {
	h := start(t)
	ack := h.slash(slacktest.SlashCommand{Command: "/slow", Text: "report"})
	if ackText(t, ack) != "" {
		t.Errorf("a slow answer must not wait for the ack: %s", ack.Payload)
	}
	if ack.Latency > time.Second {
		t.Errorf("ack took %v; the budget is 150ms", ack.Latency)
	}
	post, err := h.srv.WaitForResponsePost(h.ctx(), ack.ResponseURL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(post.Body), "slow answer for report") {
		t.Errorf("response_url post: %s", post.Body)
	}
}

func TestE2E_buttonClickRouted(t *testing.T) {
	h := start(t)
	if _, err := h.app.Store.UpsertAccount(context.Background(), &store.Account{Name: "American Express", Domain: "americanexpress.com"}); err != nil {
		t.Fatal(err)
	}
	body := h.answer(slacktest.SlashCommand{Command: "/account", Text: "american"})
	var msg struct {
		Blocks []struct {
			Elements []struct {
				ActionID string                `json:"action_id"`
				Value    string                `json:"value"`
				Text     struct{ Text string } `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		t.Fatal(err)
	}
	var actionID, value string
	for _, b := range msg.Blocks {
		for _, e := range b.Elements {
			if e.Text.Text == "American Airlines" {
				actionID, value = e.ActionID, e.Value
			}
		}
	}
	if actionID == "" {
		t.Fatalf("no pick-list button for American Airlines: %s", body)
	}
	responseURL := h.srv.NewResponseURL()
	ack, err := h.srv.Interaction(h.ctx(), map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U0001"}, "channel": map[string]any{"id": "C0001"},
		"trigger_id": h.srv.NewTriggerID(), "response_url": responseURL, "container": map[string]any{"type": "message", "message_ts": "1.000"},
		"actions": []map[string]any{{"type": "button", "action_id": actionID, "block_id": "account_pick", "value": value, "action_ts": "1.1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ackText(t, ack) != "" {
		t.Errorf("block_actions are acked empty, got %s", ack.Payload)
	}
	post, err := h.srv.WaitForResponsePost(h.ctx(), responseURL)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(post.Body); !strings.Contains(got, "one month") || !strings.Contains(got, `"replace_original":true`) {
		t.Errorf("the click should replace the list with American Airlines' card: %s", got)
	}
}

func TestE2E_redeliveredEnvelopeActedOnOnce(t *testing.T) {
	h := start(t)
	trigger := h.srv.NewTriggerID()
	first := h.answer(slacktest.SlashCommand{Command: "/count", TriggerID: trigger})
	again := h.slash(slacktest.SlashCommand{Command: "/count", TriggerID: trigger, RetryAttempt: 1})
	if !strings.Contains(first, "acted 1") {
		t.Errorf("first delivery: %s", first)
	}
	if ackText(t, again) != "" {
		t.Errorf("the redelivery must be acked without acting again: %s", again.Payload)
	}
	if n := h.counts.Load(); n != 1 {
		t.Errorf("acted %d times, want once", n)
	}
}

func TestE2E_answersFlowAfterDisconnects(t *testing.T) {
	h := start(t)
	h.srv.Disconnect("refresh_requested")
	if err := h.srv.WaitConnected(h.ctx(), 2); err != nil {
		t.Fatal(err)
	}
	if body := h.answer(slacktest.SlashCommand{Command: "/account", Text: "toyota"}); !strings.Contains(body, "Toyota") {
		t.Errorf("after refresh_requested: %s", body)
	}
	h.srv.DropAll()
	if err := h.srv.WaitConnected(h.ctx(), 3); err != nil {
		t.Fatal(err)
	}
	if body := h.answer(slacktest.SlashCommand{Command: "/account", Text: "adobe"}); !strings.Contains(body, "Adobe") {
		t.Errorf("after an abrupt close: %s", body)
	}
	metrics := get(t, h, "/metrics")
	if !strings.Contains(metrics, "outreachbot_reconnects_total 2") {
		t.Errorf("want 2 reconnects counted:\n%s", grep(metrics, "reconnects"))
	}
}

func TestE2E_missedPingsReconnect(t *testing.T) {
	h := start(t, withPingTimeout(300*time.Millisecond))
	h.srv.SetPings(100 * time.Millisecond)
	hellos := h.srv.Hellos()
	h.srv.SetPings(0)
	if err := h.srv.WaitConnected(h.ctx(), hellos+1); err != nil {
		t.Fatalf("no reconnect after pings stopped: %v", err)
	}
	h.srv.SetPings(100 * time.Millisecond)
	if body := h.answer(slacktest.SlashCommand{Command: "/account", Text: "spotify"}); !strings.Contains(body, "Spotify") {
		t.Errorf("after a dead link: %s", body)
	}
}

func TestE2E_rateLimitStormNothingLostOrDoubled(t *testing.T) {
	h := start(t)
	h.srv.RateLimit("chat.postMessage", 6, time.Second)
	ctx := h.ctx()
	channels := []string{"C0A", "C0B", "C0C"}
	errs := make(chan error, 6)
	for _, ch := range channels {
		go func() {
			for i := 1; i <= 2; i++ {
				_, err := h.bot.Poster().PostMessage(ctx, ch, "", slackmsg.Ephemeral(fmt.Sprintf("%s message %d", ch, i)))
				errs <- err
			}
		}()
	}
	for i := 0; i < 6; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, ch := range channels {
		msgs := h.srv.Messages(ch)
		if len(msgs) != 2 || msgs[0].Text != ch+" message 1" || msgs[1].Text != ch+" message 2" {
			var got []string
			for _, m := range msgs {
				got = append(got, m.Text)
			}
			t.Errorf("%s holds %q, want each message once, in order", ch, got)
		}
	}
	rejected := 0
	for _, c := range h.srv.Calls("chat.postMessage") {
		if c.RateLimited {
			rejected++
		}
	}
	if rejected != 6 {
		t.Errorf("the storm should have rejected 6 calls, saw %d", rejected)
	}
	// A 429 on response_url is waited out too.
	h.srv.RateLimit("response_url", 1, time.Second)
	ack := h.slash(slacktest.SlashCommand{Command: "/slow", Text: "after storm"})
	posts, err := h.srv.WaitForResponsePosts(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 || posts[0].ResponseURL != ack.ResponseURL || !strings.Contains(string(posts[0].Body), "after storm") {
		t.Errorf("response after a 429: %+v", posts)
	}
}

func TestE2E_notAllowedUserRefused(t *testing.T) {
	h := start(t, withAllowed("U0ALLOWED"))
	body := h.answer(slacktest.SlashCommand{Command: "/account", Text: "expedia", UserID: "U0STRANGER"})
	if !strings.Contains(body, "only open to the go-to-market team") || strings.Contains(body, "Expedia") {
		t.Errorf("a stranger must be refused: %s", body)
	}
	if body := h.answer(slacktest.SlashCommand{Command: "/account", Text: "expedia", UserID: "U0ALLOWED"}); !strings.Contains(body, "Expedia Group") {
		t.Errorf("an allowed user must be answered: %s", body)
	}
}

func TestE2E_panicBecomesPoliteErrorAndBotGoesOn(t *testing.T) {
	h := start(t)
	body := h.answer(slacktest.SlashCommand{Command: "/boom"})
	if !strings.Contains(body, "something broke") || !strings.Contains(body, "ephemeral") {
		t.Errorf("panic: %s", body)
	}
	if body := h.answer(slacktest.SlashCommand{Command: "/pain", Text: "yaml"}); !strings.Contains(body, "YAML") {
		t.Errorf("after a panic: %s", body)
	}
}

func TestE2E_appHomePublished(t *testing.T) {
	h := start(t)
	if _, err := h.srv.Event(h.ctx(), map[string]any{"type": "app_home_opened", "user": "U0001", "channel": "D0001", "tab": "home", "event_ts": "1.0"}); err != nil {
		t.Fatal(err)
	}
	calls, err := h.srv.WaitForCalls(h.ctx(), "views.publish", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !calls[0].OK() || calls[0].Args["user_id"] != "U0001" || !strings.Contains(string(calls[0].Body), "/account") {
		t.Errorf("home view: %+v", calls[0])
	}
}

func TestE2E_healthReadinessAndMetrics(t *testing.T) {
	h := start(t, withAckBudget(2*time.Second))
	if got := get(t, h, "/debug/pprof/"); !strings.Contains(got, "heap") {
		t.Errorf("/debug/pprof/ = %.200q", got)
	}
	if got := get(t, h, "/healthz"); !strings.Contains(got, "ok") {
		t.Errorf("/healthz: %q", got)
	}
	h.slash(slacktest.SlashCommand{Command: "/account", Text: "expedia"}) // answered in the ack (2 s budget)
	h.slash(slacktest.SlashCommand{Command: "/gate", Text: "x"})          // acked empty at the budget: the gate is shut
	close(h.gate.release)
	if _, err := h.srv.WaitForResponsePosts(h.ctx(), 1); err != nil {
		t.Fatal(err)
	}
	// The commands came over the socket after its hello, so the bot counts itself connected.
	if got := get(t, h, "/readyz"); strings.TrimSpace(got) != "ready" {
		t.Errorf("/readyz: %q", got)
	}
	metrics := get(t, h, "/metrics")
	for _, want := range []string{`outreachbot_envelopes_total{type="slash_commands"} 2`, "outreachbot_ack_latency_seconds_count 2",
		`outreachbot_slack_api_calls_total{method="response_url",outcome="ok"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, "xoxb-test") || strings.Contains(metrics, "xapp-1-test") {
		t.Error("a token leaked into /metrics")
	}
}

// TestE2E_sigtermStopsJobsFinishesInFlightAndWaitsForJobs: at SIGTERM the background jobs (the
// digest scheduler, the watchers) are cancelled at once, not after the drain; the envelope in
// flight is still answered; and Run returns only once the jobs have finished.
func TestE2E_sigtermStopsJobsFinishesInFlightAndWaitsForJobs(t *testing.T) {
	var (
		b                 *bot.Bot
		srv               *slacktest.Server
		cancelled         = make(chan struct{})
		cancelledInFlight atomic.Bool
		finished          atomic.Bool
	)
	job := func(ctx context.Context) error {
		<-ctx.Done()
		cancelledInFlight.Store(len(srv.ResponseURLPosts()) == 0)
		close(cancelled)
		// Work a job does on its way out: Run must wait for it.
		if _, err := b.Poster().PostMessage(context.Background(), "C0JOB", "", slackmsg.Ephemeral("job stopped")); err != nil {
			return err
		}
		finished.Store(true)
		return nil
	}
	h := start(t, func(d *bot.Deps) { d.Background = append(d.Background, job) })
	b, srv = h.bot, h.srv

	acked := make(chan string, 1)
	go func() {
		ack, err := h.srv.SlashCommand(h.ctx(), slacktest.SlashCommand{Command: "/gate", Text: "in flight"})
		if err != nil {
			acked <- err.Error()
			return
		}
		acked <- string(ack.Payload)
	}()
	ctx := h.ctx()
	select {
	case <-h.gate.started:
	case <-ctx.Done():
		t.Fatal("the /gate command never reached its handler")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- h.stop() }()
	select {
	case <-cancelled:
	case <-ctx.Done():
		t.Fatal("the background job was not cancelled at shutdown")
	}
	if !cancelledInFlight.Load() {
		t.Error("the background job was cancelled only after the in-flight envelope was answered; want at once")
	}
	close(h.gate.release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run returned %v on shutdown", err)
	}
	if !finished.Load() {
		t.Error("Run returned before its background job finished")
	}
	if msgs := h.srv.Messages("C0JOB"); len(msgs) != 1 {
		t.Errorf("the job's last post: %d messages", len(msgs))
	}
	// The answer is in the ack when the gate opened within the ack budget, else on response_url.
	answers := []string{<-acked}
	for _, p := range h.srv.ResponseURLPosts() {
		answers = append(answers, string(p.Body))
	}
	n := 0
	for _, a := range answers {
		if strings.Contains(a, "gate answer for in flight") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the in-flight answer was lost on shutdown (or sent twice): %q", answers)
	}
}

func TestE2E_replicasShareTheWorkAndActOnce(t *testing.T) {
	h := start(t)
	startBot(t, h.srv, h.app, h.counts, h.gate) // a second replica on the same PostgreSQL
	if err := h.srv.WaitConnections(h.ctx(), 2); err != nil {
		t.Fatal(err)
	}
	conns := map[int]bool{}
	for i := 0; i < 4; i++ {
		trigger := h.srv.NewTriggerID()
		first := h.slash(slacktest.SlashCommand{Command: "/count", TriggerID: trigger})
		retry := h.slash(slacktest.SlashCommand{Command: "/count", TriggerID: trigger, RetryAttempt: 1})
		conns[first.Conn], conns[retry.Conn] = true, true
		if ackText(t, retry) != "" {
			t.Errorf("redelivery to the other replica acted again: %s", retry.Payload)
		}
	}
	if len(conns) < 2 {
		t.Errorf("envelopes all went to one connection: %v", conns)
	}
	if n := h.counts.Load(); n != 4 {
		t.Errorf("acted %d times for 4 commands", n)
	}
}

func get(t *testing.T, h *harness, path string) string {
	t.Helper()
	addr, err := h.bot.OpsAddr(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestE2E_secretsNeverReachTheLog(t *testing.T) {
	logs := &syncBuffer{}
	h := start(t, func(d *bot.Deps) {
		d.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	h.slash(slacktest.SlashCommand{Command: "/account", Text: "expedia"})
	h.slash(slacktest.SlashCommand{Command: "/boom"})
	h.srv.FailNext("chat.postMessage", 1, http.StatusBadRequest)
	_, _ = h.bot.Poster().PostMessage(h.ctx(), "C0LOG", "", slackmsg.Ephemeral("x"))
	h.srv.DropAll()
	if err := h.srv.WaitConnected(h.ctx(), 2); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, `"request_id"`) || !strings.Contains(out, "handler panicked") {
		t.Fatalf("expected structured request logs, got:\n%s", out)
	}
	for _, secret := range []string{"xoxb-test", "xapp-1-test"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains a token:\n%s", out)
		}
	}
}

func TestE2E_refusedTokensStopWithAClearError(t *testing.T) {
	srv := slacktest.NewServer(slacktest.WithAppToken("xapp-1-right"), slacktest.WithBotToken("xoxb-right"))
	t.Cleanup(srv.Close)
	app := newStore(t)
	for _, c := range []struct{ app, bot, want string }{
		{"xapp-1-right", "xoxb-wrong", "SLACK_BOT_TOKEN"},
		{"xapp-1-wrong", "xoxb-right", "SLACK_APP_TOKEN"},
	} {
		b := bot.New(bot.Deps{
			Options: config.Options{AppToken: c.app, BotToken: c.bot, SlackAPIURL: srv.APIURL(), HTTPAddr: "off",
				AckBudget: time.Second, HandlerTimeout: time.Second},
			Registry: app.Registry, Claims: app.Store,
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := b.Run(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "invalid_auth") {
			t.Errorf("app %s bot %s: want an error naming %s, got %v", c.app, c.bot, c.want, err)
		}
		if err != nil && (strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "right")) {
			t.Errorf("the error shows a token: %v", err)
		}
	}
}

// roundTrips counts the HTTP requests that have come back (answered or failed) and signals each.
type roundTrips struct {
	next http.RoundTripper
	done chan struct{}
}

func (r *roundTrips) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	select {
	case r.done <- struct{}{}:
	default:
	}
	return resp, err
}

// readyz returns /readyz's status and body.
func readyz(t *testing.T, ctx context.Context, b *bot.Bot) (int, string) {
	t.Helper()
	addr, err := b.OpsAddr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// TestE2E_slackAnswering503IsRetriedWhileReadyzSaysWhy: an outage is not a refused token. The
// bot keeps asking with backoff, /readyz says why it is not ready, and it connects once Slack
// is back.
func TestE2E_slackAnswering503IsRetriedWhileReadyzSaysWhy(t *testing.T) {
	srv := bottest.NewServer(t)
	srv.SetUnavailable(http.StatusServiceUnavailable)
	app := newStore(t)
	logs := &syncBuffer{}
	b := bot.New(bot.Deps{Options: bottest.Options(srv), Registry: app.Registry, Claims: app.Store, Ready: app.Store.Ping,
		Log: slog.New(slog.NewJSONHandler(logs, nil))})
	stop, _ := bottest.Run(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	if _, err := srv.WaitForCalls(ctx, "auth.test", 2); err != nil {
		t.Fatalf("auth.test was not retried: %v", err)
	}
	status, body := readyz(t, ctx, b)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "cannot reach Slack") || !strings.Contains(body, "503 Service Unavailable") {
		t.Errorf("/readyz during the outage: %d %q", status, body)
	}
	srv.SetUnavailable(0)
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("no connection once Slack was back: %v", err)
	}
	ack, err := srv.SlashCommand(ctx, slacktest.SlashCommand{Command: "/account", Text: "expedia"})
	if err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	// In the ack, or on response_url when a busy machine missed the ack budget.
	if body, err := seen(ctx, srv, ack); err != nil || !strings.Contains(body, "Expedia Group") {
		t.Errorf("after the outage: %s, %v", body, err)
	}
	if err := stop(); err != nil {
		t.Errorf("Run returned %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "cannot reach Slack") || strings.Contains(out, "refused") {
		t.Errorf("the log should tell an outage, not a refused token:\n%s", out)
	}
	for _, secret := range []string{bottest.BotToken, bottest.AppToken} {
		if strings.Contains(out, secret) || strings.Contains(body, secret) {
			t.Errorf("a token leaked:\n%s\n%s", body, out)
		}
	}
}

// TestE2E_unreachableSlackIsRetriedUntilShutdown: with nothing listening at the Slack URL the bot
// neither exits nor blames the token; /readyz says Slack cannot be reached, and SIGTERM stops it.
func TestE2E_unreachableSlackIsRetriedUntilShutdown(t *testing.T) {
	app := newStore(t)
	trips := &roundTrips{next: http.DefaultTransport, done: make(chan struct{}, 1)}
	opts := config.Options{AppToken: bottest.AppToken, BotToken: bottest.BotToken, SlackAPIURL: slacktest.UnreachableAPIURL(),
		HTTPAddr: "127.0.0.1:0", AckBudget: 2 * time.Second, HandlerTimeout: 10 * time.Second}
	b := bot.New(bot.Deps{Options: opts, Registry: app.Registry, Claims: app.Store, Ready: app.Store.Ping,
		HTTPClient: &http.Client{Transport: trips, Timeout: 5 * time.Second}})
	stop, _ := bottest.Run(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for range 2 { // the first attempt and its retry have failed
		select {
		case <-trips.done:
		case <-ctx.Done():
			t.Fatal("the bot stopped calling Slack")
		}
	}
	status, body := readyz(t, ctx, b)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "cannot reach Slack") || !strings.Contains(body, "connection refused") {
		t.Errorf("/readyz while Slack is unreachable: %d %q", status, body)
	}
	if err := stop(); err != nil {
		t.Errorf("Run returned %v; want nil at shutdown", err)
	}
}
