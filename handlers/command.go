// Package handlers answers the bot's slash commands and interactions. Each handler is a plain
// function from a parsed request to a Slack message value; it never acks, posts or sleeps, so the
// same code serves Slack (through package bot) and the terminal (outreachbot ask).
//
// A handler that tells the time takes now func() time.Time, fed the one clock's Now (cli passes
// App.Clock.Now). It reads the time and never waits, so it takes only that method rather than the
// whole clock.Clock with its After: the narrowest seam, and a test passes any clock's Now.
//
// Layers (layers_test.go): handlers import digest, followup, store, templates, match, slackmsg and seed;
// never bot, cli or sources. A handler neither acks nor posts: the bot does.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// Request is a slash command as a handler sees it.
type Request struct {
	// Command is the slash command, e.g. "/account".
	Command string
	// Text is what followed the command, with Slack's &amp;/&lt;/&gt; escaping undone and user
	// mentions (<@U123|name>) reduced to @U123.
	Text string
	// UserID is the Slack user who ran the command.
	UserID string
	// ChannelID is where the command was run.
	ChannelID string
	// TriggerID lets a handler open a modal (valid for 3 s).
	TriggerID string
	// Admin is true when the caller is one of the configured admins.
	Admin bool
}

// HandlerFunc answers a request.
type HandlerFunc func(ctx context.Context, req Request) (slackmsg.Response, error)

// Subcommand documents one form of a command.
type Subcommand struct {
	Usage       string `yaml:"usage"`
	Description string `yaml:"description"`
}

// Command declares a slash command once: the router, the help text and the manifest test all
// read this declaration. The words come from commands.yml (see declared); the handler adds
// Handle, and the forms its own configuration or tables decide.
type Command struct {
	Name        string       `yaml:"name"`        // "/account"
	Description string       `yaml:"description"` // one line, also the manifest's description
	UsageHint   string       `yaml:"usage_hint"`  // the manifest's usage_hint
	Forms       []Subcommand `yaml:"forms"`
	Examples    []string     `yaml:"examples"`
	Handle      HandlerFunc  `yaml:"-"`
	// FormElsewhere says what to do instead where a form this command opens cannot be shown
	// (the terminal, a DM or a mention have no trigger to open a modal with).
	FormElsewhere string `yaml:"form_elsewhere"`
}

// Help renders the command's help message.
func (c Command) Help() slackmsg.Response {
	var b slackmsg.Builder
	b.Header(c.Name)
	b.Section(slackmsg.Escape(c.Description))
	var lines []string
	for _, f := range c.Forms {
		lines = append(lines, fmt.Sprintf("• `%s` — %s", slackmsg.Escape(f.Usage), slackmsg.Escape(f.Description)))
	}
	if len(lines) > 0 {
		b.Section("*Usage*\n" + strings.Join(lines, "\n"))
	}
	if len(c.Examples) > 0 {
		ex := make([]string, len(c.Examples))
		for i, e := range c.Examples {
			ex[i] = "`" + slackmsg.Escape(e) + "`"
		}
		b.Context("Examples: " + strings.Join(ex, "  "))
	}
	return slackmsg.Response{Text: c.Name + ": " + c.Description, Blocks: b.Blocks()}
}

// Feature is one capability of the bot: a slash command and the interactions it owns. Every
// handler type implements it; the registry, help, App Home and the manifest test read it.
type Feature interface {
	Command() Command
}

// ActionOwner is a feature with buttons: action ids routed to it.
type ActionOwner interface {
	Actions() map[string]ActionFunc
}

// ViewOwner is a feature with modals: view_submission callback ids routed to it.
type ViewOwner interface {
	Views() map[string]ViewFunc
}

// ShortcutOwner is a feature with global or message shortcuts: callback ids routed to it.
type ShortcutOwner interface {
	Shortcuts() map[string]ShortcutFunc
}

// HomeOwner is a feature that lays out a user's App Home tab (page is 0-based).
type HomeOwner interface {
	View(ctx context.Context, user string, page int) (slack.HomeTabViewRequest, error)
}

// Registry holds the declared commands and interaction handlers.
type Registry struct {
	home      HomeOwner
	commands  map[string]Command
	actions   map[string]ActionFunc
	views     map[string]ViewFunc
	shortcuts map[string]ShortcutFunc
}

// NewRegistry declares the given features. Two features claiming one name or id is a
// programming error and panics at start-up.
func NewRegistry(features ...Feature) *Registry {
	r := &Registry{commands: map[string]Command{}, actions: map[string]ActionFunc{},
		views: map[string]ViewFunc{}, shortcuts: map[string]ShortcutFunc{}}
	for _, f := range features {
		if c := f.Command(); c.Name != "" { // a feature without a slash command (the Home)
			mustAdd(r.commands, c.Name, c)
		}
		if h, ok := f.(HomeOwner); ok {
			if r.home != nil {
				panic("handlers: two features lay out the App Home")
			}
			r.home = h
		}
		if o, ok := f.(ActionOwner); ok {
			for id, a := range o.Actions() {
				mustAdd(r.actions, id, a)
			}
		}
		if o, ok := f.(ViewOwner); ok {
			for id, v := range o.Views() {
				mustAdd(r.views, id, v)
			}
		}
		if o, ok := f.(ShortcutOwner); ok {
			for id, sc := range o.Shortcuts() {
				mustAdd(r.shortcuts, id, sc)
			}
		}
	}
	return r
}

func mustAdd[T any](m map[string]T, key string, v T) {
	if _, dup := m[key]; dup {
		panic("handlers: " + key + " is declared twice")
	}
	m[key] = v
}

// Home lays out page (0-based) of a user's App Home tab; without a Home feature it lists what
// the bot answers.
func (r *Registry) Home(ctx context.Context, user string, page int) (slack.HomeTabViewRequest, error) {
	if r.home != nil {
		return r.home.View(ctx, user, page)
	}
	var b slackmsg.Builder
	b.Header("outreachbot")
	for _, c := range r.Commands() {
		b.Section(fmt.Sprintf("*%s* — %s", c.Name, slackmsg.Escape(c.Description)))
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: b.Blocks()}}, nil
}

// Commands lists the declared commands by name.
func (r *Registry) Commands() []Command {
	out := make([]Command, 0, len(r.commands))
	for _, c := range r.commands {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Command finds a declared command.
func (r *Registry) Command(name string) (Command, bool) {
	c, ok := r.commands[name]
	return c, ok
}

// Declares reports whether name is a command, action, modal or shortcut id the registry routes.
func (r *Registry) Declares(name string) bool {
	_, c := r.commands[name]
	_, a := r.actions[name]
	_, v := r.views[name]
	_, s := r.shortcuts[name]
	return c || a || v || s
}

// ShortcutIDs lists the shortcut callback ids.
func (r *Registry) ShortcutIDs() []string { return sortedKeys(r.shortcuts) }

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Dispatch runs a slash command: `help` on any command shows its help; an unknown command says
// which ones exist.
func (r *Registry) Dispatch(ctx context.Context, req Request) (slackmsg.Response, error) {
	c, ok := r.commands[req.Command]
	if !ok {
		names := make([]string, 0, len(r.commands))
		for _, c := range r.Commands() {
			names = append(names, "`"+c.Name+"`")
		}
		return slackmsg.Ephemeral(fmt.Sprintf("I don't know the command `%s`. I answer %s — add `help` to any of them.",
			slackmsg.Escape(req.Command), strings.Join(names, ", "))), nil
	}
	if msg := unreadable(req.Text); msg != "" {
		return slackmsg.Ephemeral(msg), nil
	}
	req.Text = strings.TrimSpace(req.Text)
	if first, _ := splitFirst(req.Text); strings.EqualFold(first, "help") || req.Text == "?" {
		return c.Help(), nil
	}
	return c.Handle(ctx, req)
}

// Action is a button click or another interaction on a message the bot sent.
type Action struct {
	ActionID  string
	Value     string
	UserID    string
	ChannelID string
	TriggerID string
	MessageTS string
	Admin     bool
	// FromHome is true for a button on the App Home tab: there is no message to answer under,
	// and the bot publishes the Home again after the action.
	FromHome bool
}

// ActionFunc answers an interaction.
type ActionFunc func(ctx context.Context, a Action) (slackmsg.Response, error)

// recordOfButton fetches the record whose id a button carries as its value. A value that is not
// an id (a button an older version sent) is answered with the ephemeral stale, a record that no
// longer exists with gone; any other error is returned.
func recordOfButton[T any](ctx context.Context, value string, get func(context.Context, int64) (*T, error), stale, gone string) (*T, *slackmsg.Response, error) {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		r := slackmsg.Ephemeral(stale)
		return nil, &r, nil
	}
	v, err := get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		r := slackmsg.Ephemeral(gone)
		return nil, &r, nil
	}
	return v, nil, err
}

// ViewSubmission is a modal the user submitted.
type ViewSubmission struct {
	CallbackID      string
	PrivateMetadata string
	// Values holds each input's value by block id then action id (plain text, selected
	// option value, or selected conversation/user id).
	Values    map[string]map[string]string
	UserID    string
	TriggerID string
	Admin     bool
}

// ViewResult answers a modal submission: field errors keep the modal open; otherwise it closes
// and Message, if set, is posted to the user.
type ViewResult struct {
	Errors  map[string]string // block id → message shown under that input
	Message *slackmsg.Response
	Channel string // where to post Message (a channel id, or the user id for a DM)
}

// ViewFunc answers a modal submission.
type ViewFunc func(ctx context.Context, v ViewSubmission) (ViewResult, error)

// Shortcut is a global or message shortcut the user chose.
type Shortcut struct {
	CallbackID string
	UserID     string
	ChannelID  string
	TriggerID  string
	// Message is the text, permalink and ts of the message a message shortcut was used on.
	MessageText string
	MessageTS   string
	Permalink   string
	Admin       bool
}

// ShortcutFunc answers a shortcut, usually with a Response whose Modal is set.
type ShortcutFunc func(ctx context.Context, s Shortcut) (slackmsg.Response, error)

// HandleView routes a modal submission by its callback id.
func (r *Registry) HandleView(ctx context.Context, v ViewSubmission) (ViewResult, error) {
	f, ok := r.views[v.CallbackID]
	if !ok {
		return ViewResult{}, fmt.Errorf("no handler for modal %q", v.CallbackID)
	}
	errs := map[string]string{}
	for block, inputs := range v.Values {
		for _, val := range inputs {
			if msg := unreadable(val); msg != "" {
				errs[block] = msg
			}
		}
	}
	if msg := unreadable(v.PrivateMetadata); msg != "" {
		return ViewResult{}, fmt.Errorf("modal %q: private metadata: %s", v.CallbackID, msg)
	}
	if len(errs) > 0 {
		return ViewResult{Errors: errs}, nil
	}
	return f(ctx, v)
}

// HandleShortcut routes a shortcut by its callback id.
func (r *Registry) HandleShortcut(ctx context.Context, s Shortcut) (slackmsg.Response, error) {
	f, ok := r.shortcuts[s.CallbackID]
	if !ok {
		return slackmsg.Ephemeral("That shortcut belongs to an older version of me."), nil
	}
	if msg := unreadable(s.MessageText + s.Permalink); msg != "" {
		return slackmsg.Ephemeral(msg), nil
	}
	return f(ctx, s)
}

// HandleAction routes an interaction by its action id.
func (r *Registry) HandleAction(ctx context.Context, a Action) (slackmsg.Response, error) {
	f, ok := r.actions[a.ActionID]
	if !ok {
		return slackmsg.Ephemeral("That button belongs to an older version of me; run the command again."), nil
	}
	if msg := unreadable(a.Value); msg != "" {
		return slackmsg.Ephemeral(msg), nil
	}
	return f(ctx, a)
}

// unreadable says what is wrong with text no handler should see ("" when it is fine): a NUL
// byte (PostgreSQL refuses it in text, so a stored filter holding one would fail every use) or
// bytes that are not UTF-8. It is checked once, where commands, buttons, modals and shortcuts
// come in, so no handler has to.
func unreadable(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "I can't read that: it contains a NUL character (\\0). Type it again without it, e.g. copy it from a plain-text editor."
	case !utf8.ValidString(s):
		return "I can't read that: it has bytes that are not UTF-8 text. Type it again, or paste it from a plain-text editor."
	}
	return ""
}

// splitFirst returns the first word of s and the rest, trimmed.
func splitFirst(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " \t\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i+1:])
}

// mentionRe matches Slack's escaped user mention, <@U123> or <@U123|name>.
var mentionRe = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)

// NormalizeSlackText turns slash command text as Slack sends it into what a handler reads: user
// mentions become @U123 and Slack's escaping of &, < and > is undone.
func NormalizeSlackText(s string) string {
	s = mentionRe.ReplaceAllString(s, "@$1")
	return slackmsg.Unescape(s)
}

// userErrorf builds a UserError; the message is mrkdwn and must escape what it quotes.
func userErrorf(format string, args ...any) error {
	return &slackmsg.UserError{Msg: fmt.Sprintf(format, args...)}
}
