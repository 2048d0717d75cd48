package handlers

import (
	"fmt"
	"sort"
	"strings"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// RenderCard lays out an account card. A prospect's card is about whom to talk to and why; a
// competitor's or vendor's card is about what it sells, who uses it and how to answer it, and
// never suggests reaching out to it.
func RenderCard(c *store.Card) slackmsg.Response {
	a := c.Account
	var b slackmsg.Builder
	b.Reserve(2)
	b.Header(a.Name)
	if !a.Role.Sells() {
		b.Section(roleLine(c))
	}
	if a.Role.Sells() || a.Stage != store.StageNone {
		b.Section(stageStory(a))
	}
	b.Fields(
		field("Role", string(orProspect(a.Role))),
		field("Industry", inferredValue(a, "industry", a.Industry)),
		field("Size", sizeOf(a)),
		field("Region", inferredValue(a, "region", placeText(a))),
		field("Domain", a.Domain),
		ownerField(a.OwnerUserID),
	)
	if s := inferredSection(a); s != "" {
		b.Section(s)
	}
	if vendors := managedBy(c); len(vendors) > 0 {
		b.Section("*Managed by:* " + slackmsg.Escape(strings.Join(vendors, ", ")) + " _(the report names them among its clients)_")
	}
	for _, p := range c.Products {
		productSections(&b, p, c.Alternatives)
	}
	if len(c.Facts) > 0 {
		b.Section("*Key figures*\n" + bullets(c.Facts, factLine))
	}
	if len(c.Pains) > 0 {
		b.Section("*Pain points*\n" + bullets(c.Pains, painLine))
	}
	if len(c.Contacts) > 0 {
		b.Section("*Contacts* (by decision power)\n" + bullets(c.Contacts, contactLine))
	}
	if len(c.Signals) > 0 {
		head := "*Latest signals*"
		if c.SignalCount > int64(len(c.Signals)) {
			head += fmt.Sprintf(" (%d of %d)", len(c.Signals), c.SignalCount)
		}
		if !a.Role.Sells() {
			head += " — competitive intelligence, not outreach prompts"
		}
		b.Section(head + "\n" + bullets(c.Signals, signalLine))
	}
	if inPlay := competitorsInPlay(c); len(inPlay) > 0 {
		b.Section("*Competitors in play:* " + slackmsg.Escape(strings.Join(inPlay, ", ")))
	}
	if a.Role.Sells() {
		b.Section("*Last touch:* " + lastTouchText(c.LastTouch))
	}
	b.Section("*Suggested next step:* " + NextStep(c))
	final := []slack.Block{slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
		"Sources: "+slackmsg.Escape(strings.Join(sourceNames(cardSources(c)), ", ")), false, false))}
	if act := cardActions(c); act != nil {
		final = append(final, act)
	}
	b.Final(final...)
	text := fmt.Sprintf("%s — Backstage %s", a.Name, store.StageLabel(a.Stage))
	if !a.Role.Sells() {
		text = fmt.Sprintf("%s — %s", a.Name, roleMeaning(a.Role))
	}
	return slackmsg.Response{Text: slackmsg.Escape(text), Blocks: b.Blocks()}
}

// roleLine says what a non-prospect is and that the bot will not pitch it.
func roleLine(c *store.Card) string {
	a := c.Account
	s := fmt.Sprintf(":no_entry: *%s* — %s", strings.ToUpper(string(a.Role[:1]))+string(a.Role[1:]), slackmsg.Escape(roleMeaning(a.Role)))
	var kinds []string
	for _, p := range c.Products {
		kinds = append(kinds, p.Name+" ("+kindLabel(p.Kind)+")")
	}
	if len(kinds) > 0 {
		s += ": " + slackmsg.Escape(strings.Join(kinds, ", "))
	}
	s += ". Not a prospect: no outreach drafts."
	switch a.RoleSource {
	case store.RoleFromUser:
		s += " _(role set by hand)_"
	case store.RoleFromCSV:
		s += " _(role from a CSV import)_"
	}
	return s
}

func roleMeaning(r store.Role) string {
	for _, x := range store.Roles {
		if x.Role == r {
			return x.Meaning
		}
	}
	return string(r)
}

func orProspect(r store.Role) store.Role {
	if r == "" {
		return store.RoleProspect
	}
	return r
}

// kindLabel words a competitor's kind.
func kindLabel(kind string) string {
	switch kind {
	case "commercial_portal":
		return "commercial developer portal"
	case "managed_backstage":
		return "managed Backstage"
	case "backstage_distribution":
		return "supported Backstage distribution"
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// stageStory is the Backstage line: the stage, where it came from and the words that show it.
func stageStory(a store.Account) string {
	s := "*Backstage:* " + slackmsg.Escape(store.StageLabel(a.Stage))
	switch {
	case a.StageSource != "" && a.StageEvidence != "":
		s += " — from " + slackmsg.Escape(sourceName(a.StageSource)) + ": “" + slackmsg.Escape(slackmsg.Truncate(a.StageEvidence, 600)) + "”"
	case a.StageSource != "":
		s += " — from " + slackmsg.Escape(sourceName(a.StageSource))
	case a.Stage == store.StageNone:
		s += " — neither the report nor ADOPTERS.md says they use it"
	}
	if a.AdoptionNotes != "" && a.AdoptionNotes != a.StageEvidence {
		s += "\n" + slackmsg.Escape(a.AdoptionNotes)
	}
	return s
}

// sourceName words a source key for people.
func sourceName(key string) string {
	switch key {
	case "report":
		return "the research report"
	case store.AdoptersSource:
		return "ADOPTERS.md"
	case store.RoleFromUser:
		return "set by hand"
	case store.RoleFromCSV:
		return "a CSV import"
	}
	return key
}

func sourceNames(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = sourceName(k)
	}
	return out
}

// inferredValue labels a value that was inferred rather than stated.
func inferredValue(a store.Account, field, v string) string {
	if v == "" {
		return ""
	}
	if _, ok := a.Inferred[field]; ok {
		return v + " (inferred)"
	}
	if field == "region" && a.Country != "" {
		if _, ok := a.Inferred["country"]; ok {
			return v + " (country inferred)"
		}
	}
	return v
}

// placeText is where an account is: HQ, country (unless the HQ names it) and region.
func placeText(a store.Account) string {
	country := a.Country
	if country != "" && strings.Contains(strings.ToLower(a.HQ), strings.ToLower(country)) {
		country = ""
	}
	return joinNonEmpty(", ", inferredValue(a, "hq", a.HQ), country, a.Region)
}

// sizeOf is the employee count when known, else the inferred engineering headcount, said as such.
func sizeOf(a store.Account) string {
	if a.Employees > 0 {
		return inferredValue(a, "employees", sizeText(a.Employees))
	}
	if a.Engineers > 0 {
		return fmt.Sprintf("engineering headcount %s+ (inferred)", slackmsg.Count(a.Engineers))
	}
	return ""
}

// inferredFields are the fields enrichment may fill, in the order the card explains them.
var inferredFields = []struct{ key, label string }{
	{"industry", "Industry"}, {"employees", "Employees"}, {"engineers", "Engineers"}, {"hq", "HQ"},
	{"country", "Country"}, {"region", "Region"},
}

// inferredSection explains every inferred value with its evidence.
func inferredSection(a store.Account) string {
	// Fields inferred from the same evidence share one line.
	var order []string
	labels := map[string][]string{}
	for _, f := range inferredFields {
		if ev, ok := a.Inferred[f.key]; ok {
			if labels[ev] == nil {
				order = append(order, ev)
			}
			labels[ev] = append(labels[ev], f.label)
		}
	}
	if len(order) == 0 {
		return ""
	}
	lines := make([]string, len(order))
	for i, ev := range order {
		lines[i] = "• " + strings.Join(labels[ev], ", ") + " — " + slackmsg.Escape(ev)
	}
	return "*Inferred from the public record* (not from the report)\n" + strings.Join(lines, "\n")
}

// managedBy names the managed-Backstage vendors an account is a client of.
func managedBy(c *store.Card) []string {
	var out []string
	for _, comp := range c.Competitors {
		if comp.Kind == "managed_backstage" {
			out = append(out, comp.Name)
		}
	}
	return out
}

// competitorsInPlay names the commercial portals linked to an account (managed vendors are said
// by managedBy).
func competitorsInPlay(c *store.Card) []string {
	var out []string
	for _, comp := range c.Competitors {
		if comp.Kind != "managed_backstage" {
			out = append(out, comp.Name)
		}
	}
	return out
}

// productSections show what a competing product is, what its source (the report, or the public
// statement it was seeded from) says of it, who uses it and
// the talking points that answer it.
func productSections(b *slackmsg.Builder, p store.CompetitorWithFacts, alt store.Alternatives) {
	b.Section(fmt.Sprintf("*%s* (%s) — %s", slackmsg.Escape(p.Name), slackmsg.Escape(kindLabel(p.Kind)), slackmsg.Escape(p.Summary)))
	if len(p.Facts) > 0 {
		who := "the report"
		if p.Source != "report" {
			who = sourceName(p.Source)
		}
		b.Section("*What " + slackmsg.Escape(who) + " says of " + slackmsg.Escape(p.Name) + "*\n" + bullets(p.Facts, factLine))
	}
	who := "*Accounts known to use or evaluate it*"
	if p.Kind == "managed_backstage" {
		who = "*Known clients*"
	}
	if len(p.Accounts) > 0 {
		names := append([]string(nil), p.Accounts...)
		sort.Strings(names)
		b.Section(who + fmt.Sprintf(" (%d)\n", len(names)) + bullets(names, func(n string) string { return slackmsg.Escape(n) }))
	} else {
		b.Section(who + ": none recorded yet.")
	}
	if p.Kind == "commercial_portal" && len(alt.Facts) > 0 {
		b.Section("*Positioning against it* (what the report says of all commercial alternatives)\n" + bullets(alt.Facts, factLine))
	}
	talk := append([]store.Fact(nil), p.TalkingPoints...)
	if p.Kind == "commercial_portal" {
		talk = append(talk, alt.TalkingPoints...)
	}
	if len(talk) > 0 {
		b.Section("*Talking points that answer it*\n" + bullets(talk, func(f store.Fact) string { return slackmsg.Escape(f.Text) }))
	}
}

func painLine(p store.CardPain) string {
	s := "*" + slackmsg.Escape(p.Title) + "*"
	if p.Evidence != "" {
		s += " — “" + slackmsg.Escape(p.Evidence) + "”"
	}
	if p.Source != "" {
		s += " _(" + slackmsg.Escape(sourceName(p.Source)) + ")_"
	}
	return s
}

// NextStep suggests what to do about an account, from its role, stage, contacts and signals.
func NextStep(c *store.Card) string {
	a := c.Account
	switch a.Role {
	case store.RoleCompetitor:
		return fmt.Sprintf("%s is a competitor, not a prospect: don't reach out. When it comes up in a deal, use the positioning and talking points above.", slackmsg.Escape(a.Name))
	case store.RoleVendor:
		var clients []string
		for _, p := range c.Products {
			clients = append(clients, p.Accounts...)
		}
		s := fmt.Sprintf("%s sells or hosts Backstage: don't pitch them.", slackmsg.Escape(a.Name))
		if len(clients) > 0 {
			sort.Strings(clients)
			s += fmt.Sprintf(" Their clients are the conversations, e.g. `/account %s`.", slackmsg.Escape(clients[0]))
		}
		return s
	}
	who, contact := bestContact(c)
	if who == "" {
		return "Find the Head of Platform Engineering or VP Engineering first — conference speaker lists, the engineering blog and platform job posts name them."
	}
	hook := signalHook(c, contact)
	var angle string
	switch a.Stage {
	case store.StageProduction:
		angle = "ask how adoption beyond the first teams is going (the report puts the external average at 10%)"
	case store.StageEvaluating, store.StageInitial:
		angle = "compare a 30–45 day roll-out with the usual 6–12 months and 4–7 engineers before they commit"
	case store.StageAdopted:
		angle = "ask where their Backstage roll-out stands and what it costs them to run"
	case store.StageManaged:
		angle = "they already pay to avoid running Backstage; compare total cost and adoption with a portal built for that"
	case store.StageChurned:
		angle = "learn what made them leave Backstage and what they still miss"
	default:
		angle = "open a peer conversation about their platform engineering plans before they pick a portal"
	}
	try := fmt.Sprintf(" Try `/draft %s`.", slackmsg.Escape(a.Name))
	if hook != "" {
		return fmt.Sprintf("Reach out to %s, referencing %s, and %s.", who, hook, angle) + try
	}
	return fmt.Sprintf("Reach out to %s and %s.", who, angle) + try
}

// bestContact is the highest-ranked contact who may be contacted, as the next step names them.
func bestContact(c *store.Card) (string, store.Contact) {
	for _, ct := range c.Contacts {
		if !ct.DoNotContact {
			who := "*" + slackmsg.Escape(ct.Name) + "*"
			if ct.Title != "" {
				who += " (" + slackmsg.Escape(ct.Title) + ")"
			}
			return who, ct
		}
	}
	return "", store.Contact{}
}

// signalHook is the public work a next step may reference: the contact's own talk, post or
// issue ("their …") when a signal names them, else the company's own talk or post ("the
// company's …"). A note someone typed when saving a signal is never quoted as anyone's words,
// and a speaker profile is not a talk.
func signalHook(c *store.Card, ct store.Contact) string {
	for _, sg := range c.Signals {
		switch sg.Kind {
		case "conference_talk", "blog_post", "github_issue", "github_pr":
			if sg.Person != "" && strings.EqualFold(sg.Person, ct.Name) {
				return fmt.Sprintf("their %s “%s”", strings.ReplaceAll(sg.Kind, "_", " "), slackmsg.Escape(sg.Title))
			}
		}
	}
	for _, sg := range c.Signals {
		// What the company itself published; an issue or PR without a named author is nobody's words.
		if sg.Person == "" && (sg.Kind == "conference_talk" || sg.Kind == "blog_post" || sg.Kind == "job_posting") {
			return fmt.Sprintf("%s's %s “%s”", slackmsg.Escape(c.Account.Name), strings.ReplaceAll(sg.Kind, "_", " "), slackmsg.Escape(sg.Title))
		}
	}
	return ""
}
