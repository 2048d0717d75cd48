package adopterswatch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"outreachbot/sources"
	"outreachbot/sources/adopterswatch"
	"outreachbot/store"
)

// recorder is an Importer that remembers what it was given.
type recorder struct{ got [][]store.Adopter }

func (r *recorder) ImportAdopters(_ context.Context, es []store.Adopter, withEmails bool, _ time.Time) (store.AdoptersImport, error) {
	if withEmails {
		panic("the watcher must not store e-mail addresses")
	}
	r.got = append(r.got, es)
	return store.AdoptersImport{Rows: len(es), NewSignals: len(es)}, nil
}

func TestWatch_importsAndThenGets304(t *testing.T) {
	body, err := os.ReadFile("../../../shared/data/backstage-adopters/ADOPTERS-0034d8d750ac.md")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"abc"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"abc"`)
		w.Write(body)
	}))
	defer srv.Close()
	rec := &recorder{}
	w := adopterswatch.New(srv.URL+"/ADOPTERS.md", srv.Client(), rec)
	out, err := w.Watch(context.Background(), sources.State{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Seen != 204 || out.Stored != 204 || len(rec.got) != 1 || out.State.ETag != `"abc"` {
		t.Fatalf("first run = %+v", out)
	}
	again, err := w.Watch(context.Background(), out.State)
	if err != nil || !again.NotModified || len(rec.got) != 1 {
		t.Fatalf("second run = %+v, %v; want 304 and no import", again, err)
	}
}

func TestWatch_fileWithoutTableFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("# Adopters\n\nMoved to https://backstage.io/adopters\n"))
	}))
	defer srv.Close()
	rec := &recorder{}
	if _, err := adopterswatch.New(srv.URL, srv.Client(), rec).Watch(context.Background(), sources.State{}); err == nil || len(rec.got) != 0 {
		t.Fatalf("a file without the table: err %v, imports %d", err, len(rec.got))
	}
}
