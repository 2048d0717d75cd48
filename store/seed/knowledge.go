// Package seed holds the team's market knowledge as a versioned data file and the types it decodes
// into. The store loads it idempotently; nothing here touches a database.
//
// Layers (layers_test.go): a leaf; it imports no outreachbot package.
package seed

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"outreachbot/segment"
)

//go:embed knowledge.yaml
var knowledgeYAML []byte

// Knowledge is the whole data file: everything the research report names.
type Knowledge struct {
	// Digest identifies the file's bytes (sha256, hex): a store seeded from another digest is
	// seeded again at start.
	Digest      string       `yaml:"-"`
	Version     int          `yaml:"version"`
	Sources     []Source     `yaml:"sources"`
	Market      []Fact       `yaml:"market"`
	Segments    Segments     `yaml:"segments"`
	Roles       []Role       `yaml:"decision_roles"`
	PainPoints  []PainPoint  `yaml:"pain_points"`
	Accounts    []Account    `yaml:"accounts"`
	Competitors []Competitor `yaml:"competitors"`
	// Alternatives is what the report says of all commercial alternatives at once: shown once,
	// not repeated under each competitor.
	Alternatives Alternatives `yaml:"commercial_alternatives"`
	Events       []Event      `yaml:"events"`
	Communities  []Community  `yaml:"communities"`
	Channels     []Channel    `yaml:"outreach_channels"`
	Positioning  []Rule       `yaml:"positioning"`
	// Firmographics are public statements of organizations' size, HQ and industry.
	Firmographics []Firmographic `yaml:"firmographics"`
}

// Firmographic is what one public source states of an organization: its employees, engineering
// headcount, HQ or industry, with the words that state them, who published them and where.
type Firmographic struct {
	Account   string `yaml:"account"`
	Domain    string `yaml:"domain,omitempty"`
	Employees int    `yaml:"employees,omitempty"`
	Engineers int    `yaml:"engineers,omitempty"`
	HQ        string `yaml:"hq,omitempty"`
	Industry  string `yaml:"industry,omitempty"`
	Says      string `yaml:"says"`
	Who       string `yaml:"who"`
	URL       string `yaml:"url"`
}

// Evidence is how a card shows where a firmographic value came from.
func (f Firmographic) Evidence() string {
	return fmt.Sprintf("%s: “%s” (%s)", f.Who, f.Says, f.URL)
}

// Source names where a fact comes from; every fact refers to one by key.
type Source struct {
	Key   string `yaml:"key"`
	Title string `yaml:"title"`
	URL   string `yaml:"url,omitempty"`
}

// Fact is one statement with its figure (if any) and source key.
type Fact struct {
	Text   string `yaml:"text"`
	Figure string `yaml:"figure,omitempty"`
	Source string `yaml:"source"`
}

// Segments is the report's target segment.
type Segments struct {
	EmployeesMin int      `yaml:"employees_min"`
	EmployeesMax int      `yaml:"employees_max"`
	Industries   []string `yaml:"industries"`
	Hubs         []string `yaml:"hubs"`
	Notes        []Fact   `yaml:"notes"`
}

// Target is the segment as segment fit reads it.
func (s Segments) Target() segment.Target {
	return segment.Target{EmployeesMin: s.EmployeesMin, EmployeesMax: s.EmployeesMax, Industries: s.Industries, Hubs: s.Hubs}
}

// Role is a decision-maker title with its rank (1 = most decision power).
type Role struct {
	Title   string   `yaml:"title"`
	Rank    int      `yaml:"rank"`
	Aliases []string `yaml:"aliases,omitempty"`
	Why     string   `yaml:"why"`
	Source  string   `yaml:"source"`
}

// PainPoint is a recurring problem with its numbers, talking points and evidence.
type PainPoint struct {
	Key           string   `yaml:"key"`
	Title         string   `yaml:"title"`
	Keywords      []string `yaml:"keywords"`
	Summary       string   `yaml:"summary"`
	Numbers       []Fact   `yaml:"numbers"`
	TalkingPoints []string `yaml:"talking_points"`
	Evidence      []Fact   `yaml:"evidence"`
}

// Account is a company the report names.
type Account struct {
	Name      string   `yaml:"name"`
	Aliases   []string `yaml:"aliases,omitempty"`
	Domain    string   `yaml:"domain,omitempty"`
	Industry  string   `yaml:"industry,omitempty"`
	Employees int      `yaml:"employees,omitempty"`
	Region    string   `yaml:"region,omitempty"`
	HQ        string   `yaml:"hq,omitempty"`
	Stage     string   `yaml:"stage"`
	// StageSource is the source key the stage comes from when it is not the account's own source.
	StageSource   string `yaml:"stage_source,omitempty"`
	AdoptionNotes string `yaml:"adoption_notes,omitempty"`
	// Role is prospect (the default), customer, competitor, vendor or partner.
	Role        string        `yaml:"role,omitempty"`
	Facts       []Fact        `yaml:"facts,omitempty"`
	Pains       []AccountPain `yaml:"pains,omitempty"`
	Competitors []string      `yaml:"competitors,omitempty"`
	Contacts    []Contact     `yaml:"contacts,omitempty"`
	Signals     []Signal      `yaml:"signals,omitempty"`
	Source      string        `yaml:"source"`
}

// AccountPain links an account to a pain point key with the evidence for it.
type AccountPain struct {
	Key      string `yaml:"key"`
	Evidence string `yaml:"evidence"`
	Source   string `yaml:"source"`
}

// Contact is a named person at an account.
type Contact struct {
	Name         string   `yaml:"name"`
	Title        string   `yaml:"title"`
	Handles      []string `yaml:"handles,omitempty"`
	SpokeAt      []string `yaml:"spoke_at,omitempty"`
	DoNotContact bool     `yaml:"do_not_contact,omitempty"`
	Notes        string   `yaml:"notes,omitempty"`
	Source       string   `yaml:"source"`
}

// Signal is a public event about an account.
type Signal struct {
	Kind       string `yaml:"kind"`
	Title      string `yaml:"title"`
	Summary    string `yaml:"summary,omitempty"`
	URL        string `yaml:"url,omitempty"`
	OccurredAt string `yaml:"occurred_at,omitempty"` // YYYY or YYYY-MM or YYYY-MM-DD
	Person     string `yaml:"person,omitempty"`
	Source     string `yaml:"source"`
}

// Competitor is a rival product or managed Backstage offering.
type Competitor struct {
	Name    string   `yaml:"name"`
	Kind    string   `yaml:"kind"` // commercial_portal, managed_backstage, open_source
	Aliases []string `yaml:"aliases,omitempty"`
	Domain  string   `yaml:"domain,omitempty"`
	Summary string   `yaml:"summary"`
	// Facts are what the report says of this one alone.
	Facts []Fact `yaml:"facts,omitempty"`
	// Vendor is the organization that sells it, when that is not an organization of the same
	// name (Spotify sells Spotify Portal).
	Vendor string `yaml:"vendor,omitempty"`
	// TalkingPoints answer it, each grounded in the report.
	TalkingPoints []string `yaml:"talking_points,omitempty"`
	Source        string   `yaml:"source"`
}

// Alternatives is the report's view of the commercial alternatives as a group.
type Alternatives struct {
	Facts         []Fact   `yaml:"facts"`
	TalkingPoints []string `yaml:"talking_points"`
}

// CompetitorRoles maps a competitor's kind to the role of the organization that sells it.
var CompetitorRoles = map[string]string{
	"commercial_portal": "competitor",
	"managed_backstage": "vendor",
	"open_source":       "vendor",
	// A supported distribution of Backstage (Red Hat Developer Hub).
	"backstage_distribution": "vendor",
}

// Event is a conference.
type Event struct {
	Name       string   `yaml:"name"`
	Year       int      `yaml:"year,omitempty"`
	Location   string   `yaml:"location,omitempty"`
	Attendance string   `yaml:"attendance,omitempty"`
	Companies  []string `yaml:"companies,omitempty"`
	Notes      string   `yaml:"notes,omitempty"`
	Source     string   `yaml:"source"`
}

// Community is a professional network.
type Community struct {
	Name     string `yaml:"name"`
	Platform string `yaml:"platform"`
	Members  string `yaml:"members,omitempty"`
	Notes    string `yaml:"notes,omitempty"`
	Source   string `yaml:"source"`
}

// Channel is an outreach channel with the report's guidance for it.
type Channel struct {
	Key      string `yaml:"key"`
	Name     string `yaml:"name"`
	Guidance string `yaml:"guidance"`
	Source   string `yaml:"source"`
}

// Rule is one positioning rule for warm outreach.
type Rule struct {
	Key    string `yaml:"key"`
	Text   string `yaml:"text"`
	Source string `yaml:"source"`
}

// Load decodes the embedded data file strictly: an unknown key is an error.
func Load() (*Knowledge, error) { return Parse(knowledgeYAML) }

// Parse decodes a knowledge file strictly and checks its references.
func Parse(data []byte) (*Knowledge, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var k Knowledge
	if err := dec.Decode(&k); err != nil {
		return nil, fmt.Errorf("decode knowledge file: %w", err)
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	k.Digest = hex.EncodeToString(sum[:])
	return &k, nil
}

// Stages are the Backstage statuses an account can have.
var Stages = []string{"none", "adopted", "evaluating", "initial", "production", "managed", "churned"}

// AccountRoles are the roles an organization can have.
var AccountRoles = []string{"prospect", "customer", "competitor", "vendor", "partner"}

// SignalKinds are the kinds of public signal the bot knows.
var SignalKinds = []string{
	"conference_talk", "job_posting", "github_issue", "github_pr", "blog_post",
	"linkedin_post", "community_post", "adopters_entry", "competitor_evaluation", "news",
	"speaker_profile",
}

// Validate checks that every reference in the file resolves.
func (k *Knowledge) Validate() error {
	sources := map[string]bool{}
	for _, s := range k.Sources {
		sources[s.Key] = true
	}
	pains := map[string]bool{}
	for _, p := range k.PainPoints {
		pains[p.Key] = true
	}
	comps := map[string]bool{}
	for _, c := range k.Competitors {
		comps[c.Name] = true
	}
	var errs []error
	check := func(where, src string) {
		if !sources[src] {
			errs = append(errs, fmt.Errorf("%s: unknown source %q", where, src))
		}
	}
	accounts := map[string]bool{}
	for _, a := range k.Accounts {
		accounts[a.Name] = true
		check("account "+a.Name, a.Source)
		if a.StageSource != "" {
			check("stage of "+a.Name, a.StageSource)
		}
		if a.Role != "" && !contains(AccountRoles, a.Role) {
			errs = append(errs, fmt.Errorf("account %s: unknown role %q", a.Name, a.Role))
		}
		if !contains(Stages, a.Stage) {
			errs = append(errs, fmt.Errorf("account %s: unknown stage %q", a.Name, a.Stage))
		}
		for _, p := range a.Pains {
			if !pains[p.Key] {
				errs = append(errs, fmt.Errorf("account %s: unknown pain point %q", a.Name, p.Key))
			}
			check("account "+a.Name+" pain", p.Source)
		}
		for _, c := range a.Competitors {
			if !comps[c] {
				errs = append(errs, fmt.Errorf("account %s: unknown competitor %q", a.Name, c))
			}
		}
		for _, c := range a.Contacts {
			check("contact "+c.Name, c.Source)
		}
		for _, s := range a.Signals {
			check("signal "+s.Title, s.Source)
			if !contains(SignalKinds, s.Kind) {
				errs = append(errs, fmt.Errorf("signal %s: unknown kind %q", s.Title, s.Kind))
			}
		}
		for _, f := range a.Facts {
			check("fact of "+a.Name, f.Source)
		}
	}
	for _, c := range k.Competitors {
		check("competitor "+c.Name, c.Source)
		if _, ok := CompetitorRoles[c.Kind]; !ok {
			errs = append(errs, fmt.Errorf("competitor %s: unknown kind %q", c.Name, c.Kind))
		}
		if c.Vendor != "" && !accounts[c.Vendor] {
			errs = append(errs, fmt.Errorf("competitor %s: vendor %q is not an account", c.Name, c.Vendor))
		}
		for _, f := range c.Facts {
			check("fact of "+c.Name, f.Source)
		}
	}
	for _, f := range k.Alternatives.Facts {
		check("commercial alternatives", f.Source)
	}
	for _, f := range k.Firmographics {
		if f.Account == "" || f.Says == "" || f.Who == "" || !strings.HasPrefix(f.URL, "https://") {
			errs = append(errs, fmt.Errorf("firmographics of %q: account, says, who and an https url are required", f.Account))
		}
	}
	for _, p := range k.PainPoints {
		for _, f := range append(append([]Fact{}, p.Numbers...), p.Evidence...) {
			check("pain "+p.Key, f.Source)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("knowledge file: %v", errs)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
