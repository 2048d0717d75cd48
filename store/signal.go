package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SignalKinds are the kinds of signal the bot knows, in the order pickers show them.
var SignalKinds = []struct {
	Kind  string
	Label string
}{
	{"competitor_evaluation", "Competitor evaluation"},
	{"job_posting", "Job posting"},
	{"github_issue", "GitHub issue"},
	{"github_pr", "GitHub pull request"},
	{"conference_talk", "Conference talk"},
	{"speaker_profile", "Speaker profile"},
	{"adopters_entry", "ADOPTERS.md entry"},
	{"blog_post", "Blog post"},
	{"linkedin_post", "LinkedIn post"},
	{"community_post", "Community post"},
	{"news", "News"},
}

// IsSignalKind reports whether kind is one of SignalKinds.
func IsSignalKind(kind string) bool {
	for _, k := range SignalKinds {
		if k.Kind == kind {
			return true
		}
	}
	return false
}

// SignalKindLabel is the human wording of a kind ("job_posting" → "Job posting").
func SignalKindLabel(kind string) string {
	for _, k := range SignalKinds {
		if k.Kind == kind {
			return k.Label
		}
	}
	if kind == "" {
		return "Signal"
	}
	s := strings.ReplaceAll(kind, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// SignalDetail is a signal with what scoring and rendering need: the account it is about (its
// own, or else the first account its text mentions), the seniority of its person when that
// person is a known contact, and the pain points its text shows.
type SignalDetail struct {
	Signal
	Note        string
	AddedBy     string
	AccountName string
	Industry    string
	Employees   int
	Region      string
	HQ          string `gorm:"column:hq"`
	Stage       Stage
	// Role is the account's role: a competitor's or vendor's signals are competitive
	// intelligence, not prompts to reach out.
	Role Role
	// Country and Engineers may be inferred (see Account.Inferred).
	Country     string
	Engineers   int
	OwnerUserID string
	// ContactRank is the decision rank of the signal's person among the account's contacts
	// (1 = most decision power), or 0 when the person is not a known contact.
	ContactRank int
	// Pains are the titles of the pain points the signal's text mentions.
	Pains []string `gorm:"-"`
}

// signalDetailRow is what the detail query scans into; the pain titles arrive joined.
type signalDetailRow struct {
	SignalDetail
	PainList string `gorm:"column:pain_list"`
}

// painSep joins pain titles inside the query; no title contains the unit separator.
const painSep = "\x1f"

// detailSQL is the select every signal list shares. extra adds columns, join adds joins after the
// account join, and where (with its own args) filters.
func (s *Store) detailSQL(extra, join, where, order string) string {
	agg := "group_concat(p.title, char(31))"
	if s.dialect == Postgres {
		agg = "string_agg(p.title, chr(31))"
	}
	var b strings.Builder
	b.WriteString(`SELECT s.id, s.kind, s.title, s.summary, s.url, s.person, s.occurred_at, s.discovered_at,
  s.source, s.dedupe_key, s.note, s.added_by, a.id AS account_id,
  COALESCE(a.name, '') AS account_name, COALESCE(a.industry, '') AS industry,
  COALESCE(a.employees, 0) AS employees, COALESCE(a.region, '') AS region, COALESCE(a.hq, '') AS hq,
  COALESCE(a.stage, '') AS stage, COALESCE(a.owner_user_id, '') AS owner_user_id,
  COALESCE((SELECT MIN(c.decision_rank) FROM contacts c WHERE c.account_id = a.id AND s.person <> ''
    AND (LOWER(c.name) = LOWER(s.person) OR SUBSTR(LOWER(s.person), 1, LENGTH(c.name) + 1) = LOWER(c.name) || ',')), 0) AS contact_rank,
  COALESCE((SELECT ` + agg + ` FROM signal_mentions m JOIN pain_points p ON p.id = m.ref_id
    WHERE m.signal_id = s.id AND m.kind = 'pain'), '') AS pain_list,
  s.baseline, COALESCE(a.role, '') AS role, COALESCE(a.country, '') AS country,
  COALESCE(a.engineers, 0) AS engineers`)
	b.WriteString(extra)
	b.WriteString(`
FROM signals s
LEFT JOIN accounts a ON a.id = COALESCE(s.account_id,
  (SELECT MIN(m.ref_id) FROM signal_mentions m WHERE m.signal_id = s.id AND m.kind = 'account'))`)
	b.WriteString(join)
	if where != "" {
		b.WriteString("\nWHERE " + where)
	}
	if order != "" {
		b.WriteString("\nORDER BY " + order)
	}
	return b.String()
}

// scanDetails runs a detailSQL query and scans its rows by hand (ten times faster than
// reflection for the tens of thousands of rows a big digest reads). extra, when set, gives the
// destinations of the columns after the detail ones for row i.
func (s *Store) scanDetails(db *gorm.DB, query string, args []any, extra func(i int) []any) ([]SignalDetail, error) {
	rows, err := db.Raw(query, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SignalDetail
	for i := 0; rows.Next(); i++ {
		var (
			d        SignalDetail
			occurred sql.NullTime
			account  sql.NullInt64
			pains    string
			stage    string
			role     string
		)
		dest := []any{&d.ID, &d.Kind, &d.Title, &d.Summary, &d.URL, &d.Person, &occurred, &d.DiscoveredAt,
			&d.Source, &d.DedupeKey, &d.Note, &d.AddedBy, &account, &d.AccountName, &d.Industry,
			&d.Employees, &d.Region, &d.HQ, &stage, &d.OwnerUserID, &d.ContactRank, &pains,
			&d.Baseline, &role, &d.Country, &d.Engineers}
		if extra != nil {
			dest = append(dest, extra(i)...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if occurred.Valid {
			t := occurred.Time
			d.OccurredAt = &t
		}
		if account.Valid {
			id := account.Int64
			d.AccountID = &id
		}
		d.Stage, d.Role = Stage(stage), Role(role)
		if pains != "" {
			d.Pains = strings.Split(pains, painSep)
			sort.Strings(d.Pains)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (r *signalDetailRow) detail() SignalDetail {
	d := r.SignalDetail
	if r.PainList != "" {
		d.Pains = strings.Split(r.PainList, painSep)
		sort.Strings(d.Pains)
	}
	return d
}

func detailsOf(rows []signalDetailRow) []SignalDetail {
	out := make([]SignalDetail, len(rows))
	for i := range rows {
		out[i] = rows[i].detail()
	}
	return out
}

// SaveSignal stores a signal someone saved by hand. When its dedupe key is already stored it
// stores nothing and returns the signal already there with created false.
func (s *Store) SaveSignal(ctx context.Context, sig Signal, note, addedBy string) (Signal, bool, error) {
	if sig.DedupeKey == "" {
		return Signal{}, false, fmt.Errorf("save signal %q: no dedupe key", sig.Title)
	}
	if sig.DiscoveredAt.IsZero() {
		sig.DiscoveredAt = time.Now()
	}
	sig.DiscoveredAt = sig.DiscoveredAt.UTC()
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`INSERT INTO signals
  (account_id, kind, title, summary, url, person, occurred_at, discovered_at, source, dedupe_key, note, added_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
		sig.AccountID, sig.Kind, sig.Title, sig.Summary, sig.URL, sig.Person, sig.OccurredAt, sig.DiscoveredAt,
		sig.Source, sig.DedupeKey, note, addedBy).Scan(&ids).Error
	if err != nil {
		return Signal{}, false, fmt.Errorf("save signal %q: %w", sig.DedupeKey, err)
	}
	if len(ids) == 1 {
		sig.ID = ids[0]
		return sig, true, nil
	}
	var existing Signal
	if err := s.db.WithContext(ctx).Where("dedupe_key = ?", sig.DedupeKey).Take(&existing).Error; err != nil {
		return Signal{}, false, fmt.Errorf("saved signal %q: %w", sig.DedupeKey, err)
	}
	return existing, false, nil
}

// SignalDetailByID fetches one signal with its details.
func (s *Store) SignalDetailByID(ctx context.Context, id int64) (*SignalDetail, error) {
	var rows []signalDetailRow
	if err := s.db.WithContext(ctx).Raw(s.detailSQL("", "", "s.id = ?", ""), id).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("signal %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("signal %d: %w", id, ErrNotFound)
	}
	d := rows[0].detail()
	return &d, nil
}

// SignalQuery narrows /signals. Zero fields do not filter.
type SignalQuery struct {
	AccountID int64
	Since     time.Time
	Kinds     []string
	Limit     int
}

// SignalsMatching lists the latest signals that pass the query, newest first, and how many pass.
func (s *Store) SignalsMatching(ctx context.Context, q SignalQuery) ([]SignalDetail, int64, error) {
	var conds []string
	var args []any
	if q.AccountID != 0 {
		conds = append(conds, "a.id = ?")
		args = append(args, q.AccountID)
	}
	if q.AccountID == 0 || !q.Since.IsZero() {
		// What was already true when the bot first looked is not news; an account's own full
		// list still shows it.
		conds = append(conds, "NOT s.baseline")
	}
	if !q.Since.IsZero() {
		conds = append(conds, "(s.discovered_at >= ? OR s.occurred_at >= ?)")
		args = append(args, q.Since.UTC(), q.Since.UTC())
	}
	if len(q.Kinds) > 0 {
		conds = append(conds, "s.kind IN ?")
		args = append(args, q.Kinds)
	}
	where := strings.Join(conds, " AND ")
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	db := s.db.WithContext(ctx)
	var total int64
	countSQL := `SELECT COUNT(*) FROM signals s
LEFT JOIN accounts a ON a.id = COALESCE(s.account_id,
  (SELECT MIN(m.ref_id) FROM signal_mentions m WHERE m.signal_id = s.id AND m.kind = 'account'))`
	if where != "" {
		countSQL += " WHERE " + where
	}
	if err := db.Raw(countSQL, args...).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count signals: %w", err)
	}
	var rows []signalDetailRow
	q2 := s.detailSQL("", "", where, "COALESCE(s.occurred_at, s.discovered_at) DESC, s.id DESC") + fmt.Sprintf("\nLIMIT %d", limit)
	if err := db.Raw(q2, args...).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list signals: %w", err)
	}
	return detailsOf(rows), total, nil
}

// Vote values: a signal was useful, or noise.
const (
	VoteUseful = 1
	VoteNoise  = -1
)

// SignalVote is one person's verdict on a signal.
type SignalVote struct {
	SignalID int64  `gorm:"primaryKey"`
	UserID   string `gorm:"primaryKey"`
	Vote     int
	Kind     string
	Source   string
	VotedAt  time.Time
}

// TableName maps SignalVote to its table.
func (SignalVote) TableName() string { return "signal_votes" }

// VoteTally counts the votes on signals of one kind from one source.
type VoteTally struct {
	Kind   string
	Source string
	Useful int
	Noise  int
}

// RecordVote stores a user's vote on a signal (a later vote replaces theirs) and returns the
// tally for the signal's kind and source.
func (s *Store) RecordVote(ctx context.Context, signalID int64, userID string, vote int, at time.Time) (VoteTally, error) {
	if vote != VoteUseful && vote != VoteNoise {
		return VoteTally{}, fmt.Errorf("vote %d on signal %d: want %d or %d", vote, signalID, VoteUseful, VoteNoise)
	}
	var tally VoteTally
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var sig Signal
		if err := tx.Select("id, kind, source").Take(&sig, signalID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		v := SignalVote{SignalID: signalID, UserID: userID, Vote: vote, Kind: sig.Kind, Source: sig.Source, VotedAt: at.UTC()}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "signal_id"}, {Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"vote", "voted_at"}),
		}).Create(&v).Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT kind, source, COALESCE(SUM(CASE WHEN vote > 0 THEN 1 ELSE 0 END), 0) AS useful,
  COALESCE(SUM(CASE WHEN vote < 0 THEN 1 ELSE 0 END), 0) AS noise
FROM signal_votes WHERE kind = ? AND source = ? GROUP BY kind, source`, sig.Kind, sig.Source).Scan(&tally).Error
	})
	if err != nil {
		return VoteTally{}, fmt.Errorf("vote on signal %d: %w", signalID, err)
	}
	return tally, nil
}

// VoteTallies counts every vote by kind and source, most votes first.
func (s *Store) VoteTallies(ctx context.Context) ([]VoteTally, error) {
	var out []VoteTally
	err := s.db.WithContext(ctx).Raw(`SELECT kind, source, SUM(CASE WHEN vote > 0 THEN 1 ELSE 0 END) AS useful,
  SUM(CASE WHEN vote < 0 THEN 1 ELSE 0 END) AS noise
FROM signal_votes GROUP BY kind, source ORDER BY COUNT(*) DESC, kind, source`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("vote tallies: %w", err)
	}
	return out, nil
}
