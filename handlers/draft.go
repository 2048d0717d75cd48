// The /draft command: parsing its arguments, resolving the account and contact, and composing a
// draft from the planning steps (draft_plan.go), the renderer (draft_render.go) and the store.
// Its buttons and modal are in draft_actions.go.

package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"outreachbot/match"
	"outreachbot/slackmsg"
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
func (h *Drafts) Command() Command { return declared("/draft", h.Handle) }

// Handle answers /draft.
func (h *Drafts) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	if req.Text == "" {
		return slackmsg.Ephemeral("Which account? Type `/draft <account>`, e.g. `/draft expedia`, or add a contact, `template:<name>` or `channel:<channel>`."), nil
	}
	args, err := parseDraftArgs(req.Text)
	if err != nil {
		return errorResponse(err), nil
	}
	if args.override && !req.Admin {
		return slackmsg.Ephemeral("Only an admin may draft to a competitor or vendor (`override:yes`). Ask one, or pick a prospect."), nil
	}
	return h.run(ctx, args, req.UserID, req.ChannelID, false)
}

// run resolves the account and contact a request names and drafts; a preview is not stored.
func (h *Drafts) run(ctx context.Context, args draftArgs, user, channel string, preview bool) (slackmsg.Response, error) {
	accountID, contactQuery, resp, err := h.resolve(ctx, args)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	return h.compose(ctx, draftSpec{AccountID: accountID, ContactQuery: contactQuery, Template: args.template,
		Channel: args.channel, User: user, SlackChannel: channel, Preview: preview, Override: args.override})
}

func derefResponse(r *slackmsg.Response) slackmsg.Response {
	if r == nil {
		return slackmsg.Response{}
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
	// override drafts to a competitor or vendor anyway (admins only).
	override bool
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
	toks, err := tokenize(text)
	if err != nil {
		return a, err
	}
	for _, tok := range toks {
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
				return a, userErrorf("`%s` is not a channel I write for. Try %s.", slackmsg.Clip(val, 40), strings.Join(names, ", "))
			}
			a.channel = c
		case "contact", "to":
			a.contact = val
		case "override":
			a.override = strings.EqualFold(val, "yes") || strings.EqualFold(val, "true")
		default:
			a.words = append(a.words, tok)
		}
	}
	if len(a.words) == 0 {
		return a, userErrorf("Which account? Type `/draft <account>`, e.g. `/draft expedia`.")
	}
	return a, nil
}

// resolve finds the account and the contact query in the words. "american airlines jay cox" is
// read as the longest account name after which the rest names one of its contacts; otherwise
// all the words name the account.
func (h *Drafts) resolve(ctx context.Context, a draftArgs) (int64, string, *slackmsg.Response, error) {
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
	msg := fmt.Sprintf("No account matches *%s*.", slackmsg.Clip(query, 100))
	if len(res.Candidates) > 0 {
		var names []string
		for _, c := range res.Candidates {
			names = append(names, "`"+slackmsg.Escape(c.Name)+"`")
		}
		msg += " Nearest names: " + strings.Join(names, ", ") + "."
	}
	r := slackmsg.Ephemeral(msg + " Try `/draft <account>` with another spelling, or `/account find <filters>`.")
	return 0, "", &r, nil
}

func draftPickList(query string, cands []match.Candidate) slackmsg.Response {
	return accountButtons(query, "Which one should I draft for?", ActionDraftPick, cands)
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
	// Override drafts to a competitor or vendor anyway (an admin asked explicitly).
	Override bool
}

// compose writes a draft: it picks the contact, the signal, the template, the pain point and a
// peer, renders, stores the draft, and lays it out with its buttons.
func (h *Drafts) compose(ctx context.Context, s draftSpec) (slackmsg.Response, error) {
	now := h.now()
	oc, err := h.store.OutreachContext(ctx, s.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return slackmsg.Ephemeral("That account was just removed. Try `/draft <account>` again."), nil
	}
	if err != nil {
		return slackmsg.Response{}, err
	}
	a := oc.Account
	if !a.Role.Sells() && !s.Override {
		return slackmsg.Ephemeral(fmt.Sprintf(":no_entry: No draft: *%s* is a %s — %s — not a prospect. See `/account %s` for how to answer them. (An admin can still draft with `override:yes`.)",
			slackmsg.Escape(a.Name), a.Role, slackmsg.Escape(roleMeaning(a.Role)), slackmsg.Escape(a.Name))), nil
	}
	contact, notes, refusal := pickContact(oc, s)
	if refusal != nil {
		return *refusal, nil
	}
	if touch, err := h.store.LastTouchOfContact(ctx, contact.ID); err != nil {
		return slackmsg.Response{}, err
	} else if touch != nil && now.Sub(touch.At) < RecentTouch {
		notes = append(notes, touchWarning(touch, now))
	}
	signals := rankSignals(oc.Signals, contact, now)
	var kinds []string
	for _, sg := range signals {
		if templates.IsOpening(sg.Kind) && !hasString(kinds, sg.Kind) {
			kinds = append(kinds, sg.Kind)
		}
	}
	entries, _, err := h.catalog.Entries(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	candidates, refusal := draftCandidates(entries, s, oc, contact, kinds)
	if refusal != nil {
		if len(notes) > 0 {
			// Say who was passed over as well as why no draft came of it.
			return slackmsg.Ephemeral(strings.Join(append(notes, refusal.Text), "\n")), nil
		}
		return *refusal, nil
	}
	if len(kinds) > 0 && len(candidates) > 0 && candidates[0].entry.Fallback() {
		notes = append(notes, fmt.Sprintf(":information_source: *Not warm:* %s's public signals (%s) have no template on a channel %s can be reached on (%s), so this draft says plainly that it isn't prompted by anything they did.",
			slackmsg.Escape(a.Name), signalKindsText(kinds), slackmsg.Escape(contact.Name), channelsText(reachableOn(contact))))
	}
	if len(kinds) == 0 {
		notes = append(notes, fmt.Sprintf(":information_source: *Not warm:* I found no public signal for %s (a talk, job post, GitHub issue, blog post, ADOPTERS.md entry, …), so this draft says plainly that it isn't prompted by anything they did.", slackmsg.Escape(a.Name)))
	}
	peers, err := h.store.PeerOutcomes(ctx)
	if err != nil {
		return slackmsg.Response{}, err
	}
	// Try the templates in order. One that can't be filled for this account is skipped with the
	// reason; one over its limit (even in its short variant) gives way to the next that fits,
	// and is shown whole, never cut, only when none does.
	var failures, overs []string
	var over *composedDraft
	for _, c := range candidates {
		in := draftInputsFor(oc, contact, c, signals, peers)
		d, err := c.entry.Render(ctx, in.data)
		var le *templates.LimitError
		switch {
		case errors.As(err, &le):
			if over == nil {
				over = &composedDraft{c, in, d}
			}
			overs = append(overs, fmt.Sprintf("`%s` (%s)", c.entry.Name, slackmsg.Escape(le.Error())))
			continue
		case err != nil:
			failures = append(failures, fmt.Sprintf("`%s` (%s)", c.entry.Name, slackmsg.Clip(err.Error(), 200)))
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
	return slackmsg.Ephemeral(fmt.Sprintf(":warning: No template could be filled for %s: %s. Fix the template with `/template edit <name>`, or pick another with `template:<name>`.",
		slackmsg.Escape(a.Name), strings.Join(failures, "; "))), nil
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
func (h *Drafts) finish(ctx context.Context, s draftSpec, oc *store.OutreachContext, contact store.Contact, cd composedDraft, notes []string, now time.Time) (slackmsg.Response, error) {
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
		return slackmsg.Response{}, err
	}
	return renderDraft(row, notes, modeInteractive, ""), nil
}
