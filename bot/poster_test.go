package bot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/clock/clocktest"
	"outreachbot/slackmsg"
	"outreachbot/slacktest"
)

// newTestPoster is a poster on a clock whose waits pass at once, so pacing and retries are
// tested without waiting: the clock records every wait.
func newTestPoster(t *testing.T) (*Poster, *slacktest.Server, *clocktest.Skipping) {
	srv := slacktest.NewServer()
	t.Cleanup(srv.Close)
	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()))
	p := NewPoster(api, nil, nil)
	clk := clocktest.NewSkipping(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	p.clock = clk
	return p, srv, clk
}

func TestPoster_pacesOneMessageASecondPerChannel(t *testing.T) {
	p, srv, ft := newTestPoster(t)
	ctx := context.Background()
	for _, ch := range []string{"C1", "C1", "C2", "C1"} {
		if _, err := p.PostMessage(ctx, ch, "", slackmsg.Ephemeral("hi "+ch)); err != nil {
			t.Fatal(err)
		}
	}
	// C1's second post waits 1 s; C2 does not wait; C1's third waits until its next free second.
	want := []time.Duration{time.Second, time.Second}
	if len(ft.Waits()) != len(want) {
		t.Fatalf("sleeps = %v, want %v", ft.Waits(), want)
	}
	for i := range want {
		if ft.Waits()[i] != want[i] {
			t.Errorf("sleep %d = %v, want %v", i, ft.Waits()[i], want[i])
		}
	}
	if n := len(srv.Messages("C1")); n != 3 {
		t.Errorf("C1 holds %d messages", n)
	}
}

func TestPoster_honoursRetryAfterAndDoesNotRepost(t *testing.T) {
	p, srv, ft := newTestPoster(t)
	srv.RateLimit("chat.postMessage", 2, 3*time.Second)
	if _, err := p.PostMessage(context.Background(), "C1", "", slackmsg.Ephemeral("once")); err != nil {
		t.Fatal(err)
	}
	var waited time.Duration
	for _, s := range ft.Waits() {
		waited += s
	}
	if waited < 6*time.Second {
		t.Errorf("waited %v, want at least two Retry-After periods of 3s", waited)
	}
	if msgs := srv.Messages("C1"); len(msgs) != 1 {
		t.Errorf("posted %d times", len(msgs))
	}
}

func TestPoster_retriesOnlyWhatSurelyDidNotPost(t *testing.T) {
	cases := []struct {
		status   int
		wantErr  bool
		wantMsgs int
	}{
		{http.StatusInternalServerError, false, 1}, // 5xx: Slack did not act; retried
		{http.StatusServiceUnavailable, false, 1},
		{http.StatusBadRequest, true, 0}, // a 4xx is not retried
	}
	for _, c := range cases {
		p, srv, _ := newTestPoster(t)
		srv.FailNext("chat.postMessage", 1, c.status)
		_, err := p.PostMessage(context.Background(), "C1", "", slackmsg.Ephemeral("x"))
		if (err != nil) != c.wantErr {
			t.Errorf("status %d: err = %v", c.status, err)
		}
		if n := len(srv.Messages("C1")); n != c.wantMsgs {
			t.Errorf("status %d: %d messages, want %d", c.status, n, c.wantMsgs)
		}
	}
}

func TestPoster_respondToResponseURL(t *testing.T) {
	p, srv, _ := newTestPoster(t)
	url := srv.NewResponseURL()
	srv.RateLimit("response_url", 1, time.Second)
	if err := p.Respond(context.Background(), url, slackmsg.Ephemeral("late answer")); err != nil {
		t.Fatal(err)
	}
	posts := srv.ResponseURLPosts()
	if len(posts) != 1 || posts[0].JSON["text"] != "late answer" || posts[0].JSON["response_type"] != "ephemeral" {
		t.Errorf("posts = %+v", posts)
	}
}

func TestPoster_openDMAndDelete(t *testing.T) {
	p, srv, _ := newTestPoster(t)
	ctx := context.Background()
	dm, err := p.OpenDM(ctx, "U0PERSON")
	if err != nil || dm == "" || dm != srv.DMChannel("U0PERSON") {
		t.Fatalf("OpenDM = %q, %v; want %q", dm, err, srv.DMChannel("U0PERSON"))
	}
	ts, err := p.PostMessage(ctx, dm, "", slackmsg.Ephemeral("placeholder"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.UpdateMessage(ctx, dm, ts, slackmsg.Ephemeral("page 1")); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(dm); len(msgs) != 1 || msgs[0].Text != "page 1" {
		t.Fatalf("DM holds %+v", msgs)
	}
	if err := p.DeleteMessage(ctx, dm, ts); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(dm); len(msgs) != 0 {
		t.Errorf("after delete the DM holds %+v", msgs)
	}
}

// TestPoster_forgetsChannelsWhoseSlotHasPassed: the pacing map keeps the channels posted to in
// the last second, not every channel the bot ever posted to.
func TestPoster_forgetsChannelsWhoseSlotHasPassed(t *testing.T) {
	p, _, _ := newTestPoster(t)
	clk := clocktest.NewManual(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	p.clock = clk
	ctx := context.Background()
	for i := range 1000 {
		if _, err := p.PostMessage(ctx, fmt.Sprintf("C%04d", i), "", slackmsg.Ephemeral("hi")); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Second)
	}
	p.mu.Lock()
	n := len(p.next)
	p.mu.Unlock()
	if n > minSweep {
		t.Errorf("the pacing map holds %d channels after 1,000 posts to channels each free again; want at most %d", n, minSweep)
	}
}

// TestPoster_givesUpOnAPersistentOutageWithGrowingWaits: a Slack that keeps answering 503 is
// tried the poster's retries more times, with jittered waits that grow, and the error says so.
func TestPoster_givesUpOnAPersistentOutageWithGrowingWaits(t *testing.T) {
	p, srv, clk := newTestPoster(t)
	srv.FailNext("conversations.open", 100, http.StatusServiceUnavailable) // a call without a channel's pacing
	_, err := p.OpenDM(context.Background(), "U1")
	if err == nil || !strings.Contains(err.Error(), "conversations.open") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %v, want conversations.open's 503", err)
	}
	if n := len(srv.Calls("conversations.open")); n != p.retries+1 {
		t.Errorf("%d tries, want %d", n, p.retries+1)
	}
	waits := clk.Waits()
	if len(waits) != p.retries {
		t.Fatalf("waits %v, want %d", waits, p.retries)
	}
	base := 250 * time.Millisecond
	for i, w := range waits {
		if lo, hi := base/2, base+base/2+time.Nanosecond; w < lo || w > hi {
			t.Errorf("wait %d = %v, want %v ± 50%%", i, w, base)
		}
		base = min(2*base, 10*time.Second)
	}
}

func TestPoster_givesUpAfterTwentyRateLimits(t *testing.T) {
	p, srv, _ := newTestPoster(t)
	srv.RateLimit("chat.postMessage", 100, time.Second)
	_, err := p.PostMessage(context.Background(), "C1", "", slackmsg.Ephemeral("x"))
	if err == nil || !strings.Contains(err.Error(), "still rate limited after 21 tries") {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Messages("C1")); n != 0 {
		t.Errorf("posted %d messages", n)
	}
}
