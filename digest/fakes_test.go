package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/seed"
)

// FakeSlack records messages as Slack would hold them, and can fail or "crash" on a given call.
type FakeSlack struct {
	mu    sync.Mutex
	seq   int
	msgs  map[string][]*FakeMessage
	calls int
	// Crash, when set, is called before each call (n counts from 1) with whether the effect has
	// happened yet; an error it returns is returned by the call. Returning an error with
	// after=true models a process killed after Slack acted but before the bot heard back.
	Crash func(n int, method string, after bool) error
	// Validate checks every message against Slack's limits (on by default through NewFakeSlack).
	Validate bool
	t        testing.TB
}

// FakeMessage is a message in the fake channel.
type FakeMessage struct {
	Channel, TS, ThreadTS, Text string
	Blocks                      []slack.Block
	Edits                       int
}

// NewFakeSlack makes an empty fake.
func NewFakeSlack(t testing.TB) *FakeSlack {
	return &FakeSlack{msgs: map[string][]*FakeMessage{}, Validate: true, t: t}
}

var errCrash = errors.New("simulated crash")

func (f *FakeSlack) call(method string, effect func() error) error {
	f.mu.Lock()
	f.calls++
	n := f.calls
	crash := f.Crash
	f.mu.Unlock()
	if crash != nil {
		if err := crash(n, method, false); err != nil {
			return err
		}
	}
	f.mu.Lock()
	err := effect()
	f.mu.Unlock()
	if err != nil {
		return err
	}
	if crash != nil {
		if err := crash(n, method, true); err != nil {
			return err
		}
	}
	return nil
}

// PostMessage posts (or replies in a thread).
func (f *FakeSlack) PostMessage(ctx context.Context, channel, threadTS string, r slackmsg.Response) (string, error) {
	var ts string
	err := f.call("chat.postMessage", func() error {
		if err := f.check(r); err != nil {
			return err
		}
		f.seq++
		ts = fmt.Sprintf("1700000000.%06d", f.seq)
		f.msgs[channel] = append(f.msgs[channel], &FakeMessage{Channel: channel, TS: ts, ThreadTS: threadTS, Text: r.Text, Blocks: r.Blocks})
		return nil
	})
	return ts, err
}

// UpdateMessage edits a message.
func (f *FakeSlack) UpdateMessage(ctx context.Context, channel, ts string, r slackmsg.Response) error {
	return f.call("chat.update", func() error {
		if err := f.check(r); err != nil {
			return err
		}
		for _, m := range f.msgs[channel] {
			if m.TS == ts {
				m.Text, m.Blocks = r.Text, r.Blocks
				m.Edits++
				return nil
			}
		}
		return slack.SlackErrorResponse{Err: "message_not_found"}
	})
}

// check enforces the Block Kit limits a digest must keep.
func (f *FakeSlack) check(r slackmsg.Response) error {
	if !f.Validate {
		return nil
	}
	if len(r.Blocks) > slackmsg.MaxBlocks {
		return slack.SlackErrorResponse{Err: "invalid_blocks"}
	}
	if len([]rune(r.Text)) > slackmsg.MaxFallbackText {
		return slack.SlackErrorResponse{Err: "msg_too_long"}
	}
	ids := map[string]bool{}
	for _, b := range r.Blocks {
		switch v := b.(type) {
		case *slack.SectionBlock:
			if v.Text != nil && len([]rune(v.Text.Text)) > slackmsg.MaxSectionText {
				return slack.SlackErrorResponse{Err: "invalid_blocks"}
			}
		case *slack.HeaderBlock:
			if len([]rune(v.Text.Text)) > slackmsg.MaxHeaderText {
				return slack.SlackErrorResponse{Err: "invalid_blocks"}
			}
		case *slack.ActionBlock:
			if ids[v.BlockID] {
				return slack.SlackErrorResponse{Err: "invalid_blocks"}
			}
			ids[v.BlockID] = true
		}
	}
	return nil
}

// Messages returns a channel's messages in order.
func (f *FakeSlack) Messages(channel string) []FakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FakeMessage, 0, len(f.msgs[channel]))
	for _, m := range f.msgs[channel] {
		out = append(out, *m)
	}
	return out
}

// Channels lists the channels with messages.
func (f *FakeSlack) Channels() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for c := range f.msgs {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Calls is how many calls were made.
func (f *FakeSlack) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// SignalIDsIn lists the signal ids shown in blocks (one per Useful/Noise row).
func SignalIDsIn(blocks []slack.Block) []int64 {
	var out []int64
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok && strings.HasPrefix(a.BlockID, "sig:") {
			id, _ := strconv.ParseInt(strings.TrimPrefix(a.BlockID, "sig:"), 10, 64)
			out = append(out, id)
		}
	}
	return out
}

// shown counts how often each signal appears in a channel (thread replies included).
func (f *FakeSlack) shown(channel string) map[int64]int {
	out := map[int64]int{}
	for _, m := range f.Messages(channel) {
		for _, id := range SignalIDsIn(m.Blocks) {
			out[id]++
		}
	}
	return out
}

// fixture is a store with accounts to hang signals on.
type fixture struct {
	st       *store.Store
	accounts []int64
	seq      int
}

// addAccounts creates n accounts: a mix of target-segment and other companies.
func addAccounts(t testing.TB, st *store.Store, n int) *fixture {
	t.Helper()
	f := &fixture{st: st}
	industries := []string{"financial services", "healthcare", "manufacturing", "retail", "media"}
	stages := []store.Stage{store.StageEvaluating, store.StageNone, store.StageProduction, store.StageInitial}
	for i := 0; i < n; i++ {
		emp := 150 + 97*i
		if i%3 == 2 {
			emp = 5000
		}
		id, err := st.UpsertAccount(context.Background(), &store.Account{
			Key: fmt.Sprintf("acct-%03d", i), Name: fmt.Sprintf("Account %03d", i), Industry: industries[i%len(industries)],
			Employees: emp, HQ: []string{"London, UK", "Berlin", "Austin, TX"}[i%3], Stage: stages[i%len(stages)],
			Source: "test",
		})
		if err != nil {
			t.Fatal(err)
		}
		f.accounts = append(f.accounts, id)
	}
	return f
}

// addSignals stores n new signals spread over the accounts (through IngestSignals, as watchers
// do) and returns their ids.
func (f *fixture) addSignals(t testing.TB, n int, at time.Time, kinds ...string) []int64 {
	t.Helper()
	if len(kinds) == 0 {
		kinds = []string{"job_posting", "github_issue", "blog_post", "conference_talk", "news"}
	}
	var in []store.NewSignal
	for i := 0; i < n; i++ {
		f.seq++
		acc := f.accounts[f.seq%len(f.accounts)]
		occurred := at.Add(-time.Duration(f.seq%72) * time.Hour)
		in = append(in, store.NewSignal{Signal: store.Signal{
			AccountID: &acc, Kind: kinds[f.seq%len(kinds)], Title: fmt.Sprintf("Signal %d", f.seq),
			Summary: "Something happened at the account.", URL: fmt.Sprintf("https://example.com/s/%d", f.seq),
			Person: []string{"", "Jane Roe, VP of Engineering", "Sam Poe"}[f.seq%3], OccurredAt: &occurred,
			DiscoveredAt: at.UTC(), Source: []string{"github-backstage", "feeds", "jobs"}[f.seq%3],
			DedupeKey: fmt.Sprintf("test:%d", f.seq),
		}})
	}
	var ids []int64
	for len(in) > 0 {
		k := min(len(in), 500)
		got, err := f.st.IngestSignals(context.Background(), in[:k])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		in = in[k:]
	}
	return ids
}

// testLog sends the scheduler's log to the test output.
func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testSegment is the report's target segment.
var testSegment = seed.Segments{EmployeesMin: 100, EmployeesMax: 1000,
	Industries: []string{"financial services", "healthcare", "manufacturing"}, Hubs: []string{"London", "Berlin"}}
