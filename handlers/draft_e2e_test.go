package handlers_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"outreachbot/bot"
	"outreachbot/bot/bottest"
	"outreachbot/cli"
	"outreachbot/slacktest"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// slackMsg is a message as Slack receives it.
type slackMsg struct {
	ResponseType    string `json:"response_type"`
	ReplaceOriginal bool   `json:"replace_original"`
	Text            string `json:"text"`
	Blocks          []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			ActionID string          `json:"action_id"`
			Value    string          `json:"value"`
			Text     json.RawMessage `json:"text"`
		} `json:"elements"`
	} `json:"blocks"`
}

func (m slackMsg) all() string {
	var b strings.Builder
	b.WriteString(m.Text)
	for _, bl := range m.Blocks {
		if bl.Text != nil {
			b.WriteString("\n" + bl.Text.Text)
		}
	}
	return b.String()
}

// button finds a button's action id and value by its label.
func (m slackMsg) button(t *testing.T, label string) (string, string) {
	t.Helper()
	for _, bl := range m.Blocks {
		for _, el := range bl.Elements {
			var txt struct{ Text string }
			_ = json.Unmarshal(el.Text, &txt)
			if txt.Text == label {
				return el.ActionID, el.Value
			}
		}
	}
	t.Fatalf("no %q button in:\n%s", label, m.all())
	return "", ""
}

// slackBot runs the real bot against the Slack test double, over a fresh SQLite store.
type slackBot struct {
	t   *testing.T
	srv *slacktest.Server
	ctx context.Context
}

func startSlackBot(t *testing.T) *slackBot {
	t.Helper()
	srv := bottest.NewServer(t)
	opts := bottest.Options(srv)
	opts.HTTPAddr, opts.AdminUsers = "off", []string{"UADMIN"}
	log := slog.New(slog.DiscardHandler)
	app, err := cli.Prepare(context.Background(), opts, storetest.Open(t, store.SQLite), log)
	if err != nil {
		t.Fatal(err)
	}
	bottest.Start(t, srv, bot.New(bot.Deps{Options: opts, Log: log, Registry: app.Registry, Claims: app.Store}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return &slackBot{t: t, srv: srv, ctx: ctx}
}

// command runs a slash command and returns the answer in the ack.
func (b *slackBot) command(user, command, text string) slackMsg {
	b.t.Helper()
	ack, err := b.srv.SlashCommand(b.ctx, slacktest.SlashCommand{Command: command, Text: text, UserID: user, ChannelID: "C1"})
	if err != nil {
		b.t.Fatal(err)
	}
	var m slackMsg
	if len(ack.Payload) > 0 {
		if err := json.Unmarshal(ack.Payload, &m); err != nil {
			b.t.Fatalf("ack payload: %v\n%s", err, ack.Payload)
		}
	}
	return m
}

// click presses a button; the answer (if any) arrives on the response_url.
func (b *slackBot) click(user string, m slackMsg, label string) (responseURL string) {
	b.t.Helper()
	actionID, value := m.button(b.t, label)
	responseURL = b.srv.NewResponseURL()
	_, err := b.srv.Interaction(b.ctx, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "trigger_id": b.srv.NewTriggerID(),
		"response_url": responseURL, "channel": map[string]any{"id": "C1"}, "container": map[string]any{"message_ts": "1700000000.000100"},
		"actions": []map[string]any{{"action_id": actionID, "value": value, "type": "button", "block_id": "draft_actions"}},
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return responseURL
}

// answer waits for the message posted to a response_url.
func (b *slackBot) answer(responseURL string) slackMsg {
	b.t.Helper()
	for {
		for _, p := range b.srv.ResponseURLPosts() {
			if p.ResponseURL == responseURL {
				var m slackMsg
				if err := json.Unmarshal(p.Body, &m); err != nil {
					b.t.Fatal(err)
				}
				return m
			}
		}
		if _, err := b.srv.WaitForResponsePosts(b.ctx, len(b.srv.ResponseURLPosts())+1); err != nil {
			b.t.Fatalf("no answer on %s: %v", responseURL, err)
		}
	}
}

// submit sends a view_submission and returns the ack's payload.
func (b *slackBot) submit(user, callbackID, metadata string, values map[string]map[string]string) json.RawMessage {
	b.t.Helper()
	state := map[string]any{}
	for block, actions := range values {
		m := map[string]any{}
		for id, v := range actions {
			m[id] = map[string]any{"type": "plain_text_input", "value": v}
		}
		state[block] = m
	}
	ack, err := b.srv.Interaction(b.ctx, map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user}, "trigger_id": b.srv.NewTriggerID(),
		"view": map[string]any{"id": "V1", "type": "modal", "callback_id": callbackID, "private_metadata": metadata,
			"state": map[string]any{"values": state}},
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return ack.Payload
}

// openedView waits for the n-th views.open and returns its view.
func (b *slackBot) openedView(n int) map[string]any {
	b.t.Helper()
	calls, err := b.srv.WaitForCalls(b.ctx, "views.open", n)
	if err != nil {
		b.t.Fatal(err)
	}
	c := calls[n-1]
	if !c.OK() {
		b.t.Fatalf("views.open failed: %s %s", c.Error, c.Response)
	}
	var view map[string]any
	if err := json.Unmarshal([]byte(c.Args["view"]), &view); err != nil {
		b.t.Fatal(err)
	}
	return view
}

// TestDraftThroughSlack_buttonsAndTheEditModal drives /draft through the real bot over Socket
// Mode: the draft arrives in the ack with its buttons; Edit opens a prefilled modal whose
// over-limit submission keeps it open with the reason and whose good one is saved and sent to
// the user; Mark sent replaces the message and offers Mark replied; Another template cycles;
// Share posts to the channel; the account card offers Draft outreach and Mark replied.
func TestDraftThroughSlack_buttonsAndTheEditModal(t *testing.T) {
	t.Parallel()
	b := startSlackBot(t)
	draft := b.command("U1", "/draft", "toyota")
	if draft.ResponseType != "ephemeral" || !strings.Contains(draft.all(), "Draft to *Kishore Jonnalagedda*") {
		t.Fatalf("draft in the ack:\n%s", draft.all())
	}

	// Edit → views.open with the text prefilled.
	b.click("U1", draft, "Edit")
	view := b.openedView(1)
	raw, _ := json.Marshal(view)
	_, id := draft.button(t, "Edit")
	if view["callback_id"] != "draft.edit" || view["private_metadata"] != id || !strings.Contains(string(raw), "I saw Toyota's talk at BackstageCon 2024 on platform automation") {
		t.Fatalf("the edit modal:\n%s", raw)
	}
	// Over the limit: the modal stays open with the reason under the field.
	errAck := b.submit("U1", "draft.edit", id, map[string]map[string]string{"body": {"body": strings.Repeat("too long ", 200)}})
	if !strings.Contains(string(errAck), `"response_action":"errors"`) || !strings.Contains(string(errAck), "allows 1,200") {
		t.Errorf("an over-limit edit should keep the modal open with errors, ack = %s", errAck)
	}
	// Within the limit: saved, and the edited draft is sent to the user.
	okAck := b.submit("U1", "draft.edit", id, map[string]map[string]string{"body": {"body": "Hi Kishore, short and edited. Compare notes?"}})
	if strings.Contains(string(okAck), "errors") {
		t.Fatalf("a good edit was refused: %s", okAck)
	}
	posts, err := b.srv.WaitForCalls(b.ctx, "chat.postMessage", 1)
	if err != nil || !posts[0].OK() || posts[0].Args["channel"] != "U1" || !strings.Contains(posts[0].Args["blocks"], "short and edited") {
		t.Fatalf("the edited draft was not posted to the user: %+v %v", posts, err)
	}

	// Mark sent replaces the draft in place and records the touch with the edited text.
	sent := b.answer(b.click("U1", draft, "Mark sent"))
	if !sent.ReplaceOriginal || !strings.Contains(sent.all(), "Marked sent") || !strings.Contains(sent.all(), "short and edited") {
		t.Errorf("after Mark sent:\n%s", sent.all())
	}
	sent.button(t, "Mark replied")

	// Share posts the draft for the channel.
	shared := b.answer(b.click("U1", sent, "Share to channel"))
	if shared.ResponseType != "in_channel" || !strings.Contains(shared.all(), "<@U1> shared a draft") {
		t.Errorf("share:\n%s (%s)", shared.all(), shared.ResponseType)
	}

	// Another template on a new draft replaces it with the next fitting one.
	second := b.command("U2", "/draft", "american airlines")
	next := b.answer(b.click("U2", second, "Another template"))
	if !next.ReplaceOriginal || !strings.Contains(next.all(), "template `talk-connect`") {
		t.Errorf("another template:\n%s", next.all())
	}

	// The account card: last touch, Draft outreach and Mark replied.
	card := b.command("U3", "/account", "toyota")
	if !strings.Contains(card.all(), "*Last touch:*") || !strings.Contains(card.all(), "Kishore Jonnalagedda") {
		t.Errorf("card:\n%s", card.all())
	}
	replied := b.answer(b.click("U1", card, "Mark replied")) // the draft's author; others are refused
	if !strings.Contains(replied.all(), "Kishore Jonnalagedda* replied") {
		t.Errorf("Mark replied from the card:\n%s", replied.all())
	}
	fromCard := b.answer(b.click("U3", card, "Draft outreach"))
	if !strings.Contains(fromCard.all(), "Draft to *Kishore Jonnalagedda*") {
		t.Errorf("Draft outreach from the card:\n%s", fromCard.all())
	}
	for _, c := range b.srv.Calls("") {
		if !c.OK() && c.Method != "apps.connections.open" {
			t.Errorf("Slack refused %s: %s %s", c.Method, c.Error, c.Response)
		}
	}
}

// TestTemplateThroughSlack_hostileTemplateRefusedInTheModal: an admin's /template add opens the
// editor; a template that recurses, calls printf or writes without end is refused in the
// modal with the reason; a good one is saved.
func TestTemplateThroughSlack_hostileTemplateRefusedInTheModal(t *testing.T) {
	t.Parallel()
	b := startSlackBot(t)
	if m := b.command("U1", "/template", "add"); !strings.Contains(m.all(), "Only admins") {
		t.Errorf("a non-admin may not add templates:\n%s", m.all())
	}
	b.command("UADMIN", "/template", "add")
	view := b.openedView(1)
	if view["callback_id"] != "template.save" {
		t.Fatalf("editor: %v", view)
	}
	meta, _ := view["private_metadata"].(string)
	for _, c := range []struct{ body, want string }{
		{`{{define "loop"}}{{template "loop" .}}{{end}}{{template "loop" .}}`, "calls itself"},
		{`{{printf "%0999999999d" 1}}`, "printf is not in the template function set"},
		{`{{range 100000000}}x{{end}}`, "range only over a list in the data"},
		{`{{exec "ls"}}`, `function \"exec\" not defined`},
	} {
		src := strings.Replace(teamTemplate, "Compare notes?", c.body, 1)
		ack := b.submit("UADMIN", "template.save", meta, map[string]map[string]string{"source": {"source": src}})
		if !strings.Contains(string(ack), `"response_action":"errors"`) || !strings.Contains(string(ack), c.want) {
			t.Errorf("%s: ack = %s", c.body, ack)
		}
	}
	ack := b.submit("UADMIN", "template.save", meta, map[string]map[string]string{"source": {"source": teamTemplate}})
	if strings.Contains(string(ack), "errors") {
		t.Fatalf("a good template was refused: %s", ack)
	}
	if posts, err := b.srv.WaitForCalls(b.ctx, "chat.postMessage", 1); err != nil || !strings.Contains(posts[0].Args["blocks"], "Saved `peer-intro` v1") {
		t.Errorf("no confirmation: %+v %v", posts, err)
	}
	// The saved template is the one drafting reaches for (an e-mail, so refused for a contact
	// without an address, with the reason).
	if m := b.command("U1", "/draft", "toyota template:peer-intro"); !strings.Contains(m.all(), "`peer-intro` is a template for E-mail: I have no e-mail address for *Kishore Jonnalagedda*") {
		t.Errorf("the saved template is not used:\n%s", m.all())
	}
}
