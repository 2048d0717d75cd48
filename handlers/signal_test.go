package handlers

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"outreachbot/match"
	"outreachbot/store"
)

func TestKindFromURL(t *testing.T) {
	cases := map[string]string{
		"https://github.com/backstage/backstage/issues/123":              "github_issue",
		"https://github.com/backstage/backstage/pull/99":                 "github_pr",
		"https://github.com/backstage/backstage/blob/master/ADOPTERS.md": "adopters_entry",
		"https://boards.greenhouse.io/acme/jobs/42":                      "job_posting",
		"https://jobs.lever.co/acme/1":                                   "job_posting",
		"https://www.linkedin.com/jobs/view/1":                           "job_posting",
		"https://www.linkedin.com/posts/jane_platform":                   "linkedin_post",
		"https://www.youtube.com/watch?v=x":                              "conference_talk",
		"https://kccnceu2025.sched.com/event/1":                          "conference_talk",
		"https://www.reddit.com/r/devops/comments/1":                     "community_post",
		"https://techcrunch.com/2025/03/01/acme-raises":                  "news",
		"https://acme.dev/blog/our-developer-portal":                     "blog_post",
	}
	for url, want := range cases {
		if got := KindFromURL(url, ""); got != want {
			t.Errorf("%s: %s, want %s", url, got, want)
		}
	}
	if got := KindFromURL("https://acme.dev/blog/x", "they are evaluating Port"); got != "competitor_evaluation" {
		t.Errorf("a note about an evaluation: %s", got)
	}
}

func TestParseSignalAdd(t *testing.T) {
	name, link, note, kind, err := parseSignalAdd("Bank of Example <https://github.com/a/b/issues/1|a/b#1> slow catalog kind:github-issue")
	if err != nil || name != "Bank of Example" || link != "https://github.com/a/b/issues/1" || note != "slow catalog" || kind != "github_issue" {
		t.Fatalf("got %q %q %q %q %v", name, link, note, kind, err)
	}
	for text, want := range map[string]string{
		"acme":                     "Add the link",
		"https://acme.dev/x":       "Which account",
		"acme https://x kind:nope": "not a kind",
	} {
		if _, _, _, _, err := parseSignalAdd(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

// fakeSignalStore keeps saved signals by dedupe key.
type fakeSignalStore struct{ saved map[string]store.Signal }

func (f *fakeSignalStore) SaveSignal(ctx context.Context, s store.Signal, note, by string) (store.Signal, bool, error) {
	if old, ok := f.saved[s.DedupeKey]; ok {
		return old, false, nil
	}
	s.ID = int64(len(f.saved) + 1)
	f.saved[s.DedupeKey] = s
	return s, true, nil
}

func (f *fakeSignalStore) SignalsMatching(ctx context.Context, q store.SignalQuery) ([]store.SignalDetail, int64, error) {
	return nil, 0, nil
}

func (f *fakeSignalStore) AccountsByID(ctx context.Context, ids []int64) ([]store.Account, error) {
	return []store.Account{{ID: ids[0], Key: "acme", Name: "Acme Corp"}}, nil
}

type oneAccount struct{}

func (oneAccount) Resolve(q string) match.Result {
	if strings.EqualFold(q, "acme") {
		return match.Result{Outcome: match.Unique, Best: match.Candidate{ID: 7, Name: "Acme Corp"}}
	}
	return match.Result{Outcome: match.None}
}

func TestSignalAdd_savesOnceAndShortcutModalSavesToo(t *testing.T) {
	st := &fakeSignalStore{saved: map[string]store.Signal{}}
	h := NewSignals(st, oneAccount{})
	ctx := context.Background()
	resp, _ := h.Handle(ctx, Request{Text: "add acme https://github.com/acme/portal/issues/9 plugins break on upgrade", UserID: "U1"})
	if !strings.Contains(resp.Text, "Saved signal #1 for *Acme Corp*") || !strings.Contains(resp.Text, "GitHub issue") {
		t.Fatalf("first save: %q", resp.Text)
	}
	resp, _ = h.Handle(ctx, Request{Text: "add acme https://GitHub.com/acme/portal/issues/9/", UserID: "U2"})
	if !strings.Contains(resp.Text, "already saved as signal #1") || len(st.saved) != 1 {
		t.Fatalf("same link: %q (%d saved)", resp.Text, len(st.saved))
	}

	sc, err := h.Shortcuts()[ShortcutSaveSignal](ctx, Shortcut{CallbackID: ShortcutSaveSignal, UserID: "U1", ChannelID: "C1",
		MessageText: "Acme is hiring <https://boards.greenhouse.io/acme/jobs/5|a platform lead> &amp; more", Permalink: "https://x.slack.com/archives/C1/p1"})
	if err != nil || sc.Modal == nil {
		t.Fatalf("shortcut: %v", err)
	}
	raw, _ := json.Marshal(sc.Modal)
	if !strings.Contains(string(raw), "https://boards.greenhouse.io/acme/jobs/5") || !strings.Contains(string(raw), `"initial_option":{"text":{"type":"plain_text","text":"Job posting"`) {
		t.Fatalf("modal not prefilled: %s", raw)
	}
	vals := func(account, url string) map[string]map[string]string {
		return map[string]map[string]string{"account": {"value": account}, "kind": {"value": "job_posting"},
			"url": {"value": url}, "title": {"value": "Platform lead"}, "note": {"value": ""}}
	}
	res, err := h.Views()[ViewSaveSignal](ctx, ViewSubmission{CallbackID: ViewSaveSignal, UserID: "U1", Values: vals("nobody", "ftp://x")})
	if err != nil || res.Errors["account"] == "" || res.Errors["url"] == "" {
		t.Fatalf("bad fields must keep the modal open with errors: %+v %v", res, err)
	}
	res, err = h.Views()[ViewSaveSignal](ctx, ViewSubmission{CallbackID: ViewSaveSignal, UserID: "U1", PrivateMetadata: sc.Modal.PrivateMetadata,
		Values: vals("acme", "https://boards.greenhouse.io/acme/jobs/5")})
	if err != nil || len(res.Errors) > 0 || res.Message == nil || res.Channel != "U1" || !strings.Contains(res.Message.Text, "Saved signal #2") {
		t.Fatalf("submit: %+v %v", res, err)
	}
}

func TestSignalsList_parsesSinceAndKind(t *testing.T) {
	q, name, err := parseSignalQuery("expedia group since:2w kind:job_posting,github-issue", refTime)
	if err != nil || name != "expedia group" || len(q.Kinds) != 2 || q.Kinds[1] != "github_issue" || !q.Since.Equal(refTime.AddDate(0, 0, -14)) {
		t.Fatalf("%+v %q %v", q, name, err)
	}
	for _, bad := range []string{"since:soon", "since:7y", "kind:gossip"} {
		if _, _, err := parseSignalQuery(bad, refTime); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

var refTime = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// TestSignalInput_overflowsAndEmptyLinksRefused: an age too large for a time.Duration and a link
// with no host are refused with a message, not stored or turned into a date in the future.
func TestSignalInput_overflowsAndEmptyLinksRefused(t *testing.T) {
	for _, age := range []string{"since:200000d", "since:9999999999w", "since:99999999999999999999h"} {
		q, _, err := parseSignalQuery(age, refTime)
		if err == nil || !strings.Contains(err.Error(), "since:") {
			t.Errorf("%q: %+v %v, want refused", age, q.Since, err)
		}
	}
	if q, _, err := parseSignalQuery("since:3650d", refTime); err != nil || !q.Since.Equal(refTime.AddDate(0, 0, -3650)) {
		t.Errorf("ten years back: %v %v", q.Since, err)
	}
	for _, text := range []string{"acme https://", "acme http://", "acme https:///just-a-path", "acme https://?q=1"} {
		if _, link, _, _, err := parseSignalAdd(text); err == nil || !strings.Contains(err.Error(), "not a link") {
			t.Errorf("%q: stored %q (%v), want refused", text, link, err)
		}
	}
	h := NewSignals(&fakeSignalStore{saved: map[string]store.Signal{}}, oneAccount{})
	res, err := h.submit(context.Background(), ViewSubmission{Values: map[string]map[string]string{
		"account": {"value": "acme"}, "url": {"value": "https://"}, "kind": {"value": "news"}, "title": {"value": "x"}}})
	if err != nil || res.Errors["url"] == "" {
		t.Errorf("the modal with https:// and no host: %+v %v", res, err)
	}
}

// TestScheduleText_noRawMarkup: a cron label shows its stars as typed, not as bold markers.
func TestScheduleText_noRawMarkup(t *testing.T) {
	for _, label := range []string{"cron * * 10 * *", "cron */5 9 * * 1-5", "cron 0 9 * * `1`", "weekdays 08:30"} {
		got := scheduleText(store.Subscription{ScheduleLabel: label, Timezone: "UTC"})
		outside := ""
		for i, part := range strings.Split(got, "`") {
			if i%2 == 0 {
				outside += part
			}
		}
		if strings.ContainsAny(outside, "*_~") || strings.Count(got, "`")%2 != 0 {
			t.Errorf("%q shows as %q: markup outside code", label, got)
		}
	}
}

// failingSignalStore fails every read, as a stalled database does at the deadline.
type failingSignalStore struct{ fakeSignalStore }

func (failingSignalStore) AccountsByID(ctx context.Context, ids []int64) ([]store.Account, error) {
	return nil, context.DeadlineExceeded
}

// TestSignalAdd_storeFailureIsAnErrorNotARemovedAccount: a failing store is reported as an
// error (the bot then says it took too long or failed), never as "that account was removed".
func TestSignalAdd_storeFailureIsAnErrorNotARemovedAccount(t *testing.T) {
	h := NewSignals(&failingSignalStore{}, oneAccount{})
	resp, err := h.Command().Handle(context.Background(), Request{Command: "/signal", Text: "add acme https://acme.example/x", UserID: "U1"})
	if err == nil || strings.Contains(resp.Text, "removed") {
		t.Errorf("got %q, %v; want the store's error", resp.Text, err)
	}
}
