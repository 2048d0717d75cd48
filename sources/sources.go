// Package sources holds what every watcher shares: the Item a watcher finds, the State it keeps
// between runs, and one HTTP fetch with conditional requests, a size cap and errors that carry
// Retry-After. The watchers themselves live in subpackages (feeds, github, jobs, adopterswatch);
// package watch runs them on their schedules.
//
// Layers (layers_test.go): the sources packages may import store, match, identity, slackmsg and
// clock, and each other; never digest, handlers, bot or cli.
package sources

import (
	"context"
	"time"
)

// Signal kinds the watchers produce.
const (
	KindBlogPost      = "blog_post"
	KindGitHubIssue   = "github_issue"
	KindGitHubPR      = "github_pr"
	KindJobPosting    = "job_posting"
	KindAdoptersEntry = "adopters_entry"
)

// Item is one thing a watcher found: a candidate signal, before account and pain detection.
type Item struct {
	Kind    string
	Title   string
	Summary string // a short plain-text excerpt stored with the signal
	URL     string
	Person  string // the author, when known
	// OccurredAt is when it was published or last updated upstream.
	OccurredAt *time.Time
	// DedupeKey identifies the item across runs; empty means "derive from the URL".
	DedupeKey string
	// Text is the full plain text to analyse (title and body); Title+Summary when empty.
	Text string
	// Organization names the company the item is known to come from (a GitHub author's company,
	// a job board's company), matched leniently because it is a company field, not prose.
	Organization string
	// Domains are host names tied to the item's author (an e-mail domain, a blog host).
	Domains []string
}

// AnalysisText is the text account and pain detection read.
func (it Item) AnalysisText() string {
	if it.Text != "" {
		return it.Text
	}
	return it.Title + "\n" + it.Summary
}

// State is what a watcher remembers between runs.
type State struct {
	ETag         string
	LastModified string
	// Cursor is the watcher's own resume point (e.g. the newest update time seen on GitHub).
	Cursor string
}

// Outcome is what one run of a watcher produced.
type Outcome struct {
	// Items are candidate signals for the runner to analyse and store.
	Items []Item
	// Seen counts what the run read (items before filtering).
	Seen int
	// Stored counts signals the watcher stored itself (the ADOPTERS.md import does).
	Stored int
	// NotModified is true when the server answered 304: nothing changed since the last run.
	NotModified bool
	// State is what the next run starts from.
	State State
}

// Watcher fetches one source.
type Watcher interface {
	Watch(ctx context.Context, prev State) (Outcome, error)
}

// Keeper is a watcher that decides which analysed items are worth storing, given how many
// accounts (the source's own included) and pain points were found in each. Without it every item
// with an account is kept.
type Keeper interface {
	Keep(it Item, accounts, pains int) bool
}
