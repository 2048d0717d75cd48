package handlers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"outreachbot/match"
	"outreachbot/store"
	"outreachbot/templates"
)

// DraftStore is what /draft reads and writes.
type DraftStore interface {
	TemplateStore
	ContactsOf(ctx context.Context, accountID int64) ([]store.Contact, error)
	OutreachContext(ctx context.Context, accountID int64) (*store.OutreachContext, error)
	PeerOutcomes(ctx context.Context) ([]store.PeerOutcome, error)
	LastTouchOfContact(ctx context.Context, contactID int64) (*store.Touch, error)
	CreateDraft(ctx context.Context, d *store.OutreachDraft, at time.Time) error
	DraftByID(ctx context.Context, id int64) (*store.OutreachDraft, error)
	EditDraft(ctx context.Context, id int64, subject, body, actor string, at time.Time) (*store.OutreachDraft, error)
	MarkDraftSent(ctx context.Context, id int64, actor string, at time.Time) (*store.OutreachDraft, bool, error)
	MarkDraftReplied(ctx context.Context, id int64, actor string, at time.Time) (*store.OutreachDraft, bool, error)
	LogDraftShared(ctx context.Context, id int64, actor string, at time.Time) (*store.OutreachDraft, error)
}

// Drafts answers /draft: a warm first message to an account's best contact, from the template
// that best fits the account's strongest public signal, with buttons to cycle, edit, record and
// share it.
type Drafts struct {
	store   DraftStore
	index   AccountIndex
	catalog *TemplateCatalog
	now     func() time.Time
}

// NewDrafts builds the /draft handler; now is the clock (time.Now outside tests).
func NewDrafts(st DraftStore, ix AccountIndex, now func() time.Time) *Drafts {
	return &Drafts{store: st, index: ix, catalog: NewTemplateCatalog(st), now: now}
}

// Action and view ids of drafts. The value of every button is a draft id, except on the account
// card and the pick-list, where it is an account id.
const (
	ActionDraftAccount     = "draft.account"      // the account card's Draft outreach
	ActionDraftPick        = "draft.pick"         // a pick-list choice
	ActionDraftAnother     = "draft.another"      // the next fitting template
	ActionDraftEdit        = "draft.edit"         // open the editor
	ActionDraftSent        = "draft.sent"         // record the touch
	ActionDraftReplied     = "draft.replied"      // record the answer
	ActionDraftCardReplied = "draft.card_replied" // Mark replied from the account card
	ActionDraftShare       = "draft.share"        // show it to the channel
	ViewDraftEdit          = "draft.edit"
)

// RecentTouch is how recent a touch is when a new draft warns about it.
const RecentTouch = 30 * 24 * time.Hour

// Command declares /draft.
func (h *Drafts) Command() Command {
	return Command{
		Name:        "/draft",
		Description: "Draft a warm outreach message to an account's best contact, from the team's templates.",
		UsageHint:   "<account> [contact] [template:<name>] [channel:<channel>] | help",
		Forms: []Subcommand{
			{"/draft <account>", "a draft to the contact with the most decision power who may be contacted, from the best-fitting template"},
			{"/draft <account> <contact>", "a draft to that person, e.g. `/draft american airlines jay cox`"},
			{"/draft <account> template:<name>", "use that template (`/template list` shows them)"},
			{"/draft <account> channel:<channel>", "only templates for linkedin_connect, linkedin_message, email, community_dm, conference_followup or github_comment"},
		},
		Examples: []string{"/draft expedia", "/draft toyota kishore", "/draft expedia template:talk-connect", "/draft baillie gifford channel:email"},
		Handle:   h.Handle,
	}
}

// Actions returns the buttons this handler owns.
func (h *Drafts) Actions() map[string]ActionFunc {
	return map[string]ActionFunc{
		ActionDraftAccount:     h.fromCard,
		ActionDraftPick:        h.pick,
		ActionDraftAnother:     h.another,
		ActionDraftEdit:        h.edit,
		ActionDraftSent:        h.markSent,
		ActionDraftReplied:     h.markReplied,
		ActionDraftCardReplied: h.markReplied,
		ActionDraftShare:       h.share,
	}
}

// Views returns the modals this handler owns.
func (h *Drafts) Views() map[string]ViewFunc {
	return map[string]ViewFunc{ViewDraftEdit: h.saveEdit}
}

// Handle answers /draft.
func (h *Drafts) Handle(ctx context.Context, req Request) (Response, error) {
	if req.Text == "" {
		return Ephemeral("Which account? Type `/draft <account>`, e.g. `/draft expedia`, or add a contact, `template:<name>` or `channel:<channel>`."), nil
	}
	args, err := parseDraftArgs(req.Text)
	if err != nil {
		return errorResponse(err), nil
	}
	return h.run(ctx, args, req.UserID, req.ChannelID, false)
}

// run resolves the account and contact a request names and drafts; a preview is not stored.
func (h *Drafts) run(ctx context.Context, args draftArgs, user, channel string, preview bool) (Response, error) {
	accountID, contactQuery, resp, err := h.resolve(ctx, args)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	return h.compose(ctx, draftSpec{AccountID: accountID, ContactQuery: contactQuery, Template: args.template,
		Channel: args.channel, User: user, SlackChannel: channel, Preview: preview})
}

func derefResponse(r *Response) Response {
	if r == nil {
		return Response{}
	}
	return *r
}

// draftArgs is /draft's text, parsed.
type draftArgs struct {
	words    []string // the account, perhaps followed by a contact
	account  string   // the account alone (previews)
	contact  string
	template string
	channel  templates.Channel
}

// channelAliases are the words people type for a channel.
var channelAliases = map[string]templates.Channel{
	"linkedin": templates.LinkedInMessage, "linkedin_message": templates.LinkedInMessage, "inmail": templates.LinkedInMessage,
	"connect": templates.LinkedInConnect, "linkedin_connect": templates.LinkedInConnect, "connection": templates.LinkedInConnect,
	"email": templates.Email, "e-mail": templates.Email, "mail": templates.Email,
	"dm": templates.CommunityDM, "community": templates.CommunityDM, "community_dm": templates.CommunityDM, "slack": templates.CommunityDM, "discord": templates.CommunityDM,
	"conference": templates.ConferenceFollowup, "followup": templates.ConferenceFollowup, "follow-up": templates.ConferenceFollowup, "conference_followup": templates.ConferenceFollowup,
	"github": templates.GitHubComment, "github_comment": templates.GitHubComment, "comment": templates.GitHubComment,
}

func parseDraftArgs(text string) (draftArgs, error) {
	var a draftArgs
	for _, tok := range splitQuoted(text) {
		key, val, ok := strings.Cut(tok, ":")
		if !ok || val == "" {
			a.words = append(a.words, tok)
			continue
		}
		switch strings.ToLower(key) {
		case "template", "t":
			a.template = val
		case "channel", "via":
			c, ok := channelAliases[strings.ToLower(val)]
			if !ok {
				var names []string
				for _, s := range templates.Channels() {
					names = append(names, "`"+string(s.Channel)+"`")
				}
				return a, userErrorf("`%s` is not a channel I write for. Try %s.", Escape(Truncate(val, 40)), strings.Join(names, ", "))
			}
			a.channel = c
		case "contact", "to":
			a.contact = val
		default:
			a.words = append(a.words, tok)
		}
	}
	if len(a.words) == 0 {
		return a, userErrorf("Which account? Type `/draft <account>`, e.g. `/draft expedia`.")
	}
	return a, nil
}

// splitQuoted splits on spaces, keeping "quoted phrases" (straight or curly quotes) together
// and dropping the quotes.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '"' || r == '“' || r == '”':
			quoted = !quoted
		case !quoted && (r == ' ' || r == '\t' || r == '\n'):
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// resolve finds the account and the contact query in the words. "american airlines jay cox" is
// read as the longest account name after which the rest names one of its contacts; otherwise
// all the words name the account.
func (h *Drafts) resolve(ctx context.Context, a draftArgs) (int64, string, *Response, error) {
	words := a.words
	if a.account != "" {
		words = strings.Fields(a.account)
	}
	if a.contact == "" {
		tried := map[int64]bool{}
		for i := len(words) - 1; i >= 1; i-- {
			res := h.index.Resolve(strings.Join(words[:i], " "))
			if res.Outcome != match.Unique || tried[res.Best.ID] {
				continue
			}
			tried[res.Best.ID] = true
			contacts, err := h.store.ContactsOf(ctx, res.Best.ID)
			if err != nil {
				return 0, "", nil, err
			}
			rest := strings.Join(words[i:], " ")
			if len(matchContacts(contacts, rest)) > 0 {
				return res.Best.ID, rest, nil, nil
			}
		}
	}
	query := strings.Join(words, " ")
	res := h.index.Resolve(query)
	switch res.Outcome {
	case match.Unique:
		return res.Best.ID, a.contact, nil, nil
	case match.Ambiguous:
		r := draftPickList(query, res.Candidates)
		return 0, "", &r, nil
	}
	msg := fmt.Sprintf("No account matches *%s*.", Escape(Truncate(query, 100)))
	if len(res.Candidates) > 0 {
		var names []string
		for _, c := range res.Candidates {
			names = append(names, "`"+Escape(c.Name)+"`")
		}
		msg += " Nearest names: " + strings.Join(names, ", ") + "."
	}
	r := Ephemeral(msg + " Try `/draft <account>` with another spelling, or `/account find <filters>`.")
	return 0, "", &r, nil
}

func draftPickList(query string, cands []match.Candidate) Response {
	return accountButtons(query, "Which one should I draft for?", ActionDraftPick, cands)
}

// matchContacts finds the contacts a query names: by full name or handle, else by every word
// being a word (or the start of one) of their name.
func matchContacts(cs []store.Contact, q string) []store.Contact {
	nq := normPerson(q)
	if nq == "" {
		return nil
	}
	var exact, partial []store.Contact
	for _, c := range cs {
		if normPerson(c.Name) == nq || handleIs(c.Handles, nq) {
			exact = append(exact, c)
			continue
		}
		if wordsPrefix(strings.Fields(normPerson(c.Name)), strings.Fields(nq)) {
			partial = append(partial, c)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return partial
}

func normPerson(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "@")
	return strings.Join(strings.Fields(s), " ")
}

func handleIs(handles []string, q string) bool {
	for _, h := range handles {
		h = strings.ToLower(h)
		if i := strings.LastIndex(h, "/"); i >= 0 {
			h = h[i+1:]
		}
		if strings.TrimPrefix(h, "@") == q {
			return true
		}
	}
	return false
}

// wordsPrefix reports whether every query word starts a distinct name word (3+ letters, or whole).
func wordsPrefix(name, query []string) bool {
	if len(query) == 0 || len(query) > len(name) {
		return false
	}
	used := make([]bool, len(name))
	for _, q := range query {
		found := false
		for i, w := range name {
			if !used[i] && (w == q || len(q) >= 3 && strings.HasPrefix(w, q)) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// draftSpec says what to draft.
type draftSpec struct {
	AccountID    int64
	ContactID    int64  // a contact chosen before (Another template); 0 = choose
	ContactQuery string // what the user typed for the contact
	Template     string // "" = the best fitting
	After        string // cycle: start with the fitting template after this one
	Channel      templates.Channel
	User         string
	SlackChannel string
	Preview      bool // render only; store nothing
}

// compose writes a draft: it picks the contact, the signal, the template, the pain point and a
// peer, renders, stores the draft, and lays it out with its buttons.
func (h *Drafts) compose(ctx context.Context, s draftSpec) (Response, error) {
	now := h.now()
	oc, err := h.store.OutreachContext(ctx, s.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return Ephemeral("That account was just removed. Try `/draft <account>` again."), nil
	}
	if err != nil {
		return Response{}, err
	}
	a := oc.Account
	contact, notes, refusal := pickContact(oc, s)
	if refusal != nil {
		return *refusal, nil
	}
	if touch, err := h.store.LastTouchOfContact(ctx, contact.ID); err != nil {
		return Response{}, err
	} else if touch != nil && now.Sub(touch.At) < RecentTouch {
		notes = append(notes, touchWarning(touch, now))
	}
	signals := rankSignals(oc.Signals, contact, now)
	var kinds []string
	for _, sg := range signals {
		if !hasString(kinds, sg.Kind) {
			kinds = append(kinds, sg.Kind)
		}
	}
	entries, _, err := h.catalog.Entries(ctx)
	if err != nil {
		return Response{}, err
	}
	candidates, refusal := h.candidates(entries, s, oc, contact, kinds)
	if refusal != nil {
		return *refusal, nil
	}
	if len(kinds) == 0 {
		notes = append(notes, fmt.Sprintf(":information_source: *Not warm:* I found no public signal for %s (a talk, job post, GitHub issue, blog post, ADOPTERS.md entry, …), so this draft says plainly that it isn't prompted by anything they did.", Escape(a.Name)))
	}
	peers, err := h.store.PeerOutcomes(ctx)
	if err != nil {
		return Response{}, err
	}
	// Try the templates in order. One that can't be filled for this account is skipped with the
	// reason; one over its limit (even in its short variant) gives way to the next that fits,
	// and is shown whole, never cut, only when none does.
	var failures, overs []string
	var over *composedDraft
	for _, c := range candidates {
		in := h.inputs(oc, contact, c, signals, peers)
		d, err := c.entry.Render(ctx, in.data)
		var le *templates.LimitError
		switch {
		case errors.As(err, &le):
			if over == nil {
				over = &composedDraft{c, in, d}
			}
			overs = append(overs, fmt.Sprintf("`%s` (%s)", c.entry.Name, Escape(le.Error())))
			continue
		case err != nil:
			failures = append(failures, fmt.Sprintf("`%s` (%s)", c.entry.Name, Escape(Truncate(err.Error(), 200))))
			continue
		}
		if len(overs) > 0 {
			notes = append(notes, ":information_source: Over their limit for this account, so not used: "+strings.Join(overs, "; ")+".")
		}
		return h.finish(ctx, s, oc, contact, composedDraft{c, in, d}, withFailures(notes, failures), now)
	}
	if over != nil {
		return h.finish(ctx, s, oc, contact, *over, withFailures(notes, failures), now)
	}
	return Ephemeral(fmt.Sprintf(":warning: No template could be filled for %s: %s. Fix the template with `/template edit <name>`, or pick another with `template:<name>`.",
		Escape(a.Name), strings.Join(failures, "; "))), nil
}

// composedDraft is a rendered template with what it was written from.
type composedDraft struct {
	c  candidate
	in draftInputs
	d  templates.Draft
}

func withFailures(notes, failures []string) []string {
	if len(failures) == 0 {
		return notes
	}
	return append(notes, ":warning: Skipped templates that could not be filled for this account: "+strings.Join(failures, "; ")+".")
}

// finish stores the draft (unless previewing) and lays it out.
func (h *Drafts) finish(ctx context.Context, s draftSpec, oc *store.OutreachContext, contact store.Contact, cd composedDraft, notes []string, now time.Time) (Response, error) {
	row := &store.OutreachDraft{
		AccountID: oc.Account.ID, ContactID: &contact.ID, ContactName: contact.Name, SignalID: cd.in.signalID,
		PainKey: cd.in.data.Pain.Key, Basis: cd.in.basis(cd.d), Template: cd.c.entry.Name, TemplateVersion: cd.c.entry.Version,
		Channel: string(cd.d.Channel), Subject: cd.d.Subject, Body: cd.d.Body, CharLimit: cd.d.Limit, Author: s.User,
		SlackChannel: s.SlackChannel, Status: store.DraftDrafted, CreatedAt: now, UpdatedAt: now,
	}
	if s.Preview {
		return renderDraft(row, notes, modePreview, ""), nil
	}
	if err := h.store.CreateDraft(ctx, row, now); err != nil {
		return Response{}, err
	}
	return renderDraft(row, notes, modeInteractive, ""), nil
}

// candidate is a template to try, with the signal kind it refers to.
type candidate struct {
	entry CatalogEntry
	kind  string
}

// candidates orders the templates to try: the one asked for, or every fitting one best first
// (rotated to start after s.After when cycling).
func (h *Drafts) candidates(entries []CatalogEntry, s draftSpec, oc *store.OutreachContext, contact store.Contact, kinds []string) ([]candidate, *Response) {
	a := oc.Account
	if s.Template != "" {
		return explicitTemplate(entries, s, a, kinds)
	}
	byTmpl := map[*templates.Template]CatalogEntry{}
	var ts []*templates.Template
	for _, e := range entries {
		byTmpl[e.Template] = e
		ts = append(ts, e.Template)
	}
	var observed []string
	for _, p := range oc.Pains {
		observed = append(observed, p.Key)
	}
	ranked := templates.Rank(ts, templates.Situation{SignalKinds: kinds, Stage: string(a.Stage),
		Role: templates.RoleOfRank(contact.DecisionRank), Pains: observed, Channel: s.Channel})
	if len(ranked) == 0 {
		why := "no template fits its signals and stage"
		if s.Channel != "" {
			why = fmt.Sprintf("no template for %s fits its signals and stage", s.Channel.Label())
		}
		r := Ephemeral(fmt.Sprintf("I can't draft for %s: %s. Try without `channel:`, or pick one with `template:<name>` (`/template list`).", Escape(a.Name), why))
		return nil, &r
	}
	out := make([]candidate, len(ranked))
	for i, r := range ranked {
		out[i] = candidate{entry: byTmpl[r.Template], kind: r.SignalKind}
	}
	if s.After != "" {
		for i, c := range out {
			if c.entry.Name == s.After {
				out = append(out[i+1:], out[:i+1]...)
				break
			}
		}
	}
	return out, nil
}

func explicitTemplate(entries []CatalogEntry, s draftSpec, a store.Account, kinds []string) ([]candidate, *Response) {
	var e *CatalogEntry
	var names []string
	for i := range entries {
		names = append(names, "`"+entries[i].Name+"`")
		if strings.EqualFold(entries[i].Name, s.Template) {
			e = &entries[i]
		}
	}
	refuse := func(msg string) ([]candidate, *Response) {
		r := Ephemeral(msg)
		return nil, &r
	}
	switch {
	case e == nil:
		return refuse(fmt.Sprintf("There is no template called `%s`. The templates are %s.", Escape(Truncate(s.Template, 60)), strings.Join(names, ", ")))
	case s.Channel != "" && e.Channel != s.Channel:
		return refuse(fmt.Sprintf("`%s` writes a %s, not a %s.", e.Name, e.Channel.Label(), s.Channel.Label()))
	case e.Fallback() && len(kinds) > 0:
		return refuse(fmt.Sprintf("`%s` says we know nothing public about them, but %s has public signals (%s). Pick a warm template, or just `/draft %s`.",
			e.Name, Escape(a.Name), signalKindsText(kinds), Escape(a.Name)))
	case e.Fallback():
		return []candidate{{entry: *e}}, nil
	}
	for _, k := range kinds {
		if e.FitsSignal(k) {
			return []candidate{{entry: *e, kind: k}}, nil
		}
	}
	var want []string
	for _, k := range e.Fits.Signals {
		want = append(want, templates.KindLabel(k))
	}
	have := "no public signal"
	if len(kinds) > 0 {
		have = "only " + signalKindsText(kinds)
	}
	return refuse(fmt.Sprintf("`%s` refers to a %s, and %s has %s. Try `/draft %s` for the best fit.",
		e.Name, strings.Join(want, " or "), Escape(a.Name), have, Escape(a.Name)))
}

func signalKindsText(kinds []string) string {
	var out []string
	for _, k := range kinds {
		out = append(out, templates.KindLabel(k))
	}
	return strings.Join(out, ", ")
}

// pickContact chooses who to write to: the one asked for, or the contact with the most decision
// power who may be contacted. A do-not-contact person is refused with the reason.
func pickContact(oc *store.OutreachContext, s draftSpec) (store.Contact, []string, *Response) {
	a := oc.Account
	refuse := func(msg string) (store.Contact, []string, *Response) {
		r := Ephemeral(msg)
		return store.Contact{}, nil, &r
	}
	var chosen *store.Contact
	switch {
	case s.ContactID != 0:
		for i := range oc.Contacts {
			if oc.Contacts[i].ID == s.ContactID {
				chosen = &oc.Contacts[i]
			}
		}
		if chosen == nil {
			return refuse(fmt.Sprintf("That contact is no longer listed at %s. Run `/draft %s` again.", Escape(a.Name), Escape(a.Name)))
		}
	case s.ContactQuery != "":
		ms := matchContacts(oc.Contacts, s.ContactQuery)
		switch len(ms) {
		case 0:
			return refuse(fmt.Sprintf("No contact at %s matches *%s*. %s", Escape(a.Name), Escape(Truncate(s.ContactQuery, 60)), knownContacts(oc)))
		case 1:
			chosen = &ms[0]
		default:
			var names []string
			for _, c := range ms {
				names = append(names, "*"+Escape(c.Name)+"*")
			}
			return refuse(fmt.Sprintf("Several contacts at %s match *%s*: %s. Type more of the name.", Escape(a.Name), Escape(s.ContactQuery), strings.Join(names, ", ")))
		}
	}
	if chosen != nil {
		if chosen.DoNotContact {
			return refuse(fmt.Sprintf(":no_entry: *%s* at %s is marked *do not contact*: %s. I won't draft to them.",
				Escape(chosen.Name), Escape(a.Name), Escape(dncReason(*chosen))))
		}
		return *chosen, nil, nil
	}
	var skipped []string
	for i := range oc.Contacts {
		c := oc.Contacts[i]
		if c.DoNotContact {
			skipped = append(skipped, fmt.Sprintf("*%s* (do not contact: %s)", Escape(c.Name), Escape(dncReason(c))))
			continue
		}
		var notes []string
		if len(skipped) > 0 {
			notes = append(notes, ":information_source: Skipped "+strings.Join(skipped, ", ")+".")
		}
		return c, notes, nil
	}
	if len(skipped) > 0 {
		return refuse(fmt.Sprintf(":no_entry: Everyone I know at %s is marked do not contact: %s. I won't draft to them.", Escape(a.Name), strings.Join(skipped, ", ")))
	}
	return refuse(fmt.Sprintf("I don't know anyone at %s yet, so there is no one to write to. Find the Head of Platform Engineering or VP Engineering first (conference speakers, the engineering blog, platform job posts), then `/draft %s`.",
		Escape(a.Name), Escape(a.Name)))
}

func dncReason(c store.Contact) string {
	if strings.TrimSpace(c.DNCReason) == "" {
		return "no reason recorded"
	}
	return c.DNCReason
}

func knownContacts(oc *store.OutreachContext) string {
	if len(oc.Contacts) == 0 {
		return "I know no one there yet."
	}
	var names []string
	for i, c := range oc.Contacts {
		if i == 8 {
			names = append(names, "…")
			break
		}
		names = append(names, "*"+Escape(c.Name)+"*")
	}
	return "Known: " + strings.Join(names, ", ") + "."
}

func touchWarning(t *store.Touch, now time.Time) string {
	days := int(now.Sub(t.At).Hours() / 24)
	ago := fmt.Sprintf("%d days ago", days)
	switch days {
	case 0:
		ago = "today"
	case 1:
		ago = "yesterday"
	}
	by := ""
	if t.By != "" {
		by = " by <@" + t.By + ">"
	}
	status := "sent"
	if t.Status == store.DraftReplied {
		status = "sent, and they replied"
	}
	return fmt.Sprintf(":warning: *Touched %s:* a %s to %s was marked %s%s on %s (template `%s`). Think twice before writing again within %d days.",
		ago, templates.Channel(t.Channel).Label(), Escape(t.ContactName), status, by, FormatDate(t.At), Escape(t.Template), int(RecentTouch.Hours()/24))
}

// kindWeight ranks signal kinds by how warm an opening they give: something the person said
// or did in public beats news about the company, which beats a listing.
var kindWeight = map[string]int{
	"competitor_evaluation": 6, "conference_talk": 5, "blog_post": 5, "github_issue": 5,
	"github_pr": 4, "linkedin_post": 4, "community_post": 4, "job_posting": 4, "news": 2, "adopters_entry": 1,
}

// rankSignals orders an account's signals strongest first: kind, then the contact's own, then
// recency (a dated signal of the last 90 days counts most).
func rankSignals(sigs []store.Signal, contact store.Contact, now time.Time) []store.Signal {
	type scored struct {
		s     store.Signal
		score int
	}
	list := make([]scored, 0, len(sigs))
	for _, sg := range sigs {
		score := kindWeight[sg.Kind]
		if score == 0 {
			score = 2
		}
		if byContact(sg, contact) {
			score += 3
		}
		if sg.OccurredAt != nil {
			switch age := now.Sub(*sg.OccurredAt); {
			case age < 90*24*time.Hour:
				score += 3
			case age < 365*24*time.Hour:
				score += 2
			case age < 730*24*time.Hour:
				score++
			}
		}
		list = append(list, scored{sg, score})
	}
	// Stable insertion sort: the store's order (latest first) breaks ties.
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].score > list[j-1].score; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
	out := make([]store.Signal, len(list))
	for i, s := range list {
		out[i] = s.s
	}
	return out
}

func byContact(sg store.Signal, c store.Contact) bool {
	return sg.Person != "" && normPerson(sg.Person) == normPerson(c.Name)
}

// draftInputs is a template's data and what the draft records about it.
type draftInputs struct {
	data     templates.Data
	signal   *store.Signal
	signalID *int64
	peer     templates.Peer
}

func (in draftInputs) basis(d templates.Draft) store.DraftBasis {
	b := store.DraftBasis{
		AccountName: in.data.Account.Name, ContactTitle: in.data.Contact.Title,
		PainTitle: in.data.Pain.Title, PainObserved: in.data.Pain.Observed, PainEvidence: in.data.Pain.Evidence,
		Variant: d.Variant,
	}
	if in.signal != nil {
		b.SignalTitle, b.SignalURL, b.SignalKind = in.signal.Title, in.signal.URL, in.signal.Kind
		if in.signal.OccurredAt != nil {
			b.SignalDate = FormatDate(*in.signal.OccurredAt)
		}
	}
	if in.data.HasPeer {
		b.PeerName, b.PeerOutcome, b.PeerWhy = in.peer.Name, in.peer.Outcome, in.peer.Why
	}
	return b
}

// inputs gathers a template's data: the strongest signal of the kind it refers to, the pain
// point it names, a peer like the account, and the account's own outcome.
func (h *Drafts) inputs(oc *store.OutreachContext, contact store.Contact, c candidate, signals []store.Signal, peers []store.PeerOutcome) draftInputs {
	a := oc.Account
	var in draftInputs
	d := templates.Data{
		Account: templates.Account{
			Name: a.Name, Industry: a.Industry, Stage: string(a.Stage), StageLabel: store.StageLabel(a.Stage),
			Region: a.Region, Size: accountSize(oc), Outcome: ownOutcome(oc.Facts),
		},
		Contact: templates.Contact{
			Name: contact.Name, FirstName: templates.FirstName(contact.Name), Title: contact.Title,
			Role: templates.RoleOfRank(contact.DecisionRank), SpokeAt: contact.SpokeAt,
		},
	}
	for _, comp := range oc.Competitors {
		d.Account.Competitors = append(d.Account.Competitors, comp.Name)
	}
	if c.kind != "" {
		for i := range signals {
			if signals[i].Kind == c.kind {
				sg := signals[i]
				in.signal, in.signalID = &sg, &sg.ID
				break
			}
		}
	}
	if sg := in.signal; sg != nil {
		mine := byContact(*sg, contact)
		var spoke []string
		if mine {
			spoke = contact.SpokeAt
		}
		d.Warm = true
		d.Signal = templates.Signal{
			Kind: sg.Kind, KindLabel: templates.KindLabel(sg.Kind), Title: sg.Title, Summary: sg.Summary, URL: sg.URL,
			Event: templates.EventOf(sg.Title, sg.Summary, spoke), Topic: templates.TopicOf(sg.Title), ByContact: mine,
		}
		if sg.OccurredAt != nil {
			d.Signal.Year = strconv.Itoa(sg.OccurredAt.Year())
		}
	}
	var cands []templates.PeerCandidate
	for _, p := range peers {
		size := p.Employees
		if size == 0 {
			size = p.Developers
		}
		cands = append(cands, templates.PeerCandidate{AccountID: p.AccountID, Name: p.Name, Industry: p.Industry, Size: size, Outcome: templates.OutcomeClause(p.Outcome)})
	}
	in.peer, d.HasPeer = templates.ChoosePeer(a.ID, a.Industry, accountSizeNumber(oc), cands)
	if d.HasPeer {
		d.Peer = in.peer
	}
	var known, observed []string
	for _, p := range oc.PainPoints {
		known = append(known, p.Key)
	}
	for _, p := range oc.Pains {
		observed = append(observed, p.Key)
	}
	key, isObserved := templates.ChoosePain(c.entry.Template, string(a.Stage), observed, known)
	var evidence string
	for _, p := range oc.Pains {
		if p.Key == key {
			evidence = p.Evidence
		}
	}
	for _, p := range oc.PainPoints {
		if p.Key != key {
			continue
		}
		src := templates.PainSource{Key: p.Key, Title: p.Title, Summary: p.Summary, TalkingPoints: p.TalkingPoints}
		if len(p.Numbers) > 0 {
			src.Figure, src.Number = p.Numbers[0].Figure, p.Numbers[0].Text
		}
		d.Pain = src.Data(isObserved, evidence, a.Name, d.Peer.Name)
	}
	in.data = d
	return in
}

var developerCountRe = regexp.MustCompile(`(\d[\d,]*\+?)\s+developers`)

// accountSize words the account's size: the developers a fact counts, or its employees.
func accountSize(oc *store.OutreachContext) string {
	for _, f := range oc.Facts {
		if m := developerCountRe.FindStringSubmatch(f.Text); m != nil {
			return m[1] + " developers"
		}
	}
	return sizeText(oc.Account.Employees)
}

func accountSizeNumber(oc *store.OutreachContext) int {
	if oc.Account.Employees > 0 {
		return oc.Account.Employees
	}
	for _, f := range oc.Facts {
		if m := developerCountRe.FindStringSubmatch(f.Text); m != nil {
			n, _ := strconv.Atoi(strings.NewReplacer(",", "", "+", "").Replace(m[1]))
			return n
		}
	}
	return 0
}

// ownOutcome is the result the account itself reported, as a clause, or "".
func ownOutcome(facts []store.Fact) string {
	for _, f := range facts {
		if templates.IsOutcome(f.Text) {
			return templates.OutcomeClause(f.Text)
		}
	}
	return ""
}

func hasString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// draftMode is where a draft is shown, which decides its buttons.
type draftMode int

const (
	modeInteractive draftMode = iota // ephemeral in the channel: every button
	modeDM                           // posted to the user after an edit: no Share (it would share to the DM)
	modeShared                       // shown to the channel: no buttons
	modePreview                      // /template preview: not stored, no buttons
)

// overLimit reports whether a draft may not be sent as it is.
func overLimit(d *store.OutreachDraft) bool {
	return utf8.RuneCountInString(d.Body) > d.CharLimit || utf8.RuneCountInString(d.Subject) > templates.MaxSubjectChars
}

// renderDraft lays a draft out: who it is for, notes and warnings, the text in a code block
// (escaped for Slack), what it was written from, and the buttons its state allows.
func renderDraft(d *store.OutreachDraft, notes []string, mode draftMode, sharedBy string) Response {
	ch := templates.Channel(d.Channel)
	bs := d.Basis
	var b Builder
	b.Reserve(2)
	who := "*" + Escape(d.ContactName) + "*"
	if bs.ContactTitle != "" {
		who += ", " + Escape(bs.ContactTitle)
	}
	who += " at " + Escape(bs.AccountName)
	var head string
	switch mode {
	case modeShared:
		head = fmt.Sprintf("<@%s> shared a draft to %s", sharedBy, who)
	case modePreview:
		head = fmt.Sprintf("*Preview* of `%s` for %s (not saved)", Escape(d.Template), who)
	default:
		head = "Draft to " + who
	}
	chars := utf8.RuneCountInString(d.Body)
	meta := fmt.Sprintf("%s · template `%s`", ch.Label(), Escape(d.Template))
	if d.TemplateVersion > 0 {
		meta += fmt.Sprintf(" v%d", d.TemplateVersion)
	}
	if bs.Variant != "" {
		meta += " (short variant)"
	}
	meta += fmt.Sprintf(" · %s / %s characters", groupDigits(chars), groupDigits(d.CharLimit))
	b.Section(head + "\n" + meta)
	for _, n := range notes {
		b.Section(n)
	}
	switch {
	case d.RepliedAt != nil:
		b.Section(fmt.Sprintf(":speech_balloon: *Replied* (marked by <@%s> on %s) · sent by <@%s> on %s", d.RepliedBy, FormatDate(*d.RepliedAt), d.SentBy, FormatDate(*d.SentAt)))
	case d.SentAt != nil:
		b.Section(fmt.Sprintf(":white_check_mark: *Marked sent* by <@%s> on %s", d.SentBy, FormatDate(*d.SentAt)))
	case overLimit(d):
		b.Section(fmt.Sprintf(":no_entry: *Over the limit:* the text is %s characters and a %s allows %s (subjects %d). I won't cut it: edit it, or try another template.",
			groupDigits(chars), ch.Label(), groupDigits(d.CharLimit), templates.MaxSubjectChars))
	}
	if d.Subject != "" {
		b.Section("*Subject:* " + Escape(d.Subject))
	}
	for _, part := range codeSections(d.Body) {
		b.Section(part)
	}
	var final []slack.Block
	if ctx := basisContext(bs); len(ctx) > 0 {
		var elems []slack.MixedElement
		for _, c := range ctx {
			elems = append(elems, slack.NewTextBlockObject(slack.MarkdownType, Truncate(c, MaxSectionText), false, false))
		}
		final = append(final, slack.NewContextBlock("draft_basis", elems...))
	}
	if btns := draftButtons(d, mode); len(btns) > 0 {
		elems := make([]slack.BlockElement, len(btns))
		for i, btn := range btns {
			elems[i] = btn
		}
		final = append(final, slack.NewActionBlock("draft_actions", elems...))
	}
	b.Final(final...)
	text := fmt.Sprintf("Draft to %s (%s), %s: %s", d.ContactName, bs.AccountName, ch.Label(), d.Body)
	return Response{Text: Truncate(Escape(text), 300), Blocks: b.Blocks(), InChannel: mode == modeShared}
}

// basisContext says what the draft was written from: the signal, the pain point, the peer.
func basisContext(bs store.DraftBasis) []string {
	var out []string
	if bs.SignalTitle != "" {
		s := "*Signal:* " + Link(bs.SignalURL, bs.SignalTitle) + " · " + Escape(templates.KindLabel(bs.SignalKind))
		if bs.SignalDate != "" {
			s += " · " + bs.SignalDate
		}
		out = append(out, s)
	} else {
		out = append(out, "*Signal:* none public (not warm)")
	}
	if bs.PainTitle != "" {
		s := "*Pain point:* " + Escape(bs.PainTitle)
		if bs.PainObserved {
			s += " — shown by " + Escape(bs.AccountName)
			if bs.PainEvidence != "" {
				s += ": " + Escape(bs.PainEvidence)
			}
		} else {
			s += " — typical for its stage, not shown by " + Escape(bs.AccountName) + " in public"
		}
		out = append(out, s)
	}
	if bs.PeerName != "" {
		out = append(out, "*Peer:* "+Escape(bs.PeerName)+" "+Escape(bs.PeerOutcome)+" ("+Escape(bs.PeerWhy)+")")
	}
	return out
}

func draftButtons(d *store.OutreachDraft, mode draftMode) []*slack.ButtonBlockElement {
	if mode == modeShared || mode == modePreview {
		return nil
	}
	id := strconv.FormatInt(d.ID, 10)
	share := mode == modeInteractive
	var out []*slack.ButtonBlockElement
	switch {
	case d.RepliedAt != nil:
	case d.SentAt != nil:
		out = append(out, Button(ActionDraftReplied, "Mark replied", id, slack.StylePrimary))
	default:
		out = append(out, Button(ActionDraftAnother, "Another template", id, ""), Button(ActionDraftEdit, "Edit", id, ""))
		if !overLimit(d) {
			out = append(out, Button(ActionDraftSent, "Mark sent", id, slack.StylePrimary))
		}
	}
	if share {
		out = append(out, Button(ActionDraftShare, "Share to channel", id, ""))
	}
	return out
}

// loadDraft reads the draft a button names, or says why it can't.
func (h *Drafts) loadDraft(ctx context.Context, value string) (*store.OutreachDraft, *Response, error) {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		r := Ephemeral("That button belongs to an older version of me; run `/draft <account>` again.")
		return nil, &r, nil
	}
	d, err := h.store.DraftByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		r := Ephemeral("That draft no longer exists (its account may have been removed). Run `/draft <account>` again.")
		return nil, &r, nil
	}
	return d, nil, err
}

func (h *Drafts) fromCard(ctx context.Context, a Action) (Response, error) {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil {
		return Ephemeral("That button belongs to an older version of me; run `/draft <account>`."), nil
	}
	return h.compose(ctx, draftSpec{AccountID: id, User: a.UserID, SlackChannel: a.ChannelID})
}

func (h *Drafts) pick(ctx context.Context, a Action) (Response, error) {
	r, err := h.fromCard(ctx, a)
	r.ReplaceOriginal = true
	return r, err
}

func (h *Drafts) another(ctx context.Context, a Action) (Response, error) {
	d, resp, err := h.loadDraft(ctx, a.Value)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	if d.SentAt != nil {
		return Ephemeral("That draft was marked sent; start a new one with `/draft " + Escape(d.Basis.AccountName) + "`."), nil
	}
	spec := draftSpec{AccountID: d.AccountID, After: d.Template, User: a.UserID, SlackChannel: a.ChannelID}
	if d.ContactID != nil {
		spec.ContactID = *d.ContactID
	}
	r, err := h.compose(ctx, spec)
	r.ReplaceOriginal = true
	return r, err
}

func (h *Drafts) edit(ctx context.Context, a Action) (Response, error) {
	d, resp, err := h.loadDraft(ctx, a.Value)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	if d.SentAt != nil {
		return Ephemeral(fmt.Sprintf("This draft was marked sent on %s, so it stays as sent. Start a new one with `/draft %s`.", FormatDate(*d.SentAt), Escape(d.Basis.AccountName))), nil
	}
	return Response{Modal: editModal(d)}, nil
}

// editModal is the editor of a draft, prefilled with its text; private_metadata is its id.
func editModal(d *store.OutreachDraft) *slack.ModalViewRequest {
	ch := templates.Channel(d.Channel)
	body := slack.NewPlainTextInputBlockElement(nil, "body")
	body.Multiline = true
	body.InitialValue = d.Body
	body.MaxLength = min(max(d.CharLimit, utf8.RuneCountInString(d.Body)), templates.MaxSourceChars)
	blocks := []slack.Block{
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf("To *%s* at %s · %s · at most %s characters",
			Escape(d.ContactName), Escape(d.Basis.AccountName), ch.Label(), groupDigits(d.CharLimit)), false, false)),
	}
	if d.Subject != "" || ch == templates.Email {
		subj := slack.NewPlainTextInputBlockElement(nil, "subject")
		subj.InitialValue = d.Subject
		subj.MaxLength = templates.MaxSubjectChars
		blocks = append(blocks, slack.NewInputBlock("subject", slack.NewTextBlockObject(slack.PlainTextType, "Subject", false, false), nil, subj))
	}
	blocks = append(blocks, slack.NewInputBlock("body", slack.NewTextBlockObject(slack.PlainTextType, "Message", false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Saved as a new version of this draft; Mark sent and Share use it.", false, false), body))
	return &slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      ViewDraftEdit,
		PrivateMetadata: strconv.FormatInt(d.ID, 10),
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Edit draft", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		Close:           slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// sentMeanwhile is the editor's answer when the draft was marked sent while it was open.
const sentMeanwhile = "This draft was marked sent meanwhile, so it can't change. Start a new one with /draft."

// saveEdit stores an edited draft; a text over the limit keeps the modal open with the reason.
func (h *Drafts) saveEdit(ctx context.Context, v ViewSubmission) (ViewResult, error) {
	id, err := strconv.ParseInt(v.PrivateMetadata, 10, 64)
	if err != nil {
		return ViewResult{Errors: map[string]string{"body": "This form is from an older version of me; close it and run /draft again."}}, nil
	}
	d, err := h.store.DraftByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ViewResult{Errors: map[string]string{"body": "This draft no longer exists."}}, nil
	}
	if err != nil {
		return ViewResult{}, err
	}
	if d.SentAt != nil {
		return ViewResult{Errors: map[string]string{"body": sentMeanwhile}}, nil
	}
	ch := templates.Channel(d.Channel)
	body := strings.TrimSpace(strings.ReplaceAll(v.Values["body"]["body"], "\r\n", "\n"))
	subject := strings.TrimSpace(v.Values["subject"]["subject"])
	errs := map[string]string{}
	switch n := utf8.RuneCountInString(body); {
	case body == "":
		errs["body"] = "The message can't be empty."
	case n > d.CharLimit:
		errs["body"] = fmt.Sprintf("%s characters: a %s allows %s. Shorten it; I won't cut it for you.", groupDigits(n), ch.Label(), groupDigits(d.CharLimit))
	case strings.Contains(body, "<no value>"):
		errs["body"] = "The text still has a <no value> gap."
	}
	if ch == templates.Email {
		switch n := utf8.RuneCountInString(subject); {
		case subject == "":
			errs["subject"] = "An e-mail needs a subject."
		case n > templates.MaxSubjectChars || strings.ContainsAny(subject, "\r\n"):
			errs["subject"] = fmt.Sprintf("Keep the subject to one line of %d characters (it is %d).", templates.MaxSubjectChars, n)
		}
	}
	if len(errs) > 0 {
		return ViewResult{Errors: errs}, nil
	}
	d, err = h.store.EditDraft(ctx, id, subject, body, v.UserID, h.now())
	if errors.Is(err, store.ErrDraftSent) {
		return ViewResult{Errors: map[string]string{"body": sentMeanwhile}}, nil
	}
	if err != nil {
		return ViewResult{}, err
	}
	msg := renderDraft(d, []string{":pencil2: Saved your edit. The buttons on the original message use this text too."}, modeDM, "")
	return ViewResult{Message: &msg, Channel: v.UserID}, nil
}

func (h *Drafts) markSent(ctx context.Context, a Action) (Response, error) {
	d, resp, err := h.loadDraft(ctx, a.Value)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	if d.SentAt == nil && overLimit(d) {
		return Ephemeral(fmt.Sprintf(":no_entry: This draft is %s characters and a %s allows %s. Edit it first: I don't record a message that can't be sent whole.",
			groupDigits(utf8.RuneCountInString(d.Body)), templates.Channel(d.Channel).Label(), groupDigits(d.CharLimit))), nil
	}
	d, changed, err := h.store.MarkDraftSent(ctx, d.ID, a.UserID, h.now())
	if err != nil {
		return Response{}, err
	}
	var notes []string
	if !changed {
		notes = append(notes, fmt.Sprintf(":information_source: <@%s> had already marked it sent.", d.SentBy))
	}
	r := renderDraft(d, notes, modeInteractive, "")
	r.ReplaceOriginal = true
	return r, nil
}

func (h *Drafts) markReplied(ctx context.Context, a Action) (Response, error) {
	d, resp, err := h.loadDraft(ctx, a.Value)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	d, changed, err := h.store.MarkDraftReplied(ctx, d.ID, a.UserID, h.now())
	if errors.Is(err, store.ErrNotSent) {
		return Ephemeral("Mark the draft sent first: a reply answers a message that went out."), nil
	}
	if err != nil {
		return Response{}, err
	}
	if a.ActionID == ActionDraftCardReplied {
		return Ephemeral(fmt.Sprintf(":speech_balloon: Recorded that *%s* replied to the %s (template `%s`).",
			Escape(d.ContactName), templates.Channel(d.Channel).Label(), Escape(d.Template))), nil
	}
	var notes []string
	if !changed {
		notes = append(notes, fmt.Sprintf(":information_source: <@%s> had already marked the reply.", d.RepliedBy))
	}
	r := renderDraft(d, notes, modeInteractive, "")
	r.ReplaceOriginal = true
	return r, nil
}

func (h *Drafts) share(ctx context.Context, a Action) (Response, error) {
	d, resp, err := h.loadDraft(ctx, a.Value)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	d, err = h.store.LogDraftShared(ctx, d.ID, a.UserID, h.now())
	if err != nil {
		return Response{}, err
	}
	return renderDraft(d, nil, modeShared, a.UserID), nil
}
