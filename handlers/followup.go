package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"outreachbot/followup"
	"outreachbot/slackmsg"
	"outreachbot/store"
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

// Command declares /followups.
func (h *Followups) Command() Command {
	when := fmt.Sprintf("%d business days", h.days[0])
	for _, d := range h.days[1:] {
		when += fmt.Sprintf(", then %d more", d)
	}
	c := declared("/followups", h.Handle)
	c.Forms = append(c.Forms, Subcommand{"/followups", "your open follow-ups, soonest first: a draft marked sent with no reply gets one after " + when + ", in your time zone"})
	return c
}

// Actions returns the buttons this handler owns.
func (h *Followups) Actions() map[string]ActionFunc {
	return map[string]ActionFunc{
		followup.ActionDone:    h.done,
		followup.ActionSnooze:  h.snooze,
		followup.ActionReplied: h.replied,
		followup.ActionStop:    h.stop,
	}
}

// Handle answers /followups.
func (h *Followups) Handle(ctx context.Context, req Request) (slackmsg.Response, error) {
	fs, err := h.store.OpenFollowupsOf(ctx, req.UserID)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if len(fs) == 0 {
		return slackmsg.Ephemeral(fmt.Sprintf("No follow-ups waiting. When you *Mark sent* a draft and get no reply, I remind you after %d business days.", h.days[0])), nil
	}
	var b slackmsg.Builder
	b.Header(fmt.Sprintf("Your follow-ups (%s)", slackmsg.Quantity(len(fs), "open", "open")))
	for _, f := range fs {
		if b.Room() < 3 {
			break
		}
		b.Section(followup.Line(f, h.now()))
		b.Actions("followup_"+strconv.FormatInt(f.ID, 10), followup.Buttons(f.ID)...)
	}
	return slackmsg.Response{Text: fmt.Sprintf("%d follow-ups", len(fs)), Blocks: b.Blocks()}, nil
}

func (h *Followups) load(ctx context.Context, a Action) (*store.FollowupDetail, *slackmsg.Response, error) {
	f, resp, err := recordOfButton(ctx, a.Value, h.store.FollowupByID,
		"That button belongs to an older version of me; `/followups` lists your follow-ups.",
		"That follow-up no longer exists. `/followups` lists yours.")
	if err != nil || resp != nil {
		return nil, resp, err
	}
	if f.UserID != a.UserID {
		r := slackmsg.Ephemeral(fmt.Sprintf("That follow-up is <@%s>'s; `/followups` lists yours.", f.UserID))
		return nil, &r, nil
	}
	if f.Status != store.FollowupOpen {
		r := slackmsg.Ephemeral(fmt.Sprintf("That follow-up is already closed (%s).", f.Status))
		return nil, &r, nil
	}
	return f, nil, nil
}

func (h *Followups) done(ctx context.Context, a Action) (slackmsg.Response, error) {
	f, resp, err := h.load(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	now := h.now()
	if _, err := h.store.CloseFollowup(ctx, f.ID, store.FollowupDone, now); err != nil {
		return slackmsg.Response{}, err
	}
	msg := fmt.Sprintf(":white_check_mark: Done: you followed up with *%s* at *%s*.", slackmsg.Escape(f.Draft.ContactName), slackmsg.Escape(f.AccountName))
	if f.Step < len(h.days) {
		loc := followup.Zone(f.Timezone)
		next := &store.Followup{DraftID: f.DraftID, Step: f.Step + 1, UserID: f.UserID, AccountID: f.AccountID,
			DueOn: followup.AddBusinessDays(followup.LocalDay(now, loc), h.days[f.Step]), Timezone: f.Timezone, CreatedAt: now}
		if _, err := h.store.CreateFollowup(ctx, next); err != nil {
			return slackmsg.Response{}, err
		}
		msg += fmt.Sprintf(" If they don't reply, I'll remind you on %s (%d business days).", followup.DayText(next.DueOn), h.days[f.Step])
	} else {
		msg += " That was the last follow-up I schedule for this message."
	}
	return h.answer(a, msg), nil
}

func (h *Followups) snooze(ctx context.Context, a Action) (slackmsg.Response, error) {
	f, resp, err := h.load(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	due := followup.AddBusinessDays(followup.LocalDay(h.now(), followup.Zone(f.Timezone)), 1)
	if _, err := h.store.SnoozeFollowup(ctx, f.ID, due); err != nil {
		return slackmsg.Response{}, err
	}
	return h.answer(a, fmt.Sprintf(":zzz: Snoozed *%s* at *%s* until %s.", slackmsg.Escape(f.Draft.ContactName), slackmsg.Escape(f.AccountName), followup.DayText(due))), nil
}

func (h *Followups) replied(ctx context.Context, a Action) (slackmsg.Response, error) {
	f, resp, err := h.load(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	now := h.now()
	if _, _, err := h.store.MarkDraftReplied(ctx, f.DraftID, a.UserID, now); err != nil && !errors.Is(err, store.ErrNotSent) {
		return slackmsg.Response{}, err
	}
	if err := h.store.CloseFollowupsOfDraft(ctx, f.DraftID, store.FollowupReplied, now); err != nil {
		return slackmsg.Response{}, err
	}
	return h.answer(a, fmt.Sprintf(":speech_balloon: Recorded that *%s* at *%s* replied; no more follow-ups for that message.", slackmsg.Escape(f.Draft.ContactName), slackmsg.Escape(f.AccountName))), nil
}

func (h *Followups) stop(ctx context.Context, a Action) (slackmsg.Response, error) {
	f, resp, err := h.load(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	if err := h.store.CloseFollowupsOfDraft(ctx, f.DraftID, store.FollowupStopped, h.now()); err != nil {
		return slackmsg.Response{}, err
	}
	return h.answer(a, fmt.Sprintf("Stopped: no more follow-ups to *%s* at *%s* for that message.", slackmsg.Escape(f.Draft.ContactName), slackmsg.Escape(f.AccountName))), nil
}

// answer confirms a follow-up button; on the Home tab the refreshed Home is the answer.
func (h *Followups) answer(a Action, msg string) slackmsg.Response {
	if a.FromHome {
		return slackmsg.Response{}
	}
	return slackmsg.Ephemeral(msg)
}
