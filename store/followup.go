package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Follow-up statuses: open until the rep does it, hears back, or stops it.
const (
	FollowupOpen    = "open"
	FollowupDone    = "done"
	FollowupReplied = "replied"
	FollowupStopped = "stopped"
)

// Followup is a reminder to write again to a contact who has not answered a sent draft.
type Followup struct {
	ID        int64
	DraftID   int64
	Step      int    // 1 = the first follow-up after the send, 2 = the next, …
	UserID    string // the rep who sent the draft and is nudged
	AccountID int64
	DueOn     string // YYYY-MM-DD in Timezone
	Timezone  string // the rep's IANA zone when the follow-up was scheduled
	Status    string
	NudgedAt  *time.Time
	CreatedAt time.Time
	ClosedAt  *time.Time
}

// TableName maps Followup to its table.
func (Followup) TableName() string { return "followups" }

// FollowupDetail is a follow-up with the draft it follows and its account, for lists and nudges.
type FollowupDetail struct {
	Followup
	AccountName string
	Draft       OutreachDraft
}

// DraftsAwaitingFollowup lists drafts sent since the given time, not answered, that have no
// follow-up yet (the scheduler gives each one its first).
func (s *Store) DraftsAwaitingFollowup(ctx context.Context, since time.Time) ([]OutreachDraft, error) {
	q := s.db.WithContext(ctx).
		Where("sent_at IS NOT NULL AND sent_at >= ? AND replied_at IS NULL", since.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM followups f WHERE f.draft_id = outreach_drafts.id)").
		Order("id").Limit(1000)
	return findAll[OutreachDraft](q, "drafts awaiting a follow-up")
}

// CreateFollowup stores a follow-up unless the draft already has one for that step (another
// replica got there first); created says which.
func (s *Store) CreateFollowup(ctx context.Context, f *Followup) (created bool, err error) {
	f.Status = FollowupOpen
	f.CreatedAt = f.CreatedAt.UTC()
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(f)
	if res.Error != nil {
		return false, fmt.Errorf("create follow-up of draft %d: %w", f.DraftID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FollowupsToNudge lists open follow-ups not yet nudged whose due date is on or before
// latestDay (the latest "today" of any time zone), with their drafts, for the scheduler to
// check against each rep's own today.
func (s *Store) FollowupsToNudge(ctx context.Context, latestDay string) ([]FollowupDetail, error) {
	return s.followupDetails(ctx, func(q *gorm.DB) *gorm.DB {
		return q.Where("f.nudged_at IS NULL AND f.due_on <= ?", latestDay)
	})
}

// OpenFollowupsOf lists a rep's open follow-ups, soonest due first.
func (s *Store) OpenFollowupsOf(ctx context.Context, userID string) ([]FollowupDetail, error) {
	return s.followupDetails(ctx, func(q *gorm.DB) *gorm.DB { return q.Where("f.user_id = ?", userID) })
}

// FollowupByID fetches one follow-up with its draft.
func (s *Store) FollowupByID(ctx context.Context, id int64) (*FollowupDetail, error) {
	f, err := byID[Followup](ctx, s.db, "follow-up", id)
	if err != nil {
		return nil, err
	}
	d, err := s.DraftByID(ctx, f.DraftID)
	if err != nil {
		return nil, err
	}
	out := &FollowupDetail{Followup: *f, Draft: *d, AccountName: d.Basis.AccountName}
	return out, nil
}

// followupDetails reads open follow-ups of unanswered drafts with their drafts and accounts.
func (s *Store) followupDetails(ctx context.Context, where func(*gorm.DB) *gorm.DB) ([]FollowupDetail, error) {
	db := s.db.WithContext(ctx)
	q := db.Table("followups f").Select("f.*").
		Joins("JOIN outreach_drafts d ON d.id = f.draft_id").
		Where("f.status = ? AND d.replied_at IS NULL", FollowupOpen)
	fs, err := findAll[Followup](where(q).Order("f.due_on, f.id").Limit(500), "follow-ups")
	if err != nil || len(fs) == 0 {
		return nil, err
	}
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.DraftID
	}
	drafts, err := findAll[OutreachDraft](db.Where("id IN ?", ids), "follow-up drafts")
	if err != nil {
		return nil, err
	}
	byID := map[int64]OutreachDraft{}
	accIDs := make([]int64, 0, len(drafts))
	for _, d := range drafts {
		byID[d.ID] = d
		accIDs = append(accIDs, d.AccountID)
	}
	names, err := s.accountNamesByID(ctx, accIDs)
	if err != nil {
		return nil, err
	}
	out := make([]FollowupDetail, 0, len(fs))
	for _, f := range fs {
		d := byID[f.DraftID]
		name := names[d.AccountID]
		if name == "" {
			name = d.Basis.AccountName
		}
		out = append(out, FollowupDetail{Followup: f, Draft: d, AccountName: name})
	}
	return out, nil
}

// accountNamesByID maps each of the accounts ids names to its name.
func (s *Store) accountNamesByID(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil // AccountNames of no ids lists every account
	}
	accs, err := s.AccountNames(ctx, ids...)
	if err != nil {
		return nil, err
	}
	for _, a := range accs {
		out[a.ID] = a.Name
	}
	return out, nil
}

// ClaimNudge records that a rep is nudged on a day (their own calendar day). It returns false
// when that rep was already nudged that day, by this replica or another: one nudge a day.
func (s *Store) ClaimNudge(ctx context.Context, userID, day string, followups int, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(
		"INSERT INTO followup_nudges (user_id, day, followups, at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, day) DO NOTHING",
		userID, day, followups, at.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("claim nudge of %s on %s: %w", userID, day, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// MarkNudged records when follow-ups were put in a nudge.
func (s *Store) MarkNudged(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.db.WithContext(ctx).Model(&Followup{}).Where("id IN ?", ids).Update("nudged_at", at.UTC()).Error; err != nil {
		return fmt.Errorf("mark follow-ups nudged: %w", err)
	}
	return nil
}

// CloseFollowup ends an open follow-up (done, replied or stopped). changed is false when it was
// no longer open (a double click, or another replica).
func (s *Store) CloseFollowup(ctx context.Context, id int64, status string, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Followup{}).Where("id = ? AND status = ?", id, FollowupOpen).
		Updates(map[string]any{"status": status, "closed_at": at.UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("close follow-up %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CloseFollowupsOfDraft ends every open follow-up of a draft (its contact replied, or the rep
// stopped following up).
func (s *Store) CloseFollowupsOfDraft(ctx context.Context, draftID int64, status string, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&Followup{}).Where("draft_id = ? AND status = ?", draftID, FollowupOpen).
		Updates(map[string]any{"status": status, "closed_at": at.UTC()}).Error
	if err != nil {
		return fmt.Errorf("close follow-ups of draft %d: %w", draftID, err)
	}
	return nil
}

// SnoozeFollowup moves an open follow-up to a later day; it will be nudged again that day.
func (s *Store) SnoozeFollowup(ctx context.Context, id int64, dueOn string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Followup{}).Where("id = ? AND status = ?", id, FollowupOpen).
		Updates(map[string]any{"due_on": dueOn, "nudged_at": nil})
	if res.Error != nil {
		return false, fmt.Errorf("snooze follow-up %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// NewestSignalSince returns the account's newest signal found after a time, or nil.
func (s *Store) NewestSignalSince(ctx context.Context, accountID int64, since time.Time) (*Signal, error) {
	q := s.db.WithContext(ctx).Where("account_id = ? AND discovered_at > ?", accountID, since.UTC()).
		Order("discovered_at DESC, id DESC").Limit(1)
	out, err := findAll[Signal](q, "account %d newest signal", accountID)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

// ReplyStat is how often sent drafts of one kind (a template, a pain point, a signal kind) were
// answered.
type ReplyStat struct {
	Key     string
	Sent    int
	Replied int
}

// ReplyRate is replies per sent draft (0 when none was sent).
func (r ReplyStat) ReplyRate() float64 {
	return TemplateStat{Sent: r.Sent, Replied: r.Replied}.ReplyRate()
}

// ReplyStats counts sent and answered drafts by the pain point they named and by the kind of
// signal they named (from what each draft was written from); TemplateStats counts by template.
func (s *Store) ReplyStats(ctx context.Context) (byPain, byKind []ReplyStat, err error) {
	q := s.db.WithContext(ctx).Select("id, pain_key, basis, sent_at, replied_at").Where("sent_at IS NOT NULL")
	rows, err := findAll[OutreachDraft](q, "reply stats")
	if err != nil {
		return nil, nil, err
	}
	tally := func(m map[string]*ReplyStat, key string, replied bool) {
		if key == "" {
			return
		}
		st := m[key]
		if st == nil {
			st = &ReplyStat{Key: key}
			m[key] = st
		}
		st.Sent++
		if replied {
			st.Replied++
		}
	}
	pm, km := map[string]*ReplyStat{}, map[string]*ReplyStat{}
	for _, d := range rows {
		replied := d.RepliedAt != nil
		tally(pm, d.PainKey, replied)
		tally(km, d.Basis.SignalKind, replied)
	}
	return sortedStats(pm), sortedStats(km), nil
}

// sortedStats orders by reply rate, then by how many were sent, then by key.
func sortedStats(m map[string]*ReplyStat) []ReplyStat {
	out := make([]ReplyStat, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.ReplyRate() != b.ReplyRate() {
			return a.ReplyRate() > b.ReplyRate()
		}
		if a.Sent != b.Sent {
			return a.Sent > b.Sent
		}
		return a.Key < b.Key
	})
	return out
}

// followupLockClass namespaces the follow-up pass's advisory lock.
const followupLockClass = 0x66757073 // "fups"

// TryLockFollowups takes the lock of the follow-up pass (scheduling and nudging) if it is free:
// the same advisory lock as the digests', so one replica at a time does the pass.
func (s *Store) TryLockFollowups(ctx context.Context) (*SubscriptionLock, bool, error) {
	l, ok, err := s.tryLock(ctx, followupLockClass, 0)
	if err != nil {
		return nil, false, fmt.Errorf("lock follow-ups: %w", err)
	}
	return l, ok, nil
}
