// Package templates holds the outreach templates and their renderer.
//
// A template is a text file: YAML front matter (name, description, channel, subject for e-mail,
// what it fits, its length limit) and a Go text/template body. The shipped ones are embedded from
// outreach/*.tmpl; the team adds and edits its own through /template, stored with versions.
//
// Every template runs in a sandbox (see sandbox.go): only the functions documented in FuncDocs,
// no recursion, range only over the data's own short lists, a cap on its output and a time limit.
// Every value a template inserts is escaped for its channel and must not be empty, so a draft
// never shows "<no value>" or a gap where a name should be.
//
// Layers (layers_test.go): templates imports only seed; never store, handlers or anything above.
// Drafts hand it plain data (templates.Data).
package templates

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"outreachbot/store/seed"
)

// Channel is where a draft will be sent.
type Channel string

// The channels a template can write for.
const (
	LinkedInConnect    Channel = "linkedin_connect"
	LinkedInMessage    Channel = "linkedin_message"
	Email              Channel = "email"
	CommunityDM        Channel = "community_dm"
	ConferenceFollowup Channel = "conference_followup"
	GitHubComment      Channel = "github_comment"
)

// ChannelSpec describes a channel: its label, the most characters a message may have there, and
// how inserted values are escaped.
type ChannelSpec struct {
	Channel Channel
	Label   string
	// MaxChars is the channel's ceiling; a template's own limit may only be lower.
	MaxChars int
	// Subject is true when the channel needs a subject line (e-mail).
	Subject bool
	escape  func(string) string
}

// MaxSubjectChars keeps e-mail subjects within one 78-character header line (RFC 5322 §2.1.1).
const MaxSubjectChars = 78

// channels lists every channel. The ceilings: LinkedIn connection notes take 300 characters;
// LinkedIn InMail bodies 1,900 (a message to a connection may be longer, but 1,900 reaches both);
// Discord messages 2,000 (Slack communities allow more, so 2,000 fits both); cold e-mails and
// comments are kept to 2,000 by team rule, which also fits Slack's 3,000-character text input.
var channels = []ChannelSpec{
	{LinkedInConnect, "LinkedIn connection note", 300, false, plainValue},
	{LinkedInMessage, "LinkedIn message", 1900, false, plainValue},
	{Email, "E-mail", 2000, true, plainValue},
	{CommunityDM, "Community DM (Slack/Discord)", 2000, false, chatValue},
	{ConferenceFollowup, "Conference follow-up", 1900, false, plainValue},
	{GitHubComment, "GitHub comment", 2000, false, markdownValue},
}

// Channels lists every channel a template can write for.
func Channels() []ChannelSpec { return slices.Clone(channels) }

// Spec returns a channel's description.
func (c Channel) Spec() (ChannelSpec, bool) {
	for _, s := range channels {
		if s.Channel == c {
			return s, true
		}
	}
	return ChannelSpec{}, false
}

// Label is the channel's human name, or its key when unknown.
func (c Channel) Label() string {
	if s, ok := c.Spec(); ok {
		return s.Label
	}
	return string(c)
}

// InText is the channel's name as it reads inside a sentence ("you sent the e-mail"): its first
// word in lower case unless that word is a name (LinkedIn, GitHub), the rest as it is.
func (c Channel) InText() string {
	label := c.Label()
	first, rest, _ := strings.Cut(label, " ")
	if r := []rune(first); len(r) > 1 && strings.ToLower(string(r[1:])) != string(r[1:]) {
		return label // a name with a capital inside: LinkedIn, GitHub
	}
	if rest == "" {
		return strings.ToLower(first)
	}
	return strings.ToLower(first) + " " + rest
}

// Role groups contacts by decision power (their decision rank).
const (
	RoleLeader   = "leader"   // Head of Platform Engineering, VP of Engineering, Director (ranks 1–3)
	RoleManager  = "manager"  // Platform Engineering Manager, Engineering Manager, Head of Architecture (4–5)
	RoleEngineer = "engineer" // everyone else
)

// RoleOfRank maps a decision rank (1 = most power) to a role group.
func RoleOfRank(rank int) string {
	switch {
	case rank >= 1 && rank <= 3:
		return RoleLeader
	case rank >= 4 && rank <= 5:
		return RoleManager
	default:
		return RoleEngineer
	}
}

// Fits says when a template is a good choice.
type Fits struct {
	// Signals are the signal kinds the template references; "any" fits every signal and "none"
	// fits an account without any public signal (the honest, not-warm fallback).
	Signals []string `yaml:"signals"`
	// Pains are the pain point keys the template can name ("any" = every one).
	Pains []string `yaml:"pains"`
	// Roles are the contact role groups it is written for: leader, manager, engineer, any.
	Roles []string `yaml:"roles,omitempty"`
	// Stages, when set, limits the template to accounts at these Backstage stages.
	Stages []string `yaml:"stages,omitempty"`
}

// Meta is a template's front matter.
type Meta struct {
	Name        string  `yaml:"name"`
	Description string  `yaml:"description"`
	Channel     Channel `yaml:"channel"`
	// Subject is the e-mail subject, itself a template (e-mail only).
	Subject string `yaml:"subject,omitempty"`
	// Limit is the most characters the body may have; 0 means the channel's ceiling.
	Limit int  `yaml:"limit,omitempty"`
	Fits  Fits `yaml:"fits"`
}

// Template is a parsed, checked outreach template, ready to render.
type Template struct {
	Meta
	// Source is the whole file as written: front matter and body.
	Source  string
	body    *template.Template
	subject *template.Template
}

// Limits on a template's source.
const (
	// MaxSourceChars keeps a template editable in one Slack text input (3,000 characters).
	MaxSourceChars = 3000
	// ShortVariant names the optional {{define "short"}} block used when the body is over its limit.
	ShortVariant = "short"
)

var (
	nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)
	keyRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
)

// Parse reads a template file, checks its front matter and compiles its body in the sandbox.
// It does not render; Validate does.
func Parse(src string) (*Template, error) {
	if n := utf8.RuneCountInString(src); n > MaxSourceChars {
		return nil, fmt.Errorf("the template is %d characters; the most is %d", n, MaxSourceChars)
	}
	if !utf8.ValidString(src) {
		return nil, errors.New("the template is not valid UTF-8 text")
	}
	front, body, err := splitFrontMatter(src)
	if err != nil {
		return nil, err
	}
	var m Meta
	dec := yaml.NewDecoder(strings.NewReader(front))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("front matter: %s", yamlErrText(err))
	}
	spec, err := m.check()
	if err != nil {
		return nil, err
	}
	if m.Limit == 0 {
		m.Limit = spec.MaxChars
	}
	t := &Template{Meta: m, Source: src}
	if t.body, err = compile(m.Name, body, spec.escape); err != nil {
		return nil, err
	}
	if m.Subject != "" {
		if t.subject, err = compile(m.Name+".subject", m.Subject, plainValue); err != nil {
			return nil, fmt.Errorf("subject: %w", err)
		}
	}
	return t, nil
}

// HasShort reports whether the template defines a shorter variant for when the body is too long.
func (t *Template) HasShort() bool { return t.body.Lookup(ShortVariant) != nil }

// Fallback reports whether the template is written for accounts without a public signal.
func (t *Template) Fallback() bool { return slices.Contains(t.Fits.Signals, SignalNone) }

// Special values in Fits.
const (
	SignalAny  = "any"
	SignalNone = "none"
	PainAny    = "any"
	RoleAny    = "any"
)

// FitsSignal reports whether the template can reference a signal of this kind.
// A signal that is no opening (a speaker profile says who someone is, not what they did) fits
// no template, not even one for any signal.
func (t *Template) FitsSignal(kind string) bool {
	if !IsOpening(kind) {
		return false
	}
	return slices.Contains(t.Fits.Signals, kind) || slices.Contains(t.Fits.Signals, SignalAny)
}

// IsOpening reports whether a signal kind can open a message: something the person or company
// did or said in public. A speaker profile is not a talk.
func IsOpening(kind string) bool { return kind != "speaker_profile" }

// FitsPain reports whether the template can name this pain point.
func (t *Template) FitsPain(key string) bool {
	return slices.Contains(t.Fits.Pains, PainAny) || slices.Contains(t.Fits.Pains, key)
}

// FitsRole reports whether the template is written for this role group (no roles = every one).
func (t *Template) FitsRole(role string) bool {
	return len(t.Fits.Roles) == 0 || slices.Contains(t.Fits.Roles, RoleAny) || slices.Contains(t.Fits.Roles, role)
}

// FitsStage reports whether the template suits an account at this stage (no stages = every one).
func (t *Template) FitsStage(stage string) bool {
	return len(t.Fits.Stages) == 0 || slices.Contains(t.Fits.Stages, stage)
}

func (m *Meta) check() (ChannelSpec, error) {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !nameRe.MatchString(m.Name) {
		bad("name %q must be 2–40 lower-case letters, digits or dashes", m.Name)
	}
	if strings.TrimSpace(m.Description) == "" || utf8.RuneCountInString(m.Description) > 150 {
		bad("description must be 1–150 characters")
	}
	spec, ok := m.Channel.Spec()
	if !ok {
		var names []string
		for _, c := range channels {
			names = append(names, string(c.Channel))
		}
		bad("channel %q is not one of %s", m.Channel, strings.Join(names, ", "))
	}
	switch {
	case ok && spec.Subject && strings.TrimSpace(m.Subject) == "":
		bad("an e-mail template needs a subject")
	case ok && !spec.Subject && m.Subject != "":
		bad("only e-mail templates have a subject")
	}
	if ok && (m.Limit < 0 || m.Limit > spec.MaxChars) {
		bad("limit %d is outside 1–%d, the %s ceiling", m.Limit, spec.MaxChars, spec.Label)
	}
	if len(m.Fits.Signals) == 0 {
		bad("fits.signals is empty: list signal kinds, or any, or none")
	}
	for _, k := range m.Fits.Signals {
		if k != SignalAny && k != SignalNone && !slices.Contains(seed.SignalKinds, k) {
			bad("fits.signals: %q is not a signal kind (%s, any, none)", k, strings.Join(seed.SignalKinds, ", "))
		}
	}
	if len(m.Fits.Pains) == 0 {
		bad("fits.pains is empty: list pain point keys, or any")
	}
	for _, p := range m.Fits.Pains {
		if !keyRe.MatchString(p) {
			bad("fits.pains: %q is not a pain point key", p)
		}
	}
	for _, r := range m.Fits.Roles {
		if r != RoleAny && r != RoleLeader && r != RoleManager && r != RoleEngineer {
			bad("fits.roles: %q is not leader, manager, engineer or any", r)
		}
	}
	for _, s := range m.Fits.Stages {
		if !slices.Contains(seed.Stages, s) {
			bad("fits.stages: %q is not a stage (%s)", s, strings.Join(seed.Stages, ", "))
		}
	}
	if len(errs) > 0 {
		return spec, errors.New(strings.Join(errs, "; "))
	}
	return spec, nil
}

// splitFrontMatter cuts "---\n<yaml>\n---\n<body>".
func splitFrontMatter(src string) (string, string, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	if !strings.HasPrefix(src, "---\n") {
		return "", "", errors.New(`a template starts with front matter between two "---" lines`)
	}
	rest := src[4:]
	end := strings.Index(rest, "\n---\n")
	if end < 0 {
		if strings.HasSuffix(rest, "\n---") {
			return "", "", errors.New("the template has front matter but no body")
		}
		return "", "", errors.New(`the front matter is not closed by a "---" line`)
	}
	body := rest[end+5:]
	if strings.TrimSpace(body) == "" {
		return "", "", errors.New("the template has front matter but no body")
	}
	return rest[:end], body, nil
}

func yamlErrText(err error) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: "), "unmarshal errors:\n  ")
}
