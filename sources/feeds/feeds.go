// Package feeds watches an engineering blog's RSS or Atom feed (parsed with gofeed): every entry
// becomes a candidate blog_post signal, and the runner keeps those about developer portals and
// platform engineering that name an account.
//
// Layers (layers_test.go): the sources layer; never digest, handlers, bot or cli.
package feeds

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"outreachbot/sources"
	"outreachbot/sources/understand"
)

// accept is what the watcher asks a feed server for.
const accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"

// Watcher reads one feed.
type Watcher struct {
	URL    string
	Client *http.Client
	// MaxItems bounds what one run reads (newest first in most feeds); 0 means 100.
	MaxItems int
}

// New returns a watcher of the feed at url.
func New(url string, client *http.Client) *Watcher { return &Watcher{URL: url, Client: client} }

// Watch fetches the feed, conditionally on the last run's ETag and Last-Modified.
func (w *Watcher) Watch(ctx context.Context, prev sources.State) (sources.Outcome, error) {
	f, err := sources.Get(ctx, w.Client, w.URL, prev, accept)
	if err != nil {
		return sources.Outcome{}, err
	}
	if f.NotModified {
		return sources.Outcome{NotModified: true, State: f.State}, nil
	}
	items, err := Parse(f.Body)
	if err != nil {
		return sources.Outcome{}, fmt.Errorf("feed %s: %w", w.URL, err)
	}
	limit := w.MaxItems
	if limit <= 0 {
		limit = 100
	}
	out := sources.Outcome{Seen: len(items), State: f.State}
	if len(items) > limit {
		items = items[:limit]
	}
	out.Items = items
	return out, nil
}

// Keep stores a post only when it is about developer portals or platform engineering (or shows a
// pain point) and an account is known: the blog's owner or one it names.
func (w *Watcher) Keep(it sources.Item, accounts, pains int) bool {
	return accounts > 0 && (pains > 0 || understand.Relevant(it.AnalysisText()))
}

// Parse reads an RSS 2.0, Atom or JSON feed into items.
func Parse(body []byte) ([]sources.Item, error) {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	if feed.Title == "" && feed.Link == "" && len(feed.Items) == 0 {
		return nil, fmt.Errorf("parse feed: no title, link or entries: not a feed")
	}
	items := make([]sources.Item, 0, len(feed.Items))
	for _, e := range feed.Items {
		if e == nil {
			continue
		}
		link := strings.TrimSpace(e.Link)
		if link == "" && len(e.Links) > 0 {
			link = strings.TrimSpace(e.Links[0])
		}
		body := e.Content
		if body == "" {
			body = e.Description
		}
		text := sources.PlainText(body)
		title := sources.PlainText(e.Title)
		if title == "" && text == "" {
			continue
		}
		it := sources.Item{
			Kind:       sources.KindBlogPost,
			Title:      title,
			Summary:    sources.Excerpt(text, 400),
			URL:        link,
			Text:       title + "\n" + text,
			OccurredAt: firstTime(e.PublishedParsed, e.UpdatedParsed),
		}
		if a := author(e); a != "" {
			it.Person = a
		}
		if link == "" {
			if e.GUID == "" {
				continue // nothing to identify it by across runs
			}
			it.DedupeKey = "feed:" + e.GUID
		}
		items = append(items, it)
	}
	return items, nil
}

func author(e *gofeed.Item) string {
	if len(e.Authors) > 0 && e.Authors[0] != nil {
		return strings.TrimSpace(e.Authors[0].Name)
	}
	if e.Author != nil {
		return strings.TrimSpace(e.Author.Name)
	}
	return ""
}

func firstTime(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			u := t.UTC()
			return &u
		}
	}
	return nil
}
