package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/templates"
)

// FollowupStore is what follow-ups read and write.
type FollowupStore interface {
	OpenFollowupsOf(ctx context.Context, userID string) ([]store.FollowupDetail, error)
	FollowupByID(ctx context.Context, id int64) (*store.FollowupDetail, error)
	CreateFollowup(ctx context.Context, f *store.Followup) (bool, error)
	CloseFollowup(ctx context.Context, id int64, status string, at time.Time) (bool, error)
	CloseFollowupsOfDraft(ctx context.Context, draftID int64, status string, at time.Time) error
	SnoozeFollowup(ctx context.Context, id int64, dueOn string) (bool, error)
	MarkDraftReplied(ctx context.Context, id int64, actor string, at time.Time) (*store.OutreachDraft, bool, error)
}

// Followups answers /followups and the buttons of follow-ups (in nudges, lists and the Home tab).
type Followups struct {
	store FollowupStore
	days  []int
	now   func() time.Time
}

// NewFollowups builds the follow-up handler; days are the business days from a send to the first
// follow-up, then from each follow-up to the next (config.Options.FollowupDays).
func NewFollowups(st FollowupStore, days []int, now func() time.Time) *Followups {
	if len(days) == 0 {
		days = []int{4, 7}
	}
	return &Followups{store: st, days: days, now: now}
}

// Action ids of follow-ups; every value is a follow-up id.
const (
	ActionFollowupDone    = "followup.done"    // I sent the follow-up: schedule the next one
	ActionFollowupSnooze  = "followup.snooze"  // remind me the next business day
	ActionFollowupReplied = "followup.replied" // they answered: record the reply, no more follow-ups
	ActionFollowupStop    = "followup.stop"    // no more follow-ups for this message
)

// Command declares /followups.
func (h *Followups) Command() Command {
	days := make([]string, len(h.days))
	for i, d := range h.days {
		days[i] = strconv.Itoa(d)
	}
	return Command{
		Name:        "/followups",
		Description: "Your follow-ups: sent messages with no reply yet, and when to write again.",
		UsageHint:   "[help]",
		Forms: []Subcommand{
			{"/followups", fmt.Sprintf("your open follow-ups, soonest first; a sent draft with no reply gets one after %s business days (then %s)",
				days[0], strings.Join(days[1:], ", then ")), // days[1:] may be empty
			},
		},
		Examples: []string{"/followups"},
		Handle:   h.Handle,
	}
}

// Actions returns the buttons this handler owns.
func (h *Followups) Actions() map[string]ActionFunc {
	return map[string]ActionFunc{
		ActionFollowupDone:    h.done,
		ActionFollowupSnooze:  h.snooze,
		ActionFollowupReplied: h.replied,
		ActionFollowupStop:    h.stop,
	}
}

// Handle answers /followups.
func (h *Followups) Handle(ctx context.Context, req Request) (Response, error) {
	fs, err := h.store.OpenFollowupsOf(ctx, req.UserID)
	if err != nil {
		return Response{}, err
	}
	if len(fs) == 0 {
		return Ephemeral(fmt.Sprintf("No follow-ups waiting. When you *Mark sent* a draft and get no reply, I remind you after %d business days.", h.days[0])), nil
	}
	var b Builder
	b.Header(fmt.Sprintf("Your follow-ups (%s)", slackmsg.Quantity(len(fs), "open", "open")))
	for _, f := range fs {
		if b.Room() < 3 {
			break
		}
		b.Section(FollowupLine(f, h.now()))
		b.Actions("followup_"+strconv.FormatInt(f.ID, 10), FollowupButtons(f.ID)...)
	}
	return Response{Text: fmt.Sprintf("%d follow-ups", len(fs)), Blocks: b.Blocks()}, nil
}

// FollowupLine says whom to follow up, about what, and when it is due.
func FollowupLine(f store.FollowupDetail, now time.Time) string {
	d := f.Draft
	line := fmt.Sprintf("*%s* at *%s* — %s", Escape(d.ContactName), Escape(f.AccountName), DueText(f.Followup, now))
	sent := ""
	if d.SentAt != nil {
		sent = " on " + FormatDate(d.SentAt.In(Zone(f.Timezone)))
	}
	line += fmt.Sprintf("\nYou sent the %s `%s`%s; no reply recorded.", strings.ToLower(templates.Channel(d.Channel).Label()), Escape(d.Template), sent)
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
		return "due " + Escape(f.DueOn)
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
func FollowupButtons(id int64) []*slack.ButtonBlockElement {
	v := strconv.FormatInt(id, 10)
	return []*slack.ButtonBlockElement{
		Button(ActionFollowupDone, "Done", v, slack.StylePrimary),
		Button(ActionFollowupSnooze, "Snooze", v, ""),
		Button(ActionFollowupReplied, "Replied", v, ""),
		Button(ActionFollowupStop, "Stop", v, slack.StyleDanger),
	}
}

// load reads the follow-up a button names and checks it is the clicker's.
func (h *Followups) load(ctx context.Context, a Action) (*store.FollowupDetail, *Response, error) {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil {
		r := Ephemeral("That button belongs to an older version of me; `/followups` lists your follow-ups.")
		return nil, &r, nil
	}
	f, err := h.store.FollowupByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		r := Ephemeral("That follow-up no longer exists. `/followups` lists yours.")
		return nil, &r, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if f.UserID != a.UserID {
		r := Ephemeral(fmt.Sprintf("That follow-up is <@%s>'s; `/followups` lists yours.", f.UserID))
		return nil, &r, nil
	}
	if f.Status != store.FollowupOpen {
		r := Ephemeral(fmt.Sprintf("That follow-up is already closed (%s).", f.Status))
		return nil, &r, nil
	}
	return f, nil, nil
}

func (h *Followups) done(ctx context.Context, a Action) (Response, error) {
	f, resp, err := h.load(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	now := h.now()
	if _, err := h.store.CloseFollowup(ctx, f.ID, store.FollowupDone, now); err != nil {
		return Response{}, err
	}
	msg := fmt.Sprintf(":white_check_mark: Done: you followed up with *%s* at *%s*.", Escape(f.Draft.ContactName), Escape(f.AccountName))
	if f.Step < len(h.days) {
		loc := Zone(f.Timezone)
		next := &store.Followup{DraftID: f.DraftID, Step: f.Step + 1, UserID: f.UserID, AccountID: f.AccountID,
			DueOn: AddBusinessDays(LocalDay(now, loc), h.days[f.Step]), Timezone: f.Timezone, CreatedAt: now}
		if _, err := h.store.CreateFollowup(ctx, next); err != nil {
			return Response{}, err
		}
		msg += fmt.Sprintf(" If they don't reply, I'll remind you on %s (%d business days).", dayText(next.DueOn), h.days[f.Step])
	} else {
		msg += " That was the last follow-up I schedule for this message."
	}
	return h.answer(a, msg), nil
}

func (h *Followups) snooze(ctx context.Context, a Action) (Response, error) {
	f, resp, err := h.load(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	due := AddBusinessDays(LocalDay(h.now(), Zone(f.Timezone)), 1)
	if _, err := h.store.SnoozeFollowup(ctx, f.ID, due); err != nil {
		return Response{}, err
	}
	return h.answer(a, fmt.Sprintf(":zzz: Snoozed *%s* at *%s* until %s.", Escape(f.Draft.ContactName), Escape(f.AccountName), dayText(due))), nil
}

func (h *Followups) replied(ctx context.Context, a Action) (Response, error) {
	f, resp, err := h.load(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	now := h.now()
	if _, _, err := h.store.MarkDraftReplied(ctx, f.DraftID, a.UserID, now); err != nil && !errors.Is(err, store.ErrNotSent) {
		return Response{}, err
	}
	if err := h.store.CloseFollowupsOfDraft(ctx, f.DraftID, store.FollowupReplied, now); err != nil {
		return Response{}, err
	}
	return h.answer(a, fmt.Sprintf(":speech_balloon: Recorded that *%s* at *%s* replied; no more follow-ups for that message.", Escape(f.Draft.ContactName), Escape(f.AccountName))), nil
}

func (h *Followups) stop(ctx context.Context, a Action) (Response, error) {
	f, resp, err := h.load(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	if err := h.store.CloseFollowupsOfDraft(ctx, f.DraftID, store.FollowupStopped, h.now()); err != nil {
		return Response{}, err
	}
	return h.answer(a, fmt.Sprintf("Stopped: no more follow-ups to *%s* at *%s* for that message.", Escape(f.Draft.ContactName), Escape(f.AccountName))), nil
}

// answer confirms a follow-up button; on the Home tab the refreshed Home is the answer.
func (h *Followups) answer(a Action, msg string) Response {
	if a.FromHome {
		return Response{}
	}
	return Ephemeral(msg)
}

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

func dayText(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return Escape(day)
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
func RenderNudge(items []NudgeItem, now time.Time) Response {
	var b Builder
	b.Header(fmt.Sprintf("Follow-ups due: %s", slackmsg.Quantity(len(items), "message", "messages")))
	b.Context("No reply is recorded to these. Each draft below refers to your first message and to anything newer I found about the account. *Done* when you have sent it; *Replied* if they answered.")
	shown := 0
	for _, it := range items {
		if b.Room() < 5 {
			break
		}
		shown++
		b.Divider()
		b.Section(FollowupLine(it.FollowupDetail, now))
		b.Section("*Draft:*\n" + codeBlock(FollowupDraft(it.FollowupDetail, it.Newer)))
		if sg := it.Newer; sg != nil {
			b.Context("*Newer signal:* " + Link(sg.URL, sg.Title) + " · " + Escape(store.SignalKindLabel(sg.Kind)) + " · found " + FormatDate(sg.DiscoveredAt))
		}
		b.Actions("followup_"+strconv.FormatInt(it.ID, 10), FollowupButtons(it.ID)...)
	}
	if shown < len(items) {
		b.Context(fmt.Sprintf("%s more: `/followups` lists them all.", slackmsg.Quantity(len(items)-shown, "follow-up", "follow-ups")))
	}
	return Response{Text: fmt.Sprintf("Follow-ups due: %s", slackmsg.Quantity(len(items), "message", "messages")), Blocks: b.Blocks()}
}

// FollowupDraft writes the follow-up: it names the first message (when and what it was about) and
// the newest signal found since, if any. It says nothing the records do not show.
func FollowupDraft(f store.FollowupDetail, newer *store.Signal) string {
	d := f.Draft
	first, _ := splitFirst(d.ContactName)
	if first == "" {
		first = "there"
	}
	var about string
	switch bs := d.Basis; {
	case bs.SignalTitle != "":
		about = " about " + bs.SignalTitle
	case d.Subject != "":
		about = ` ("` + d.Subject + `")`
	case bs.PainTitle != "":
		about = " about " + strings.ToLower(bs.PainTitle)
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

// codeBlock shows text verbatim in mrkdwn (escaped, so it cannot ping or link).
func codeBlock(s string) string {
	return "```" + Escape(strings.ReplaceAll(s, "```", "'''")) + "```"
}
