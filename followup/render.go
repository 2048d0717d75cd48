package followup

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/templates"
)

// Action ids of follow-ups; every value is a follow-up id.
const (
	ActionDone    = "followup.done"    // I sent the follow-up: schedule the next one
	ActionSnooze  = "followup.snooze"  // remind me the next business day
	ActionReplied = "followup.replied" // they answered: record the reply, no more follow-ups
	ActionStop    = "followup.stop"    // no more follow-ups for this message
)

// FollowupLine says whom to follow up, about what, and when it is due.
func Line(f store.FollowupDetail, now time.Time) string {
	d := f.Draft
	line := fmt.Sprintf("*%s* at *%s* — %s", slackmsg.Escape(d.ContactName), slackmsg.Escape(f.AccountName), DueText(f.Followup, now))
	sent := ""
	if d.SentAt != nil {
		sent = " on " + slackmsg.Date(d.SentAt.In(Zone(f.Timezone)))
	}
	line += fmt.Sprintf("\nYou sent the %s `%s`%s; no reply recorded.", templates.Channel(d.Channel).InText(), slackmsg.Escape(d.Template), sent)
	if f.Step > 1 {
		line += fmt.Sprintf(" Follow-up %d.", f.Step)
	}
	return line
}

// DueText is "due today", "due Thu 12 Mar" or "overdue since Thu 12 Mar", in the rep's zone.
func DueText(f store.Followup, now time.Time) string {
	today := LocalDay(now, Zone(f.Timezone))
	due, err := time.Parse(time.DateOnly, f.DueOn)
	if err != nil {
		return "due " + slackmsg.Escape(f.DueOn)
	}
	switch {
	case f.DueOn == today:
		return "*due today*"
	case f.DueOn < today:
		return "*overdue* since " + due.Format("Mon 2 Jan")
	}
	return "due " + due.Format("Mon 2 Jan")
}

// FollowupButtons are the buttons of one follow-up.
func Buttons(id int64) []*slack.ButtonBlockElement {
	v := strconv.FormatInt(id, 10)
	return []*slack.ButtonBlockElement{
		slackmsg.Button(ActionDone, "Done", v, slack.StylePrimary),
		slackmsg.Button(ActionSnooze, "Snooze", v, ""),
		slackmsg.Button(ActionReplied, "Replied", v, ""),
		slackmsg.Button(ActionStop, "Stop", v, slack.StyleDanger),
	}
}

// load reads the follow-up a button names and checks it is the clicker's.
// LocalDay is the calendar date (YYYY-MM-DD) at now in loc.
func LocalDay(now time.Time, loc *time.Location) string {
	return now.In(loc).Format(time.DateOnly)
}

// AddBusinessDays is the date n working days (Monday to Friday) after day (YYYY-MM-DD). It counts
// calendar dates, never hours, so a DST change in between moves nothing.
func AddBusinessDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t.Format(time.DateOnly)
}

// Zone loads an IANA zone, UTC when it is unknown or empty.
func Zone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// DayText shows a YYYY-MM-DD date as "Wed 1 Apr".
func DayText(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return slackmsg.Escape(day)
	}
	return t.Format("Mon 2 Jan")
}

// NudgeItem is one follow-up in a nudge, with the account's newest signal since the send.
type NudgeItem struct {
	store.FollowupDetail
	Newer *store.Signal
}

// RenderNudge is the one DM a rep gets on a day follow-ups fall due: each follow-up with a draft
// that names the first message and any newer signal, and its buttons.
func Nudge(items []NudgeItem, now time.Time) slackmsg.Response {
	var b slackmsg.Builder
	b.Header(fmt.Sprintf("Follow-ups due: %s", slackmsg.Quantity(len(items), "message", "messages")))
	b.Context("No reply is recorded to these. Each draft below refers to your first message and to anything newer I found about the account. *Done* when you have sent it; *Replied* if they answered.")
	shown := 0
	for _, it := range items {
		if b.Room() < 5 {
			break
		}
		shown++
		b.Divider()
		b.Section(Line(it.FollowupDetail, now))
		b.Section("*Draft:*\n" + codeBlock(Draft(it.FollowupDetail, it.Newer)))
		if sg := it.Newer; sg != nil {
			b.Context("*Newer signal:* " + slackmsg.Link(sg.URL, sg.Title) + " · " + slackmsg.Escape(store.SignalKindLabel(sg.Kind)) + " · found " + slackmsg.Date(sg.DiscoveredAt))
		}
		b.Actions("followup_"+strconv.FormatInt(it.ID, 10), Buttons(it.ID)...)
	}
	if shown < len(items) {
		b.Context(fmt.Sprintf("%s more: `/followups` lists them all.", slackmsg.Quantity(len(items)-shown, "follow-up", "follow-ups")))
	}
	return slackmsg.Response{Text: fmt.Sprintf("Follow-ups due: %s", slackmsg.Quantity(len(items), "message", "messages")), Blocks: b.Blocks()}
}

// FollowupDraft writes the follow-up: it names the first message (when and what it was about) and
// the newest signal found since, if any. It says nothing the records do not show.
func Draft(f store.FollowupDetail, newer *store.Signal) string {
	d := f.Draft
	first, _, _ := strings.Cut(strings.TrimSpace(d.ContactName), " ")
	if first == "" {
		first = "there"
	}
	// The first message is named by its subject, else by its own first sentence, quoted.
	var about string
	switch {
	case d.Subject != "":
		about = ` ("` + d.Subject + `")`
	case openingOf(d.Body) != "":
		about = ` ("` + openingOf(d.Body) + `")`
	}
	when := ""
	if d.SentAt != nil {
		when = " from " + d.SentAt.In(Zone(f.Timezone)).Format("Mon 2 Jan")
	}
	text := fmt.Sprintf("Hi %s,\n\nFollowing up on my note%s%s.", first, when, about)
	if newer != nil {
		text += " Since then I saw " + newer.Title
		if newer.OccurredAt != nil {
			text += " (" + newer.OccurredAt.Format("2 Jan") + ")"
		}
		text += " — it made me think of you again."
	}
	text += "\n\nWould a 20-minute call next week be useful? If the timing is wrong, just say so and I'll stop here."
	return text
}

// greeting is "Hi Erik, " at the start of a message written as one paragraph.
var greeting = regexp.MustCompile(`^(?i)(hi|hello|hey|dear)\b[^,.!?\n]{0,40},\s+`)

// openingOf is a message's first sentence after its greeting, cut to 80 characters.
func openingOf(body string) string {
	lines := strings.Split(strings.TrimSpace(body), "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || i == 0 && len(lines) > 1 && strings.HasSuffix(l, ",") {
			continue // the greeting ("Hi Erik,") and blank lines
		}
		if i == 0 {
			l = greeting.ReplaceAllString(l, "") // "Hi Erik, we haven't met…" in one line
		}
		if end := strings.IndexAny(l, ".?!"); end > 0 {
			l = strings.TrimSuffix(l[:end+1], ".")
		}
		return slackmsg.Cut(l, 80)
	}
	return ""
}

// codeBlock shows text verbatim in mrkdwn (escaped, so it cannot ping or link).
func codeBlock(s string) string {
	return "```" + slackmsg.Escape(strings.ReplaceAll(s, "```", "'''")) + "```"
}
