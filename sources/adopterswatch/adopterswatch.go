// Package adopterswatch fetches Backstage's ADOPTERS.md on a schedule and imports it as
// `outreachbot import adopters` does: each organization added since the last import becomes an
// adopters_entry signal, and an unchanged file (304) costs nothing.
//
// Layers (layers_test.go): the sources layer (store, identity, other sources); never digest,
// handlers, bot or cli. Rows is the one place an ADOPTERS.md entry becomes store data.
package adopterswatch

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"outreachbot/sources"
	"outreachbot/sources/adopters"
	"outreachbot/store"
)

// DefaultURL is the raw file on the default branch.
const DefaultURL = "https://raw.githubusercontent.com/backstage/backstage/master/ADOPTERS.md"

// Importer stores a parsed list (store.Store does).
type Importer interface {
	ImportAdopters(ctx context.Context, rows []store.Adopter, withEmails bool, now time.Time) (store.AdoptersImport, error)
}

// Watcher fetches and imports the list.
type Watcher struct {
	URL    string
	Client *http.Client
	Store  Importer
	Now    func() time.Time
}

// New returns a watcher of the list at url (DefaultURL when empty).
func New(url string, client *http.Client, st Importer) *Watcher {
	if url == "" {
		url = DefaultURL
	}
	return &Watcher{URL: url, Client: client, Store: st, Now: time.Now}
}

// Watch fetches the list conditionally and imports it; Stored counts the new organizations.
func (w *Watcher) Watch(ctx context.Context, prev sources.State) (sources.Outcome, error) {
	f, err := sources.Get(ctx, w.Client, w.URL, prev, "text/markdown, text/plain;q=0.9, */*;q=0.1")
	if err != nil {
		return sources.Outcome{}, err
	}
	if f.NotModified {
		return sources.Outcome{NotModified: true, State: f.State}, nil
	}
	entries, err := adopters.Parse(bytes.NewReader(f.Body))
	if err != nil {
		return sources.Outcome{}, fmt.Errorf("ADOPTERS.md at %s: %w", w.URL, err)
	}
	res, err := w.Store.ImportAdopters(ctx, Rows(entries), false, w.Now())
	if err != nil {
		return sources.Outcome{}, err
	}
	return sources.Outcome{Seen: res.Rows, Stored: res.NewSignals, State: f.State}, nil
}

// Rows maps a parsed list to the rows the store imports: the one place an ADOPTERS.md entry
// becomes store data (the parser does not know the store, and the store not the parser).
func Rows(entries []adopters.Entry) []store.Adopter {
	rows := make([]store.Adopter, len(entries))
	for i, e := range entries {
		r := store.Adopter{Organization: e.Organization, AlsoNamed: e.AlsoNamed, Domain: e.Domain,
			Description: e.Description, Stage: e.Stage, Key: adopters.Key(e), Row: e.Row}
		for _, c := range e.Contacts {
			r.Contacts = append(r.Contacts, store.AdopterContact{Name: c.Name, GitHub: c.GitHub, Email: c.Email})
		}
		rows[i] = r
	}
	return rows
}
