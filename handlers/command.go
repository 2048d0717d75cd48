// Package handlers answers the bot's slash commands and interactions. Each handler is a plain
// function from a parsed request to a Slack message value; it never acks, posts or sleeps, so the
// same code serves Slack (through package bot) and the terminal (outreachbot ask).
package handlers

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
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
type HandlerFunc func(ctx context.Context, req Request) (Response, error)

// Subcommand documents one form of a command.
type Subcommand struct {
	Usage       string
	Description string
}

// Command declares a slash command once: the router, the help text and the manifest test all
// read this declaration.
type Command struct {
	Name        string // "/account"
	Description string // one line, also the manifest's description
	UsageHint   string // the manifest's usage_hint
	Forms       []Subcommand
	Examples    []string
	Handle      HandlerFunc
}

// Help renders the command's help message.
func (c Command) Help() Response {
	var b Builder
	b.Header(c.Name)
	b.Section(Escape(c.Description))
	var lines []string
	for _, f := range c.Forms {
		lines = append(lines, fmt.Sprintf("• `%s` — %s", Escape(f.Usage), Escape(f.Description)))
	}
	if len(lines) > 0 {
		b.Section("*Usage*\n" + strings.Join(lines, "\n"))
	}
	if len(c.Examples) > 0 {
		ex := make([]string, len(c.Examples))
		for i, e := range c.Examples {
			ex[i] = "`" + Escape(e) + "`"
		}
		b.Context("Examples: " + strings.Join(ex, "  "))
	}
	return Response{Text: c.Name + ": " + c.Description, Blocks: b.Blocks()}
}

// Registry holds the declared commands and interaction handlers.
type Registry struct {
	commands map[string]Command
	actions  map[string]ActionFunc
}

// NewRegistry declares the given commands and actions.
func NewRegistry(commands []Command, actions map[string]ActionFunc) *Registry {
	r := &Registry{commands: map[string]Command{}, actions: map[string]ActionFunc{}}
	for _, c := range commands {
		r.commands[c.Name] = c
	}
	for id, a := range actions {
		r.actions[id] = a
	}
	return r
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

// ActionIDs lists the action ids interactions are routed by.
func (r *Registry) ActionIDs() []string {
	out := make([]string, 0, len(r.actions))
	for id := range r.actions {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Dispatch runs a slash command: `help` on any command shows its help; an unknown command says
// which ones exist.
func (r *Registry) Dispatch(ctx context.Context, req Request) (Response, error) {
	c, ok := r.commands[req.Command]
	if !ok {
		names := make([]string, 0, len(r.commands))
		for _, c := range r.Commands() {
			names = append(names, "`"+c.Name+"`")
		}
		return Ephemeral(fmt.Sprintf("I don't know the command `%s`. I answer %s — add `help` to any of them.",
			Escape(req.Command), strings.Join(names, ", "))), nil
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
}

// ActionFunc answers an interaction.
type ActionFunc func(ctx context.Context, a Action) (Response, error)

// HandleAction routes an interaction by its action id.
func (r *Registry) HandleAction(ctx context.Context, a Action) (Response, error) {
	f, ok := r.actions[a.ActionID]
	if !ok {
		return Ephemeral("That button belongs to an older version of me; run the command again."), nil
	}
	return f(ctx, a)
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
	return Unescape(s)
}

// UserError is a problem with what the user typed; its message is shown to them as is.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

// userErrorf builds a UserError; the message is mrkdwn and must escape what it quotes.
func userErrorf(format string, args ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, args...)}
}
