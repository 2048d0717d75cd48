package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// testBot is a minimal Socket Mode app on the real slack-go client: it acks slash
// commands with {"text":"<name>: <text>"}, and everything else with no payload.
type testBot struct {
	name   string
	api    *slack.Client
	client *socketmode.Client
	cancel context.CancelFunc
	done   chan error // RunContext's result
	hello  chan socketmode.Request

	mu       sync.Mutex
	requests []socketmode.Request
	hellos   int
	runErr   error
	finished bool
}

func newServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

func startBot(t *testing.T, srv *Server, name string, smOpts ...socketmode.Option) *testBot {
	t.Helper()
	api := slack.New("xoxb-test", slack.OptionAppLevelToken("xapp-test"), slack.OptionAPIURL(srv.APIURL()))
	b := &testBot{name: name, api: api, client: socketmode.New(api, smOpts...), done: make(chan error, 1),
		hello: make(chan socketmode.Request, 16)}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	loopDone := make(chan struct{})
	go func() {
		err := b.client.RunContext(ctx)
		b.mu.Lock()
		b.runErr, b.finished = err, true
		b.mu.Unlock()
		b.done <- err
	}()
	go func() {
		defer close(loopDone)
		b.loop(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-loopDone
		b.mu.Lock()
		finished := b.finished
		b.mu.Unlock()
		if !finished {
			select {
			case <-b.done:
			case <-time.After(5 * time.Second):
				t.Errorf("bot %s: RunContext did not return after cancel", name)
			}
		}
	})
	return b
}

func (b *testBot) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-b.client.Events:
			b.mu.Lock()
			if evt.Request != nil {
				b.requests = append(b.requests, *evt.Request)
			}
			if evt.Type == socketmode.EventTypeHello {
				b.hellos++
			}
			b.mu.Unlock()
			if evt.Type == socketmode.EventTypeHello && evt.Request != nil {
				select {
				case b.hello <- *evt.Request:
				default:
				}
			}
			switch evt.Type {
			case socketmode.EventTypeSlashCommand:
				cmd := evt.Data.(slack.SlashCommand)
				switch cmd.Command {
				case "/slow":
					req := *evt.Request
					time.AfterFunc(300*time.Millisecond, func() { _ = b.client.Ack(req) })
				case "/later":
					_ = b.client.Ack(*evt.Request)
					_, _, _ = b.api.PostMessageContext(ctx, cmd.ChannelID,
						slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeInChannel),
						slack.MsgOptionText("later: "+cmd.Text, false))
				default:
					_ = b.client.Ack(*evt.Request, map[string]any{"text": b.name + ": " + cmd.Text})
				}
			case socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
				_ = b.client.Ack(*evt.Request)
			}
		}
	}
}

func (b *testBot) seen() []socketmode.Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]socketmode.Request(nil), b.requests...)
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func ackText(t *testing.T, a Ack) string {
	t.Helper()
	var p struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(a.Payload, &p); err != nil {
		t.Fatalf("ack payload %q: %v", a.Payload, err)
	}
	return p.Text
}

func TestConnectAndHello(t *testing.T) {
	srv := newServer(t)
	b := startBot(t, srv, "bot")
	ctx := ctxT(t, 5*time.Second)
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got := srv.Connections(); got != 1 {
		t.Errorf("Connections = %d, want 1", got)
	}
	if got := srv.ConnectionsOpened(); got != 1 {
		t.Errorf("ConnectionsOpened = %d, want 1", got)
	}
	calls := srv.Calls("apps.connections.open")
	if len(calls) != 1 || calls[0].Token != "xapp-test" || !calls[0].OK() {
		t.Fatalf("apps.connections.open calls = %+v", calls)
	}
	// The client surfaces the hello as an event with the server's details.
	select {
	case hello := <-b.hello:
		if hello.NumConnections != 1 || hello.ConnectionInfo.AppID != AppID || hello.DebugInfo.Host == "" {
			t.Errorf("hello = %+v", hello)
		}
	case <-ctxT(t, 2*time.Second).Done():
		t.Fatal("client never saw hello")
	}
}

func TestSlashCommandAckPayloadAndResponseURL(t *testing.T) {
	srv := newServer(t)
	b := startBot(t, srv, "bot")
	ctx := ctxT(t, 5*time.Second)

	ack, err := srv.SlashCommand(ctx, SlashCommand{Command: "/outreach", Text: "list H&amp;M", UserID: "U42"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ackText(t, ack); got != "bot: list H&amp;M" {
		t.Errorf("ack text = %q", got)
	}
	if !ack.Matched || ack.Latency <= 0 || ack.Conn != 1 || !strings.HasPrefix(ack.ResponseURL, srv.URL()+"/response/") {
		t.Errorf("ack = %+v", ack)
	}
	var req *socketmode.Request
	for _, r := range b.seen() {
		if r.Type == "slash_commands" {
			req = &r
		}
	}
	if req == nil || !req.AcceptsResponsePayload || req.EnvelopeID != ack.EnvelopeID {
		t.Fatalf("client saw %+v", req)
	}
	var cmd slack.SlashCommand
	if err := json.Unmarshal(req.Payload, &cmd); err != nil {
		t.Fatal(err)
	}
	if cmd.TeamID != TeamID || cmd.UserID != "U42" || cmd.TriggerID == "" || cmd.ResponseURL != ack.ResponseURL || cmd.APIAppID != AppID {
		t.Errorf("slash command payload = %+v", cmd)
	}

	// A deferred answer through response_url is recorded.
	ack, err = srv.SlashCommand(ctx, SlashCommand{Command: "/later", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if ack.Payload != nil {
		t.Errorf("empty ack has payload %s", ack.Payload)
	}
	posts, err := srv.WaitForResponsePosts(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if posts[0].ResponseURL != ack.ResponseURL || posts[0].JSON["text"] != "later: x" || posts[0].JSON["response_type"] != "in_channel" {
		t.Errorf("response post = %+v", posts[0])
	}
}

func TestSlowAckTimesOutAndIsRecordedLate(t *testing.T) {
	srv := newServer(t)
	startBot(t, srv, "bot")
	ctx := ctxT(t, 5*time.Second)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	ack, err := srv.SlashCommand(short, SlashCommand{Command: "/slow", EnvelopeID: "env-slow"})
	if !errors.Is(err, context.DeadlineExceeded) || ack.EnvelopeID != "env-slow" {
		t.Fatalf("SlashCommand = %+v, %v; want deadline exceeded", ack, err)
	}
	if err := srv.waitFor(ctx, func() bool { return len(srv.acks) >= 1 }); err != nil {
		t.Fatalf("late ack never arrived: %v", err)
	}
	if acks := srv.Acks(); len(acks) != 1 || acks[0].EnvelopeID != "env-slow" || acks[0].Matched {
		t.Errorf("late acks = %+v", acks)
	}
}

func TestInteractionEventAndRetry(t *testing.T) {
	srv := newServer(t)
	b := startBot(t, srv, "bot")
	ctx := ctxT(t, 5*time.Second)

	respURL := srv.NewResponseURL()
	ack, err := srv.Interaction(ctx, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U1"}, "trigger_id": srv.NewTriggerID(),
		"response_url": respURL, "actions": []map[string]any{{"action_id": "approve", "value": "42", "type": "button"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ack.ResponseURL != respURL {
		t.Errorf("interaction ack = %+v", ack)
	}

	if _, err := srv.Event(ctx, map[string]any{"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}); err != nil {
		t.Fatal(err)
	}

	p, err := srv.EventPayload(map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Send(ctx, Envelope{Type: "events_api", Payload: p, RetryAttempt: 2, RetryReason: "timeout"}); err != nil {
		t.Fatal(err)
	}

	var types []string
	var retried *socketmode.Request
	for _, r := range b.seen() {
		types = append(types, r.Type)
		if r.RetryAttempt == 2 {
			retried = &r
		}
	}
	if strings.Join(types, ",") != "hello,interactive,events_api,events_api" {
		t.Errorf("client saw %v", types)
	}
	if retried == nil || retried.RetryReason != "timeout" {
		t.Errorf("retried envelope = %+v", retried)
	}
}

func TestWebAPIRecording(t *testing.T) {
	srv := newServer(t)
	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()))
	ctx := ctxT(t, 5*time.Second)

	blocks := slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*hi*", false, false), nil, nil)
	ch, ts1, err := api.PostMessageContext(ctx, "C123", slack.MsgOptionText("hi", false), slack.MsgOptionBlocks(blocks))
	if err != nil {
		t.Fatal(err)
	}
	_, ts2, err := api.PostMessageContext(ctx, "C123", slack.MsgOptionText("again", false), slack.MsgOptionTS(ts1))
	if err != nil {
		t.Fatal(err)
	}
	if ch != "C123" || ts1 == "" || ts2 <= ts1 {
		t.Errorf("post returned %q %q %q", ch, ts1, ts2)
	}
	calls := srv.Calls("chat.postMessage")
	if len(calls) != 2 {
		t.Fatalf("calls = %+v", calls)
	}
	c := calls[0]
	if c.Token != "xoxb-test" || c.Args["channel"] != "C123" || c.Args["text"] != "hi" || !strings.Contains(c.Args["blocks"], `"*hi*"`) {
		t.Errorf("call = %+v", c)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C123", ts1, slack.MsgOptionText("edited", false)); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages("C123")
	if len(msgs) != 2 || msgs[0].Text != "edited" || !msgs[0].Edited || msgs[1].ThreadTS != ts1 || msgs[0].Blocks == nil {
		t.Errorf("messages = %+v", msgs)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C123", "1.2", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update of unknown ts: %v", err)
	}

	// Posting to a user lands in the DM; conversations.open agrees.
	dm, _, err := api.PostMessageContext(ctx, "U0042", slack.MsgOptionText("psst", false))
	if err != nil {
		t.Fatal(err)
	}
	opened, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U0042"}})
	if err != nil || opened.ID != dm || !strings.HasPrefix(dm, "D") || len(srv.Messages("U0042")) != 1 {
		t.Errorf("DM %q, conversations.open %+v, %v", dm, opened, err)
	}

	// JSON-bodied methods are parsed too.
	modal := slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject("plain_text", "Add", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{blocks}}, PrivateMetadata: "meta"}
	view, err := api.OpenViewContext(ctx, "trig-1", modal)
	if err != nil {
		t.Fatal(err)
	}
	vc := srv.Calls("views.open")
	if view.ID == "" || len(vc) != 1 || vc[0].Args["trigger_id"] != "trig-1" || !strings.Contains(vc[0].Args["view"], `"private_metadata":"meta"`) {
		t.Errorf("view %+v, calls %+v", view.View, vc)
	}

	at, err := api.AuthTestContext(ctx)
	if err != nil || at.UserID != BotUserID || at.BotID != BotID || at.TeamID != TeamID {
		t.Errorf("auth.test = %+v, %v", at, err)
	}
	srv.SetUser(User{ID: "U7", RealName: "Ada", TZ: "Europe/Paris"})
	u, err := api.GetUserInfoContext(ctx, "U7")
	if err != nil || u.RealName != "Ada" || u.TZ != "Europe/Paris" {
		t.Errorf("users.info = %+v, %v", u, err)
	}
	link, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C123", Ts: ts1})
	if err != nil || !strings.Contains(link, "/archives/C123/p") {
		t.Errorf("permalink %q, %v", link, err)
	}

	// Block Kit limits.
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = slack.NewDividerBlock()
	}
	_, _, err = api.PostMessageContext(ctx, "C123", slack.MsgOptionBlocks(many...))
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "invalid_blocks" || len(se.ResponseMetadata.Messages) == 0 {
		t.Errorf("51 blocks: %v", err)
	}
}

func TestRateLimitFailuresAndAuth(t *testing.T) {
	srv := newServer(t, WithBotToken("xoxb-test"))
	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()))
	ctx := ctxT(t, 5*time.Second)

	srv.RateLimit("chat.postMessage", 1, 1500*time.Millisecond)
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("a", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("err = %v, want RateLimitedError{2s}", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("a", false)); err != nil {
		t.Fatalf("second post: %v", err)
	}
	calls := srv.Calls("chat.postMessage")
	if len(calls) != 2 || !calls[0].RateLimited || calls[0].Status != 429 || calls[1].RateLimited || !calls[1].OK() {
		t.Errorf("calls = %+v", calls)
	}
	if got := srv.Messages("C1"); len(got) != 1 {
		t.Errorf("rate-limited post stored: %+v", got)
	}

	srv.FailNext("", 1, 503)
	_, err = api.AuthTestContext(ctx)
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != 503 {
		t.Errorf("err = %v, want StatusCodeError 503", err)
	}

	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(srv.APIURL()))
	if _, _, err := bad.PostMessageContext(ctx, "C1", slack.MsgOptionText("a", false)); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong bot token: %v", err)
	}
	if n, err := srv.WaitForCalls(ctx, "", 4); err != nil || len(n) != 4 {
		t.Errorf("WaitForCalls = %d, %v", len(n), err)
	}
}

func TestInvalidAppTokenEndsRunContext(t *testing.T) {
	srv := newServer(t, WithAppToken("xapp-right"))
	b := startBot(t, srv, "bot")
	select {
	case err := <-b.done:
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || se.Err != "invalid_auth" {
			t.Errorf("RunContext = %v, want invalid_auth", err)
		}
		b.done <- err // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("RunContext kept running with a bad app token")
	}
	if srv.ConnectionsOpened() != 0 || len(srv.Calls("apps.connections.open")) != 1 {
		t.Errorf("opened %d, calls %+v", srv.ConnectionsOpened(), srv.Calls(""))
	}
}

func testReconnect(t *testing.T, kick func(*Server)) {
	srv := newServer(t)
	startBot(t, srv, "bot")
	ctx := ctxT(t, 5*time.Second)
	if _, err := srv.SlashCommand(ctx, SlashCommand{Text: "one"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	kick(srv)
	if err := srv.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	t.Logf("reconnected in %v", time.Since(start))
	if got := srv.ConnectionsOpened(); got != 2 {
		t.Errorf("ConnectionsOpened = %d, want 2", got)
	}
	ack, err := srv.SlashCommand(ctx, SlashCommand{Text: "two"})
	if err != nil {
		t.Fatal(err)
	}
	if ack.Conn != 2 || ackText(t, ack) != "bot: two" {
		t.Errorf("ack after reconnect = %+v", ack)
	}
	if err := srv.waitFor(ctx, func() bool { return len(srv.conns) == 1 }); err != nil {
		t.Errorf("old socket never went away: %d open", srv.Connections())
	}
}

func TestDisconnectRefreshRequested(t *testing.T) {
	testReconnect(t, func(s *Server) { s.Disconnect("refresh_requested") })
}

func TestDropAll(t *testing.T) {
	testReconnect(t, func(s *Server) { s.DropAll() })
}

func TestMissedPingsMakeClientReconnect(t *testing.T) {
	srv := newServer(t, WithPingInterval(50*time.Millisecond))
	startBot(t, srv, "bot", socketmode.OptionPingInterval(300*time.Millisecond))
	ctx := ctxT(t, 60*time.Second) // a guard against a hang, not a timing assertion: a busy machine delays the reconnect
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Pings keep the link up past two client checks: 14 pings 50 ms apart span 650 ms.
	if err := srv.waitFor(ctx, func() bool { return srv.pings >= 14 }); err != nil {
		t.Fatal(err)
	}
	if got := srv.ConnectionsOpened(); got != 1 {
		t.Fatalf("ConnectionsOpened = %d while pinging", got)
	}
	srv.SetPings(0)
	if err := srv.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	srv.SetPings(50 * time.Millisecond)
	if _, err := srv.SlashCommand(ctx, SlashCommand{Text: "after"}); err != nil {
		t.Fatal(err)
	}
}

func TestTwoClientsShareEnvelopes(t *testing.T) {
	srv := newServer(t)
	startBot(t, srv, "a")
	startBot(t, srv, "b")
	ctx := ctxT(t, 5*time.Second)
	if err := srv.WaitConnections(ctx, 2); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	acks := make([]Ack, 6)
	errs := make([]error, 6)
	for i := range acks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acks[i], errs[i] = srv.SlashCommand(ctx, SlashCommand{Text: fmt.Sprint(i)})
		}()
	}
	wg.Wait()
	perConn := map[int]int{}
	perBot := map[string]int{}
	for i, a := range acks {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		perConn[a.Conn]++
		perBot[strings.SplitN(ackText(t, a), ":", 2)[0]]++
	}
	if perConn[1] != 3 || perConn[2] != 3 || perBot["a"] != 3 || perBot["b"] != 3 {
		t.Errorf("per connection %v, per bot %v", perConn, perBot)
	}
}

func TestCloseReleasesWaiters(t *testing.T) {
	srv := NewServer()
	errc := make(chan error, 1)
	go func() {
		_, err := srv.SlashCommand(context.Background(), SlashCommand{}) // no client: waits for a socket
		errc <- err
	}()
	// Close once the sender is waiting (the test's own wait counts too: two).
	if err := srv.waitFor(ctxT(t, 5*time.Second), func() bool { return srv.blocked >= 2 }); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("err = %v, want ErrClosed", err)
	}
}
