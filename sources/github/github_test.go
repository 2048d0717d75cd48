package github_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"outreachbot/sources"
	"outreachbot/sources/github"
)

// fakeAPI serves recorded GitHub REST API payloads for backstage/backstage.
type fakeAPI struct {
	t          *testing.T
	mu         sync.Mutex
	srv        *httptest.Server
	etag       string
	userHits   map[string]int
	issueQuery []string
	auth       []string
	ifNone     []string
	override   http.HandlerFunc // answers every issues request when set
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, etag: `"gh-v1"`, userHits: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-RateLimit-Limit", "60")
	w.Header().Set("X-RateLimit-Remaining", "55")
	switch {
	case r.URL.Path == "/repos/backstage/backstage/issues":
		f.issueQuery = append(f.issueQuery, r.URL.RawQuery)
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.ifNone = append(f.ifNone, r.Header.Get("If-None-Match"))
		if f.override != nil {
			f.override(w, r)
			return
		}
		if r.URL.Query().Get("page") == "2" {
			w.Write(f.read("issues-page2.json"))
			return
		}
		if r.Header.Get("If-None-Match") == f.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", f.etag)
		q := r.URL.Query()
		q.Set("page", "2")
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next", <%s%s?%s>; rel="last"`, f.srv.URL, r.URL.Path, q.Encode(), f.srv.URL, r.URL.Path, q.Encode()))
		w.Write(f.read("issues-page1.json"))
	case strings.HasPrefix(r.URL.Path, "/users/"):
		login := strings.TrimPrefix(r.URL.Path, "/users/")
		f.userHits[login]++
		b, err := os.ReadFile("testdata/user-" + login + ".json")
		if err != nil {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"Not Found","documentation_url":"https://docs.github.com/rest/users/users#get-a-user","status":"404"}`))
			return
		}
		w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeAPI) read(name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func newWatcher(t *testing.T, f *fakeAPI, token string) *github.Watcher {
	t.Helper()
	w, err := github.New("backstage/backstage", f.srv.Client(), token, f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	w.Now = func() time.Time { return time.Date(2024, 10, 8, 16, 0, 0, 0, time.UTC) }
	return w
}

func TestWatch_issuesAndPullRequestsWithAuthorsCompanies(t *testing.T) {
	f := newFakeAPI(t)
	w := newWatcher(t, f, "")
	out, err := w.Watch(context.Background(), sources.State{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Seen != 5 || len(out.Items) != 5 {
		t.Fatalf("seen %d, items %d; want 5 over two pages", out.Seen, len(out.Items))
	}
	byKey := map[string]sources.Item{}
	for _, it := range out.Items {
		byKey[it.DedupeKey] = it
	}
	catalog := byKey["github:backstage/backstage#27012"]
	if catalog.Kind != sources.KindGitHubIssue || catalog.URL != "https://github.com/backstage/backstage/issues/27012" ||
		catalog.Person != "wayfair-platform-dev" || catalog.Organization != "@wayfair" {
		t.Errorf("issue 27012 = %+v", catalog)
	}
	if strings.Contains(catalog.Text, "Provide a general summary") || strings.Contains(catalog.Text, "processingInterval") {
		t.Errorf("template comment or code block left in the text: %q", catalog.Text)
	}
	if catalog.OccurredAt == nil || !catalog.OccurredAt.Equal(time.Date(2024, 10, 7, 9, 12, 44, 0, time.UTC)) {
		t.Errorf("created_at = %v", catalog.OccurredAt)
	}
	pr := byKey["github:backstage/backstage#27020"]
	if pr.Kind != sources.KindGitHubPR || pr.Organization != "Siemens AG" || len(pr.Domains) != 1 || pr.Domains[0] != "www.siemens.com" {
		t.Errorf("pull request 27020 = %+v", pr)
	}
	if lunar := byKey["github:backstage/backstage#26990"]; len(lunar.Domains) != 1 || lunar.Domains[0] != "lunar.app" {
		t.Errorf("issue 26990 author domains = %v, want the e-mail's", lunar.Domains)
	}
	if f.userHits["renovate[bot]"] != 0 {
		t.Error("a bot's profile was looked up")
	}
	if out.State.Cursor != "2024-10-08T15:02:11Z" || out.State.ETag != `"gh-v1"` {
		t.Errorf("state = %+v", out.State)
	}
	q := f.issueQuery[0]
	for _, want := range []string{"state=all", "sort=updated", "direction=desc", "per_page=100", "since=2024-09-24T16%3A00%3A00Z"} {
		if !strings.Contains(q, want) {
			t.Errorf("query %q lacks %s", q, want)
		}
	}
	if f.auth[0] != "" {
		t.Errorf("sent Authorization %q without a token", f.auth[0])
	}
}

func TestWatch_conditionalRequestAndProfileCache(t *testing.T) {
	f := newFakeAPI(t)
	w := newWatcher(t, f, "ghp_test")
	ctx := context.Background()
	first, err := w.Watch(ctx, sources.State{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.Watch(ctx, first.State)
	if err != nil {
		t.Fatal(err)
	}
	if !again.NotModified || again.State != first.State {
		t.Fatalf("second run = %+v, want 304 with the state kept", again)
	}
	if f.ifNone[len(f.ifNone)-1] != `"gh-v1"` || !strings.Contains(f.issueQuery[len(f.issueQuery)-1], "since=2024-10-08T15%3A02%3A11Z") {
		t.Errorf("second request: If-None-Match %q, query %q", f.ifNone[len(f.ifNone)-1], f.issueQuery[len(f.issueQuery)-1])
	}
	if f.auth[0] != "Bearer ghp_test" {
		t.Errorf("Authorization = %q", f.auth[0])
	}
	// A changed list: the profiles come from the cache.
	f.etag = `"gh-v2"`
	if _, err := w.Watch(ctx, first.State); err != nil {
		t.Fatal(err)
	}
	for login, n := range f.userHits {
		if n != 1 {
			t.Errorf("%s looked up %d times, want once", login, n)
		}
	}
}

func TestWatch_failures(t *testing.T) {
	reset := time.Now().Add(30 * time.Minute).Unix()
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		status  int
		retry   time.Duration
	}{
		{"429 secondary limit", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"message":"You have exceeded a secondary rate limit","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`))
		}, 429, time.Minute},
		{"403 primary rate limit", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", fmt.Sprint(reset))
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message":"API rate limit exceeded for 203.0.113.7.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`))
		}, 403, 30 * time.Minute},
		{"502", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(`<html>Bad gateway</html>`))
		}, 502, 0},
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`[{"number": 1, "title": "truncated`))
		}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.override = tc.handler
			_, err := newWatcher(t, f, "").Watch(context.Background(), sources.State{})
			if err == nil {
				t.Fatal("no error")
			}
			var he *sources.HTTPError
			if tc.status == 0 {
				if errors.As(err, &he) {
					t.Fatalf("malformed body reported as HTTP %d", he.Status)
				}
				return
			}
			if !errors.As(err, &he) || he.Status != tc.status {
				t.Fatalf("err = %v, want HTTP %d", err, tc.status)
			}
			if d := sources.RetryAfter(err); d < tc.retry-5*time.Second || d > tc.retry+5*time.Second {
				t.Errorf("RetryAfter = %s, want about %s", d, tc.retry)
			}
		})
	}
}

func TestWatch_timeout(t *testing.T) {
	f := newFakeAPI(t)
	release := make(chan struct{})
	defer close(release)
	f.override = func(w http.ResponseWriter, r *http.Request) {
		f.mu.Unlock()
		defer f.mu.Lock()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	client := f.srv.Client()
	client.Timeout = 100 * time.Millisecond
	w, err := github.New("backstage/backstage", client, "", f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := w.Watch(context.Background(), sources.State{}); err == nil {
		t.Fatal("no timeout")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("timeout not honoured")
	}
}

func TestNew_rejectsBadRepository(t *testing.T) {
	for _, repo := range []string{"", "backstage", "a/b/c", "/x"} {
		if _, err := github.New(repo, nil, "", ""); err == nil {
			t.Errorf("New(%q) accepted", repo)
		}
	}
}
