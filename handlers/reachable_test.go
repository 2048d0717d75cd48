package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/seed"
)

// TestKnowledge_everyFactIsReachable asks the bot, through its commands, for every fact in the
// knowledge file and checks that some answer shows it.
func TestKnowledge_everyFactIsReachable(t *testing.T) {
	app := newApp(t, store.SQLite)
	k, err := seed.Load()
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]string{}
	answer := func(line string) string {
		if a, ok := answers[line]; ok {
			return a
		}
		a := slackmsg.PlainText(ask(t, app, line))
		answers[line] = a
		return a
	}
	check := func(line, what, want string) {
		t.Helper()
		want = plainWant(want)
		if want == "" {
			return
		}
		if !strings.Contains(answer(line), want) {
			t.Errorf("%s (%s): %q is not in the answer", line, what, want)
		}
	}
	for _, a := range k.Accounts {
		line := "/account " + a.Name
		check(line, "name", a.Name)
		check(line, "adoption notes", a.AdoptionNotes)
		check(line, "industry", a.Industry)
		check(line, "region", a.Region)
		check(line, "hq", a.HQ)
		check(line, "domain", a.Domain)
		for _, f := range a.Facts {
			check(line, "fact", f.Text)
			check(line, "figure", f.Figure)
		}
		for _, c := range a.Contacts {
			check(line, "contact", c.Name)
			check(line, "title", c.Title)
			for _, s := range c.SpokeAt {
				check(line, "spoke at", s)
			}
		}
		for _, s := range a.Signals {
			check(line, "signal", s.Title)
		}
		for _, p := range a.Pains {
			check(line, "pain evidence", p.Evidence)
			check("/pain "+p.Key, "account showing it", a.Name)
		}
		for _, c := range a.Competitors {
			check(line, "competitor", c)
			check("/market competitors", "in play at", a.Name)
		}
	}
	for _, p := range k.PainPoints {
		line := "/pain " + p.Key
		check(line, "title", p.Title)
		check(line, "summary", p.Summary)
		for _, n := range p.Numbers {
			check(line, "number", n.Text)
			check(line, "figure", n.Figure)
		}
		for _, tp := range p.TalkingPoints {
			check(line, "talking point", tp)
		}
		for _, e := range p.Evidence {
			check(line, "evidence", e.Text)
		}
	}
	for _, f := range k.Market {
		check("/market", "market fact", f.Text)
		check("/market", "market figure", f.Figure)
	}
	for _, s := range append(append([]string{fmt.Sprint(k.Segments.EmployeesMin), fmt.Sprint(k.Segments.EmployeesMax)}, k.Segments.Industries...), k.Segments.Hubs...) {
		check("/market", "segment", s)
	}
	for _, n := range k.Segments.Notes {
		check("/market", "segment note", n.Text)
	}
	for _, r := range k.Roles {
		check("/market roles", "role", r.Title)
		check("/market roles", "why", r.Why)
	}
	for _, c := range k.Competitors {
		check("/market competitors", "competitor", c.Name)
		check("/market competitors", "summary", c.Summary)
		card := "/account " + c.Name
		check(card, "competitor card", c.Summary)
		for _, f := range c.Facts {
			check("/market competitors", "competitor fact", f.Text)
			check(card, "competitor fact", f.Text)
			check(card, "competitor figure", f.Figure)
		}
		for _, tp := range c.TalkingPoints {
			check("/market competitors", "competitor talking point", tp)
			check(card, "competitor talking point", tp)
		}
	}
	for _, f := range k.Alternatives.Facts {
		check("/market competitors", "commercial alternatives fact", f.Text)
		check("/market competitors", "commercial alternatives figure", f.Figure)
		check("/account Port", "positioning against a commercial alternative", f.Text)
	}
	for _, tp := range k.Alternatives.TalkingPoints {
		check("/market competitors", "commercial alternatives talking point", tp)
		check("/account Cortex", "talking point against a commercial alternative", tp)
	}
	for _, e := range k.Events {
		check("/market events", "event", e.Name)
		check("/market events", "attendance", e.Attendance)
		check("/market events", "location", e.Location)
		check("/market events", "notes", e.Notes)
		for _, c := range e.Companies {
			check("/market events", "presenter", c)
		}
	}
	for _, c := range k.Communities {
		check("/market communities", "community", c.Name)
		check("/market communities", "members", c.Members)
		check("/market communities", "notes", c.Notes)
	}
	for _, c := range k.Channels {
		check("/market outreach", "channel", c.Name)
		check("/market outreach", "guidance", c.Guidance)
	}
	for _, r := range k.Positioning {
		check("/market outreach", "positioning", r.Text)
	}
}

// plainWant is what a value looks like once an answer is rendered as plain text.
func plainWant(s string) string {
	return strings.NewReplacer("*", "", "`", "").Replace(strings.TrimSpace(s))
}
