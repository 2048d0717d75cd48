// Package jobs watches public job boards — Greenhouse's and Lever's JSON APIs — for
// platform-engineering roles that name Backstage, Kubernetes or a developer portal: a company
// hiring for those is building a platform team.
//
// Layers (layers_test.go): the sources layer; never digest, handlers, bot or cli.
package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"outreachbot/sources"
)

// Default API roots; tests point them at an httptest server.
const (
	GreenhouseAPI = "https://boards-api.greenhouse.io"
	LeverAPI      = "https://api.lever.co"
)

// Posting is one job ad, whichever board it came from.
type Posting struct {
	ID        string
	Title     string
	Location  string
	Team      string
	URL       string
	Text      string // plain-text description
	UpdatedAt *time.Time
}

// roleRE is a platform-engineering role title.
var roleRE = regexp.MustCompile(`(?i)\b(platform|developer experience|devex|developer productivity|developer tooling|internal tools|infrastructure|site reliability|sre|devops|cloud engineer|developer portal|engineering effectiveness)\b`)

// topicRE is what the ad must name: the things the report's buyers build.
var topicRE = regexp.MustCompile(`(?i)\b(backstage|kubernetes|k8s|developer portal|internal developer (portal|platform)|idp|service catalog|golden paths?)\b`)

// Relevant reports whether a posting is a platform-engineering role that names Backstage,
// Kubernetes or a developer portal.
func Relevant(p Posting) bool {
	return roleRE.MatchString(p.Title+" "+p.Team) && topicRE.MatchString(p.Title+"\n"+p.Text)
}

// Board is a job board watcher: Greenhouse or Lever.
type Board struct {
	// Kind is "greenhouse" or "lever"; Token is the board token or Lever company name.
	Kind, Token string
	// Company is the employer's name as the account is known ("" = the token).
	Company string
	// API is the API root (GreenhouseAPI or LeverAPI by default).
	API    string
	Client *http.Client
}

// NewGreenhouse watches boards-api.greenhouse.io/v1/boards/<token>/jobs?content=true.
func NewGreenhouse(token, company string, client *http.Client) *Board {
	return &Board{Kind: "greenhouse", Token: token, Company: company, API: GreenhouseAPI, Client: client}
}

// NewLever watches api.lever.co/v0/postings/<company>?mode=json.
func NewLever(company, name string, client *http.Client) *Board {
	return &Board{Kind: "lever", Token: company, Company: name, API: LeverAPI, Client: client}
}

// URL is the board's API address.
func (b *Board) URL() string {
	root := strings.TrimRight(b.API, "/")
	if b.Kind == "lever" {
		return root + "/v0/postings/" + url.PathEscape(b.Token) + "?mode=json"
	}
	return root + "/v1/boards/" + url.PathEscape(b.Token) + "/jobs?content=true"
}

// Watch fetches the board and returns its relevant postings as job_posting items.
func (b *Board) Watch(ctx context.Context, prev sources.State) (sources.Outcome, error) {
	f, err := sources.Get(ctx, b.Client, b.URL(), prev, "application/json")
	if err != nil {
		return sources.Outcome{}, err
	}
	if f.NotModified {
		return sources.Outcome{NotModified: true, State: f.State}, nil
	}
	var posts []Posting
	if b.Kind == "lever" {
		posts, err = ParseLever(f.Body)
	} else {
		posts, err = ParseGreenhouse(f.Body)
	}
	if err != nil {
		return sources.Outcome{}, fmt.Errorf("%s board %s: %w", b.Kind, b.Token, err)
	}
	company := b.Company
	if company == "" {
		company = b.Token
	}
	out := sources.Outcome{Seen: len(posts), State: f.State}
	for _, p := range posts {
		if !Relevant(p) {
			continue
		}
		title := p.Title
		if p.Location != "" {
			title += " (" + p.Location + ")"
		}
		out.Items = append(out.Items, sources.Item{
			Kind:         sources.KindJobPosting,
			Title:        company + " is hiring: " + title,
			Summary:      sources.Excerpt(p.Text, 400),
			URL:          p.URL,
			OccurredAt:   p.UpdatedAt,
			DedupeKey:    b.Kind + ":" + strings.ToLower(b.Token) + ":" + p.ID,
			Text:         p.Title + "\n" + p.Text,
			Organization: company,
		})
	}
	return out, nil
}

// Keep stores every relevant posting: the board already says whose it is.
func (b *Board) Keep(sources.Item, int, int) bool { return true }

// greenhouseJobs is the shape of GET /v1/boards/<token>/jobs?content=true.
type greenhouseJobs struct {
	Jobs []struct {
		ID          int64  `json:"id"`
		Title       string `json:"title"`
		UpdatedAt   string `json:"updated_at"`
		AbsoluteURL string `json:"absolute_url"`
		Content     string `json:"content"`
		Location    struct {
			Name string `json:"name"`
		} `json:"location"`
		Departments []struct {
			Name string `json:"name"`
		} `json:"departments"`
	} `json:"jobs"`
	Meta struct {
		Total int `json:"total"`
	} `json:"meta"`
}

// ParseGreenhouse reads a Greenhouse job board. Its content field is HTML, entity-escaped.
func ParseGreenhouse(body []byte) ([]Posting, error) {
	var g greenhouseJobs
	if err := json.Unmarshal(body, &g); err != nil {
		return nil, fmt.Errorf("parse Greenhouse jobs: %w", err)
	}
	if g.Jobs == nil {
		return nil, fmt.Errorf("parse Greenhouse jobs: no \"jobs\" array")
	}
	out := make([]Posting, 0, len(g.Jobs))
	for _, j := range g.Jobs {
		p := Posting{
			ID: strconv.FormatInt(j.ID, 10), Title: strings.TrimSpace(j.Title), Location: j.Location.Name,
			URL: j.AbsoluteURL, Text: sources.PlainText(sources.UnescapeHTML(j.Content)),
		}
		if len(j.Departments) > 0 {
			p.Team = j.Departments[0].Name
		}
		if t, err := time.Parse(time.RFC3339, j.UpdatedAt); err == nil {
			u := t.UTC()
			p.UpdatedAt = &u
		}
		out = append(out, p)
	}
	return out, nil
}

// leverPosting is one element of GET /v0/postings/<company>?mode=json.
type leverPosting struct {
	ID               string `json:"id"`
	Text             string `json:"text"`
	HostedURL        string `json:"hostedUrl"`
	CreatedAt        int64  `json:"createdAt"`
	DescriptionPlain string `json:"descriptionPlain"`
	Description      string `json:"description"`
	AdditionalPlain  string `json:"additionalPlain"`
	Lists            []struct {
		Text    string `json:"text"`
		Content string `json:"content"`
	} `json:"lists"`
	Categories struct {
		Team       string `json:"team"`
		Department string `json:"department"`
		Location   string `json:"location"`
	} `json:"categories"`
}

// ParseLever reads a Lever postings list.
func ParseLever(body []byte) ([]Posting, error) {
	var ls []leverPosting
	if err := json.Unmarshal(body, &ls); err != nil {
		return nil, fmt.Errorf("parse Lever postings: %w", err)
	}
	out := make([]Posting, 0, len(ls))
	for _, l := range ls {
		desc := l.DescriptionPlain
		if desc == "" {
			desc = sources.PlainText(l.Description)
		}
		parts := []string{desc}
		for _, li := range l.Lists {
			parts = append(parts, li.Text, sources.PlainText(li.Content))
		}
		parts = append(parts, l.AdditionalPlain)
		p := Posting{
			ID: l.ID, Title: strings.TrimSpace(l.Text), Location: l.Categories.Location, URL: l.HostedURL,
			Team: strings.TrimSpace(l.Categories.Team + " " + l.Categories.Department), Text: strings.Join(parts, "\n"),
		}
		if l.CreatedAt > 0 {
			t := time.UnixMilli(l.CreatedAt).UTC()
			p.UpdatedAt = &t
		}
		out = append(out, p)
	}
	return out, nil
}
