// Package github watches a repository's issues and pull requests (default backstage/backstage)
// through the GitHub REST API with go-github. Each item's author is looked up once for the company
// on their profile, so the runner can tie the item to an account; a token (GITHUB_TOKEN) is
// optional and only raises the rate limit.
//
// Layers (layers_test.go): the sources layer; never digest, handlers, bot or cli.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v75/github"

	"outreachbot/sources"
)

// DefaultRepo is the repository the report's GitHub evidence comes from.
const DefaultRepo = "backstage/backstage"

// Watcher reads one repository.
type Watcher struct {
	Owner, Repo string
	client      *gh.Client
	// MaxPages bounds the pages of 100 one run reads (default 3).
	MaxPages int
	// MaxUserLookups bounds profile lookups per run (default 30; unauthenticated clients have 60
	// requests an hour).
	MaxUserLookups int
	// FirstRunWindow is how far back the first run looks (default 14 days).
	FirstRunWindow time.Duration
	Now            func() time.Time

	mu    sync.Mutex
	users map[string]profile // by login, kept across runs
}

type profile struct {
	company, blog, email string
	fetched              time.Time
}

// profileTTL is how long a looked-up profile is trusted.
const profileTTL = 7 * 24 * time.Hour

// New returns a watcher of repo ("owner/name"), talking to apiURL (the public API when empty)
// with token when given.
func New(repo string, client *http.Client, token, apiURL string) (*Watcher, error) {
	owner, name, ok := strings.Cut(strings.Trim(strings.TrimSpace(repo), "/"), "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("GitHub repository %q: want owner/name", repo)
	}
	if client == nil {
		client = &http.Client{Timeout: sources.DefaultTimeout}
	}
	c := gh.NewClient(client)
	c.UserAgent = sources.UserAgent
	if token != "" {
		c = c.WithAuthToken(token)
	}
	if apiURL != "" {
		u, err := url.Parse(strings.TrimRight(apiURL, "/") + "/")
		if err != nil {
			return nil, fmt.Errorf("GitHub API URL %q: %w", apiURL, err)
		}
		c.BaseURL = u
	}
	return &Watcher{Owner: owner, Repo: name, client: c, MaxPages: 3, MaxUserLookups: 30,
		FirstRunWindow: 14 * 24 * time.Hour, Now: time.Now, users: map[string]profile{}}, nil
}

// Watch lists the issues and pull requests updated since the last run (newest first), with
// If-None-Match on the first page, and returns them as items with their authors' companies.
func (w *Watcher) Watch(ctx context.Context, prev sources.State) (sources.Outcome, error) {
	since := w.Now().Add(-w.FirstRunWindow).UTC()
	if t, err := time.Parse(time.RFC3339, prev.Cursor); err == nil {
		since = t
	}
	out := sources.Outcome{State: sources.State{Cursor: prev.Cursor}}
	newest := since
	lookups := 0
	for page := 1; page <= max(w.MaxPages, 1); page++ {
		issues, resp, err := w.list(ctx, since, page, prev.ETag)
		if err != nil {
			if page == 1 && notModified(err) {
				return sources.Outcome{NotModified: true, State: prev}, nil
			}
			return sources.Outcome{}, convert(err)
		}
		if page == 1 {
			out.State.ETag = resp.Header.Get("ETag")
			out.State.LastModified = resp.Header.Get("Last-Modified")
		}
		for _, is := range issues {
			out.Seen++
			it, updated := w.item(is)
			if updated.After(newest) {
				newest = updated
			}
			if login := is.GetUser().GetLogin(); login != "" && !strings.HasSuffix(login, "[bot]") {
				p, ok := w.profile(ctx, login, &lookups)
				if ok {
					it.Organization = p.company
					it.Domains = domainsOf(p)
				}
			}
			out.Items = append(out.Items, it)
		}
		if resp.NextPage == 0 {
			break
		}
	}
	out.State.Cursor = newest.UTC().Format(time.RFC3339)
	return out, nil
}

// list fetches one page of repos/{owner}/{repo}/issues (which includes pull requests).
func (w *Watcher) list(ctx context.Context, since time.Time, page int, etag string) ([]*gh.Issue, *gh.Response, error) {
	q := url.Values{}
	q.Set("state", "all")
	q.Set("sort", "updated")
	q.Set("direction", "desc")
	q.Set("since", since.UTC().Format(time.RFC3339))
	q.Set("per_page", "100")
	q.Set("page", fmt.Sprint(page))
	req, err := w.client.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/issues?%s", url.PathEscape(w.Owner), url.PathEscape(w.Repo), q.Encode()), nil)
	if err != nil {
		return nil, nil, err
	}
	if page == 1 && etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	var issues []*gh.Issue
	resp, err := w.client.Do(ctx, req, &issues)
	return issues, resp, err
}

// item turns an issue or pull request into a candidate signal.
func (w *Watcher) item(is *gh.Issue) (sources.Item, time.Time) {
	kind := sources.KindGitHubIssue
	if is.IsPullRequest() {
		kind = sources.KindGitHubPR
	}
	body := CleanBody(is.GetBody())
	it := sources.Item{
		Kind:      kind,
		Title:     is.GetTitle(),
		Summary:   sources.Excerpt(body, 400),
		URL:       is.GetHTMLURL(),
		Person:    is.GetUser().GetLogin(),
		DedupeKey: fmt.Sprintf("github:%s/%s#%d", strings.ToLower(w.Owner), strings.ToLower(w.Repo), is.GetNumber()),
		Text:      is.GetTitle() + "\n" + body,
	}
	if t := is.GetCreatedAt(); !t.IsZero() {
		c := t.UTC()
		it.OccurredAt = &c
	}
	return it, is.GetUpdatedAt().UTC()
}

// profile returns a user's company, blog and e-mail, from the cache or one lookup.
func (w *Watcher) profile(ctx context.Context, login string, lookups *int) (profile, bool) {
	w.mu.Lock()
	p, ok := w.users[login]
	w.mu.Unlock()
	if ok && w.Now().Sub(p.fetched) < profileTTL {
		return p, true
	}
	if *lookups >= w.MaxUserLookups {
		return profile{}, false
	}
	*lookups++
	u, _, err := w.client.Users.Get(ctx, login)
	if err != nil {
		var rl *gh.RateLimitError
		if errors.As(err, &rl) {
			*lookups = w.MaxUserLookups // no more this run
		}
		return profile{}, false
	}
	p = profile{company: u.GetCompany(), blog: u.GetBlog(), email: u.GetEmail(), fetched: w.Now()}
	w.mu.Lock()
	w.users[login] = p
	w.mu.Unlock()
	return p, true
}

func domainsOf(p profile) []string {
	var out []string
	if p.email != "" {
		if _, d, ok := strings.Cut(p.email, "@"); ok {
			out = append(out, d)
		}
	}
	if p.blog != "" {
		b := p.blog
		if !strings.Contains(b, "://") {
			b = "https://" + b
		}
		if u, err := url.Parse(b); err == nil && u.Hostname() != "" {
			out = append(out, u.Hostname())
		}
	}
	return out
}

func notModified(err error) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotModified
}

// convert turns go-github's errors into sources.HTTPError, so the runner backs off as the API asks.
func convert(err error) error {
	var rl *gh.RateLimitError
	if errors.As(err, &rl) {
		wait := time.Until(rl.Rate.Reset.Time)
		return &sources.HTTPError{URL: requestURL(rl.Response), Status: http.StatusForbidden, RetryAfter: max(wait, 0)}
	}
	var ab *gh.AbuseRateLimitError
	if errors.As(err, &ab) {
		he := &sources.HTTPError{URL: requestURL(ab.Response), Status: http.StatusForbidden}
		if ab.RetryAfter != nil {
			he.RetryAfter = *ab.RetryAfter
		}
		return he
	}
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return &sources.HTTPError{URL: requestURL(er.Response), Status: er.Response.StatusCode,
			RetryAfter: sources.ParseRetryAfter(er.Response.Header.Get("Retry-After"), time.Now())}
	}
	return fmt.Errorf("GitHub: %w", err)
}

func requestURL(r *http.Response) string {
	if r == nil || r.Request == nil || r.Request.URL == nil {
		return "GitHub API"
	}
	u := *r.Request.URL
	u.RawQuery = ""
	return u.String()
}

var (
	commentRE = regexp.MustCompile(`(?s)<!--.*?-->`)
	fenceRE   = regexp.MustCompile("(?s)```.*?(```|$)")
)

// CleanBody drops what an issue body says that its author did not write about their situation:
// template comments and fenced code or logs (whose YAML and stack traces would read as pain
// points).
func CleanBody(s string) string {
	s = commentRE.ReplaceAllString(s, " ")
	s = fenceRE.ReplaceAllString(s, " ")
	return strings.TrimSpace(s)
}
