package handlers

import (
	"context"
	"strings"
	"testing"

	"outreachbot/slackmsg"
)

// echoFeature is a command, a button, a modal and a shortcut that record what reached them.
type echoFeature struct{ reached []string }

func (e *echoFeature) Command() Command {
	return Command{Name: "/echo", Handle: func(ctx context.Context, req Request) (slackmsg.Response, error) {
		e.reached = append(e.reached, req.Text)
		return slackmsg.Ephemeral("ok"), nil
	}}
}

func (e *echoFeature) Actions() map[string]ActionFunc {
	return map[string]ActionFunc{"echo_button": func(ctx context.Context, a Action) (slackmsg.Response, error) {
		e.reached = append(e.reached, a.Value)
		return slackmsg.Ephemeral("ok"), nil
	}}
}

func (e *echoFeature) Views() map[string]ViewFunc {
	return map[string]ViewFunc{"echo_modal": func(ctx context.Context, v ViewSubmission) (ViewResult, error) {
		e.reached = append(e.reached, v.Values["b"]["a"])
		return ViewResult{}, nil
	}}
}

func (e *echoFeature) Shortcuts() map[string]ShortcutFunc {
	return map[string]ShortcutFunc{"echo_shortcut": func(ctx context.Context, s Shortcut) (slackmsg.Response, error) {
		e.reached = append(e.reached, s.MessageText)
		return slackmsg.Ephemeral("ok"), nil
	}}
}

// TestRegistry_refusesNULAndInvalidUTF8BeforeAnyHandler: text no database or Slack can store is
// refused where it comes in, with a message saying what was wrong, and reaches no handler.
func TestRegistry_refusesNULAndInvalidUTF8BeforeAnyHandler(t *testing.T) {
	ctx := context.Background()
	for name, bad := range map[string]string{"NUL": "subscribe industry:\x00x", "invalid UTF-8": "acme \xff\xfe"} {
		f := &echoFeature{}
		r := NewRegistry(f)
		resp, err := r.Dispatch(ctx, Request{Command: "/echo", Text: bad})
		if err != nil || !strings.Contains(resp.Text, "can't read") {
			t.Errorf("%s in a command: %q %v", name, resp.Text, err)
		}
		resp, err = r.HandleAction(ctx, Action{ActionID: "echo_button", Value: bad})
		if err != nil || !strings.Contains(resp.Text, "can't read") {
			t.Errorf("%s in a button: %q %v", name, resp.Text, err)
		}
		res, err := r.HandleView(ctx, ViewSubmission{CallbackID: "echo_modal", Values: map[string]map[string]string{"b": {"a": bad}}})
		if err != nil || !strings.Contains(res.Errors["b"], "can't read") {
			t.Errorf("%s in a modal: %v %v", name, res.Errors, err)
		}
		resp, err = r.HandleShortcut(ctx, Shortcut{CallbackID: "echo_shortcut", MessageText: bad})
		if err != nil || !strings.Contains(resp.Text, "can't read") {
			t.Errorf("%s in a shortcut's message: %q %v", name, resp.Text, err)
		}
		if len(f.reached) != 0 {
			t.Errorf("%s reached a handler: %q", name, f.reached)
		}
	}
	f := &echoFeature{}
	if resp, _ := NewRegistry(f).Dispatch(ctx, Request{Command: "/echo", Text: "Zürich 東京 tab\tok"}); resp.Text != "ok" || len(f.reached) != 1 {
		t.Errorf("ordinary text refused: %q", resp.Text)
	}
}
