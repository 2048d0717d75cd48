package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"outreachbot/match"
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
func (h *Accounts) Command() Command {
	return Command{
		Name:        "/account",
		Description: "Show what we know about an account, or find accounts in a segment.",
		UsageHint:   "<name> | find industry:… size:100-1000 region:… stage:… pain:… | help",
		Forms: []Subcommand{
			{"/account <name>", "the account card: Backstage story, figures, pain points, contacts, signals, next step"},
			{"/account find <filters>", `accounts ranked by fit; filters: industry:"financial services" size:100-1000 region:london stage:evaluating pain:yaml`},
			{"/account <name> owner @someone", "make someone the account's owner"},
			{"/account help", "this help"},
		},
		Examples: []string{"/account expedia", "/account h&m", `/account find industry:"financial services" size:100-1000 pain:yaml`},
		Handle:   h.Handle,
	}
}

// Actions returns the interactions this handler owns.
func (h *Accounts) Actions() map[string]ActionFunc {
	return map[string]ActionFunc{ActionAccountPick: h.pick}
}

// Handle answers /account.
func (h *Accounts) Handle(ctx context.Context, req Request) (Response, error) {
	first, rest := splitFirst(req.Text)
	switch {
	case req.Text == "":
		return Ephemeral("Which account? Type `/account <name>`, e.g. `/account expedia`, or `/account find <filters>`."), nil
	case strings.EqualFold(first, "find"):
		return h.find(ctx, rest)
	}
	if name, user, ok := parseOwner(req.Text); ok {
		return h.setOwner(ctx, name, user)
	}
	return h.lookup(ctx, req.Text)
}

func (h *Accounts) lookup(ctx context.Context, query string) (Response, error) {
	res := h.index.Resolve(query)
	switch res.Outcome {
	case match.Unique:
		return h.card(ctx, res.Best.ID)
	case match.Ambiguous:
		return pickList(query, res.Candidates), nil
	default:
		return noMatch(query, res.Candidates), nil
	}
}

func (h *Accounts) card(ctx context.Context, id int64) (Response, error) {
	c, err := h.store.AccountCard(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Ephemeral("That account was just removed. Try `/account <name>` again."), nil
	}
	if err != nil {
		return Response{}, err
	}
	return RenderCard(c), nil
}

func (h *Accounts) pick(ctx context.Context, a Action) (Response, error) {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil {
		return Ephemeral("That choice is no longer valid; run `/account <name>` again."), nil
	}
	r, err := h.card(ctx, id)
	r.ReplaceOriginal = true
	return r, err
}

func pickList(query string, cands []match.Candidate) Response {
	return accountButtons(query, "Which one do you mean?", ActionAccountPick, cands)
}

// accountButtons asks which of several matching accounts the user means, one button each; the
// button's value is the account id and its action id routes the choice.
func accountButtons(query, question, actionID string, cands []match.Candidate) Response {
	var b Builder
	b.Section(fmt.Sprintf("Several accounts match *%s*. %s", Escape(query), question))
	var btns []*slack.ButtonBlockElement
	var names []string
	for _, c := range cands {
		btns = append(btns, Button(actionID, c.Name, strconv.FormatInt(c.ID, 10), ""))
		names = append(names, c.Name)
	}
	b.Actions(strings.ReplaceAll(actionID, ".", "_"), btns...)
	return Response{Text: "Several accounts match: " + Escape(strings.Join(names, ", ")), Blocks: b.Blocks()}
}

func noMatch(query string, suggestions []match.Candidate) Response {
	msg := fmt.Sprintf("No account matches *%s*.", Clip(query, 100))
	if len(suggestions) > 0 {
		var names []string
		for _, s := range suggestions {
			names = append(names, "`"+Escape(s.Name)+"`")
		}
		msg += " Nearest names: " + strings.Join(names, ", ") + "."
	}
	msg += " Try `/account <name>` with another spelling, or `/account find <filters>`."
	return Ephemeral(msg)
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

func (h *Accounts) setOwner(ctx context.Context, name, user string) (Response, error) {
	if !isUserRef(user) {
		return Ephemeral(fmt.Sprintf("`%s` is not a Slack user. Type `/account <name> owner @someone`, picking the person from Slack's list.", Escape(user))), nil
	}
	res := h.index.Resolve(name)
	switch res.Outcome {
	case match.Ambiguous:
		return pickList(name, res.Candidates), nil
	case match.None:
		return noMatch(name, res.Candidates), nil
	}
	id := strings.TrimPrefix(user, "@")
	if err := h.store.SetAccountOwner(ctx, res.Best.ID, id); err != nil {
		return Response{}, err
	}
	return Ephemeral(fmt.Sprintf("%s now owns *%s*.", User(id), Escape(res.Best.Name))), nil
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

// RenderCard lays out an account card.
func RenderCard(c *store.Card) Response {
	a := c.Account
	var b Builder
	b.Reserve(2)
	b.Header(a.Name)
	story := "*Backstage:* " + Escape(store.StageLabel(a.Stage))
	if a.AdoptionNotes != "" {
		story += " — " + Escape(a.AdoptionNotes)
	}
	b.Section(story)
	b.Fields(
		field("Industry", a.Industry),
		field("Size", sizeText(a.Employees)),
		field("Region", joinNonEmpty(", ", a.HQ, a.Region)),
		field("Domain", a.Domain),
		ownerField(a.OwnerUserID),
	)
	if len(c.Facts) > 0 {
		b.Section("*Key figures*\n" + bullets(c.Facts, factLine))
	}
	if len(c.Pains) > 0 {
		b.Section("*Pain points*\n" + bullets(c.Pains, func(p store.CardPain) string {
			s := "*" + Escape(p.Title) + "*"
			if p.Evidence != "" {
				s += " — " + Escape(p.Evidence)
			}
			return s
		}))
	}
	if len(c.Contacts) > 0 {
		b.Section("*Contacts* (by decision power)\n" + bullets(c.Contacts, contactLine))
	}
	if len(c.Signals) > 0 {
		head := "*Latest signals*"
		if c.SignalCount > int64(len(c.Signals)) {
			head += fmt.Sprintf(" (%d of %d)", len(c.Signals), c.SignalCount)
		}
		b.Section(head + "\n" + bullets(c.Signals, signalLine))
	}
	if len(c.Competitors) > 0 {
		var names []string
		for _, comp := range c.Competitors {
			names = append(names, Escape(comp.Name))
		}
		b.Section("*Competitors in play:* " + strings.Join(names, ", "))
	}
	b.Section("*Last touch:* " + lastTouchText(c.LastTouch))
	b.Section("*Suggested next step:* " + NextStep(c))
	b.Final(slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
		"Sources: "+Escape(strings.Join(cardSources(c), ", ")), false, false)),
		cardActions(c))
	return Response{
		Text:   Escape(fmt.Sprintf("%s — Backstage %s", a.Name, store.StageLabel(a.Stage))),
		Blocks: b.Blocks(),
	}
}

// cardActions are the card's buttons: draft outreach, and record a reply to the last touch.
func cardActions(c *store.Card) slack.Block {
	btns := []slack.BlockElement{Button(ActionDraftAccount, "Draft outreach", strconv.FormatInt(c.Account.ID, 10), slack.StylePrimary)}
	if t := c.LastTouch; t != nil && t.Status == store.DraftSent {
		btns = append(btns, Button(ActionDraftCardReplied, "Mark replied", strconv.FormatInt(t.DraftID, 10), ""))
	}
	return slack.NewActionBlock("account_actions", btns...)
}

// lastTouchText says when someone at the account was last written to, and how.
func lastTouchText(t *store.Touch) string {
	if t == nil {
		return "none recorded yet"
	}
	s := fmt.Sprintf("%s — %s to *%s*", FormatDate(t.At), templates.Channel(t.Channel).Label(), Escape(t.ContactName))
	if t.By != "" {
		s += " by " + User(t.By)
	}
	s += fmt.Sprintf(" (template `%s`)", Escape(t.Template))
	if t.Status == store.DraftReplied {
		s += ", and they replied"
	}
	return s
}

func contactLine(ct store.Contact) string {
	s := "*" + Escape(ct.Name) + "*"
	if ct.Title != "" {
		s += ", " + Escape(ct.Title)
	}
	if len(ct.SpokeAt) > 0 {
		s += " · spoke at " + Escape(strings.Join(ct.SpokeAt, ", "))
	}
	if len(ct.Handles) > 0 {
		s += " · " + Escape(strings.Join(ct.Handles, ", "))
	}
	if ct.DoNotContact {
		s += " · :no_entry: do not contact"
		if ct.DNCReason != "" {
			s += " (" + Escape(ct.DNCReason) + ")"
		}
	}
	return s
}

func signalLine(sg store.Signal) string {
	s := ""
	if sg.OccurredAt != nil {
		s += FormatDate(*sg.OccurredAt) + " · "
	}
	s += strings.ReplaceAll(sg.Kind, "_", " ") + " · " + Link(sg.URL, sg.Title)
	if sg.Person != "" {
		s += " (" + Escape(sg.Person) + ")"
	}
	return s
}

// NextStep suggests what to do about an account, from its stage, contacts and signals.
func NextStep(c *store.Card) string {
	var who string
	for _, ct := range c.Contacts {
		if !ct.DoNotContact {
			who = "*" + Escape(ct.Name) + "*"
			if ct.Title != "" {
				who += " (" + Escape(ct.Title) + ")"
			}
			break
		}
	}
	var hook string
	for _, sg := range c.Signals {
		if sg.Kind == "conference_talk" || sg.Kind == "blog_post" || sg.Kind == "github_issue" || sg.Kind == "job_posting" {
			hook = fmt.Sprintf("their %s “%s”", strings.ReplaceAll(sg.Kind, "_", " "), Escape(sg.Title))
			break
		}
	}
	if who == "" {
		return "Find the Head of Platform Engineering or VP Engineering first — conference speaker lists, the engineering blog and platform job posts name them."
	}
	var angle string
	switch c.Account.Stage {
	case store.StageProduction:
		angle = "ask how adoption beyond the first teams is going (the external average is 10% against Spotify's 99%)"
	case store.StageEvaluating, store.StageInitial:
		angle = "compare a 30–45 day roll-out with the usual 6–12 months and 4–7 engineers before they commit"
	case store.StageManaged:
		angle = "they already pay to avoid running Backstage; compare total cost and adoption with a portal built for that"
	case store.StageChurned:
		angle = "learn what made them leave Backstage and what they still miss"
	default:
		angle = "open a peer conversation about their platform engineering plans before they pick a portal"
	}
	try := fmt.Sprintf(" Try `/draft %s`.", Escape(c.Account.Name))
	if hook != "" {
		return fmt.Sprintf("Reach out to %s, referencing %s, and %s.", who, hook, angle) + try
	}
	return fmt.Sprintf("Reach out to %s and %s.", who, angle) + try
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
	return out
}

func field(label, value string) string {
	if value == "" {
		return ""
	}
	return "*" + label + "*\n" + Escape(value)
}

func ownerField(user string) string {
	if user == "" {
		return ""
	}
	return "*Owner*\n" + User(user)
}

func sizeText(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("%s employees", groupDigits(n))
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
