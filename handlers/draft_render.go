// Laying a draft out for Slack: the message with its notes, basis and buttons, and the editor.

package handlers

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/templates"
)

// draftMode is where a draft is shown, which decides its buttons.
type draftMode int

const (
	modeInteractive draftMode = iota // ephemeral in the channel: every button
	modeDM                           // posted to the user after an edit: no Share (it would share to the DM)
	modeShared                       // shown to the channel: no buttons
	modePreview                      // /template preview: not stored, no buttons
)

// overLimit reports whether a draft may not be sent as it is.
func overLimit(d *store.OutreachDraft) bool {
	return utf8.RuneCountInString(d.Body) > d.CharLimit || utf8.RuneCountInString(d.Subject) > templates.MaxSubjectChars
}

// renderDraft lays a draft out: who it is for, notes and warnings, the text in a code block
// (escaped for Slack), what it was written from, and the buttons its state allows.
func renderDraft(d *store.OutreachDraft, notes []string, mode draftMode, sharedBy string) slackmsg.Response {
	ch := templates.Channel(d.Channel)
	bs := d.Basis
	var b slackmsg.Builder
	b.Reserve(2)
	who := "*" + slackmsg.Escape(d.ContactName) + "*"
	if bs.ContactTitle != "" {
		who += ", " + slackmsg.Escape(bs.ContactTitle)
	}
	who += " at " + slackmsg.Escape(bs.AccountName)
	var head string
	switch mode {
	case modeShared:
		head = fmt.Sprintf("%s shared a draft to %s", slackmsg.User(sharedBy), who)
	case modePreview:
		head = fmt.Sprintf("*Preview* of `%s` for %s (not saved)", slackmsg.Escape(d.Template), who)
	default:
		head = "Draft to " + who
	}
	chars := utf8.RuneCountInString(d.Body)
	meta := fmt.Sprintf("%s · template `%s`", ch.Label(), slackmsg.Escape(d.Template))
	if d.TemplateVersion > 0 {
		meta += fmt.Sprintf(" v%d", d.TemplateVersion)
	}
	if bs.Variant != "" {
		meta += " (short variant)"
	}
	meta += fmt.Sprintf(" · %s / %s characters", slackmsg.Count(chars), slackmsg.Count(d.CharLimit))
	b.Section(head + "\n" + meta)
	for _, n := range notes {
		b.Section(n)
	}
	switch {
	case d.RepliedAt != nil:
		b.Section(fmt.Sprintf(":speech_balloon: *Replied* (marked by %s on %s) · sent by %s on %s", slackmsg.User(d.RepliedBy), slackmsg.Date(*d.RepliedAt), slackmsg.User(d.SentBy), slackmsg.Date(*d.SentAt)))
	case d.SentAt != nil:
		b.Section(fmt.Sprintf(":white_check_mark: *Marked sent* by %s on %s", slackmsg.User(d.SentBy), slackmsg.Date(*d.SentAt)))
	case overLimit(d):
		b.Section(fmt.Sprintf(":no_entry: *Over the limit:* the text is %s characters and a %s allows %s (subjects %d). I won't cut it: edit it, or try another template.",
			slackmsg.Count(chars), ch.Label(), slackmsg.Count(d.CharLimit), templates.MaxSubjectChars))
	}
	if d.Subject != "" {
		b.Section("*Subject:* " + slackmsg.Escape(d.Subject))
	}
	for _, part := range codeSections(d.Body) {
		b.Section(part)
	}
	var final []slack.Block
	if ctx := basisContext(bs); len(ctx) > 0 {
		var elems []slack.MixedElement
		for _, c := range ctx {
			elems = append(elems, slack.NewTextBlockObject(slack.MarkdownType, slackmsg.Truncate(c, slackmsg.MaxSectionText), false, false))
		}
		final = append(final, slack.NewContextBlock("draft_basis", elems...))
	}
	if btns := draftButtons(d, mode); len(btns) > 0 {
		elems := make([]slack.BlockElement, len(btns))
		for i, btn := range btns {
			elems[i] = btn
		}
		final = append(final, slack.NewActionBlock("draft_actions", elems...))
	}
	b.Final(final...)
	text := fmt.Sprintf("Draft to %s (%s), %s: %s", d.ContactName, bs.AccountName, ch.Label(), d.Body)
	return slackmsg.Response{Text: slackmsg.Clip(text, 300), Blocks: b.Blocks(), InChannel: mode == modeShared}
}

// basisContext says what the draft was written from: the signal, the pain point, the peer.
func basisContext(bs store.DraftBasis) []string {
	var out []string
	if bs.SignalTitle != "" {
		s := "*Signal:* " + slackmsg.Link(bs.SignalURL, bs.SignalTitle) + " · " + slackmsg.Escape(templates.KindLabel(bs.SignalKind))
		if bs.SignalDate != "" {
			s += " · " + bs.SignalDate
		}
		out = append(out, s)
	} else {
		out = append(out, "*Signal:* none public (not warm)")
	}
	if bs.PainTitle != "" {
		s := "*Pain point:* " + slackmsg.Escape(bs.PainTitle)
		if bs.PainObserved {
			s += " — shown by " + slackmsg.Escape(bs.AccountName)
			if bs.PainEvidence != "" {
				s += ": " + slackmsg.Escape(bs.PainEvidence)
			}
		} else {
			s += " — typical for its stage, not shown by " + slackmsg.Escape(bs.AccountName) + " in public"
		}
		out = append(out, s)
	}
	if bs.PeerName != "" {
		out = append(out, "*Peer:* "+slackmsg.Escape(bs.PeerName)+" "+slackmsg.Escape(bs.PeerOutcome)+" ("+slackmsg.Escape(bs.PeerWhy)+")")
	}
	return out
}

func draftButtons(d *store.OutreachDraft, mode draftMode) []*slack.ButtonBlockElement {
	if mode == modeShared || mode == modePreview {
		return nil
	}
	id := strconv.FormatInt(d.ID, 10)
	share := mode == modeInteractive
	var out []*slack.ButtonBlockElement
	switch {
	case d.RepliedAt != nil:
	case d.SentAt != nil:
		out = append(out, slackmsg.Button(ActionDraftReplied, "Mark replied", id, slack.StylePrimary))
	default:
		out = append(out, slackmsg.Button(ActionDraftAnother, "Another template", id, ""), slackmsg.Button(ActionDraftEdit, "Edit", id, ""))
		if !overLimit(d) {
			out = append(out, slackmsg.Button(ActionDraftSent, "Mark sent", id, slack.StylePrimary))
		}
	}
	if share {
		out = append(out, slackmsg.Button(ActionDraftShare, "Share to channel", id, ""))
	}
	return out
}

// editModal is the editor of a draft, prefilled with its text; private_metadata is its id.
func editModal(d *store.OutreachDraft) *slack.ModalViewRequest {
	ch := templates.Channel(d.Channel)
	body := slack.NewPlainTextInputBlockElement(nil, "body")
	body.Multiline = true
	body.InitialValue = d.Body
	body.MaxLength = min(max(d.CharLimit, utf8.RuneCountInString(d.Body)), templates.MaxSourceChars)
	blocks := []slack.Block{
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf("To *%s* at %s · %s · at most %s characters",
			slackmsg.Escape(d.ContactName), slackmsg.Escape(d.Basis.AccountName), ch.Label(), slackmsg.Count(d.CharLimit)), false, false)),
	}
	if d.Subject != "" || ch == templates.Email {
		subj := slack.NewPlainTextInputBlockElement(nil, "subject")
		subj.InitialValue = d.Subject
		subj.MaxLength = templates.MaxSubjectChars
		blocks = append(blocks, slack.NewInputBlock("subject", slack.NewTextBlockObject(slack.PlainTextType, "Subject", false, false), nil, subj))
	}
	blocks = append(blocks, slack.NewInputBlock("body", slack.NewTextBlockObject(slack.PlainTextType, "Message", false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Saved as a new version of this draft; Mark sent and Share use it.", false, false), body))
	return &slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      ViewDraftEdit,
		PrivateMetadata: strconv.FormatInt(d.ID, 10),
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Edit draft", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		Close:           slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}
