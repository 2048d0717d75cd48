package jobs_test

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
	"outreachbot/sources/jobs"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// boardServer serves the recorded Greenhouse and Lever payloads at their real paths.
func boardServer(t *testing.T) (*httptest.Server, *[]*http.Request) {
	t.Helper()
	var reqs []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs = append(reqs, r)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/boards/brex/jobs" && r.URL.Query().Get("content") == "true":
			if r.Header.Get("If-None-Match") == `"gh-board-1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"gh-board-1"`)
			w.Write(readFile(t, "greenhouse-jobs.json"))
		case r.URL.Path == "/v0/postings/spotify" && r.URL.Query().Get("mode") == "json":
			w.Write(readFile(t, "lever-postings.json"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &reqs
}

func TestGreenhouse_platformRolesNamingBackstageOrKubernetes(t *testing.T) {
	srv, _ := boardServer(t)
	b := jobs.NewGreenhouse("brex", "Brex", srv.Client())
	b.API = srv.URL
	out, err := b.Watch(context.Background(), sources.State{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Seen != 4 || len(out.Items) != 2 {
		t.Fatalf("seen %d, kept %d: %+v; want 4 seen, the portal and SRE roles kept", out.Seen, len(out.Items), out.Items)
	}
	it := out.Items[0]
	if it.Kind != sources.KindJobPosting || it.DedupeKey != "greenhouse:brex:7012345" || it.Organization != "Brex" ||
		it.URL != "https://boards.greenhouse.io/brex/jobs/7012345" || !strings.HasPrefix(it.Title, "Brex is hiring: Senior Platform Engineer") {
		t.Errorf("item = %+v", it)
	}
	if strings.ContainsAny(it.Text, "<>") || strings.Contains(it.Text, "&lt;") || !strings.Contains(it.Text, "TypeScript and React") {
		t.Errorf("content not decoded to plain text: %q", it.Text)
	}
	if it.OccurredAt == nil || !it.OccurredAt.Equal(time.Date(2024, 10, 1, 16, 30, 0, 0, time.UTC)) {
		t.Errorf("updated_at = %v", it.OccurredAt)
	}
	again, err := b.Watch(context.Background(), out.State)
	if err != nil || !again.NotModified {
		t.Errorf("second run = %+v, %v; want 304", again, err)
	}
}

func TestLever_postings(t *testing.T) {
	srv, _ := boardServer(t)
	b := jobs.NewLever("spotify", "Spotify", srv.Client())
	b.API = srv.URL
	out, err := b.Watch(context.Background(), sources.State{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Seen != 2 || len(out.Items) != 1 {
		t.Fatalf("seen %d, kept %d", out.Seen, len(out.Items))
	}
	it := out.Items[0]
	if it.DedupeKey != "lever:spotify:5f0e6c2a-1b3d-4f5a-9c7e-0a1b2c3d4e5f" || it.URL != "https://jobs.lever.co/spotify/5f0e6c2a-1b3d-4f5a-9c7e-0a1b2c3d4e5f" ||
		!strings.Contains(it.Text, "Improve catalog performance") || it.OccurredAt == nil {
		t.Errorf("item = %+v", it)
	}
}

func TestBoards_failures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		status  int
	}{
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 429},
		{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }, 500},
		{"unknown board", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"status":404,"error":"Job not found"}`))
		}, 404},
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"jobs": [{"id": 1,`)) }, 0},
		{"HTML error page", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`<html><body>Maintenance</body></html>`)) }, 0},
		{"wrong shape", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"postings": []}`)) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			b := jobs.NewGreenhouse("acme", "", srv.Client())
			b.API = srv.URL
			_, err := b.Watch(context.Background(), sources.State{})
			if err == nil {
				t.Fatal("no error")
			}
			var he *sources.HTTPError
			if got := errors.As(err, &he); got != (tc.status != 0) || (got && he.Status != tc.status) {
				t.Fatalf("err = %v, want status %d", err, tc.status)
			}
			if tc.status == 429 && sources.RetryAfter(err) != 30*time.Second {
				t.Errorf("RetryAfter = %s", sources.RetryAfter(err))
			}
		})
	}
}

func TestBoards_timeout(t *testing.T) {
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
	b := jobs.NewLever("acme", "", client)
	b.API = srv.URL
	if _, err := b.Watch(context.Background(), sources.State{}); err == nil {
		t.Fatal("no timeout")
	}
}

func TestRelevant(t *testing.T) {
	for _, tc := range []struct {
		p    jobs.Posting
		want bool
	}{
		{jobs.Posting{Title: "Platform Engineer", Text: "Kubernetes and Backstage"}, true},
		{jobs.Posting{Title: "Developer Experience Engineer", Text: "Own our internal developer portal"}, true},
		{jobs.Posting{Title: "Software Engineer", Team: "Platform", Text: "Backstage plugins in TypeScript"}, true},
		{jobs.Posting{Title: "Platform Engineer, Payments", Text: "Java and Kafka"}, false},
		{jobs.Posting{Title: "Account Executive", Text: "Sell our Kubernetes product"}, false},
	} {
		if got := jobs.Relevant(tc.p); got != tc.want {
			t.Errorf("Relevant(%+v) = %v", tc.p, got)
		}
	}
}
