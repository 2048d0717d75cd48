package feeds_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"outreachbot/sources"
	"outreachbot/sources/feeds"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse_rss2AndAtom(t *testing.T) {
	rss, err := feeds.Parse(readFile(t, "backstage-blog.rss.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rss) != 3 {
		t.Fatalf("RSS: %d items, want 3", len(rss))
	}
	first := rss[0]
	if first.Title != "How Paddle runs Backstage with a platform team of two" ||
		first.URL != "https://backstage.io/blog/2024/10/08/paddle-adopter-story" || first.Kind != sources.KindBlogPost {
		t.Errorf("first RSS item = %+v", first)
	}
	if first.OccurredAt == nil || !first.OccurredAt.Equal(time.Date(2024, 10, 8, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("pubDate = %v", first.OccurredAt)
	}
	if strings.ContainsAny(first.Summary, "<>") || strings.Contains(first.Text, "track()") {
		t.Errorf("HTML or script left in the text: %q", first.Text)
	}
	if !strings.Contains(first.Text, "Keeping up with upstream releases") {
		t.Errorf("content:encoded not used: %q", first.Text)
	}

	atom, err := feeds.Parse(readFile(t, "engineering.atom.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(atom) != 2 || atom[0].URL != "https://engineering.atspotify.com/2024/09/keeping-engineers-in-backstage" || atom[0].Person != "Jane Doe" {
		t.Fatalf("Atom items = %+v", atom)
	}
	if atom[0].OccurredAt == nil || !atom[0].OccurredAt.Equal(time.Date(2024, 9, 19, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("published = %v", atom[0].OccurredAt)
	}
	if !strings.Contains(atom[0].Summary, "Internal adoption is above 99%") {
		t.Errorf("summary = %q", atom[0].Summary)
	}
}

func TestParse_malformed(t *testing.T) {
	if _, err := feeds.Parse(readFile(t, "malformed.xml")); err == nil {
		t.Fatal("a truncated feed parsed without error")
	}
	if _, err := feeds.Parse([]byte(`{"not": "a feed"}`)); err == nil {
		t.Fatal("JSON that is no feed parsed without error")
	}
}

// feedServer serves a feed with an ETag and Last-Modified and answers 304 to a matching
// conditional request.
func feedServer(t *testing.T, body []byte) (*httptest.Server, *[]http.Header) {
	t.Helper()
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Clone())
		w.Header().Set("ETag", `W/"feed-v1"`)
		w.Header().Set("Last-Modified", "Tue, 08 Oct 2024 00:00:00 GMT")
		if r.Header.Get("If-None-Match") == `W/"feed-v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestWatch_conditionalRequestGets304(t *testing.T) {
	srv, seen := feedServer(t, readFile(t, "backstage-blog.rss.xml"))
	w := feeds.New(srv.URL+"/blog/rss.xml", srv.Client())
	ctx := context.Background()
	out, err := w.Watch(ctx, sources.State{})
	if err != nil {
		t.Fatal(err)
	}
	if out.NotModified || len(out.Items) != 3 || out.Seen != 3 || out.State.ETag != `W/"feed-v1"` || out.State.LastModified == "" {
		t.Fatalf("first run = %+v", out)
	}
	again, err := w.Watch(ctx, out.State)
	if err != nil {
		t.Fatal(err)
	}
	if !again.NotModified || len(again.Items) != 0 || again.State.ETag != out.State.ETag {
		t.Fatalf("second run = %+v, want 304 not modified", again)
	}
	h := (*seen)[1]
	if h.Get("If-None-Match") != `W/"feed-v1"` || h.Get("If-Modified-Since") != "Tue, 08 Oct 2024 00:00:00 GMT" {
		t.Errorf("conditional headers = %v", h)
	}
	if !strings.HasPrefix(h.Get("User-Agent"), "outreachbot/") {
		t.Errorf("User-Agent = %q", h.Get("User-Agent"))
	}
}

func TestWatch_failures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		handler   http.HandlerFunc
		status    int
		retry     time.Duration
		temporary bool
	}{
		{"429 with Retry-After seconds", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 429, 120 * time.Second, true},
		{"503 with Retry-After date", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		}, 503, time.Hour, true},
		{"500 without Retry-After", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, 500, 0, true},
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, 404, 0, false},
		{"malformed body", func(w http.ResponseWriter, r *http.Request) {
			w.Write(readFile(t, "malformed.xml"))
		}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			_, err := feeds.New(srv.URL, srv.Client()).Watch(context.Background(), sources.State{})
			if err == nil {
				t.Fatal("no error")
			}
			var he *sources.HTTPError
			if tc.status == 0 {
				if errors.As(err, &he) {
					t.Fatalf("malformed body reported as HTTP error: %v", err)
				}
				return
			}
			if !errors.As(err, &he) || he.Status != tc.status || he.Temporary() != tc.temporary {
				t.Fatalf("err = %v, want HTTP %d", err, tc.status)
			}
			if d := sources.RetryAfter(err); d < tc.retry-2*time.Second || d > tc.retry+time.Second {
				t.Errorf("RetryAfter = %s, want %s", d, tc.retry)
			}
		})
	}
}

func TestWatch_timeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	client := srv.Client()
	client.Timeout = 100 * time.Millisecond
	start := time.Now()
	_, err := feeds.New(srv.URL, client).Watch(context.Background(), sources.State{})
	if err == nil {
		t.Fatal("a server that never answers did not time out")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("timed out after %s", el)
	}
}

func TestKeep_onlyRelevantPostsWithAnAccount(t *testing.T) {
	w := feeds.New("http://example.invalid/feed", nil)
	post := sources.Item{Title: "How Paddle runs Backstage", Text: "How Paddle runs Backstage with a small platform team"}
	if !w.Keep(post, 1, 0) {
		t.Error("a post about Backstage naming an account was dropped")
	}
	if w.Keep(post, 0, 1) {
		t.Error("a post naming no account was kept")
	}
	offTopic := sources.Item{Title: "Wrapped 2024", Text: "Wrapped 2024: the data pipeline behind it"}
	if w.Keep(offTopic, 1, 0) {
		t.Error("an off-topic post was kept")
	}
}
