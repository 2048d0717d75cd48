package handlers

import (
	"context"
	"fmt"
	"strings"

	"outreachbot/slackmsg"
)

// Words reads a line said to the bot outside a slash command — a DM, an @mention, the terminal —
// as the slash command it means, through the same declarations the router reads: "draft toyota"
// is /draft toyota, "/pain yaml" is /pain yaml, and anything that does not start with a command
// name is an account name for /account ("expedia"). ok is false for an empty line or "help".
func (r *Registry) Words(line string) (command, text string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.EqualFold(line, "help") || line == "?" {
		return "", "", false
	}
	first, rest := splitFirst(line)
	name := "/" + strings.ToLower(strings.TrimPrefix(first, "/"))
	if _, known := r.commands[name]; known {
		return name, rest, true
	}
	if strings.HasPrefix(first, "/") {
		// An unknown slash command: Dispatch says which ones exist.
		return first, rest, true
	}
	return "/account", line, true
}

// DispatchWords answers a line said to the bot (req.Text) as Words reads it; an empty line or
// "help" lists what the bot answers.
func (r *Registry) DispatchWords(ctx context.Context, req Request) (slackmsg.Response, error) {
	command, text, ok := r.Words(req.Text)
	if !ok {
		return r.wordsHelp(), nil
	}
	req.Command, req.Text = command, text
	return r.Dispatch(ctx, req)
}

// wordsHelp lists the commands as they may be said without the slash.
func (r *Registry) wordsHelp() slackmsg.Response {
	var b slackmsg.Builder
	b.Section("Ask me with the same words as the slash commands, without the slash: `expedia` shows the account card, `draft toyota` drafts a first message, `pain yaml` explains a pain point.")
	var lines []string
	for _, c := range r.Commands() {
		lines = append(lines, fmt.Sprintf("• `%s` — %s", strings.TrimPrefix(c.Name, "/"), slackmsg.Escape(c.Description)))
	}
	b.Section(strings.Join(lines, "\n"))
	b.Context("Add `help` after any of them for its forms, e.g. `digest help`.")
	return slackmsg.Response{Text: "What I answer: the slash commands, without the slash.", Blocks: b.Blocks()}
}

// WithoutForm turns an answer that would open a form into words, for a place where Slack cannot
// open one (no trigger id: the terminal, a DM, a mention): it names the form, says where it
// opens, and offers the command's other route when it declares one.
func (r *Registry) WithoutForm(line string, resp slackmsg.Response) slackmsg.Response {
	if resp.Modal == nil {
		return resp
	}
	title := "a form"
	if resp.Modal.Title != nil && resp.Modal.Title.Text != "" {
		title = "the form *" + slackmsg.Escape(resp.Modal.Title.Text) + "*"
	}
	msg := fmt.Sprintf("That opens %s, which Slack shows only from a slash command, a shortcut or a button: type `%s` in Slack.",
		title, slackmsg.Escape(line))
	if command, _ := splitFirst(line); r.commands[command].FormElsewhere != "" {
		msg += "\n" + r.commands[command].FormElsewhere
	}
	out := slackmsg.Ephemeral(msg)
	if !resp.IsModalOnly() {
		out.Blocks = append(resp.Blocks, out.Blocks...)
	}
	return out
}
