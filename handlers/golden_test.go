package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"outreachbot/cli"
	"outreachbot/clock/clocktest"
	"outreachbot/digest"
	"outreachbot/slackmsg"
	"outreachbot/store"
)

// update rewrites the golden files from what the code renders now:
//
//	go test ./handlers/ -run TestGolden -update
//
// then read the diff (git diff handlers/testdata/golden) as a reviewer would read a screenshot.
var update = flag.Bool("update", false, "rewrite handlers/testdata/golden/*.json from the current output")

// TestGolden_blockKitOfTheMainAnswers pins the Block Kit of each command's main answer, as Slack
// receives it: a change to a card, a pick-list, a draft or a digest shows up as a diff of its
// golden file, to be read and accepted with -update, never as a silent change.
func TestGolden_blockKitOfTheMainAnswers(t *testing.T) {
	app := newApp(t, store.SQLite) // SQLite: the same ids on every run
	if _, err := app.Store.UpsertAccount(context.Background(), &store.Account{Name: "American Express", Domain: "americanexpress.com"}); err != nil {
		t.Fatal(err)
	}
	draft := newDraftEnv(t, store.SQLite)
	cases := []struct {
		name string
		msgs func(t *testing.T) []slackmsg.Response
	}{
		{"account-card", func(t *testing.T) []slackmsg.Response { return one(ask(t, app, "/account expedia")) }},
		{"account-pick-list", func(t *testing.T) []slackmsg.Response { return one(ask(t, app, "/account american")) }},
		{"draft", func(t *testing.T) []slackmsg.Response { return one(draft.cmd("U1", "/draft expedia")) }},
		{"digest", func(t *testing.T) []slackmsg.Response { return postedDigest(t, app) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var payloads []any
			for _, m := range c.msgs(t) {
				payloads = append(payloads, m.Payload())
			}
			got, err := json.MarshalIndent(payloads, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", c.name+".json"), append(got, '\n'))
		})
	}
}

func one(r slackmsg.Response) []slackmsg.Response { return []slackmsg.Response{r} }

// golden compares got with the file at path, or rewrites the file with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with: go test ./handlers/ -run TestGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what is rendered now; if the change is meant, accept it with\n"+
			"  go test ./handlers/ -run TestGolden -update\nand review the diff. Rendered now:\n%s", path, got)
	}
}

// postedDigest posts a digest of four fixed signals through the real engine and scheduler, on a
// fixed clock, and returns its messages as they finally stand (the channel message, then the
// thread), placeholders already replaced.
func postedDigest(t *testing.T, app *cli.App) []slackmsg.Response {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	clk := clocktest.NewManual(now)
	eng := digest.New(app.Store, digest.Options{Clock: clk, Segment: app.Knowledge.Segments, TopItems: 2})
	sub, err := eng.Subscribe(ctx, digest.SubscribeRequest{ChannelID: "CGOLDEN", UserID: "U1", Schedule: "daily 09:00", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	var in []store.NewSignal
	for i, s := range []struct{ account, kind, title string }{
		{"expediagroup", "job_posting", "Senior Platform Engineer, Developer Portal"},
		{"expediagroup", "conference_talk", "Scaling Backstage to 5,000 developers"},
		{"spotify", "github_issue", "Catalog ingestion slows down past 10k entities"},
		{"toyota", "blog_post", "How we cut onboarding time with an internal portal"},
	} {
		var acc store.Account
		if err := app.Store.DB().Where("key = ?", s.account).Take(&acc).Error; err != nil {
			t.Fatalf("account %s: %v", s.account, err)
		}
		at := now.Add(-time.Duration(i+1) * time.Hour)
		in = append(in, store.NewSignal{Signal: store.Signal{AccountID: &acc.ID, Kind: s.kind, Title: s.title,
			URL: fmt.Sprintf("https://example.com/golden/%d", i), OccurredAt: &at, DiscoveredAt: at, Source: "golden",
			DedupeKey: fmt.Sprintf("golden:%d", i)}})
	}
	if _, err := app.Store.IngestSignals(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RunNow(ctx, sub.ID, "U1"); err != nil {
		t.Fatal(err)
	}
	slack := &recordingSlack{}
	if err := digest.NewScheduler(eng, slack, digest.SchedulerOptions{}).Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if len(slack.msgs) == 0 {
		t.Fatal("the digest posted nothing")
	}
	return slack.msgs
}

// recordingSlack keeps the messages a digest posts, with chat.update applied.
type recordingSlack struct {
	mu   sync.Mutex
	msgs []slackmsg.Response
}

func (s *recordingSlack) PostMessage(_ context.Context, _, _ string, r slackmsg.Response) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	return fmt.Sprint(len(s.msgs)), nil
}

func (s *recordingSlack) UpdateMessage(_ context.Context, _, ts string, r slackmsg.Response) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var i int
	if _, err := fmt.Sscan(ts, &i); err != nil || i < 1 || i > len(s.msgs) {
		return fmt.Errorf("no message %q", ts)
	}
	s.msgs[i-1] = r
	return nil
}
