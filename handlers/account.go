package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"outreachbot/match"
	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/seed"
	"outreachbot/templates"
)

// AccountStore is what the account command reads and writes.
type AccountStore interface {
	AccountCard(ctx context.Context, id int64) (*store.Card, error)
	AccountsMatching(ctx context.Context, f store.AccountFilter) ([]store.Account, int64, error)
	PainKeysOf(ctx context.Context, ids []int64) (map[int64][]string, error)
	PainCatalogue(ctx context.Context) ([]store.PainSummary, error)
	SetAccountOwner(ctx context.Context, id int64, userID string) error
	SetAccountRole(ctx context.Context, id int64, role store.Role, source string) error
}

// AccountIndex resolves what a person typed to an account id, from memory.
type AccountIndex interface {
	Resolve(query string) match.Result
}

// Segment is the report's target segment (seed.Segments), used to rank accounts by fit.
type Segment = seed.Segments

// Accounts answers /account.
type Accounts struct {
	store   AccountStore
	index   AccountIndex
	segment Segment
}

// NewAccounts builds the /account handler.
func NewAccounts(st AccountStore, ix AccountIndex, seg Segment) *Accounts {
	return &Accounts{store: st, index: ix, segment: seg}
}

// Action ids the account card and pick-list use.
const (
	ActionAccountPick = "account.pick"
)

// Command declares /account.
func (h *Accounts) Command() Command { return declared("/account", h.Handle) }

// Actions returns the interactions this handler owns.
func (h *Accounts) Actions() map[string]ActionFunc {
	return map[string]ActionFunc{ActionAccountPick: h.pick}
}

// Handle answers /account.
func (h *Accounts) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	first, rest := splitFirst(req.Text)
	switch {
	case req.Text == "":
		return slackmsg.Ephemeral("Which account? Type `/account <name>`, e.g. `/account expedia`, or `/account find <filters>`."), nil
	case strings.EqualFold(first, "find"):
		return h.find(ctx, rest)
	}
	if name, user, ok := parseOwner(req.Text); ok {
		return h.setOwner(ctx, name, user)
	}
	if name, role, ok := parseRole(req.Text); ok {
		return h.setRole(ctx, req, name, role)
	}
	return h.lookup(ctx, req.Text)
}

// lookup answers with the card of the account query names, a pick-list, or why nothing
// matches; it changes nothing (ReadOnly).
func (h *Accounts) lookup(ctx context.Context, query string) (slackmsg.Response, error) {
	var r slackmsg.Response
	var err error
	switch res := h.index.Resolve(query); res.Outcome {
	case match.Unique:
		r, err = h.card(ctx, res.Best.ID)
	case match.Ambiguous:
		r = pickList(query, res.Candidates)
	default:
		r = noMatch(query, res.Candidates)
	}
	r.ReadOnly = true
	return r, err
}

func (h *Accounts) card(ctx context.Context, id int64) (slackmsg.Response, error) {
	return cardOf(ctx, h.store, id)
}

// cardReader reads an account card.
type cardReader interface {
	AccountCard(ctx context.Context, id int64) (*store.Card, error)
}

// cardOf is the card of an account id, or a short note when the account was just removed.
func cardOf(ctx context.Context, st cardReader, id int64) (slackmsg.Response, error) {
	c, err := st.AccountCard(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return slackmsg.Ephemeral("That account was just removed. Try `/account <name>` again."), nil
	}
	if err != nil {
		return slackmsg.Response{}, err
	}
	return RenderCard(c), nil
}

func (h *Accounts) pick(ctx context.Context, a Action) (slackmsg.Response, error) {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil {
		return slackmsg.Ephemeral("That choice is no longer valid; run `/account <name>` again."), nil
	}
	r, err := h.card(ctx, id)
	r.ReplaceOriginal, r.ReadOnly = true, true
	return r, err
}

func pickList(query string, cands []match.Candidate) slackmsg.Response {
	return accountButtons(query, "Which one do you mean?", ActionAccountPick, cands)
}

// accountButtons asks which of several matching accounts the user means, one button each; the
// button's value is the account id and its action id routes the choice.
func accountButtons(query, question, actionID string, cands []match.Candidate) slackmsg.Response {
	var b slackmsg.Builder
	b.Section(fmt.Sprintf("Several accounts match *%s*. %s", slackmsg.Escape(query), question))
	var btns []*slack.ButtonBlockElement
	var names []string
	for _, c := range cands {
		btns = append(btns, slackmsg.Button(actionID, c.Name, strconv.FormatInt(c.ID, 10), ""))
		names = append(names, c.Name)
	}
	b.Actions(strings.ReplaceAll(actionID, ".", "_"), btns...)
	return slackmsg.Response{Text: "Several accounts match: " + slackmsg.Escape(strings.Join(names, ", ")), Blocks: b.Blocks()}
}

func noMatch(query string, suggestions []match.Candidate) slackmsg.Response {
	msg := fmt.Sprintf("No account matches *%s*.", slackmsg.Clip(query, 100))
	if len(suggestions) > 0 {
		var names []string
		for _, s := range suggestions {
			names = append(names, "`"+slackmsg.Escape(s.Name)+"`")
		}
		msg += " Nearest names: " + strings.Join(names, ", ") + "."
	}
	msg += " Try `/account <name>` with another spelling, or `/account find <filters>`."
	return slackmsg.Ephemeral(msg)
}

// ownerMention is "@U123" (a Slack mention as the bot receives it).
func parseOwner(text string) (name, user string, ok bool) {
	fields := strings.Fields(text)
	if len(fields) < 3 || !strings.EqualFold(fields[len(fields)-2], "owner") {
		return "", "", false
	}
	user = fields[len(fields)-1]
	return strings.Join(fields[:len(fields)-2], " "), user, true
}

func (h *Accounts) setOwner(ctx context.Context, name, user string) (slackmsg.Response, error) {
	if !isUserRef(user) {
		return slackmsg.Ephemeral(fmt.Sprintf("`%s` is not a Slack user. Type `/account <name> owner @someone`, picking the person from Slack's list.", slackmsg.Escape(user))), nil
	}
	best, other := h.resolveOne(name)
	if other != nil {
		return *other, nil
	}
	id := strings.TrimPrefix(user, "@")
	card, err := h.store.AccountCard(ctx, best.ID)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if err := h.store.SetAccountOwner(ctx, best.ID, id); err != nil {
		return slackmsg.Response{}, err
	}
	resp := slackmsg.Ephemeral(fmt.Sprintf("%s now owns *%s*.", slackmsg.User(id), slackmsg.Escape(best.Name)))
	// The account leaves one Home and joins another.
	resp.Homes = []string{id}
	if was := card.Account.OwnerUserID; was != "" && was != id {
		resp.Homes = append(resp.Homes, was)
	}
	return resp, nil
}

// resolveOne finds the one account a name means, or the answer to give instead (a pick-list,
// or the nearest names).
func (h *Accounts) resolveOne(name string) (match.Candidate, *slackmsg.Response) {
	res := h.index.Resolve(name)
	switch res.Outcome {
	case match.Ambiguous:
		r := pickList(name, res.Candidates)
		return match.Candidate{}, &r
	case match.None:
		r := noMatch(name, res.Candidates)
		return match.Candidate{}, &r
	}
	return res.Best, nil
}

// parseRole reads "<name> role <role>".
func parseRole(text string) (name, role string, ok bool) {
	fields := strings.Fields(text)
	if len(fields) < 3 || !strings.EqualFold(fields[len(fields)-2], "role") {
		return "", "", false
	}
	return strings.Join(fields[:len(fields)-2], " "), fields[len(fields)-1], true
}

// setRole records what an organization is to the team. Roles decide whether the bot drafts to
// an organization at all, so only admins change them.
func (h *Accounts) setRole(ctx context.Context, req Request, name, value string) (slackmsg.Response, error) {
	role, ok := store.ParseRole(value)
	if !ok {
		var names []string
		for _, r := range store.Roles {
			names = append(names, "`"+string(r.Role)+"`")
		}
		return slackmsg.Ephemeral(fmt.Sprintf("`%s` is not a role. Use one of %s, e.g. `/account port role competitor`.", slackmsg.Escape(slackmsg.Truncate(value, 40)), strings.Join(names, ", "))), nil
	}
	if !req.Admin {
		return slackmsg.Ephemeral("Only an admin can change an organization's role (it decides whether the bot drafts to them). Ask one of the admins."), nil
	}
	best, other := h.resolveOne(name)
	if other != nil {
		return *other, nil
	}
	if err := h.store.SetAccountRole(ctx, best.ID, role, store.RoleFromUser); err != nil {
		return slackmsg.Response{}, err
	}
	return slackmsg.Ephemeral(fmt.Sprintf("*%s* is now a %s (%s).", slackmsg.Escape(best.Name), role, slackmsg.Escape(roleMeaning(role)))), nil
}

func isUserRef(s string) bool {
	if !strings.HasPrefix(s, "@") || len(s) < 3 {
		return false
	}
	for _, r := range s[1:] {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s[1] == 'U' || s[1] == 'W'
}

// cardActions are the card's buttons: draft outreach, and record a reply to the last touch.
func cardActions(c *store.Card) slack.Block {
	var btns []slack.BlockElement
	if c.Account.Role.Sells() {
		btns = append(btns, slackmsg.Button(ActionDraftAccount, "Draft outreach", strconv.FormatInt(c.Account.ID, 10), slack.StylePrimary))
	}
	if t := c.LastTouch; t != nil && t.Status == store.DraftSent {
		btns = append(btns, slackmsg.Button(ActionDraftCardReplied, "Mark replied", strconv.FormatInt(t.DraftID, 10), ""))
	}
	if len(btns) == 0 {
		return nil
	}
	return slack.NewActionBlock("account_actions", btns...)
}

// lastTouchText says when someone at the account was last written to, and how.
func lastTouchText(t *store.Touch) string {
	if t == nil {
		return "none recorded yet"
	}
	s := fmt.Sprintf("%s — %s to *%s*", slackmsg.Date(t.At), templates.Channel(t.Channel).Label(), slackmsg.Escape(t.ContactName))
	if t.By != "" {
		s += " by " + slackmsg.User(t.By)
	}
	s += fmt.Sprintf(" (template `%s`)", slackmsg.Escape(t.Template))
	if t.Status == store.DraftReplied {
		s += ", and they replied"
	}
	return s
}

func contactLine(ct store.Contact) string {
	s := "*" + slackmsg.Escape(ct.Name) + "*"
	if ct.Title != "" {
		s += ", " + slackmsg.Escape(ct.Title)
	}
	if len(ct.SpokeAt) > 0 {
		s += " · spoke at " + slackmsg.Escape(strings.Join(ct.SpokeAt, ", "))
	}
	if len(ct.Handles) > 0 {
		s += " · " + slackmsg.Escape(strings.Join(ct.Handles, ", "))
	}
	if ct.DoNotContact {
		s += " · :no_entry: do not contact"
		if ct.DNCReason != "" {
			s += " (" + slackmsg.Escape(ct.DNCReason) + ")"
		}
	}
	return s
}

func signalLine(sg store.Signal) string {
	s := ""
	if sg.OccurredAt != nil {
		s += slackmsg.Date(*sg.OccurredAt) + " · "
	}
	s += strings.ReplaceAll(sg.Kind, "_", " ") + " · " + slackmsg.Link(sg.URL, sg.Title)
	if sg.Person != "" {
		s += " (" + slackmsg.Escape(sg.Person) + ")"
	}
	return s
}

func cardSources(c *store.Card) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(c.Account.Source)
	for _, f := range c.Facts {
		add(f.Source)
	}
	for _, p := range c.Pains {
		add(p.Source)
	}
	for _, ct := range c.Contacts {
		add(ct.Source)
	}
	for _, s := range c.Signals {
		add(s.Source)
	}
	add(c.Account.StageSource)
	for _, p := range c.Products {
		add(p.Source)
	}
	return out
}

func field(label, value string) string {
	if value == "" {
		return ""
	}
	return "*" + label + "*\n" + slackmsg.Escape(value)
}

func ownerField(user string) string {
	if user == "" {
		return ""
	}
	return "*Owner*\n" + slackmsg.User(user)
}

func sizeText(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("%s employees", slackmsg.Count(n))
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func bullets[T any](items []T, line func(T) string) string {
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = "• " + line(it)
	}
	return strings.Join(lines, "\n")
}
