// The buttons and the modal of a draft: another template, edit, mark sent, mark replied, share.

package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/templates"
)

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

// loadDraft reads the draft a button names, or says why it can't: it is gone, or it is not the
// presser's. A draft belongs to its author (admins may act on any): the button's value is only
// an id, which a forged payload can name as easily as a click.
func (h *Drafts) loadDraft(ctx context.Context, a Action) (*store.OutreachDraft, *slackmsg.Response, error) {
	d, resp, err := h.draftByValue(ctx, a.Value)
	if err != nil || resp != nil {
		return d, resp, err
	}
	if !mayChange(d, a.UserID, a.Admin) {
		r := slackmsg.Ephemeral(fmt.Sprintf("This is %s's draft: only they (or an admin) can change, send or share it. `/draft %s` makes one of your own.",
			slackmsg.User(d.Author), slackmsg.Escape(d.Basis.AccountName)))
		return nil, &r, nil
	}
	return d, nil, nil
}

// loadUnsent is loadDraft for the buttons that would change what a draft says: a draft marked
// sent stays as it was sent, and sent words the answer (the draft is passed for its account and
// date).
func (h *Drafts) loadUnsent(ctx context.Context, a Action, sent func(*store.OutreachDraft) string) (*store.OutreachDraft, *slackmsg.Response, error) {
	d, resp, err := h.loadDraft(ctx, a)
	if err != nil || resp != nil {
		return d, resp, err
	}
	if d.SentAt != nil {
		r := slackmsg.Ephemeral(sent(d))
		return nil, &r, nil
	}
	return d, nil, nil
}

// mayChange reports whether user may act on draft d: its author or an admin.
func mayChange(d *store.OutreachDraft, user string, admin bool) bool {
	return admin || (d.Author != "" && d.Author == user)
}

func (h *Drafts) draftByValue(ctx context.Context, value string) (*store.OutreachDraft, *slackmsg.Response, error) {
	return recordOfButton(ctx, value, h.store.DraftByID,
		"That button belongs to an older version of me; run `/draft <account>` again.",
		"That draft no longer exists (its account may have been removed). Run `/draft <account>` again.")
}

func (h *Drafts) fromCard(ctx context.Context, a Action) (slackmsg.Response, error) {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil {
		return slackmsg.Ephemeral("That button belongs to an older version of me; run `/draft <account>`."), nil
	}
	return h.compose(ctx, draftSpec{AccountID: id, User: a.UserID, SlackChannel: a.ChannelID})
}

func (h *Drafts) pick(ctx context.Context, a Action) (slackmsg.Response, error) {
	r, err := h.fromCard(ctx, a)
	r.ReplaceOriginal = true
	return r, err
}

func (h *Drafts) another(ctx context.Context, a Action) (slackmsg.Response, error) {
	d, resp, err := h.loadUnsent(ctx, a, func(d *store.OutreachDraft) string {
		return "That draft was marked sent; start a new one with `/draft " + slackmsg.Escape(d.Basis.AccountName) + "`."
	})
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	spec := draftSpec{AccountID: d.AccountID, After: d.Template, User: a.UserID, SlackChannel: a.ChannelID}
	if d.ContactID != nil {
		spec.ContactID = *d.ContactID
	}
	r, err := h.compose(ctx, spec)
	r.ReplaceOriginal = true
	return r, err
}

func (h *Drafts) edit(ctx context.Context, a Action) (slackmsg.Response, error) {
	d, resp, err := h.loadUnsent(ctx, a, func(d *store.OutreachDraft) string {
		return fmt.Sprintf("This draft was marked sent on %s, so it stays as sent. Start a new one with `/draft %s`.", slackmsg.Date(*d.SentAt), slackmsg.Escape(d.Basis.AccountName))
	})
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	return slackmsg.Response{Modal: editModal(d)}, nil
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
	if !mayChange(d, v.UserID, v.Admin) { // a modal's error is plain text
		return ViewResult{Errors: map[string]string{"body": fmt.Sprintf("This is %s's draft: only they (or an admin) can change it.", d.Author)}}, nil
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
		errs["body"] = fmt.Sprintf("%s characters: a %s allows %s. Shorten it; I won't cut it for you.", slackmsg.Count(n), ch.Label(), slackmsg.Count(d.CharLimit))
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

func (h *Drafts) markSent(ctx context.Context, a Action) (slackmsg.Response, error) {
	d, resp, err := h.loadDraft(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	if d.SentAt == nil && overLimit(d) {
		return slackmsg.Ephemeral(fmt.Sprintf(":no_entry: This draft is %s characters and a %s allows %s. Edit it first: I don't record a message that can't be sent whole.",
			slackmsg.Count(utf8.RuneCountInString(d.Body)), templates.Channel(d.Channel).Label(), slackmsg.Count(d.CharLimit))), nil
	}
	d, changed, err := h.store.MarkDraftSent(ctx, d.ID, a.UserID, h.now())
	if err != nil {
		return slackmsg.Response{}, err
	}
	return redrawn(d, changed, d.SentBy, "marked it sent"), nil
}

func (h *Drafts) markReplied(ctx context.Context, a Action) (slackmsg.Response, error) {
	d, resp, err := h.loadDraft(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	d, changed, err := h.store.MarkDraftReplied(ctx, d.ID, a.UserID, h.now())
	if errors.Is(err, store.ErrNotSent) {
		return slackmsg.Ephemeral("Mark the draft sent first: a reply answers a message that went out."), nil
	}
	if err != nil {
		return slackmsg.Response{}, err
	}
	if a.ActionID == ActionDraftCardReplied {
		return slackmsg.Ephemeral(fmt.Sprintf(":speech_balloon: Recorded that *%s* replied to the %s (template `%s`).",
			slackmsg.Escape(d.ContactName), templates.Channel(d.Channel).Label(), slackmsg.Escape(d.Template))), nil
	}
	return redrawn(d, changed, d.RepliedBy, "marked the reply"), nil
}

// redrawn is the draft's message in place of the one its button was on, noting who had already
// done what was asked (by) when it changed nothing.
func redrawn(d *store.OutreachDraft, changed bool, by, done string) slackmsg.Response {
	var notes []string
	if !changed {
		notes = append(notes, fmt.Sprintf(":information_source: %s had already %s.", slackmsg.User(by), done))
	}
	r := renderDraft(d, notes, modeInteractive, "")
	r.ReplaceOriginal = true
	return r
}

func (h *Drafts) share(ctx context.Context, a Action) (slackmsg.Response, error) {
	d, resp, err := h.loadDraft(ctx, a)
	if err != nil || resp != nil {
		return derefResponse(resp), err
	}
	d, err = h.store.LogDraftShared(ctx, d.ID, a.UserID, h.now())
	if err != nil {
		return slackmsg.Response{}, err
	}
	return renderDraft(d, nil, modeShared, a.UserID), nil
}
