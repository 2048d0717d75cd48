// Planning a draft, without I/O: which contact to write to, which signals are strongest,
// which templates to try in what order, and the data (signal, pain point, peer, size) a template
// is filled with. Every function here is pure, so each choice can be tested on its own.

package handlers

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/seed"
	"outreachbot/templates"
)

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

// candidate is a template to try, with the signal kind it refers to.
type candidate struct {
	entry CatalogEntry
	kind  string
}

// draftCandidates orders the templates to try: the one asked for, or every fitting one best first
// (rotated to start after s.After when cycling).
func draftCandidates(entries []CatalogEntry, s draftSpec, oc *store.OutreachContext, contact store.Contact, kinds []string) ([]candidate, *slackmsg.Response) {
	a := oc.Account
	reach := reachableOn(contact)
	if s.Channel != "" && !slices.Contains(reach, s.Channel) {
		r := slackmsg.Ephemeral(unreachable(contact, s.Channel, reach) + " Try another `channel:`, or add their details to the contact.")
		return nil, &r
	}
	if s.Template != "" {
		cands, refusal := explicitTemplate(entries, s, a, kinds)
		if refusal == nil && !slices.Contains(reach, cands[0].entry.Channel) {
			r := slackmsg.Ephemeral(fmt.Sprintf("`%s` is a template for %s: %s", cands[0].entry.Name, cands[0].entry.Channel.Label(), unreachable(contact, cands[0].entry.Channel, reach)))
			return nil, &r
		}
		return cands, refusal
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
	situation := templates.Situation{SignalKinds: kinds, Stage: string(a.Stage),
		Role: templates.RoleOfRank(contact.DecisionRank), Pains: observed, Channel: s.Channel}
	ranked := reachableOnly(templates.Rank(ts, situation), reach)
	if len(ranked) == 0 && len(kinds) > 0 {
		// No warm template writes on a channel the contact can be reached on: an honest cold
		// message there beats a warm one they cannot receive.
		situation.SignalKinds = nil
		ranked = reachableOnly(templates.Rank(ts, situation), reach)
	}
	if len(ranked) == 0 && len(reach) == 0 {
		r := slackmsg.Ephemeral(fmt.Sprintf("I can't draft to *%s* at %s: I have no e-mail, handle or full name on record to reach them by. Add their details first.", slackmsg.Escape(contact.Name), slackmsg.Escape(a.Name)))
		return nil, &r
	}
	if len(ranked) == 0 {
		why := fmt.Sprintf("no template fits its signals and stage on a channel *%s* can be reached on (%s)", slackmsg.Escape(contact.Name), channelsText(reach))
		if s.Channel != "" {
			why = fmt.Sprintf("no template for %s fits its signals and stage", s.Channel.Label())
		}
		r := slackmsg.Ephemeral(fmt.Sprintf("I can't draft for %s: %s. Try without `channel:`, or pick one with `template:<name>` (`/template list`).", slackmsg.Escape(a.Name), why))
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

func explicitTemplate(entries []CatalogEntry, s draftSpec, a store.Account, kinds []string) ([]candidate, *slackmsg.Response) {
	var e *CatalogEntry
	var names []string
	for i := range entries {
		names = append(names, "`"+entries[i].Name+"`")
		if strings.EqualFold(entries[i].Name, s.Template) {
			e = &entries[i]
		}
	}
	refuse := func(msg string) ([]candidate, *slackmsg.Response) {
		r := slackmsg.Ephemeral(msg)
		return nil, &r
	}
	switch {
	case e == nil:
		return refuse(fmt.Sprintf("There is no template called `%s`. The templates are %s.", slackmsg.Clip(s.Template, 60), strings.Join(names, ", ")))
	case s.Channel != "" && e.Channel != s.Channel:
		return refuse(fmt.Sprintf("`%s` writes a %s, not a %s.", e.Name, e.Channel.Label(), s.Channel.Label()))
	case e.Fallback() && len(kinds) > 0:
		return refuse(fmt.Sprintf("`%s` says we know nothing public about them, but %s has public signals (%s). Pick a warm template, or just `/draft %s`.",
			e.Name, slackmsg.Escape(a.Name), signalKindsText(kinds), slackmsg.Escape(a.Name)))
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
		e.Name, strings.Join(want, " or "), slackmsg.Escape(a.Name), have, slackmsg.Escape(a.Name)))
}

func signalKindsText(kinds []string) string {
	var out []string
	for _, k := range kinds {
		out = append(out, templates.KindLabel(k))
	}
	return strings.Join(out, ", ")
}

// reachableOnly keeps the templates whose channel reaches the contact.
func reachableOnly(ranked []templates.Ranked, reach []templates.Channel) []templates.Ranked {
	out := ranked[:0:0]
	for _, r := range ranked {
		if slices.Contains(reach, r.Template.Channel) {
			out = append(out, r)
		}
	}
	return out
}

// pickContact chooses who to write to: the one asked for, or the contact with the most decision
// power who may be contacted. A do-not-contact person is refused with the reason.
func pickContact(oc *store.OutreachContext, s draftSpec) (store.Contact, []string, *slackmsg.Response) {
	a := oc.Account
	refuse := func(msg string) (store.Contact, []string, *slackmsg.Response) {
		r := slackmsg.Ephemeral(msg)
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
			return refuse(fmt.Sprintf("That contact is no longer listed at %s. Run `/draft %s` again.", slackmsg.Escape(a.Name), slackmsg.Escape(a.Name)))
		}
	case s.ContactQuery != "":
		ms := matchContacts(oc.Contacts, s.ContactQuery)
		switch len(ms) {
		case 0:
			return refuse(fmt.Sprintf("No contact at %s matches *%s*. %s", slackmsg.Escape(a.Name), slackmsg.Clip(s.ContactQuery, 60), knownContacts(oc)))
		case 1:
			chosen = &ms[0]
		default:
			var names []string
			for _, c := range ms {
				names = append(names, "*"+slackmsg.Escape(c.Name)+"*")
			}
			return refuse(fmt.Sprintf("Several contacts at %s match *%s*: %s. Type more of the name.", slackmsg.Escape(a.Name), slackmsg.Escape(s.ContactQuery), strings.Join(names, ", ")))
		}
	}
	if chosen != nil {
		if chosen.DoNotContact {
			return refuse(fmt.Sprintf(":no_entry: *%s* at %s is marked *do not contact*: %s. I won't draft to them.",
				slackmsg.Escape(chosen.Name), slackmsg.Escape(a.Name), slackmsg.Escape(dncReason(*chosen))))
		}
		return *chosen, nil, nil
	}
	var skipped []string
	for i := range oc.Contacts {
		c := oc.Contacts[i]
		if c.DoNotContact {
			skipped = append(skipped, fmt.Sprintf("*%s* (do not contact: %s)", slackmsg.Escape(c.Name), slackmsg.Escape(dncReason(c))))
			continue
		}
		var notes []string
		if len(skipped) > 0 {
			notes = append(notes, ":information_source: Skipped "+strings.Join(skipped, ", ")+".")
		}
		return c, notes, nil
	}
	if len(skipped) > 0 {
		return refuse(fmt.Sprintf(":no_entry: Everyone I know at %s is marked do not contact: %s. I won't draft to them.", slackmsg.Escape(a.Name), strings.Join(skipped, ", ")))
	}
	return refuse(fmt.Sprintf("I don't know anyone at %s yet, so there is no one to write to. Find the Head of Platform Engineering or VP Engineering first (conference speakers, the engineering blog, platform job posts), then `/draft %s`.",
		slackmsg.Escape(a.Name), slackmsg.Escape(a.Name)))
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
		names = append(names, "*"+slackmsg.Escape(c.Name)+"*")
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
		by = " by " + slackmsg.User(t.By)
	}
	status := "sent"
	if t.Status == store.DraftReplied {
		status = "sent, and they replied"
	}
	return fmt.Sprintf(":warning: *Touched %s:* a %s to %s was marked %s%s on %s (template `%s`). Think twice before writing again within %d days.",
		ago, templates.Channel(t.Channel).Label(), slackmsg.Escape(t.ContactName), status, by, slackmsg.Date(t.At), slackmsg.Escape(t.Template), int(RecentTouch.Hours()/24))
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
			b.SignalDate = slackmsg.Date(*in.signal.OccurredAt)
		}
	}
	if in.data.HasPeer {
		b.PeerName, b.PeerOutcome, b.PeerWhy = in.peer.Name, in.peer.Outcome, in.peer.Why
	}
	return b
}

// draftInputsFor gathers a template's data: the strongest signal of the kind it refers to, the pain
// point it names, a peer like the account, and the account's own outcome.
func draftInputsFor(oc *store.OutreachContext, contact store.Contact, c candidate, signals []store.Signal, peers []store.PeerOutcome) draftInputs {
	a := oc.Account
	var in draftInputs
	d := templates.Data{
		Account: templates.Account{
			Name: a.Name, Industry: a.Industry, Stage: string(a.Stage), StageLabel: store.StageLabel(a.Stage),
			Region: a.Region, Size: accountSize(oc), Outcome: ownOutcome(oc.Facts),
		},
		Contact: templates.Contact{
			Name: contact.Name, FirstName: greetingName(contact, c.entry.Channel), Title: contact.Title,
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

// accountSize words the account's size: the developers a fact counts, or its employees.
func accountSize(oc *store.OutreachContext) string {
	for _, f := range oc.Facts {
		if _, words, ok := seed.DeveloperCount(f.Text); ok {
			return words
		}
	}
	return sizeText(oc.Account.Employees)
}

// accountSizeNumber is the account's size as a number: its employees, else the developers a
// fact counts.
func accountSizeNumber(oc *store.OutreachContext) int {
	if oc.Account.Employees > 0 {
		return oc.Account.Employees
	}
	for _, f := range oc.Facts {
		if n, _, ok := seed.DeveloperCount(f.Text); ok {
			return n
		}
	}
	return 0
}

// ownOutcome is the result the account itself reported, as a clause, or "".
func ownOutcome(facts []store.Fact) string {
	for _, f := range facts {
		if seed.IsOutcome(f.Text) {
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

// reachableOn lists the channels a contact can be written to on, from what is on record: an
// e-mail address for e-mail, a GitHub handle for a GitHub comment, a Slack or Discord handle for
// a community DM; a LinkedIn profile, or a full name to find them by, for LinkedIn; a full name
// and a conference they spoke at for a conference follow-up.
func reachableOn(c store.Contact) []templates.Channel {
	named := templates.FirstName(c.Name) != ""
	has := func(parts ...string) bool {
		for _, h := range c.Handles {
			for _, p := range parts {
				if strings.Contains(strings.ToLower(h), p) {
					return true
				}
			}
		}
		return false
	}
	var out []templates.Channel
	if has("linkedin.com/") || named {
		out = append(out, templates.LinkedInConnect, templates.LinkedInMessage)
	}
	if strings.Contains(c.Email, "@") {
		out = append(out, templates.Email)
	}
	if has("slack", "discord") {
		out = append(out, templates.CommunityDM)
	}
	if named && len(c.SpokeAt) > 0 {
		out = append(out, templates.ConferenceFollowup)
	}
	if has("github.com/") {
		out = append(out, templates.GitHubComment)
	}
	return out
}

// channelsText words channels for a sentence: "LinkedIn message, GitHub comment".
func channelsText(cs []templates.Channel) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Label())
	}
	if len(out) == 0 {
		return "no channel on record"
	}
	return strings.Join(out, ", ")
}

// unreachable explains why a channel can't reach a contact, and what can.
func unreachable(c store.Contact, ch templates.Channel, reach []templates.Channel) string {
	why := fmt.Sprintf("I have no way to reach *%s* by %s", slackmsg.Escape(c.Name), ch.Label())
	switch ch {
	case templates.Email:
		why = fmt.Sprintf("I have no e-mail address for *%s*", slackmsg.Escape(c.Name))
	case templates.GitHubComment:
		why = fmt.Sprintf("I have no GitHub handle for *%s*", slackmsg.Escape(c.Name))
	}
	return why + "; on record: " + channelsText(reach) + "."
}

// greetingName is the name a draft greets the contact by: their first name, or their GitHub
// handle ("@ajbw") in a GitHub comment when only the handle is known.
func greetingName(c store.Contact, ch templates.Channel) string {
	if n := templates.FirstName(c.Name); n != "" || ch != templates.GitHubComment {
		return n
	}
	for _, h := range c.Handles {
		if i := strings.Index(strings.ToLower(h), "github.com/"); i >= 0 {
			return "@" + strings.Trim(h[i+len("github.com/"):], "/")
		}
	}
	return strings.TrimSpace(c.Name)
}
