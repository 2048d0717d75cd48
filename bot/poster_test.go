package bot

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/slacktest"
)

// fakeTime is a clock whose sleeps advance it at once, so pacing is tested without waiting.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

func newTestPoster(t *testing.T) (*Poster, *slacktest.Server, *fakeTime) {
	srv := slacktest.NewServer()
	t.Cleanup(srv.Close)
	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()))
	p := NewPoster(api, nil, nil)
	ft := &fakeTime{now: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	p.now, p.sleep = ft.Now, ft.Sleep
	return p, srv, ft
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
	if len(ft.sleeps) != len(want) {
		t.Fatalf("sleeps = %v, want %v", ft.sleeps, want)
	}
	for i := range want {
		if ft.sleeps[i] != want[i] {
			t.Errorf("sleep %d = %v, want %v", i, ft.sleeps[i], want[i])
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
	for _, s := range ft.sleeps {
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
