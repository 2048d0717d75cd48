package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"outreachbot/slackmsg"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Subscription is a standing order for digests of new signals: where they go (a channel, or a
// user's DM for a personal digest of the accounts that user owns), when (a cron expression read
// in a time zone), and which signals (filters, an alert threshold).
type Subscription struct {
	ID int64
	// ChannelID is where digests are posted: a channel id, or the user id of a personal digest.
	ChannelID string
	// OwnerUserID is set on a personal digest: only accounts this user owns are included.
	OwnerUserID   string
	Schedule      string       // a cron expression (5 fields) or a descriptor such as @every 1h
	ScheduleLabel string       // how the user said it: "weekdays 08:30"
	Timezone      string       // an IANA zone the schedule is read in
	Filters       SignalFilter `gorm:"serializer:json"`
	// AlertThreshold, when above 0, posts a new signal scoring at least this at once.
	AlertThreshold int
	// AlertCap is how many alert posts an hour the subscription allows; more are grouped.
	AlertCap  int
	AllQuiet  bool // post an "all quiet" line when there is nothing new
	CreatedBy string
	CreatedAt time.Time
	Active    bool
	// Cursor and AlertCursor say where the last digest and the last alert check stopped
	// reading signals (see horizon).
	Cursor      int64
	AlertCursor int64
	// LastTick is the latest scheduled time already answered by a run.
	LastTick time.Time
	// LastSuccessAt is when the last digest run that completed was built.
	LastSuccessAt *time.Time
}

// TableName maps Subscription to its table.
func (Subscription) TableName() string { return "digest_subscriptions" }

// Personal reports whether this is a DM digest of one user's accounts.
func (s Subscription) Personal() bool { return s.OwnerUserID != "" }

// SignalFilter narrows which signals a subscription gets. Zero fields do not filter.
type SignalFilter struct {
	// Industries matches accounts whose industry contains any of these (case-insensitive).
	Industries   []string `json:"industries,omitempty"`
	EmployeesMin int      `json:"employees_min,omitempty"`
	EmployeesMax int      `json:"employees_max,omitempty"`
	// Segment is the segment the user named (e.g. "target"), kept for display.
	Segment  string   `json:"segment,omitempty"`
	Kinds    []string `json:"kinds,omitempty"`
	MinScore int      `json:"min_score,omitempty"`
}

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

// CreateSubscription stores a new subscription. Its cursors start at the present, so its first
// digest holds only signals stored after it was made, and its first tick is the first one after
// CreatedAt.
func (s *Store) CreateSubscription(ctx context.Context, sub *Subscription) error {
	sub.CreatedAt = sub.CreatedAt.UTC()
	sub.LastTick = sub.CreatedAt
	sub.Active = true
	if sub.AlertCap <= 0 {
		sub.AlertCap = 3
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		h, err := s.horizon(tx)
		if err != nil {
			return err
		}
		sub.Cursor, sub.AlertCursor = h, h
		return tx.Create(sub).Error
	})
	if err != nil {
		return fmt.Errorf("create subscription: %w", err)
	}
	return nil
}

// SubscriptionByID fetches a subscription, active or not.
func (s *Store) SubscriptionByID(ctx context.Context, id int64) (*Subscription, error) {
	var sub Subscription
	if err := s.db.WithContext(ctx).Take(&sub, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("subscription %d: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("subscription %d: %w", id, err)
	}
	return &sub, nil
}

// SubscriptionsIn lists the active subscriptions posting to a channel (or to a user's DM when
// channelID is a user id), oldest first.
func (s *Store) SubscriptionsIn(ctx context.Context, channelID string) ([]Subscription, error) {
	var out []Subscription
	if err := s.db.WithContext(ctx).Where("active AND channel_id = ?", channelID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("subscriptions in %s: %w", channelID, err)
	}
	return out, nil
}

// ActiveSubscriptions lists every active subscription.
func (s *Store) ActiveSubscriptions(ctx context.Context) ([]Subscription, error) {
	var out []Subscription
	if err := s.db.WithContext(ctx).Where("active").Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("active subscriptions: %w", err)
	}
	return out, nil
}

// DeactivateSubscription stops a subscription; its runs stay on record.
func (s *Store) DeactivateSubscription(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Model(&Subscription{}).Where("id = ? AND active", id).Update("active", false)
	if res.Error != nil {
		return fmt.Errorf("unsubscribe %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("unsubscribe %d: %w", id, ErrNotFound)
	}
	return nil
}

// horizon is where a reader that has seen everything visible now should resume.
//
// On PostgreSQL it is the oldest transaction of this database that was still running when the
// current snapshot was taken (or, if none, the next transaction id): every signal not visible
// now was stored by that transaction or a later one, so reading txid >= horizon next time finds
// it, however out of order concurrent inserts commit; signals already given are skipped through
// digest_items. Transactions that pg_stat_activity shows belong to another database are left out:
// they cannot have stored a signal here, and a long one elsewhere on a shared server would
// otherwise hold every digest back to re-read what came after it (a transaction we cannot place,
// e.g. a prepared one or another user's, is kept, to be safe).
//
// On SQLite there is one writer at a time, ids commit in order, and the horizon is the largest id.
func (s *Store) horizon(tx *gorm.DB) (int64, error) {
	q := "SELECT COALESCE(MAX(id), 0) FROM signals"
	if s.dialect == Postgres {
		q = `SELECT LEAST(pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
  (SELECT MIN(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
   WHERE x::text::bigint % 4294967296 NOT IN (SELECT backend_xid::text::bigint FROM pg_stat_activity
     WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())))`
	}
	var h int64
	if err := tx.Raw(q).Scan(&h).Error; err != nil {
		return 0, fmt.Errorf("signal horizon: %w", err)
	}
	return h, nil
}

// newSince is the condition for "stored since the cursor was taken" (see horizon).
func (s *Store) newSince() string {
	if s.dialect == Postgres {
		return "s.txid >= ?"
	}
	return "s.id > ?"
}

// candidates lists the signals a subscription has not been given, stored since cursor, that pass
// its filters (all but the minimum score, which needs scoring), in no particular order (the
// digest orders them).
func (s *Store) candidates(tx *gorm.DB, sub *Subscription, cursor int64) ([]SignalDetail, error) {
	where, args := s.filterSQL(sub)
	// OFFSET 0 keeps the check a per-row probe of digest_items' primary key on PostgreSQL: as an
	// anti-join it would read every signal the subscription was ever given, and the cost of a
	// digest would grow with its history instead of with what is new. (SQLite probes per row.)
	probe := "SELECT 1 FROM digest_items d WHERE d.subscription_id = ? AND d.signal_id = s.id"
	if s.dialect == Postgres {
		probe += " OFFSET 0"
	}
	where = s.newSince() + " AND NOT EXISTS (" + probe + ")" + where
	args = append([]any{cursor, sub.ID}, args...)
	out, err := s.scanDetails(tx, s.detailSQL("", "", where, ""), args, nil)
	if err != nil {
		return nil, fmt.Errorf("new signals for subscription %d: %w", sub.ID, err)
	}
	return out, nil
}

// filterSQL renders a subscription's filters as " AND ..." conditions on s (signals) and a
// (the signal's account).
func (s *Store) filterSQL(sub *Subscription) (string, []any) {
	var b strings.Builder
	var args []any
	f := sub.Filters
	b.WriteString(" AND NOT s.baseline") // known at seed or first import: not news
	if sub.OwnerUserID != "" {
		b.WriteString(" AND a.owner_user_id = ?")
		args = append(args, sub.OwnerUserID)
	}
	if len(f.Kinds) > 0 {
		b.WriteString(" AND s.kind IN ?")
		args = append(args, f.Kinds)
	}
	if len(f.Industries) > 0 {
		ors := make([]string, len(f.Industries))
		for i, ind := range f.Industries {
			ors[i] = "LOWER(a.industry) LIKE ?"
			args = append(args, "%"+likeEscape(strings.ToLower(ind))+"%")
		}
		b.WriteString(" AND (" + strings.Join(ors, " OR ") + ")")
	}
	if f.EmployeesMin > 0 {
		b.WriteString(" AND a.employees >= ?")
		args = append(args, f.EmployeesMin)
	}
	if f.EmployeesMax > 0 {
		b.WriteString(" AND a.employees > 0 AND a.employees <= ?")
		args = append(args, f.EmployeesMax)
	}
	return b.String(), args
}

// PendingSignals lists what a subscription's next digest would hold, before scoring, without
// claiming anything (for previews).
func (s *Store) PendingSignals(ctx context.Context, subID int64) ([]SignalDetail, error) {
	var out []SignalDetail
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var sub Subscription
		if err := tx.Take(&sub, subID).Error; err != nil {
			return err
		}
		if err := s.noJIT(tx); err != nil {
			return err
		}
		var err error
		out, err = s.candidates(tx, &sub, sub.Cursor)
		return err
	}, s.readTx())
	if err != nil {
		return nil, fmt.Errorf("pending signals of subscription %d: %w", subID, err)
	}
	return out, nil
}

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
		cands, err := s.candidates(tx, &sub, from)
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
	var out []Run
	err := s.db.WithContext(ctx).Where("state = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)", RunPosting, now.UTC()).
		Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("open runs: %w", err)
	}
	return out, nil
}

// OpenRunsOf lists a subscription's runs still to post, due or not, oldest first.
func (s *Store) OpenRunsOf(ctx context.Context, subID int64) ([]Run, error) {
	var out []Run
	if err := s.db.WithContext(ctx).Where("subscription_id = ? AND state = ?", subID, RunPosting).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("open runs of subscription %d: %w", subID, err)
	}
	return out, nil
}

// RunByID fetches a run.
func (s *Store) RunByID(ctx context.Context, id int64) (*Run, error) {
	var r Run
	if err := s.db.WithContext(ctx).Take(&r, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("run %d: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("run %d: %w", id, err)
	}
	return &r, nil
}

// RunsOf lists a subscription's latest runs, newest first.
func (s *Store) RunsOf(ctx context.Context, subID int64, limit int) ([]Run, error) {
	var out []Run
	if err := s.db.WithContext(ctx).Where("subscription_id = ?", subID).Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("runs of subscription %d: %w", subID, err)
	}
	return out, nil
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
	var out []Page
	if err := s.db.WithContext(ctx).Where("run_id = ?", runID).Order("page").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("pages of run %d: %w", runID, err)
	}
	return out, nil
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

// SubscriptionLock is held while a subscription's runs are built or posted, so replicas take
// turns: one run per tick, and one poster per run.
type SubscriptionLock struct {
	conn    *sql.Conn // PostgreSQL: the session holding the advisory lock
	release func()
	id      int64
}

// digestLockClass namespaces the digest advisory locks (pg_try_advisory_lock(class, id)).
const digestLockClass = 0x64677374 // "dgst"

// TryLockSubscription takes a subscription's lock if it is free. On PostgreSQL it is a session
// advisory lock on a connection set aside for it, which PostgreSQL releases by itself when the
// process dies; on SQLite (one process) it is a mutex.
func (s *Store) TryLockSubscription(ctx context.Context, id int64) (*SubscriptionLock, bool, error) {
	if s.dialect != Postgres {
		key := sqliteLockKey{s, id}
		sqliteLocks.mu.Lock()
		defer sqliteLocks.mu.Unlock()
		if sqliteLocks.held[key] {
			return nil, false, nil
		}
		sqliteLocks.held[key] = true
		return &SubscriptionLock{id: id, release: func() {
			sqliteLocks.mu.Lock()
			delete(sqliteLocks.held, key)
			sqliteLocks.mu.Unlock()
		}}, true, nil
	}
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock subscription %d: %w", id, err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, $2)", digestLockClass, int32(id)).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("lock subscription %d: %w", id, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	l := &SubscriptionLock{conn: conn, id: id}
	l.release = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, $2)", digestLockClass, int32(id)); err != nil {
			// The session may be gone (and the lock with it); never hand a locked session back.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}
	return l, true, nil
}

// Check confirms the lock is still held; a lost database session loses it.
func (l *SubscriptionLock) Check(ctx context.Context) error {
	if l.conn == nil {
		return nil
	}
	var held bool
	err := l.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
  AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2 AND pid = pg_backend_pid() AND granted)`,
		int64(digestLockClass), int64(uint32(int32(l.id)))).Scan(&held)
	if err != nil {
		return fmt.Errorf("check lock of subscription %d: %w", l.id, err)
	}
	if !held {
		return fmt.Errorf("lost the lock of subscription %d", l.id)
	}
	return nil
}

// Release frees the lock. It is safe to call more than once.
func (l *SubscriptionLock) Release() {
	if l.release != nil {
		l.release()
		l.release = nil
	}
}

type sqliteLockKey struct {
	st *Store
	id int64
}

var sqliteLocks = struct {
	mu   sync.Mutex
	held map[sqliteLockKey]bool
}{held: map[sqliteLockKey]bool{}}

// pgInt64s is a bigint[] parameter (gorm would expand a plain slice into a list).
type pgInt64s []int64

// Value renders the array literal.
func (a pgInt64s) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(v, 10))
	}
	b.WriteByte('}')
	return b.String(), nil
}

// pgTexts is a text[] parameter.
type pgTexts []string

// Value renders the array literal, every element quoted.
func (a pgTexts) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	for i, v := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(esc.Replace(v))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}
