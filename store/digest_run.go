package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"outreachbot/slackmsg"
)

// The run ledger of digests: each run a subscription made (a digest or an alert), its pages and
// the signals it claimed, built in one transaction and then posted page by page.

// Run kinds.
const (
	RunScheduled = "scheduled"
	RunManual    = "manual"
	RunAlert     = "alert"
)

// Run states: posting until every page is posted, then done; empty when there was nothing to
// post; failed when Slack refused it for good.
const (
	RunPosting = "posting"
	RunDone    = "done"
	RunEmpty   = "empty"
	RunFailed  = "failed"
)

// Run is one digest or alert: the tick it answers, the window of signals it covers, its state
// and the message it became.
type Run struct {
	ID             int64
	SubscriptionID int64
	Kind           string
	Tick           time.Time
	State          string
	ChannelID      string
	CursorFrom     int64
	CursorTo       int64
	WindowStart    *time.Time
	WindowEnd      time.Time
	MissedTicks    int
	Items          int
	Pages          int
	MessageTS      string
	Attempts       int
	NextAttemptAt  *time.Time
	Error          string
	RequestedBy    string
	CreatedAt      time.Time
	FinishedAt     *time.Time
}

// TableName maps Run to its table.
func (Run) TableName() string { return "digest_runs" }

// Page is one message of a run: page 0 in the channel, the others in its thread. TS is set once
// the message exists (as a placeholder); Posted once it holds the page's signals.
type Page struct {
	RunID  int64  `gorm:"primaryKey"`
	Page   int    `gorm:"primaryKey"`
	TS     string `gorm:"column:ts"`
	Posted bool
}

// TableName maps Page to its table.
func (Page) TableName() string { return "digest_pages" }

// RunItem is a signal a run claims, with where it goes and the score it was given.
type RunItem struct {
	SignalID int64
	Page     int
	Position int
	Score    int
	Why      string
}

// digestItem is the row behind RunItem.
type digestItem struct {
	SubscriptionID int64
	SignalID       int64
	RunID          int64
	Page           int
	Position       int
	Score          int
	Why            string
}

func (digestItem) TableName() string { return "digest_items" }

// ErrRunExists says the run asked for was already built (by this or another replica), or there
// is no longer a reason to build it.
var ErrRunExists = errors.New("run already built")

// RunRequest says which run to build.
type RunRequest struct {
	Kind        string
	Tick        time.Time // the scheduled time answered; for manual and alert runs, the request time
	Now         time.Time
	MissedTicks int // scheduled ticks skipped while nobody was running, caught up by this run
	RequestedBy string
}

// BuildInput is what a build function decides from.
type BuildInput struct {
	Sub        Subscription
	Candidates []SignalDetail
	// RecentAlerts is how many alert posts the subscription made in the last hour (alert runs).
	RecentAlerts int
}

// RunPlan is what a build function decided: the items in order with their pages, and whether
// the subscription's cursor moves past everything read (false keeps them for a later run).
type RunPlan struct {
	Items   []RunItem
	Pages   int
	Advance bool
}

// BuildFunc scores and lays out the candidates; it runs inside the build transaction.
type BuildFunc func(in BuildInput) (RunPlan, error)

// BuildRun builds one run in one transaction: it reads the subscription's new signals, lets
// build decide, claims the chosen signals for the subscription, records the run, its pages and
// the subscription's new cursor. Either all of it is stored or nothing is, so a crash here loses
// nothing and repeats nothing. It returns ErrRunExists when the tick was already answered and
// (nil, nil) for an alert check that found nothing to post. Callers hold the subscription's lock.
func (s *Store) BuildRun(ctx context.Context, subID int64, req RunRequest, build BuildFunc) (*Run, error) {
	var out *Run
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var sub Subscription
		if err := tx.Take(&sub, subID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrRunExists
			}
			return err
		}
		if !sub.Active || (req.Kind == RunScheduled && !sub.LastTick.Before(req.Tick)) {
			return ErrRunExists
		}
		if err := s.noJIT(tx); err != nil {
			return err
		}
		horizon, err := s.horizon(tx)
		if err != nil {
			return err
		}
		from := sub.Cursor
		if req.Kind == RunAlert {
			from = sub.AlertCursor
		}
		cands, err := s.candidates(tx, &sub, from, req.Kind != RunAlert)
		if err != nil {
			return err
		}
		in := BuildInput{Sub: sub, Candidates: cands}
		if req.Kind == RunAlert {
			if in.RecentAlerts, err = recentAlerts(tx, sub.ID, req.Now.Add(-time.Hour)); err != nil {
				return err
			}
		}
		plan, err := build(in)
		if err != nil {
			return err
		}
		if req.Kind == RunAlert && plan.Pages == 0 {
			if plan.Advance {
				return tx.Model(&Subscription{}).Where("id = ?", sub.ID).Update("alert_cursor", horizon).Error
			}
			return nil
		}
		run := &Run{
			SubscriptionID: sub.ID, Kind: req.Kind, Tick: req.Tick.UTC(), State: RunEmpty, ChannelID: sub.ChannelID,
			CursorFrom: from, CursorTo: horizon, WindowStart: sub.LastSuccessAt, WindowEnd: req.Now.UTC(),
			MissedTicks: req.MissedTicks, Items: len(plan.Items), Pages: plan.Pages, RequestedBy: req.RequestedBy,
			CreatedAt: req.Now.UTC(),
		}
		if run.WindowStart == nil {
			run.WindowStart = &sub.CreatedAt
		}
		if plan.Pages > 0 {
			run.State = RunPosting
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(run)
		if res.Error != nil {
			return fmt.Errorf("record run: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrRunExists
		}
		if err := s.claimItems(tx, sub.ID, run.ID, plan.Items); err != nil {
			return err
		}
		if err := insertPages(tx, run.ID, plan.Pages); err != nil {
			return err
		}
		upd := map[string]any{}
		if plan.Advance {
			if req.Kind == RunAlert {
				upd["alert_cursor"] = horizon
			} else {
				upd["cursor"] = horizon
			}
		}
		if req.Kind == RunScheduled {
			upd["last_tick"] = req.Tick.UTC()
		}
		if req.Kind != RunAlert && sub.BackfillFrom != nil {
			upd["backfill_from"] = nil // the first digest is built: later ones read from the cursor only
		}
		if run.State == RunEmpty && req.Kind != RunAlert {
			upd["last_success_at"] = req.Now.UTC()
		}
		if len(upd) > 0 {
			if err := tx.Model(&Subscription{}).Where("id = ?", sub.ID).Updates(upd).Error; err != nil {
				return fmt.Errorf("move cursor: %w", err)
			}
		}
		out = run
		return nil
	}, s.readTx())
	if errors.Is(err, ErrRunExists) {
		return nil, ErrRunExists
	}
	if err != nil {
		return nil, fmt.Errorf("build %s run of subscription %d: %w", req.Kind, subID, err)
	}
	return out, nil
}

// noJIT turns PostgreSQL's JIT compiler off for the rest of the transaction: the per-row probes
// of a big digest push its estimated cost over jit_above_cost, and compiling then costs more
// (15 ms) than the query saves.
func (s *Store) noJIT(tx *gorm.DB) error {
	if s.dialect != Postgres {
		return nil
	}
	return tx.Exec("SET LOCAL jit = off").Error
}

// readTx makes a PostgreSQL transaction read one snapshot throughout, so the horizon and the
// signals read agree. SQLite transactions already do (one writer, BEGIN IMMEDIATE).
func (s *Store) readTx() *sql.TxOptions {
	if s.dialect == Postgres {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead}
	}
	return nil
}

// claimItems records that the subscription has been given these signals. A signal it already
// had means another run claimed it outside the lock: the whole build is undone.
func (s *Store) claimItems(tx *gorm.DB, subID, runID int64, items []RunItem) error {
	if len(items) == 0 {
		return nil
	}
	var inserted int64
	if s.dialect == Postgres {
		ids := make(pgInt64s, len(items))
		pages := make(pgInt64s, len(items))
		pos := make(pgInt64s, len(items))
		scores := make(pgInt64s, len(items))
		whys := make(pgTexts, len(items))
		for i, it := range items {
			ids[i], pages[i], pos[i], scores[i], whys[i] = it.SignalID, int64(it.Page), int64(it.Position), int64(it.Score), it.Why
		}
		res := tx.Exec(`INSERT INTO digest_items (subscription_id, signal_id, run_id, page, position, score, why)
SELECT ?, u.sid, ?, u.pg, u.pos, u.sc, u.why
FROM unnest(CAST(CAST(? AS text) AS bigint[]), CAST(CAST(? AS text) AS int[]), CAST(CAST(? AS text) AS int[]),
  CAST(CAST(? AS text) AS int[]), CAST(CAST(? AS text) AS text[])) AS u(sid, pg, pos, sc, why)
ON CONFLICT DO NOTHING`, subID, runID, ids, pages, pos, scores, whys)
		if res.Error != nil {
			return fmt.Errorf("claim signals: %w", res.Error)
		}
		inserted = res.RowsAffected
	} else {
		rows := make([]digestItem, len(items))
		for i, it := range items {
			rows[i] = digestItem{SubscriptionID: subID, SignalID: it.SignalID, RunID: runID, Page: it.Page,
				Position: it.Position, Score: it.Score, Why: it.Why}
		}
		for len(rows) > 0 {
			n := min(len(rows), 400)
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(rows[:n])
			if res.Error != nil {
				return fmt.Errorf("claim signals: %w", res.Error)
			}
			inserted += res.RowsAffected
			rows = rows[n:]
		}
	}
	if inserted != int64(len(items)) {
		return fmt.Errorf("claim signals: %d of %d were already given to subscription %d", int64(len(items))-inserted, len(items), subID)
	}
	return nil
}

// insertPages records a run's pages, a few hundred per statement.
func insertPages(tx *gorm.DB, runID int64, pages int) error {
	for from := 0; from < pages; from += 400 {
		to := min(pages, from+400)
		var b strings.Builder
		args := make([]any, 0, 2*(to-from))
		b.WriteString("INSERT INTO digest_pages (run_id, page) VALUES ")
		for p := from; p < to; p++ {
			if p > from {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?)")
			args = append(args, runID, p)
		}
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return fmt.Errorf("record pages: %w", err)
		}
	}
	return nil
}

func recentAlerts(tx *gorm.DB, subID int64, since time.Time) (int, error) {
	var n int64
	err := tx.Model(&Run{}).Where("subscription_id = ? AND kind = ? AND state <> ? AND created_at >= ?",
		subID, RunAlert, RunFailed, since.UTC()).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("recent alerts: %w", err)
	}
	return int(n), nil
}

// OpenRuns lists the runs still to post whose next attempt is due, oldest first.
func (s *Store) OpenRuns(ctx context.Context, now time.Time) ([]Run, error) {
	q := s.db.WithContext(ctx).Where("state = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)", RunPosting, now.UTC()).
		Order("id")
	return findAll[Run](q, "open runs")
}

// OpenRunsOf lists a subscription's runs still to post, due or not, oldest first.
func (s *Store) OpenRunsOf(ctx context.Context, subID int64) ([]Run, error) {
	q := s.db.WithContext(ctx).Where("subscription_id = ? AND state = ?", subID, RunPosting).Order("id")
	return findAll[Run](q, "open runs of subscription %d", subID)
}

// RunByID fetches a run.
func (s *Store) RunByID(ctx context.Context, id int64) (*Run, error) {
	return byID[Run](ctx, s.db, "run", id)
}

// RunsOf lists a subscription's latest runs, newest first.
func (s *Store) RunsOf(ctx context.Context, subID int64, limit int) ([]Run, error) {
	q := s.db.WithContext(ctx).Where("subscription_id = ?", subID).Order("id DESC").Limit(limit)
	return findAll[Run](q, "runs of subscription %d", subID)
}

// RunItemDetail is a claimed signal with its details, page and score, for rendering.
type RunItemDetail struct {
	SignalDetail
	Page     int
	Position int
	Score    int
	Why      string
}

// RunItems lists a run's signals in the order they are shown.
func (s *Store) RunItems(ctx context.Context, runID int64) ([]RunItemDetail, error) {
	q := s.detailSQL(", d.page, d.position, d.score, d.why", "\nJOIN digest_items d ON d.signal_id = s.id", "d.run_id = ?", "d.position")
	var (
		extra   []RunItemDetail
		details []SignalDetail
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.noJIT(tx); err != nil {
			return err
		}
		var err error
		details, err = s.scanDetails(tx, q, []any{runID}, func(i int) []any {
			extra = append(extra, RunItemDetail{})
			e := &extra[i]
			return []any{&e.Page, &e.Position, &e.Score, &e.Why}
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("signals of run %d: %w", runID, err)
	}
	for i := range extra {
		extra[i].SignalDetail = details[i]
	}
	return extra, nil
}

// RunPages lists a run's pages in order.
func (s *Store) RunPages(ctx context.Context, runID int64) ([]Page, error) {
	q := s.db.WithContext(ctx).Where("run_id = ?", runID).Order("page")
	return findAll[Page](q, "pages of run %d", runID)
}

// PlacePage records the message a page will be posted in, unless one is recorded already. It
// returns the page's message ts and whether ts was the one recorded (false: use the returned one
// and drop yours).
func (s *Store) PlacePage(ctx context.Context, runID int64, page int, ts string) (string, bool, error) {
	res := s.db.WithContext(ctx).Model(&Page{}).Where("run_id = ? AND page = ? AND ts = ''", runID, page).Update("ts", ts)
	if res.Error != nil {
		return "", false, fmt.Errorf("place page %d of run %d: %w", page, runID, res.Error)
	}
	if res.RowsAffected == 1 {
		return ts, true, nil
	}
	var p Page
	if err := s.db.WithContext(ctx).Where("run_id = ? AND page = ?", runID, page).Take(&p).Error; err != nil {
		return "", false, fmt.Errorf("page %d of run %d: %w", page, runID, err)
	}
	return p.TS, false, nil
}

// ForgetPage clears a page's message when the message turned out to be gone, so a new one is
// posted.
func (s *Store) ForgetPage(ctx context.Context, runID int64, page int, ts string) error {
	err := s.db.WithContext(ctx).Model(&Page{}).Where("run_id = ? AND page = ? AND ts = ?", runID, page, ts).
		Updates(map[string]any{"ts": "", "posted": false}).Error
	if err != nil {
		return fmt.Errorf("forget page %d of run %d: %w", page, runID, err)
	}
	return nil
}

// MarkPagePosted records that a page's message now holds its signals.
func (s *Store) MarkPagePosted(ctx context.Context, runID int64, page int) error {
	if err := s.db.WithContext(ctx).Model(&Page{}).Where("run_id = ? AND page = ?", runID, page).Update("posted", true).Error; err != nil {
		return fmt.Errorf("mark page %d of run %d posted: %w", page, runID, err)
	}
	return nil
}

// FinishRun records that a run was posted in full, as the message ts.
func (s *Store) FinishRun(ctx context.Context, runID int64, ts string, at time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r Run
		if err := tx.Take(&r, runID).Error; err != nil {
			return err
		}
		if err := tx.Model(&Run{}).Where("id = ?", runID).Updates(map[string]any{
			"state": RunDone, "message_ts": ts, "finished_at": at.UTC(), "error": "", "next_attempt_at": nil,
		}).Error; err != nil {
			return err
		}
		if r.Kind == RunAlert {
			return nil
		}
		return tx.Model(&Subscription{}).Where("id = ? AND (last_success_at IS NULL OR last_success_at < ?)", r.SubscriptionID, r.WindowEnd).
			Update("last_success_at", r.WindowEnd).Error
	})
	if err != nil {
		return fmt.Errorf("finish run %d: %w", runID, err)
	}
	return nil
}

// RetryRun records a failed posting attempt: the run is tried again at next or, when final,
// given up as failed. Giving up releases the signals of the pages not posted and moves the
// subscription's cursors back to where the run started reading, so the next run carries them:
// a channel that refuses a digest for a while delays its signals but does not lose them.
func (s *Store) RetryRun(ctx context.Context, runID int64, cause string, next time.Time, final bool) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		upd := map[string]any{"attempts": gorm.Expr("attempts + 1"), "error": slackmsg.Cut(cause, 500), "next_attempt_at": next.UTC()}
		if final {
			upd["state"] = RunFailed
			upd["finished_at"] = next.UTC()
		}
		res := tx.Model(&Run{}).Where("id = ? AND state = ?", runID, RunPosting).Updates(upd)
		if res.Error != nil || res.RowsAffected == 0 || !final {
			return res.Error
		}
		var r Run
		if err := tx.Take(&r, runID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM digest_items WHERE run_id = ? AND page NOT IN
  (SELECT page FROM digest_pages WHERE run_id = ? AND posted)`, runID, runID).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE digest_subscriptions SET
  cursor = CASE WHEN cursor > ? THEN ? ELSE cursor END,
  alert_cursor = CASE WHEN alert_cursor > ? THEN ? ELSE alert_cursor END
WHERE id = ?`, r.CursorFrom, r.CursorFrom, r.CursorFrom, r.CursorFrom, r.SubscriptionID).Error
	})
	if err != nil {
		return fmt.Errorf("record failed attempt of run %d: %w", runID, err)
	}
	return nil
}

// DigestStat sums a subscription's runs over a period.
type DigestStat struct {
	SubscriptionID int64
	ChannelID      string
	OwnerUserID    string
	Digests        int // runs posted (scheduled and manual)
	Alerts         int // alert posts
	Empty          int // runs with nothing new
	Failed         int
	Signals        int // signals posted
}

// DigestStats sums every active subscription's runs created since the given time.
func (s *Store) DigestStats(ctx context.Context, since time.Time) ([]DigestStat, error) {
	var out []DigestStat
	err := s.db.WithContext(ctx).Raw(`SELECT sub.id AS subscription_id, sub.channel_id, sub.owner_user_id,
  COALESCE(SUM(CASE WHEN r.kind <> 'alert' AND r.state IN ('done', 'posting') THEN 1 ELSE 0 END), 0) AS digests,
  COALESCE(SUM(CASE WHEN r.kind = 'alert' AND r.state IN ('done', 'posting') THEN 1 ELSE 0 END), 0) AS alerts,
  COALESCE(SUM(CASE WHEN r.state = 'empty' THEN 1 ELSE 0 END), 0) AS empty,
  COALESCE(SUM(CASE WHEN r.state = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
  COALESCE(SUM(CASE WHEN r.state = 'done' THEN r.items ELSE 0 END), 0) AS signals
FROM digest_subscriptions sub
LEFT JOIN digest_runs r ON r.subscription_id = sub.id AND r.created_at >= ?
WHERE sub.active
GROUP BY sub.id, sub.channel_id, sub.owner_user_id
ORDER BY sub.id`, since.UTC()).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("digest stats: %w", err)
	}
	return out, nil
}
