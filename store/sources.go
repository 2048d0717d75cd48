package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Watch source kinds.
const (
	SourceFeed       = "feed"       // an RSS or Atom feed; Target is its URL
	SourceGitHub     = "github"     // a repository's issues and pull requests; Target is owner/repo
	SourceAdopters   = "adopters"   // Backstage ADOPTERS.md; Target is the raw file's URL
	SourceGreenhouse = "greenhouse" // a Greenhouse job board; Target is the board token
	SourceLever      = "lever"      // a Lever job board; Target is the company's Lever name
)

// SourceKinds lists every kind a watch source may have.
var SourceKinds = []string{SourceFeed, SourceGitHub, SourceAdopters, SourceGreenhouse, SourceLever}

// WatchSource is a public source the watchers fetch on a cron schedule, with the state of its
// last run (what /sources shows) and what a conditional request needs next time.
type WatchSource struct {
	Key      string `gorm:"primaryKey"`
	Kind     string
	Target   string
	Account  string // the account the source belongs to (a blog's or a job board's company), by name or domain
	Schedule string // a cron expression ("*/30 * * * *") or descriptor ("@hourly", "@every 2h")
	Enabled  bool
	AddedBy  string
	// CreatedAt is set by the database on insert.
	CreatedAt time.Time `gorm:"<-:false"`

	LastRunAt      *time.Time
	LastOKAt       *time.Time `gorm:"column:last_ok_at"`
	LastDurationMS int64      `gorm:"column:last_duration_ms"`
	ItemsSeen      int        // items the last successful run read
	ItemsFound     int        // new signals the last successful run stored
	TotalFound     int64
	LastError      string
	Failures       int // consecutive failed runs
	NextRunAt      *time.Time
	LeaseUntil     *time.Time
	ETag           string `gorm:"column:etag"`
	LastModified   string
	Cursor         string
}

// TableName maps WatchSource to its table.
func (WatchSource) TableName() string { return "watch_sources" }

// WatchSources lists every configured source by key.
func (s *Store) WatchSources(ctx context.Context) ([]WatchSource, error) {
	q := s.db.WithContext(ctx).Order("key")
	return findAll[WatchSource](q, "watch sources")
}

// WatchSourceByKey fetches one source; ErrNotFound if there is none.
func (s *Store) WatchSourceByKey(ctx context.Context, key string) (*WatchSource, error) {
	return take[WatchSource](s.db.WithContext(ctx).Where("key = ?", key), "watch source %q", key)
}

// SaveWatchSource adds a source or changes its configuration (kind, target, account, schedule,
// enabled), keeping its run history. A changed source is due at once; one that now watches
// another kind or target also forgets the old one's ETag, Last-Modified and cursor, which would
// otherwise skip the new target's first items.
func (s *Store) SaveWatchSource(ctx context.Context, ws WatchSource) error {
	return saveWatchSource(s.db.WithContext(ctx), ws)
}

// SaveWatchSources saves several sources as SaveWatchSource does, all or none.
func (s *Store) SaveWatchSources(ctx context.Context, list []WatchSource) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, ws := range list {
			if err := saveWatchSource(tx, ws); err != nil {
				return err
			}
		}
		return nil
	})
}

func saveWatchSource(db *gorm.DB, ws WatchSource) error {
	ws.NextRunAt = nil
	err := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: append(clause.AssignmentColumns([]string{"kind", "target", "account", "schedule", "enabled", "next_run_at"}), resetIfRetargeted("etag", "last_modified", "cursor")...),
	}).Select("key", "kind", "target", "account", "schedule", "enabled", "added_by", "next_run_at").Create(&ws).Error
	if err != nil {
		return fmt.Errorf("save watch source %q: %w", ws.Key, err)
	}
	return nil
}

// resetIfRetargeted empties columns in an upsert when the row's kind or target changes. The
// right-hand sides read the row as it was, on PostgreSQL and SQLite alike.
func resetIfRetargeted(cols ...string) clause.Set {
	out := make(clause.Set, len(cols))
	for i, c := range cols {
		out[i] = clause.Assignment{Column: clause.Column{Name: c}, Value: gorm.Expr(
			"CASE WHEN watch_sources.kind = excluded.kind AND watch_sources.target = excluded.target THEN watch_sources." + c + " ELSE '' END")}
	}
	return out
}

// RemoveWatchSource deletes a source; ErrNotFound if there is none.
func (s *Store) RemoveWatchSource(ctx context.Context, key string) error {
	r := s.db.WithContext(ctx).Where("key = ?", key).Delete(&WatchSource{})
	if r.Error != nil {
		return fmt.Errorf("remove watch source %q: %w", key, r.Error)
	}
	if r.RowsAffected == 0 {
		return fmt.Errorf("watch source %q: %w", key, ErrNotFound)
	}
	return nil
}

// DueWatchSources lists the enabled sources whose next run is due at now and that no replica is
// running.
func (s *Store) DueWatchSources(ctx context.Context, now time.Time) ([]WatchSource, error) {
	q := s.db.WithContext(ctx).
		Where("enabled = ? AND (next_run_at IS NULL OR next_run_at <= ?) AND (lease_until IS NULL OR lease_until < ?)", true, now, now).
		// Never-run and "run now" sources (no next run) first, on both engines: PostgreSQL sorts
		// NULLs last and SQLite first.
		Order("next_run_at IS NOT NULL, next_run_at, key")
	return findAll[WatchSource](q, "due watch sources")
}

// ClaimWatchSource takes the run of a source until now+lease, so that only one replica fetches
// it. It returns false when another run holds it.
func (s *Store) ClaimWatchSource(ctx context.Context, key string, now time.Time, lease time.Duration) (bool, error) {
	r := s.db.WithContext(ctx).Model(&WatchSource{}).
		Where("key = ? AND (lease_until IS NULL OR lease_until < ?)", key, now).
		Update("lease_until", now.Add(lease))
	if r.Error != nil {
		return false, fmt.Errorf("claim watch source %q: %w", key, r.Error)
	}
	return r.RowsAffected == 1, nil
}

// WatchRun is the outcome of one run of a source.
type WatchRun struct {
	StartedAt time.Time
	Duration  time.Duration
	// Err is the run's failure, "" on success.
	Err string
	// ItemsSeen and ItemsFound count what a successful run read and newly stored.
	ItemsSeen, ItemsFound int
	// ETag, LastModified and Cursor are what the next run sends and resumes from.
	ETag, LastModified, Cursor string
	// NextRunAt is when the source is due again (the schedule's next time, or the backoff).
	NextRunAt time.Time
}

// RecordWatchRun stores the outcome of a run and releases the source's lease. A failure keeps
// the last success's counts and conditional-request state and counts one more consecutive failure.
func (s *Store) RecordWatchRun(ctx context.Context, key string, run WatchRun) error {
	updates := map[string]any{
		"last_run_at":      run.StartedAt,
		"last_duration_ms": run.Duration.Milliseconds(),
		"last_error":       run.Err,
		"next_run_at":      run.NextRunAt,
		"lease_until":      nil,
	}
	if run.Err == "" {
		updates["last_ok_at"] = run.StartedAt
		updates["items_seen"] = run.ItemsSeen
		updates["items_found"] = run.ItemsFound
		updates["total_found"] = gorm.Expr("total_found + ?", run.ItemsFound)
		updates["failures"] = 0
		updates["etag"] = run.ETag
		updates["last_modified"] = run.LastModified
		updates["cursor"] = run.Cursor
	} else {
		updates["failures"] = gorm.Expr("failures + 1")
	}
	r := s.db.WithContext(ctx).Model(&WatchSource{}).Where("key = ?", key).Updates(updates)
	if r.Error != nil {
		return fmt.Errorf("record run of %q: %w", key, r.Error)
	}
	return nil
}
