package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"outreachbot/handlers"
	"outreachbot/slackmsg"
	"outreachbot/store"
)

// fakeSources keeps sources in memory.
type fakeSources struct {
	m map[string]store.WatchSource
}

func (f *fakeSources) WatchSources(context.Context) ([]store.WatchSource, error) {
	var out []store.WatchSource
	for _, k := range []string{"adopters-md", "broken", "feed-engineering-atspotify-com", "github-backstage", "lever-spotify"} {
		if ws, ok := f.m[k]; ok {
			out = append(out, ws)
		}
	}
	return out, nil
}

func (f *fakeSources) WatchSourceByKey(_ context.Context, key string) (*store.WatchSource, error) {
	ws, ok := f.m[key]
	if !ok {
		return nil, store.ErrNotFound
	}
	return &ws, nil
}

func (f *fakeSources) SaveWatchSource(_ context.Context, ws store.WatchSource) error {
	old := f.m[ws.Key]
	ws.LastRunAt, ws.ItemsFound, ws.TotalFound = old.LastRunAt, old.ItemsFound, old.TotalFound
	f.m[ws.Key] = ws
	return nil
}

func (f *fakeSources) RemoveWatchSource(_ context.Context, key string) error {
	if _, ok := f.m[key]; !ok {
		return store.ErrNotFound
	}
	delete(f.m, key)
	return nil
}

func sourcesHandler() (*handlers.Sources, *fakeSources) {
	now := time.Date(2024, 10, 8, 16, 0, 0, 0, time.UTC)
	ran := now.Add(-12 * time.Minute)
	next := now.Add(18 * time.Minute)
	f := &fakeSources{m: map[string]store.WatchSource{
		"github-backstage": {Key: "github-backstage", Kind: "github", Target: "backstage/backstage", Schedule: "*/30 * * * *", Enabled: true,
			LastRunAt: &ran, LastOKAt: &ran, LastDurationMS: 1840, ItemsSeen: 57, ItemsFound: 3, TotalFound: 41, NextRunAt: &next},
		"broken": {Key: "broken", Kind: "feed", Target: "https://blog.example/feed", Schedule: "@hourly", Enabled: true,
			LastRunAt: &ran, LastError: "GET https://blog.example/feed: 503 Service Unavailable (retry after 1h0m0s) <!here>", Failures: 3},
	}}
	validate := func(_ context.Context, ws store.WatchSource) error {
		if ws.Kind == "gitlab" {
			return errors.New(`unknown kind "gitlab"`)
		}
		return nil
	}
	return handlers.NewSources(f, validate, func() time.Time { return now }), f
}

func sourcesJSON(t *testing.T, r slackmsg.Response) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSources_adminsOnly(t *testing.T) {
	h, _ := sourcesHandler()
	r, err := h.Handle(context.Background(), handlers.Request{Command: "/sources", UserID: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "Only admins") {
		t.Errorf("non-admin got %q", r.Text)
	}
}

func TestSources_listShowsLastRunItemsAndLastError(t *testing.T) {
	h, _ := sourcesHandler()
	r, err := h.Handle(context.Background(), handlers.Request{Command: "/sources", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	out := sourcesJSON(t, r)
	// An error text comes from whatever the source's server said: it must not ping anyone.
	if text := allText(r); strings.Contains(text, "<!here>") || !strings.Contains(text, "&lt;!here&gt;") {
		t.Errorf("the last error is not escaped for Slack:\n%s", text)
	}
	for _, want := range []string{"github-backstage", "Last run: 12 min ago", "items found: 3 new of 57 read", "41 in all", "next: in 18 min",
		"broken", "Last error (3 failures): GET https://blog.example/feed: 503", "Last error: none", "2 sources, 1 failing"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
}

func TestSources_addChangeRemove(t *testing.T) {
	h, f := sourcesHandler()
	ctx := context.Background()
	run := func(text string) string {
		r, err := h.Handle(ctx, handlers.Request{Command: "/sources", Text: text, Admin: true, UserID: "UADMIN"})
		if err != nil {
			t.Fatal(err)
		}
		return r.Text
	}
	if got := run(`add feed https://engineering.atspotify.com/feed/ account="Spotify"`); !strings.Contains(got, "Now watching *feed-engineering-atspotify-com*") {
		t.Errorf("add: %q", got)
	}
	ws := f.m["feed-engineering-atspotify-com"]
	if ws.Account != "Spotify" || ws.Schedule != "@hourly" || !ws.Enabled || ws.AddedBy != "UADMIN" {
		t.Errorf("added source = %+v", ws)
	}
	if got := run(`add lever spotify account=Spotify schedule="0 */6 * * *"`); !strings.Contains(got, "lever-spotify") {
		t.Errorf("add lever: %q", got)
	}
	if f.m["lever-spotify"].Schedule != "0 */6 * * *" {
		t.Errorf("schedule = %q", f.m["lever-spotify"].Schedule)
	}
	if got := run(`add github backstage/backstage key=github-backstage schedule="*/15 * * * *"`); !strings.Contains(got, "Changed *github-backstage*") {
		t.Errorf("change: %q", got)
	}
	// The run history a change keeps is the store's to keep (store.TestSaveWatchSource_…); here
	// the handler must pass the new schedule on.
	if f.m["github-backstage"].Schedule != "*/15 * * * *" || f.m["github-backstage"].Kind != "github" {
		t.Errorf("changed source = %+v", f.m["github-backstage"])
	}
	if got := run("add gitlab foo/bar"); !strings.Contains(got, "I can't watch that") {
		t.Errorf("invalid kind: %q", got)
	}
	if got := run("add feed"); !strings.Contains(got, "Say what to watch") {
		t.Errorf("missing target: %q", got)
	}
	if got := run("pause broken"); !strings.Contains(got, "Paused") || f.m["broken"].Enabled {
		t.Errorf("pause: %q", got)
	}
	if got := run("remove broken"); !strings.Contains(got, "Stopped watching *broken*") {
		t.Errorf("remove: %q", got)
	}
	if _, ok := f.m["broken"]; ok {
		t.Error("source not removed")
	}
	if got := run("remove broken"); !strings.Contains(got, "There is no source") {
		t.Errorf("remove twice: %q", got)
	}
}

// TestSources_secondWatcherOfOneRepositoryRefused: `/sources add github backstage/backstage`
// when github-backstage already watches it (in any spelling) is refused, naming the one there is;
// nothing is saved.
func TestSources_secondWatcherOfOneRepositoryRefused(t *testing.T) {
	for _, target := range []string{"backstage/backstage", "Backstage/Backstage/", "https://github.com/backstage/backstage", "github.com/backstage/backstage.git"} {
		h, f := sourcesHandler()
		r, err := h.Handle(context.Background(), handlers.Request{Command: "/sources", Text: "add github " + target, Admin: true, UserID: "UADMIN"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Text, "*github-backstage* already watches github `backstage/backstage`") || !strings.Contains(r.Text, "/sources run github-backstage") {
			t.Errorf("add github %s: %q", target, r.Text)
		}
		if len(f.m) != 2 {
			t.Errorf("add github %s saved a second watcher: %v", target, f.m)
		}
	}
	// Another repository is still added.
	h, f := sourcesHandler()
	if r, _ := h.Handle(context.Background(), handlers.Request{Command: "/sources", Text: "add github roadiehq/backstage-plugins", Admin: true, UserID: "UADMIN"}); !strings.Contains(r.Text, "Now watching") || len(f.m) != 3 {
		t.Errorf("a new repository: %q", r.Text)
	}
}
