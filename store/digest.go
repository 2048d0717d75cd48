// Digest subscriptions: the standing orders, which signals are new for each (the horizon, the
// candidates and their filters), and the lock replicas take turns on. Runs are in digest_run.go.

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
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
	// BackfillFrom, until the first digest is built, makes it also cover the signals found from
	// then until CreatedAt: one period of the schedule, so day one is not empty.
	BackfillFrom *time.Time
	// BuildFailures counts runs in a row that failed to build; PausedReason says why a
	// subscription was paused (see RecordBuildFailure).
	BuildFailures int
	PausedReason  string
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

// CreateSubscription stores a new subscription. Its cursors start at the present, so its first
// digest holds the signals stored after it was made (and, when BackfillFrom is set, those found
// between BackfillFrom and CreatedAt), and its first tick is the first one after CreatedAt.
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
	return byID[Subscription](ctx, s.db, "subscription", id)
}

// SubscriptionsIn lists the active subscriptions posting to a channel (or to a user's DM when
// channelID is a user id), oldest first.
func (s *Store) SubscriptionsIn(ctx context.Context, channelID string) ([]Subscription, error) {
	q := s.db.WithContext(ctx).Where("active AND channel_id = ?", channelID).Order("id")
	return findAll[Subscription](q, "subscriptions in %s", channelID)
}

// ActiveSubscriptions lists every active subscription.
func (s *Store) ActiveSubscriptions(ctx context.Context) ([]Subscription, error) {
	q := s.db.WithContext(ctx).Where("active").Order("id")
	return findAll[Subscription](q, "active subscriptions")
}

// DeactivateSubscription stops a subscription; its runs stay on record.
func (s *Store) DeactivateSubscription(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Model(&Subscription{}).Where("id = ? AND active", id).Update("active", false)
	return changedOne(res, fmt.Sprintf("unsubscribe %d", id))
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

// candidates lists the signals a subscription has not been given, stored since cursor (and, for a
// digest with backfill, found in the subscription's backfill window), that pass its filters (all but the minimum score, which needs scoring), in no particular order (the
// digest orders them).
func (s *Store) candidates(tx *gorm.DB, sub *Subscription, cursor int64, backfill bool) ([]SignalDetail, error) {
	where, args := s.filterSQL(sub)
	// OFFSET 0 keeps the check a per-row probe of digest_items' primary key on PostgreSQL: as an
	// anti-join it would read every signal the subscription was ever given, and the cost of a
	// digest would grow with its history instead of with what is new. (SQLite probes per row.)
	probe := "SELECT 1 FROM digest_items d WHERE d.subscription_id = ? AND d.signal_id = s.id"
	if s.dialect == Postgres {
		probe += " OFFSET 0"
	}
	since, sinceArgs := s.newSince(), []any{cursor}
	if sub.BackfillFrom != nil && backfill {
		since = "(" + since + " OR s.discovered_at BETWEEN ? AND ?)"
		sinceArgs = append(sinceArgs, sub.BackfillFrom.UTC(), sub.CreatedAt.UTC())
	}
	where = since + " AND NOT EXISTS (" + probe + ")" + where
	args = append(append(sinceArgs, sub.ID), args...)
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
			ors[i] = "LOWER(a.industry) " + likeContains
			args = append(args, containing(ind))
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
		out, err = s.candidates(tx, &sub, sub.Cursor, true)
		return err
	}, s.readTx())
	if err != nil {
		return nil, fmt.Errorf("pending signals of subscription %d: %w", subID, err)
	}
	return out, nil
}

// SubscriptionLock is held while a subscription's runs are built or posted, so replicas take
// turns: one run per tick, and one poster per run.
type SubscriptionLock struct {
	conn    *sql.Conn // PostgreSQL: the session holding the advisory lock
	release func()
	class   int32
	id      int64
}

// digestLockClass namespaces the digest advisory locks (pg_try_advisory_lock(class, id)).
const digestLockClass = 0x64677374 // "dgst"

// TryLockSubscription takes a subscription's lock if it is free. On PostgreSQL it is a session
// advisory lock on a connection set aside for it, which PostgreSQL releases by itself when the
// process dies; on SQLite (one process) it is a mutex.
func (s *Store) TryLockSubscription(ctx context.Context, id int64) (*SubscriptionLock, bool, error) {
	l, ok, err := s.tryLock(ctx, digestLockClass, id)
	if err != nil {
		return nil, false, fmt.Errorf("lock subscription %d: %w", id, err)
	}
	return l, ok, nil
}

// tryLock takes the advisory lock (class, id) if it is free: the one mechanism behind every
// "only one replica does this" in the store.
func (s *Store) tryLock(ctx context.Context, class int32, id int64) (*SubscriptionLock, bool, error) {
	if s.dialect != Postgres {
		key := sqliteLockKey{s, class, id}
		sqliteLocks.mu.Lock()
		defer sqliteLocks.mu.Unlock()
		if sqliteLocks.held[key] {
			return nil, false, nil
		}
		sqliteLocks.held[key] = true
		return &SubscriptionLock{id: id, class: class, release: func() {
			sqliteLocks.mu.Lock()
			delete(sqliteLocks.held, key)
			sqliteLocks.mu.Unlock()
		}}, true, nil
	}
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, $2)", class, int32(id)).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, err
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	l := &SubscriptionLock{conn: conn, id: id, class: class}
	l.release = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, $2)", class, int32(id)); err != nil {
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
		int64(l.class), int64(uint32(int32(l.id)))).Scan(&held)
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
	st    *Store
	class int32
	id    int64
}

var sqliteLocks = struct {
	mu   sync.Mutex
	held map[sqliteLockKey]bool
}{held: map[sqliteLockKey]bool{}}
