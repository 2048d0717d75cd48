package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"outreachbot/cli"
	"outreachbot/clock/clocktest"
	"outreachbot/config"
	"outreachbot/handlers"
	"outreachbot/identity"
	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/seed"
	"outreachbot/store/storetest"
	"outreachbot/templates"
)

// draftEnv is a freshly started app (report knowledge plus the ADOPTERS.md snapshot) with the
// account, draft and template features on a test clock.
type draftEnv struct {
	t     *testing.T
	app   *cli.App
	reg   *handlers.Registry
	clock *clocktest.Manual
}

func newDraftEnv(t *testing.T, d store.Dialect) *draftEnv {
	t.Helper()
	st := storetest.Open(t, d)
	app, err := cli.Prepare(context.Background(), config.Options{}, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("prepare app: %v", err)
	}
	c := clocktest.NewManual(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	drafts := handlers.NewDrafts(app.Store, app.Directory, c.Now)
	reg := handlers.NewRegistry(handlers.NewAccounts(app.Store, app.Directory, seed.Segments{}), drafts,
		handlers.NewTemplates(app.Store, drafts, c.Now))
	e := &draftEnv{t: t, app: app, reg: reg, clock: c}
	e.erikFixture()
	return e
}

// erikFixture gives Erik Lindgren (Expedia) what the drafting tests write from: an e-mail address
// and a talk of his own (the report has neither: it names him in speaker profiles only).
func (e *draftEnv) erikFixture() {
	e.t.Helper()
	exp := e.account("Expedia Group")
	db := e.app.Store.DB()
	if err := db.Model(&store.Contact{}).Where("account_id = ? AND name = ?", exp.ID, "Erik Lindgren").
		Update("email", "erik.lindgren@expedia.example").Error; err != nil {
		e.t.Fatal(err)
	}
	talk := store.Signal{AccountID: &exp.ID, Kind: "conference_talk", Title: "Erik Lindgren at BackstageCon 2024: developer portal adoption at Expedia",
		Person: "Erik Lindgren", OccurredAt: when("2024-11-12"), DiscoveredAt: e.clock.Now(), Source: "test", DedupeKey: "test:erik-talk"}
	if err := db.Create(&talk).Error; err != nil {
		e.t.Fatal(err)
	}
}

// cmd runs a slash command line as user U1 (admin when the user is UADMIN).
func (e *draftEnv) cmd(user, line string) slackmsg.Response {
	e.t.Helper()
	command, text, _ := strings.Cut(line, " ")
	resp, err := e.reg.Dispatch(context.Background(), handlers.Request{Command: command, Text: text, UserID: user,
		ChannelID: "C1", Admin: user == "UADMIN"})
	if err != nil {
		e.t.Fatalf("%s: %v", line, err)
	}
	if !resp.IsModalOnly() {
		checkMessage(e.t, line, resp)
	}
	return resp
}

// click presses the button with this label on a message.
func (e *draftEnv) click(user string, msg slackmsg.Response, label string) slackmsg.Response {
	e.t.Helper()
	b, ok := buttonsOf(msg)[label]
	if !ok {
		e.t.Fatalf("no %q button on:\n%s", label, slackmsg.PlainText(msg))
	}
	resp, err := e.reg.HandleAction(context.Background(), handlers.Action{ActionID: b.ActionID, Value: b.Value, UserID: user, ChannelID: "C1"})
	if err != nil {
		e.t.Fatalf("%s: %v", label, err)
	}
	if !resp.IsModalOnly() {
		checkMessage(e.t, label, resp)
	}
	return resp
}

type button struct{ ActionID, Value string }

func buttonsOf(r slackmsg.Response) map[string]button {
	body, _ := json.Marshal(r.Blocks)
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string                `json:"action_id"`
			Value    string                `json:"value"`
			Text     struct{ Text string } `json:"text"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(body, &blocks)
	out := map[string]button{}
	for _, b := range blocks {
		if b.Type != "actions" {
			continue
		}
		for _, el := range b.Elements {
			out[el.Text.Text] = button{el.ActionID, el.Value}
		}
	}
	return out
}

func labels(r slackmsg.Response) string {
	var out []string
	for l := range buttonsOf(r) {
		out = append(out, l)
	}
	return strings.Join(sortStrings(out), ",")
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// checkMessage holds a message to Slack's limits and to the no-gap rule.
func checkMessage(t *testing.T, what string, r slackmsg.Response) {
	t.Helper()
	if r.Text == "" || len(r.Blocks) == 0 || len(r.Blocks) > slackmsg.MaxBlocks {
		t.Errorf("%s: text %q, %d blocks", what, r.Text, len(r.Blocks))
	}
	body, _ := json.Marshal(r.Blocks)
	var blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	_ = json.Unmarshal(body, &blocks)
	for i, b := range blocks {
		if b.Text != nil && len([]rune(b.Text.Text)) > slackmsg.MaxSectionText {
			t.Errorf("%s: block %d has %d characters", what, i, len([]rune(b.Text.Text)))
		}
	}
	if s := string(body); strings.Contains(s, "<no value>") || strings.Contains(s, "&lt;no value&gt;") {
		t.Errorf("%s: a <no value> gap", what)
	}
}

// draftOf reads the draft a message's buttons refer to.
func (e *draftEnv) draftOf(msg slackmsg.Response) *store.OutreachDraft {
	e.t.Helper()
	for label, b := range buttonsOf(msg) {
		if label == "Another template" || label == "Share to channel" || label == "Mark replied" {
			id, _ := strconv.ParseInt(b.Value, 10, 64)
			d, err := e.app.Store.DraftByID(context.Background(), id)
			if err != nil {
				e.t.Fatal(err)
			}
			return d
		}
	}
	e.t.Fatalf("no draft buttons on:\n%s", slackmsg.PlainText(msg))
	return nil
}

func (e *draftEnv) account(name string) store.Account {
	e.t.Helper()
	var a store.Account
	if err := e.app.Store.DB().Where("key = ?", identity.Key(name)).Take(&a).Error; err != nil {
		e.t.Fatalf("account %s: %v", name, err)
	}
	return a
}

// addAccount stores an account with contacts and signals, as a source or a person would.
func (e *draftEnv) addAccount(a store.Account, contacts []store.Contact, signals []store.Signal) store.Account {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.app.Store.UpsertAccount(ctx, &a)
	if err != nil {
		e.t.Fatal(err)
	}
	a.ID = id
	for _, c := range contacts {
		c.AccountID = id
		c.Handles, c.SpokeAt = nonNil(c.Handles), nonNil(c.SpokeAt)
		if first := templates.FirstName(c.Name); c.Email == "" && first != "" && a.Domain != "" {
			// A named test contact can be e-mailed, as most people a team writes to can.
			c.Email = strings.ToLower(first) + "@" + a.Domain
		}
		if err := e.app.Store.DB().Create(&c).Error; err != nil {
			e.t.Fatal(err)
		}
	}
	for i, s := range signals {
		s.AccountID = &id
		s.DiscoveredAt = e.clock.Now()
		s.DedupeKey = a.Name + ":" + strconv.Itoa(i)
		if err := e.app.Store.DB().Create(&s).Error; err != nil {
			e.t.Fatal(err)
		}
	}
	return a
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func when(s string) *time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return &t
}

// TestDraft_expediaToErikNamesSignalAndPain: /draft expedia writes to Erik Lindgren, the Expedia
// contact with the most decision power, from his BackstageCon speaker profile, naming the
// adoption pain with the report's numbers (Expedia shows no pain point in the store, so the one
// typical for production accounts) and a peer's outcome, and logs the draft.
func TestDraft_expediaToErikNamesSignalAndPain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newDraftEnv(t, d)
		resp := e.cmd("U1", "/draft expedia")
		out := slackmsg.PlainText(resp)
		for _, want := range []string{
			"Draft to Erik Lindgren, Engineering Manager at Expedia Group", "Hi Erik,",
			"you spoke at BackstageCon 2024", "Erik Lindgren at BackstageCon 2024: developer portal adoption at Expedia", // his talk, in the text and its source
			"getting developers to actually use the portal", "99%", "10%", "Low internal adoption rates", // the pain point
			"American Airlines reduced site deployment from one month to 20 minutes", // the peer
			"Expedia Group achieved 6x return on investment",                         // their own outcome
			"[Another template] [Edit] [Mark sent] [Share to channel]",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the draft lacks %q:\n%s", want, out)
			}
		}
		dr := e.draftOf(resp)
		if dr.ContactName != "Erik Lindgren" || dr.Author != "U1" || dr.PainKey != "low-adoption" || dr.SignalID == nil || dr.Status != store.DraftDrafted {
			t.Errorf("stored draft = %+v", dr)
		}
		events, err := e.app.Store.DraftEvents(context.Background(), dr.ID)
		if err != nil || len(events) != 1 || events[0].Kind != store.EventDrafted {
			t.Errorf("log = %+v %v", events, err)
		}
	})
}

// TestAsk_draftExpediaPrintsADraftToErik runs `outreachbot ask "/draft expedia"` in-process on a
// fresh store.
func TestAsk_draftExpediaPrintsADraftToErik(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	env := map[string]string{"OUTREACHBOT_DB_PATH": filepath.Join(t.TempDir(), "outreachbot.db")}
	code := cli.Run(context.Background(), []string{"ask", "/draft expedia"},
		cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}, cli.Parts{})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"Erik Lindgren", "Hi Erik", "Low internal adoption rates", "getting developers to actually use the portal"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ask output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestDraft_doNotContactIsRefusedWithTheReason, asked for by name or passed over by default.
func TestDraft_doNotContactIsRefusedWithTheReason(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	exp := e.account("Expedia Group")
	if err := e.app.Store.DB().Model(&store.Contact{}).Where("account_id = ? AND name = ?", exp.ID, "Erik Lindgren").
		Updates(map[string]any{"do_not_contact": true, "dnc_reason": "asked us not to write (Feb 2026)"}).Error; err != nil {
		t.Fatal(err)
	}
	out := slackmsg.PlainText(e.cmd("U1", "/draft expedia erik"))
	if !strings.Contains(out, "Erik Lindgren at Expedia Group is marked do not contact: asked us not to write (Feb 2026)") || strings.Contains(out, "Mark sent") {
		t.Errorf("a do-not-contact contact was not refused with the reason:\n%s", out)
	}
	resp := e.cmd("U1", "/draft expedia")
	out = slackmsg.PlainText(resp)
	if strings.Contains(out, "Draft to Erik") || !strings.Contains(out, "Skipped Erik Lindgren (do not contact: asked us not to write (Feb 2026))") {
		t.Errorf("the default draft must pass over Erik and say so:\n%s", out)
	}
	// Nobody left who may be contacted: refused, with everyone's reason.
	if err := e.app.Store.DB().Model(&store.Contact{}).Where("account_id = ?", exp.ID).Update("do_not_contact", true).Error; err != nil {
		t.Fatal(err)
	}
	out = slackmsg.PlainText(e.cmd("U1", "/draft expedia"))
	if !strings.Contains(out, "Everyone I know at Expedia Group is marked do not contact") || !strings.Contains(out, "no reason recorded") {
		t.Errorf("want a refusal listing reasons:\n%s", out)
	}
	var n int64
	if err := e.app.Store.DB().Model(&store.OutreachDraft{}).Where("contact_name = ?", "Erik Lindgren").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d drafts stored for Erik after he asked not to be contacted", n)
	}
}

// TestDraft_recentTouchWarnsWithTheLastTouch: within 30 days of a send, a new draft to the same
// person warns with who sent what and when; after 30 days it doesn't.
func TestDraft_recentTouchWarnsWithTheLastTouch(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	first := e.cmd("U1", "/draft expedia")
	e.click("U1", first, "Mark sent")
	e.clock.Advance(12 * 24 * time.Hour)
	out := slackmsg.PlainText(e.cmd("U2", "/draft expedia"))
	want := "Touched 12 days ago: a Conference follow-up to Erik Lindgren was marked sent by @U1 on 10 Mar 2026 (template talk-followup)"
	if !strings.Contains(out, want) {
		t.Errorf("no warning %q:\n%s", want, out)
	}
	e.clock.Advance(19 * 24 * time.Hour)
	if out := slackmsg.PlainText(e.cmd("U2", "/draft expedia")); strings.Contains(out, "Touched") {
		t.Errorf("a touch 31 days ago still warns:\n%s", out)
	}
}

// TestDraft_noSignalSaysNotWarmAndFallsBack: an account without any public signal gets the
// honest not-warm template, and a warm template is refused for it.
func TestDraft_noSignalSaysNotWarmAndFallsBack(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	e.addAccount(store.Account{Name: "Quiet Bank", Domain: "quietbank.example", Industry: "financial services", Employees: 400, Stage: store.StageNone},
		[]store.Contact{{Name: "Nora Quist", Title: "Head of Platform Engineering", DecisionRank: 1}}, nil)
	resp := e.cmd("U1", "/draft quiet bank")
	out := slackmsg.PlainText(resp)
	for _, want := range []string{"Not warm: I found no public signal for Quiet Bank", "template not-warm-intro",
		"we haven't met", "isn't prompted by anything you've written", "Signal: none public (not warm)", "Mark sent"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if out := slackmsg.PlainText(e.cmd("U1", "/draft quiet bank template:talk-followup")); !strings.Contains(out, "talk-followup refers to a conference talk, and Quiet Bank has no public signal") {
		t.Errorf("a warm template for a cold account must be refused:\n%s", out)
	}
	if out := slackmsg.PlainText(e.cmd("U1", "/draft expedia template:not-warm-intro")); !strings.Contains(out, "Expedia Group has public signals") {
		t.Errorf("the not-warm template must not claim nothing is public when something is:\n%s", out)
	}
}

// TestDraft_overLimitIsNeverSentTruncated: a draft over its channel's limit even in its short
// variant is shown whole with the reason, can't be marked sent until edited within the limit.
func TestDraft_overLimitIsNeverSentTruncated(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	long := "Consolidated Freight Forwarding, Warehousing, Customs Brokerage and Related Logistics Services of the Northern and Southern Hemispheres Worldwide Holdings Group Incorporated"
	topic := "running one developer portal for forty business units across twelve countries without losing our minds"
	e.addAccount(store.Account{Name: long, Domain: "longco.example", Stage: store.StageProduction},
		[]store.Contact{{Name: "Maximiliana Featherstonehaugh", Title: "Head of Platform Engineering", DecisionRank: 1}},
		[]store.Signal{{Kind: "conference_talk", Title: "Longco at BackstageCon Europe 2025: " + topic, OccurredAt: when("2025-04-02")}})
	resp := e.cmd("U1", "/draft longco.example template:talk-connect")
	out := slackmsg.PlainText(resp)
	dr := e.draftOf(resp)
	chars := len([]rune(dr.Body))
	if chars <= 300 || !strings.Contains(dr.Body, long) || strings.Contains(dr.Body, "…") {
		t.Fatalf("want the whole over-limit text (not cut), got %d characters: %q", chars, dr.Body)
	}
	if !strings.Contains(out, "Over the limit: the text is "+strconv.Itoa(chars)+" characters and a LinkedIn connection note allows 300") ||
		labels(resp) != "Another template,Edit,Share to channel" {
		t.Errorf("want the reason and no Mark sent button (buttons %s):\n%s", labels(resp), out)
	}
	// Choosing by itself, I pass over a template that comes out too long for the next that fits.
	tiny := "---\nname: tiny-talk\ndescription: A very short note for leaders.\nchannel: linkedin_message\nlimit: 200\n" +
		"fits:\n  signals: [conference_talk]\n  pains: [any]\n  roles: [leader]\n---\nHi {{default \"there\" .Contact.FirstName}}, I saw {{.Account.Name}}'s talk. Compare notes?\n"
	if _, err := templates.Validate(context.Background(), tiny); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Store.SaveTemplate(context.Background(), &store.OutreachTemplate{Name: "tiny-talk", Source: tiny, Channel: "linkedin_message", Author: "UADMIN"}, 0, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	auto := slackmsg.PlainText(e.cmd("U1", "/draft longco.example"))
	if !strings.Contains(auto, "Over their limit for this account, so not used: tiny-talk (the body is 218 characters; a LinkedIn message allows 200)") ||
		strings.Contains(auto, "Over the limit:") || !strings.Contains(auto, "[Mark sent]") {
		t.Errorf("want the next template that fits, and why:\n%s", auto)
	}
	// A stale Mark sent (e.g. from before an edit) is refused too.
	refused, err := e.reg.HandleAction(context.Background(), handlers.Action{ActionID: handlers.ActionDraftSent, Value: strconv.FormatInt(dr.ID, 10), UserID: "U1"})
	if err != nil || !strings.Contains(slackmsg.PlainText(refused), "Edit it first") {
		t.Errorf("marking an over-limit draft sent: %v\n%s", err, slackmsg.PlainText(refused))
	}
	// An edit over the limit keeps the modal open with the reason; one within it is saved.
	view := func(body string) handlers.ViewResult {
		vr, err := e.reg.HandleView(context.Background(), handlers.ViewSubmission{CallbackID: handlers.ViewDraftEdit,
			PrivateMetadata: strconv.FormatInt(dr.ID, 10), Values: map[string]map[string]string{"body": {"body": body}}, UserID: "U1"})
		if err != nil {
			t.Fatal(err)
		}
		return vr
	}
	if vr := view(dr.Body); !strings.Contains(vr.Errors["body"], "a LinkedIn connection note allows 300") {
		t.Errorf("an over-limit edit was accepted: %+v", vr)
	}
	vr := view("Hi Maximiliana, I saw Longco's BackstageCon Europe talk on running one portal for forty units. Happy to connect?")
	if len(vr.Errors) > 0 || vr.Message == nil {
		t.Fatalf("a short edit was refused: %+v", vr)
	}
	sent := e.click("U1", *vr.Message, "Mark sent")
	if !strings.Contains(slackmsg.PlainText(sent), "Marked sent by @U1") {
		t.Errorf("after the edit it can be sent:\n%s", slackmsg.PlainText(sent))
	}
}

// TestDraft_escapesEveryValueForSlackAndForItsChannel: hostile names can't ping or link in
// Slack (mrkdwn-escaped) nor in the community DM the draft is for (mentions defused).
func TestDraft_escapesEveryValueForSlackAndForItsChannel(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	e.addAccount(store.Account{Name: "Evil & Co <!here>", Domain: "evil.example", Stage: store.StageChurned},
		[]store.Contact{{Name: "Eve <!channel> @everyone", Title: "*Head* of <@U999> Platform", DecisionRank: 1, Handles: []string{"platformengineering.slack.com/team/eve"}}},
		[]store.Signal{{Kind: "community_post", Title: "Why we left <Backstage> & moved on @here", Person: "Eve <!channel> @everyone", OccurredAt: when("2026-02-20")}})
	resp := e.cmd("U1", "/draft evil.example")
	raw := []byte(allText(resp))
	for _, bad := range []string{"<!channel>", "<!here>", "<@U999>", "<Backstage>"} {
		if strings.Contains(string(raw), bad) {
			t.Errorf("the Slack message carries a raw %s:\n%s", bad, raw)
		}
	}
	if !strings.Contains(string(raw), "&lt;!channel&gt;") && !strings.Contains(string(raw), "‹!channel›") {
		t.Errorf("the name is not shown escaped:\n%s", raw)
	}
	dr := e.draftOf(resp)
	if dr.Channel != string(templates.CommunityDM) {
		t.Fatalf("want the community DM template for a churned account with a community post, got %s", dr.Template)
	}
	if strings.Contains(dr.Body, "@everyone") || strings.Contains(dr.Body, "@here") || strings.Contains(dr.Body, "<!channel>") {
		t.Errorf("the community DM would ping people: %q", dr.Body)
	}
}

// TestDraft_missingValuesNeverLeaveGaps: every template for a sparse account (a handle for a
// contact, no title, industry, size, event, topic, summary or peer-worthy facts) renders without
// "<no value>" or an empty gap.
func TestDraft_missingValuesNeverLeaveGaps(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	var sigs []store.Signal
	for _, k := range []string{"conference_talk", "job_posting", "github_issue", "github_pr", "blog_post", "linkedin_post", "community_post", "adopters_entry", "competitor_evaluation", "news"} {
		sigs = append(sigs, store.Signal{Kind: k, Title: "Sparse " + strings.ReplaceAll(k, "_", " ")})
	}
	e.addAccount(store.Account{Name: "Sparse", Domain: "sparse.example", Stage: store.StageInitial},
		[]store.Contact{{Name: "@sparse-dev", DecisionRank: 99, Email: "dev@sparse.example",
			Handles: []string{"github.com/sparse-dev", "linkedin.com/in/sparse-dev", "sparse.slack.com/team/sparse-dev"}}}, sigs)
	for _, tmpl := range templates.Shipped() {
		if tmpl.Fallback() {
			continue
		}
		resp := e.cmd("U1", "/draft sparse.example template:"+tmpl.Name)
		out := slackmsg.PlainText(resp)
		if tmpl.Channel == templates.ConferenceFollowup {
			// Only a named person who spoke somewhere can be followed up after a conference.
			if !strings.Contains(out, "I have no way to reach @sparse-dev by Conference follow-up") {
				t.Errorf("%s: want a refusal saying why:\n%s", tmpl.Name, out)
			}
			continue
		}
		dr := e.draftOf(resp)
		if strings.Contains(out, "could not be filled") || strings.Contains(dr.Body, "  ") || strings.Contains(dr.Body, " ,") || strings.Contains(dr.Body, "<no value>") {
			t.Errorf("%s has a gap:\n%s", tmpl.Name, out)
		}
		if !strings.Contains(dr.Body, "there") && !strings.Contains(dr.Body, "@sparse-dev") && !strings.HasPrefix(dr.Body, "Thanks") && !strings.HasPrefix(dr.Body, "I came across") {
			t.Errorf("%s: a handle-only contact should be greeted plainly: %q", tmpl.Name, dr.Body)
		}
	}
}

// TestDraft_anotherTemplateCyclesThroughTheFittingOnes and comes back to the first.
func TestDraft_anotherTemplateCyclesThroughTheFittingOnes(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	msg := e.cmd("U1", "/draft expedia")
	first := e.draftOf(msg).Template
	seen := []string{first}
	for range 10 {
		msg = e.click("U1", msg, "Another template")
		if !msg.ReplaceOriginal {
			t.Fatal("Another template must replace the draft in place")
		}
		name := e.draftOf(msg).Template
		if name == first {
			break
		}
		seen = append(seen, name)
	}
	want := "talk-followup talk-connect adopters-entry-email cost-tco-email"
	if strings.Join(seen, " ") != want {
		t.Errorf("cycled %v, want %s then back", seen, want)
	}
}

// TestDraft_editMarkSentRepliedShareAndStats follows a draft through its buttons.
func TestDraft_editMarkSentRepliedShareAndStats(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	msg := e.cmd("U1", "/draft toyota")
	dr := e.draftOf(msg)
	modal := e.click("U1", msg, "Edit")
	if modal.Modal == nil || modal.Modal.CallbackID != handlers.ViewDraftEdit || modal.Modal.PrivateMetadata != strconv.FormatInt(dr.ID, 10) {
		t.Fatalf("Edit opens %+v", modal.Modal)
	}
	mj, _ := json.Marshal(modal.Modal)
	if !strings.Contains(string(mj), `"initial_value":`+jsonString(dr.Body)) {
		t.Errorf("the editor is not prefilled with the draft:\n%s", mj)
	}
	edited := strings.Replace(dr.Body, "Hi Kishore,", "Hi Kishore, hope BackstageCon was fun.", 1)
	submit := func(user string) (handlers.ViewResult, error) {
		return e.reg.HandleView(context.Background(), handlers.ViewSubmission{CallbackID: handlers.ViewDraftEdit, PrivateMetadata: modal.Modal.PrivateMetadata,
			Values: map[string]map[string]string{"body": {"body": edited}}, UserID: user})
	}
	if vr, err := submit("U2"); err != nil || vr.Message != nil || !strings.Contains(vr.Errors["body"], "U1's draft") {
		t.Fatalf("another user's edit must be refused: %+v %v", vr, err)
	}
	vr, err := submit("U1")
	if err != nil || vr.Message == nil || vr.Channel != "U1" || !strings.Contains(slackmsg.PlainText(*vr.Message), "hope BackstageCon was fun") {
		t.Fatalf("saving the edit: %+v %v", vr, err)
	}
	if _, ok := buttonsOf(*vr.Message)["Share to channel"]; ok {
		t.Error("the DM copy must not offer Share (it would share into the DM)")
	}
	sent := e.click("U1", msg, "Mark sent")
	if !sent.ReplaceOriginal || !strings.Contains(slackmsg.PlainText(sent), "Marked sent by @U1 on 10 Mar 2026") || labels(sent) != "Mark replied,Share to channel" {
		t.Errorf("after Mark sent (buttons %s):\n%s", labels(sent), slackmsg.PlainText(sent))
	}
	if !strings.Contains(slackmsg.PlainText(sent), "hope BackstageCon was fun") {
		t.Error("Mark sent must record the edited text")
	}
	card := e.cmd("U1", "/account toyota")
	cardText := slackmsg.PlainText(card)
	if !strings.Contains(cardText, "Last touch: 10 Mar 2026 — Conference follow-up to Kishore Jonnalagedda by @U1 (template talk-followup)") ||
		!strings.Contains(cardText, "[Draft outreach] [Mark replied]") || !strings.Contains(cardText, "Try /draft Toyota") {
		t.Errorf("the card does not show the last touch and its buttons:\n%s", cardText)
	}
	if refused := e.click("U3", card, "Mark replied"); !strings.Contains(slackmsg.PlainText(refused), "U1's draft") {
		t.Errorf("another user marking the reply: %s", slackmsg.PlainText(refused))
	}
	replied := e.click("U1", card, "Mark replied")
	if !strings.Contains(slackmsg.PlainText(replied), "Kishore Jonnalagedda replied") || replied.ReplaceOriginal {
		t.Errorf("Mark replied from the card:\n%s", slackmsg.PlainText(replied))
	}
	shared := e.click("U1", sent, "Share to channel")
	if !shared.InChannel || !strings.Contains(slackmsg.PlainText(shared), "@U1 shared a draft to Kishore Jonnalagedda") || len(buttonsOf(shared)) != 0 {
		t.Errorf("Share to channel:\n%s", slackmsg.PlainText(shared))
	}
	e.cmd("U1", "/draft expedia")
	stats := slackmsg.PlainText(e.cmd("U1", "/template stats"))
	row := ""
	for _, l := range strings.Split(stats, "\n") {
		if strings.HasPrefix(l, "talk-followup ") {
			row = strings.Join(strings.Fields(l), " ")
		}
	}
	if row != "talk-followup 2 1 1 100%" {
		t.Errorf("stats row %q, want drafted 2, sent 1, replied 1, 100%%:\n%s", row, stats)
	}
	events, _ := e.app.Store.DraftEvents(context.Background(), dr.ID)
	var kinds []string
	for _, ev := range events {
		kinds = append(kinds, ev.Kind+":"+ev.Actor)
	}
	if strings.Join(kinds, " ") != "drafted:U1 edited:U1 sent:U1 replied:U1 shared:U1" {
		t.Errorf("log = %v", kinds)
	}
}

// allText is every string in a message as Slack receives it: the fallback and each text in
// its blocks, decoded from the JSON.
func allText(r slackmsg.Response) string {
	body, _ := json.Marshal(r)
	var v any
	_ = json.Unmarshal(body, &v)
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestDraft_readsAccountContactTemplateAndChannel from the command text.
func TestDraft_readsAccountContactTemplateAndChannel(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	cases := []struct{ line, want string }{
		{"/draft american airlines jay cox", "Draft to Jay Cox, Principal Engineer at American Airlines"},
		{"/draft american airlines jay", "Draft to Jay Cox"},
		{`/draft american airlines contact:"Jay Cox" channel:connect`, "LinkedIn connection note · template talk-connect"},
		{"/draft expedia template:cost-tco-email", "Subject: Backstage running costs at Expedia Group"},
		// No e-mail template without an address: Kishore can be reached on LinkedIn only.
		{"/draft toyota template:cost-tco-email", "cost-tco-email is a template for E-mail: I have no e-mail address for Kishore Jonnalagedda; on record: LinkedIn connection note, LinkedIn message, Conference follow-up."},
		{"/draft toyota channel:email", "I have no e-mail address for Kishore Jonnalagedda"},
		{"/draft expedia channel:email", "E-mail · template"},
		{"/draft expedia template:nope", "There is no template called nope"},
		{"/draft expedia channel:fax", "fax is not a channel I write for"},
		{"/draft expedia channel:github", "I have no GitHub handle for Erik Lindgren"},
		{"/draft expedia ajbw channel:github", "no template for GitHub comment fits"},
		{"/draft expedia nobody", "No account matches"},
		{"/draft expedia contact:nobody", "No contact at Expedia Group matches nobody"},
		{"/draft h&m", "I don't know anyone at H&M yet"},
		{"/draft", "Which account?"},
	}
	for _, c := range cases {
		if out := slackmsg.PlainText(e.cmd("U1", c.line)); !strings.Contains(out, c.want) {
			t.Errorf("%s: lacks %q:\n%s", c.line, c.want, out)
		}
	}
	if _, err := e.app.Store.UpsertAccount(context.Background(), &store.Account{Name: "American Express", Domain: "americanexpress.com"}); err != nil {
		t.Fatal(err)
	}
	pick := e.cmd("U1", "/draft american")
	if b := buttonsOf(pick)["American Airlines"]; b.ActionID != handlers.ActionDraftPick {
		t.Fatalf("want a pick-list:\n%s", slackmsg.PlainText(pick))
	}
	chosen := e.click("U1", pick, "American Airlines")
	if !chosen.ReplaceOriginal || !strings.Contains(slackmsg.PlainText(chosen), "Draft to Jay Cox") {
		t.Errorf("choosing from the pick-list:\n%s", slackmsg.PlainText(chosen))
	}
	fromCard := e.click("U1", e.cmd("U1", "/account expedia"), "Draft outreach")
	if fromCard.ReplaceOriginal || !strings.Contains(slackmsg.PlainText(fromCard), "Draft to Erik Lindgren") {
		t.Errorf("Draft outreach on the card:\n%s", slackmsg.PlainText(fromCard))
	}
}

// TestTemplate_listShowPreviewAndFunctions for everyone.
func TestTemplate_listShowPreviewAndFunctions(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	list := slackmsg.PlainText(e.cmd("U1", "/template list"))
	for _, tmpl := range templates.Shipped() {
		if !strings.Contains(list, tmpl.Name) {
			t.Errorf("list lacks %s", tmpl.Name)
		}
	}
	show := slackmsg.PlainText(e.cmd("U1", "/template show talk-connect"))
	if !strings.Contains(show, "channel: linkedin_connect") || !strings.Contains(show, "shipped") {
		t.Errorf("show:\n%s", show)
	}
	var before int64
	if err := e.app.Store.DB().Model(&store.OutreachDraft{}).Count(&before).Error; err != nil {
		t.Fatal(err)
	}
	preview := slackmsg.PlainText(e.cmd("U1", "/template preview cost-tco-email expedia"))
	if !strings.Contains(preview, "Preview of cost-tco-email for Erik Lindgren") || strings.Contains(preview, "Mark sent") {
		t.Errorf("preview:\n%s", preview)
	}
	var after int64
	if err := e.app.Store.DB().Model(&store.OutreachDraft{}).Count(&after).Error; err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Error("a preview stored a draft")
	}
	if fn := slackmsg.PlainText(e.cmd("U1", "/template functions")); !strings.Contains(fn, "default") || !strings.Contains(fn, ".Pain") {
		t.Errorf("functions:\n%s", fn)
	}
}

// teamTemplate is a valid team template for e-mail.
const teamTemplate = `---
name: peer-intro
description: Short peer e-mail citing a talk.
channel: email
subject: "Your talk{{with .Signal.Event}} at {{.}}{{end}}"
limit: 700
fits:
  signals: [conference_talk]
  pains: [any]
  roles: [any]
---
Hi {{default "there" .Contact.FirstName}}, I saw {{if .Signal.ByContact}}you speak{{else}}{{.Account.Name}}'s talk{{end}}{{with .Signal.Event}} at {{.}}{{end}}. {{capfirst .Pain.Phrase}} comes up with every team we meet. Compare notes?
`

// TestTemplate_adminsAddAndEditInAModalWithVersions; hostile ones are refused on save.
func TestTemplate_adminsAddAndEditInAModalWithVersions(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	if out := slackmsg.PlainText(e.cmd("U1", "/template add")); !strings.Contains(out, "Only admins") {
		t.Errorf("a non-admin may not add:\n%s", out)
	}
	open := e.cmd("UADMIN", "/template add")
	if open.Modal == nil || open.Modal.CallbackID != handlers.ViewTemplateSave {
		t.Fatalf("add opens %+v", open.Modal)
	}
	save := func(user, meta, src string, admin bool) handlers.ViewResult {
		vr, err := e.reg.HandleView(context.Background(), handlers.ViewSubmission{CallbackID: handlers.ViewTemplateSave, PrivateMetadata: meta,
			Values: map[string]map[string]string{"source": {"source": src}}, UserID: user, Admin: admin})
		if err != nil {
			t.Fatal(err)
		}
		return vr
	}
	hostile := strings.Replace(teamTemplate, "Compare notes?", `{{define "loop"}}{{template "loop" .}}{{end}}{{template "loop" .}}`, 1)
	if vr := save("UADMIN", open.Modal.PrivateMetadata, hostile, true); !strings.Contains(vr.Errors["source"], "calls itself") {
		t.Errorf("a recursive template was not refused: %+v", vr)
	}
	if vr := save("UADMIN", open.Modal.PrivateMetadata, strings.Replace(teamTemplate, "Compare notes?", `{{printf "%09999d" 1}}`, 1), true); !strings.Contains(vr.Errors["source"], "printf is not in the template function set") {
		t.Errorf("printf was not refused: %+v", vr)
	}
	if vr := save("U1", open.Modal.PrivateMetadata, teamTemplate, false); !strings.Contains(vr.Errors["source"], "Only admins") {
		t.Errorf("a non-admin saved: %+v", vr)
	}
	vr := save("UADMIN", open.Modal.PrivateMetadata, teamTemplate, true)
	if len(vr.Errors) > 0 || vr.Message == nil || !strings.Contains(slackmsg.PlainText(*vr.Message), "Saved peer-intro v1") {
		t.Fatalf("saving a good template: %+v", vr)
	}
	if vr := save("UADMIN", open.Modal.PrivateMetadata, teamTemplate, true); !strings.Contains(vr.Errors["source"], "exists already") {
		t.Errorf("adding the same name twice: %+v", vr)
	}
	// Edit: a new version; a stale editor (opened before that save) is refused.
	edit := e.cmd("UADMIN", "/template edit peer-intro")
	stale := e.cmd("UADMIN", "/template edit peer-intro")
	v2 := strings.Replace(teamTemplate, "Compare notes?", "Would comparing notes help?", 1)
	if vr := save("UADMIN", edit.Modal.PrivateMetadata, v2, true); len(vr.Errors) > 0 || !strings.Contains(slackmsg.PlainText(*vr.Message), "v2") {
		t.Fatalf("edit: %+v", vr)
	}
	if vr := save("UADMIN", stale.Modal.PrivateMetadata, teamTemplate, true); !strings.Contains(vr.Errors["source"], "newer version") {
		t.Errorf("a stale edit was saved: %+v", vr)
	}
	if vr := save("UADMIN", edit.Modal.PrivateMetadata, strings.Replace(v2, "name: peer-intro", "name: renamed", 1), true); !strings.Contains(vr.Errors["source"], "Renaming is not supported") {
		t.Errorf("rename: %+v", vr)
	}
	show := slackmsg.PlainText(e.cmd("U1", "/template show peer-intro"))
	if !strings.Contains(show, "Would comparing notes help?") || !strings.Contains(show, "v2 by @UADMIN") || !strings.Contains(show, "v1 by @UADMIN") {
		t.Errorf("show after edits:\n%s", show)
	}
	dr := slackmsg.PlainText(e.cmd("U1", "/draft expedia template:peer-intro"))
	if !strings.Contains(dr, "template peer-intro v2") || !strings.Contains(dr, "Would comparing notes help?") || !strings.Contains(dr, "Subject: Your talk at BackstageCon") {
		t.Errorf("drafting with the team template:\n%s", dr)
	}
	// A team version of a shipped template replaces it for drafting.
	ship, _ := templates.ShippedByName("talk-connect")
	override := e.cmd("UADMIN", "/template edit talk-connect")
	if vr := save("UADMIN", override.Modal.PrivateMetadata, strings.Replace(ship.Source, "Happy to connect?", "Open to connecting?", 1), true); len(vr.Errors) > 0 {
		t.Fatalf("override: %+v", vr)
	}
	if out := slackmsg.PlainText(e.cmd("U1", "/draft expedia template:talk-connect")); !strings.Contains(out, "Open to connecting?") {
		t.Errorf("the team version does not replace the shipped one:\n%s", out)
	}
}
