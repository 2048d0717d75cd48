package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"outreachbot/store/seed"

	"gorm.io/gorm"
)

// Draft statuses: drafted, then sent (a touch), then replied.
const (
	DraftDrafted = "drafted"
	DraftSent    = "sent"
	DraftReplied = "replied"
)

// Outreach log event kinds.
const (
	EventDrafted = "drafted"
	EventEdited  = "edited"
	EventSent    = "sent"
	EventReplied = "replied"
	EventShared  = "shared"
)

// OutreachDraft is one drafted message to a contact, as it stands now.
type OutreachDraft struct {
	ID              int64
	AccountID       int64
	ContactID       *int64
	ContactName     string
	SignalID        *int64
	PainKey         string
	Basis           DraftBasis `gorm:"serializer:json"`
	Template        string
	TemplateVersion int // 0 = the shipped template
	Channel         string
	Subject         string
	Body            string
	CharLimit       int
	Status          string
	Author          string // Slack user id
	SlackChannel    string // where it was drafted
	CreatedAt       time.Time
	UpdatedAt       time.Time
	SentAt          *time.Time
	SentBy          string
	RepliedAt       *time.Time
	RepliedBy       string
}

// DraftBasis is what a draft was written from, kept as it was when drafted.
type DraftBasis struct {
	AccountName  string `json:"account_name"`
	ContactTitle string `json:"contact_title,omitempty"`
	SignalTitle  string `json:"signal_title,omitempty"`
	SignalURL    string `json:"signal_url,omitempty"`
	SignalKind   string `json:"signal_kind,omitempty"`
	SignalDate   string `json:"signal_date,omitempty"`
	PainTitle    string `json:"pain_title,omitempty"`
	PainObserved bool   `json:"pain_observed,omitempty"`
	PainEvidence string `json:"pain_evidence,omitempty"`
	PeerName     string `json:"peer_name,omitempty"`
	PeerOutcome  string `json:"peer_outcome,omitempty"`
	PeerWhy      string `json:"peer_why,omitempty"`
	Variant      string `json:"variant,omitempty"` // "short" when the shorter variant was used
}

// TableName maps OutreachDraft to its table.
func (OutreachDraft) TableName() string { return "outreach_drafts" }

// OutreachEvent is one line of the outreach log.
type OutreachEvent struct {
	ID        int64
	DraftID   int64
	Kind      string
	AccountID int64
	ContactID *int64
	Template  string
	Actor     string
	Body      string // the text after an edit
	At        time.Time
}

// TableName maps OutreachEvent to its table.
func (OutreachEvent) TableName() string { return "outreach_events" }

// CreateDraft stores a new draft (ID, Status and times are set here) and logs it.
func (s *Store) CreateDraft(ctx context.Context, d *OutreachDraft, at time.Time) error {
	at = at.UTC()
	d.ID, d.Status, d.CreatedAt, d.UpdatedAt = 0, DraftDrafted, at, at
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(d).Error; err != nil {
			return err
		}
		return logEvent(tx, d, EventDrafted, d.Author, "", at)
	})
	if err != nil {
		return fmt.Errorf("create draft: %w", err)
	}
	return nil
}

// DraftByID fetches a draft.
func (s *Store) DraftByID(ctx context.Context, id int64) (*OutreachDraft, error) {
	return byID[OutreachDraft](ctx, s.db, "draft", id)
}

// ErrDraftSent is returned when an edit reaches a draft that was marked sent: what was sent is
// the record of the touch and does not change.
var ErrDraftSent = errors.New("the draft was marked sent")

// EditDraft saves new text for a draft that is not marked sent and logs the edit with the text.
// The check and the write are one statement, so a Mark sent racing the edit wins cleanly.
func (s *Store) EditDraft(ctx context.Context, id int64, subject, body, actor string, at time.Time) (*OutreachDraft, error) {
	return s.changeDraft(ctx, id, EventEdited, actor, body, at, func(tx *gorm.DB, d *OutreachDraft) (bool, error) {
		res := tx.Model(&OutreachDraft{}).Where("id = ? AND sent_at IS NULL", id).
			Updates(map[string]any{"subject": subject, "body": body, "updated_at": at.UTC()})
		if res.Error != nil {
			return false, res.Error
		}
		if res.RowsAffected == 0 {
			return false, ErrDraftSent
		}
		d.Subject, d.Body, d.UpdatedAt = subject, body, at.UTC()
		return true, nil
	})
}

// MarkDraftSent records that a draft was sent: a touch of its contact. changed is false when it
// was already marked (by anyone), so a double click records one touch.
func (s *Store) MarkDraftSent(ctx context.Context, id int64, actor string, at time.Time) (d *OutreachDraft, changed bool, err error) {
	d, err = s.changeDraft(ctx, id, EventSent, actor, "", at, func(tx *gorm.DB, d *OutreachDraft) (bool, error) {
		ok, err := stampOnce(tx, d, "sent", DraftSent, actor, at)
		changed = ok
		return ok, err
	})
	return d, changed, err
}

// stampOnce moves draft d to status and records who (<step>_by) and when (<step>_at), unless
// someone recorded that step before: then it changes nothing and answers false, so a double
// click counts once. d is read again after the change.
func stampOnce(tx *gorm.DB, d *OutreachDraft, step, status, actor string, at time.Time) (bool, error) {
	res := tx.Model(&OutreachDraft{}).Where("id = ? AND "+step+"_at IS NULL", d.ID).
		Updates(map[string]any{"status": status, step + "_at": at.UTC(), step + "_by": actor, "updated_at": at.UTC()})
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
	return true, tx.Take(d, d.ID).Error
}

// ErrNotSent is returned when a reply is recorded for a draft that was never marked sent.
var ErrNotSent = errors.New("the draft was not marked sent")

// MarkDraftReplied records that the contact answered a sent draft. changed is false when it was
// already marked.
func (s *Store) MarkDraftReplied(ctx context.Context, id int64, actor string, at time.Time) (d *OutreachDraft, changed bool, err error) {
	d, err = s.changeDraft(ctx, id, EventReplied, actor, "", at, func(tx *gorm.DB, d *OutreachDraft) (bool, error) {
		if d.SentAt == nil {
			return false, ErrNotSent
		}
		ok, err := stampOnce(tx, d, "replied", DraftReplied, actor, at)
		changed = ok
		return ok, err
	})
	return d, changed, err
}

// LogDraftShared records that a draft was shown to a channel.
func (s *Store) LogDraftShared(ctx context.Context, id int64, actor string, at time.Time) (*OutreachDraft, error) {
	return s.changeDraft(ctx, id, EventShared, actor, "", at, func(*gorm.DB, *OutreachDraft) (bool, error) {
		return true, nil
	})
}

// changeDraft loads a draft in a transaction, applies change and, when it changed something,
// logs the event.
func (s *Store) changeDraft(ctx context.Context, id int64, kind, actor, body string, at time.Time,
	change func(tx *gorm.DB, d *OutreachDraft) (bool, error)) (*OutreachDraft, error) {
	var d OutreachDraft
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Take(&d, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		changed, err := change(tx, &d)
		if err != nil || !changed {
			return err
		}
		return logEvent(tx, &d, kind, actor, body, at)
	})
	if err != nil {
		return nil, fmt.Errorf("draft %d %s: %w", id, kind, err)
	}
	return &d, nil
}

func logEvent(tx *gorm.DB, d *OutreachDraft, kind, actor, body string, at time.Time) error {
	return tx.Create(&OutreachEvent{DraftID: d.ID, Kind: kind, AccountID: d.AccountID, ContactID: d.ContactID,
		Template: d.Template, Actor: actor, Body: body, At: at.UTC()}).Error
}

// DraftEvents lists a draft's log, oldest first.
func (s *Store) DraftEvents(ctx context.Context, draftID int64) ([]OutreachEvent, error) {
	q := s.db.WithContext(ctx).Where("draft_id = ?", draftID).Order("id")
	return findAll[OutreachEvent](q, "draft %d events", draftID)
}

// Touch is the last time someone was written to: a draft marked sent.
type Touch struct {
	DraftID     int64
	ContactID   *int64
	ContactName string
	Template    string
	Channel     string
	Status      string
	By          string
	At          time.Time
}

// LastTouchOfContact returns the latest sent draft to a contact, or nil when there is none.
func (s *Store) LastTouchOfContact(ctx context.Context, contactID int64) (*Touch, error) {
	return s.lastTouch(ctx, "contact_id = ?", contactID)
}

// LastTouchOfAccount returns the latest sent draft to anyone at an account, or nil.
func (s *Store) LastTouchOfAccount(ctx context.Context, accountID int64) (*Touch, error) {
	return s.lastTouch(ctx, "account_id = ?", accountID)
}

func (s *Store) lastTouch(ctx context.Context, where string, id int64) (*Touch, error) {
	q := s.db.WithContext(ctx).Where(where+" AND sent_at IS NOT NULL", id).Order("sent_at DESC, id DESC").Limit(1)
	rows, err := findAll[OutreachDraft](q, "last touch")
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	d := rows[0]
	return &Touch{DraftID: d.ID, ContactID: d.ContactID, ContactName: d.ContactName, Template: d.Template,
		Channel: d.Channel, Status: d.Status, By: d.SentBy, At: *d.SentAt}, nil
}

// TemplateStat is how a template has done.
type TemplateStat struct {
	Template string
	Drafted  int
	Sent     int
	Replied  int
}

// ReplyRate is replies per sent draft (0 when none was sent).
func (t TemplateStat) ReplyRate() float64 {
	if t.Sent == 0 {
		return 0
	}
	return float64(t.Replied) / float64(t.Sent)
}

// TemplateStats counts, per template, the drafts written, sent and answered.
func (s *Store) TemplateStats(ctx context.Context) ([]TemplateStat, error) {
	var out []TemplateStat
	err := s.db.WithContext(ctx).Model(&OutreachDraft{}).
		Select("template, COUNT(*) AS drafted, COUNT(sent_at) AS sent, COUNT(replied_at) AS replied").
		Group("template").Order("template").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("template stats: %w", err)
	}
	return out, nil
}

// OutreachContext is everything a draft for an account is written from.
type OutreachContext struct {
	Account     Account
	Facts       []Fact
	Contacts    []Contact // by decision rank
	Signals     []Signal  // latest first, at most outreachSignals
	Pains       []CardPain
	Competitors []Competitor
	PainPoints  []PainPointNumbers // every pain point, for naming one the account does not show
}

// PainPointNumbers is a pain point with its numbers.
type PainPointNumbers struct {
	PainPoint
	Numbers []Fact
}

// outreachSignals is how many of an account's latest signals a draft chooses from.
const outreachSignals = 50

// OutreachContext fetches an account with its contacts, signals, pains, competitors, and the
// catalogue of pain points.
func (s *Store) OutreachContext(ctx context.Context, accountID int64) (*OutreachContext, error) {
	card, err := s.AccountCard(ctx, accountID)
	if err != nil {
		return nil, err
	}
	oc := &OutreachContext{Account: card.Account, Facts: card.Facts, Contacts: card.Contacts, Pains: card.Pains, Competitors: card.Competitors}
	db := s.db.WithContext(ctx)
	if err := db.Where("account_id = ?", accountID).Order("occurred_at DESC NULLS LAST, id DESC").
		Limit(outreachSignals).Find(&oc.Signals).Error; err != nil {
		return nil, fmt.Errorf("account %d signals: %w", accountID, err)
	}
	pains, err := findAll[PainPoint](db.Order("id"), "pain points")
	if err != nil {
		return nil, err
	}
	numbers, err := findAll[Fact](db.Where("subject_type = ?", FactPainNumber).Order("subject_id, position, id"), "pain numbers")
	if err != nil {
		return nil, err
	}
	byPain := map[int64][]Fact{}
	for _, f := range numbers {
		byPain[f.SubjectID] = append(byPain[f.SubjectID], f)
	}
	for _, p := range pains {
		oc.PainPoints = append(oc.PainPoints, PainPointNumbers{PainPoint: p, Numbers: byPain[p.ID]})
	}
	return oc, nil
}

// PeerOutcome is a result an account reported, which drafts to other accounts can cite.
type PeerOutcome struct {
	AccountID int64
	Name      string
	Industry  string
	Employees int
	// Developers is the developer count an account fact states ("across 5,000+ developers").
	Developers int
	Outcome    string // the fact, e.g. "Reduced site deployment from one month to 20 minutes."
	Figure     string
}

// PeerOutcomes lists the outcomes accounts in production reported, one per account (its first
// outcome fact), with the account's industry and size for choosing a similar peer.
func (s *Store) PeerOutcomes(ctx context.Context) ([]PeerOutcome, error) {
	var rows []struct {
		AccountID int64
		Name      string
		Industry  string
		Employees int
		Text      string
		Figure    string
	}
	err := s.db.WithContext(ctx).Table("facts f").
		Select("a.id AS account_id, a.name, a.industry, a.employees, f.text, f.figure").
		Joins("JOIN accounts a ON a.id = f.subject_id").
		Where("f.subject_type = ? AND a.stage = ?", FactAccount, StageProduction).
		Order("a.id, f.position, f.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("peer outcomes: %w", err)
	}
	var out []PeerOutcome
	idx := map[int64]int{}
	for _, r := range rows {
		i, seen := idx[r.AccountID]
		if !seen {
			idx[r.AccountID] = len(out)
			i = len(out)
			out = append(out, PeerOutcome{AccountID: r.AccountID, Name: r.Name, Industry: r.Industry, Employees: r.Employees})
		}
		if n, _, ok := seed.DeveloperCount(r.Text); ok && out[i].Developers == 0 {
			out[i].Developers = n
		}
		if out[i].Outcome == "" && seed.IsOutcome(r.Text) {
			out[i].Outcome, out[i].Figure = r.Text, r.Figure
		}
	}
	kept := out[:0]
	for _, p := range out {
		if p.Outcome != "" {
			kept = append(kept, p)
		}
	}
	return kept, nil
}

// ContactsOf lists an account's contacts by decision rank.
func (s *Store) ContactsOf(ctx context.Context, accountID int64) ([]Contact, error) {
	q := s.db.WithContext(ctx).Where("account_id = ?", accountID).Order("decision_rank, name")
	return findAll[Contact](q, "account %d contacts", accountID)
}
