package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"outreachbot/match"
)

// Directory answers "which account is this?" from an in-memory index of every account's names,
// aliases and domain, so a lookup costs microseconds and PostgreSQL only fetches the chosen card
// by key. It stays fresh on this process's writes at once and on other replicas' writes through
// PostgreSQL LISTEN/NOTIFY (see the accounts_notify trigger).
type Directory struct {
	st  *Store
	ix  atomic.Pointer[match.Index] // swapped whole on reload, updated in place on refresh
	log *slog.Logger

	// held is a PostgreSQL connection that has listened for account changes since before the
	// first load, so Watch can start from that load instead of building the index a second time
	// (at 1,000,000 accounts a build is seconds of a start). Watch takes it; Store.Close closes
	// it when Watch never ran (a CLI command, a test).
	mu      sync.Mutex
	held    *pgx.Conn
	reloads atomic.Int64 // full builds, for tests

	afterListen func(ids []int64) // tests: called after the listener applied a notification
}

// accountsChannel is the NOTIFY channel the accounts trigger writes to.
const accountsChannel = "outreachbot_accounts"

// NewDirectory loads every account name into memory.
func NewDirectory(ctx context.Context, st *Store, log *slog.Logger) (*Directory, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Directory{st: st, log: log}
	d.ix.Store(match.NewIndex())
	if st.dialect == Postgres {
		// Listen before loading: a change another replica makes during the load is then queued on
		// this connection, not missed. Without it Watch connects and loads again.
		if conn, err := d.connectListener(ctx); err != nil {
			log.Warn("account change listener not ready before the first load", "err", err)
		} else {
			d.held = conn
			st.onClose(d.dropHeld)
		}
	}
	if err := d.reload(ctx); err != nil {
		d.dropHeld()
		return nil, err
	}
	st.onAccountsChanged(func(ids []int64) {
		if len(ids) > 5000 {
			ids = nil // reloading everything is one query; refreshing this many is dozens
		}
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Refresh(rctx, ids...); err != nil {
			d.log.Warn("refresh account index", "err", err)
		}
	})
	return d, nil
}

// Resolve finds the account a person means.
func (d *Directory) Resolve(query string) match.Result { return d.ix.Load().Resolve(query) }

// Search ranks accounts by how well their names match.
func (d *Directory) Search(query string, limit int) []match.Candidate {
	return d.ix.Load().Search(query, limit)
}

// Name returns an account's display name from memory.
func (d *Directory) Name(id int64) (string, bool) { return d.ix.Load().Name(id) }

// Len is the number of accounts indexed.
func (d *Directory) Len() int { return d.ix.Load().Len() }

// Refresh reloads the given accounts from the store (removing those that no longer exist), or
// every account when no id is given.
func (d *Directory) Refresh(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return d.reload(ctx)
	}
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		batch := ids[:n]
		ids = ids[n:]
		rows, err := d.st.AccountNames(ctx, batch...)
		if err != nil {
			return err
		}
		ix := d.ix.Load()
		seen := make(map[int64]bool, len(rows))
		for _, a := range rows {
			seen[a.ID] = true
			ix.Upsert(entryOf(a))
		}
		for _, id := range batch {
			if !seen[id] {
				ix.Remove(id)
			}
		}
	}
	return nil
}

func (d *Directory) reload(ctx context.Context) error {
	d.reloads.Add(1)
	var n int64
	if err := d.st.db.WithContext(ctx).Model(&Account{}).Count(&n).Error; err != nil {
		return fmt.Errorf("count accounts: %w", err)
	}
	fresh, err := buildIndex(ctx, int(n), d.st.eachAccountName)
	if err != nil {
		return err
	}
	d.ix.Store(fresh)
	// The old index (tens of MB at 100,000 accounts) is garbage now; hand its memory back to the
	// system rather than keep the process at twice its size until the next collections.
	debug.FreeOSMemory()
	return nil
}

// buildIndex indexes every account each yields, about n of them. Reading and decoding the rows
// and indexing them each take a core at 1,000,000 accounts, so they run side by side: the reader
// hands the indexer batches of entries over a short queue.
func buildIndex(ctx context.Context, n int, each func(context.Context, func(Account)) error) (*match.Index, error) {
	const batchSize = 1024
	ix := match.NewIndexFor(n)
	batches := make(chan []match.Entry, 4)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(batches)
		batch := make([]match.Entry, 0, batchSize)
		send := func() bool {
			select {
			case batches <- batch:
				batch = make([]match.Entry, 0, batchSize)
				return true
			case <-gctx.Done():
				return false
			}
		}
		err := each(gctx, func(a Account) {
			if batch = append(batch, entryOf(a)); len(batch) == batchSize {
				send()
			}
		})
		if err == nil && len(batch) > 0 && !send() {
			err = gctx.Err()
		}
		return err
	})
	g.Go(func() error {
		for b := range batches {
			for _, e := range b {
				ix.Upsert(e)
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ix.Settle()
	return ix, nil
}

// Watch keeps the index in step with writes made by other processes until ctx ends. On
// PostgreSQL it listens for account changes and reloads everything after each reconnect (a
// notification may have been missed while disconnected). On SQLite there is a single process and
// Watch only waits.
func (d *Directory) Watch(ctx context.Context) error {
	if d.st.dialect != Postgres {
		<-ctx.Done()
		return nil
	}
	policy := backoff.NewExponentialBackOff(backoff.WithInitialInterval(200*time.Millisecond), backoff.WithMultiplier(2),
		backoff.WithMaxInterval(10*time.Second), backoff.WithMaxElapsedTime(0))
	_ = backoff.RetryNotify(func() error {
		if err := d.listen(ctx); ctx.Err() == nil {
			return fmt.Errorf("listener stopped: %w", err) // never nil: listen only returns on a failure
		}
		return nil
	}, backoff.WithContext(policy, ctx), func(err error, wait time.Duration) {
		d.log.Warn("account change listener stopped; reconnecting", "err", err, "backoff", wait)
	})
	return nil
}

func (d *Directory) listen(ctx context.Context) error {
	conn := d.takeHeld()
	if conn == nil {
		var err error
		if conn, err = d.connectListener(ctx); err != nil {
			return err
		}
		// Anything may have changed while no connection listened.
		if err := d.reload(ctx); err != nil {
			conn.Close(context.Background())
			return err
		}
	}
	defer conn.Close(context.Background())
	if d.afterListen != nil {
		d.afterListen(nil)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		ids, all := parseIDs(nil, n.Payload)
		// Coalesce a burst into batched reloads; "*" (a statement changed many accounts) or a
		// long burst reloads everything.
		for !all && len(ids) < 5000 {
			wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			n, err := conn.WaitForNotification(wctx)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					return err
				}
				break
			}
			ids, all = parseIDs(ids, n.Payload)
		}
		if all || len(ids) >= 5000 {
			ids = nil
		}
		if err := d.Refresh(ctx, ids...); err != nil {
			d.log.Warn("refresh account index", "err", err)
		}
		if d.afterListen != nil {
			d.afterListen(ids)
		}
	}
}

// connectListener opens a connection of its own (LISTEN cannot share a pooled one) and listens
// on the accounts channel.
func (d *Directory) connectListener(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, d.st.dsn)
	if err != nil {
		return nil, fmt.Errorf("connect listener: %s", redactErr(err, d.st.dsn))
	}
	if _, err := conn.Exec(ctx, "LISTEN "+accountsChannel); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("listen: %w", err)
	}
	return conn, nil
}

// takeHeld hands the connection listening since the first load to its one taker.
func (d *Directory) takeHeld() *pgx.Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	conn := d.held
	d.held = nil
	return conn
}

func (d *Directory) dropHeld() {
	if conn := d.takeHeld(); conn != nil {
		conn.Close(context.Background())
	}
}

// parseIDs appends the account ids of a notification ("12" or "12,13,14") to ids, and reports
// "*": every account may have changed.
func parseIDs(ids []int64, payload string) ([]int64, bool) {
	if payload == "*" {
		return ids, true
	}
	for _, f := range strings.Split(payload, ",") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, false
}

func entryOf(a Account) match.Entry {
	return match.Entry{ID: a.ID, Name: a.Name, Aliases: a.Aliases, Domain: a.Domain}
}

// changeHooks lets in-process readers (the Directory) hear about account writes at once.
type changeHooks struct {
	mu    sync.RWMutex
	hooks []func([]int64)
}

func (s *Store) onAccountsChanged(f func([]int64)) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.hooks = append(s.hooks.hooks, f)
}

func (s *Store) accountsChanged(ids ...int64) {
	if len(ids) == 0 {
		return
	}
	s.hooks.mu.RLock()
	defer s.hooks.mu.RUnlock()
	for _, h := range s.hooks.hooks {
		h(ids)
	}
}
