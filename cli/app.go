package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"outreachbot/clock"
	"outreachbot/config"
	"outreachbot/digest"
	"outreachbot/handlers"
	"outreachbot/sources/adopters"
	"outreachbot/sources/adopterswatch"
	"outreachbot/store"
	"outreachbot/store/seed"
)

// App is everything a subcommand works with, assembled once.
type App struct {
	Options   config.Options
	Log       *slog.Logger
	Store     *store.Store
	Directory *store.Directory
	Registry  *handlers.Registry
	Knowledge *seed.Knowledge
	// Digests is the one digest engine: the /digest and /signals handlers read it and the
	// scheduler (main.go) runs it, so both share its caches.
	Digests *digest.Engine
	// Clock is the time of the digest engine and the handlers (the wall clock).
	Clock clock.Clock
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// openApp opens the store and prepares the app over it.
func openApp(ctx context.Context, opts config.Options, log *slog.Logger) (*App, error) {
	st, err := store.Open(ctx, store.Config{DatabaseURL: opts.DatabaseURL, SQLitePath: opts.DBPath})
	if err != nil {
		return nil, err
	}
	app, err := Prepare(ctx, opts, st, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	return app, nil
}

// Prepare applies migrations to an open store, seeds it if it is fresh, loads the account name
// index and declares the handlers: exactly what every start does.
func Prepare(ctx context.Context, opts config.Options, st *store.Store, log *slog.Logger) (*App, error) {
	k, err := seed.Load()
	if err != nil {
		return nil, err
	}
	app := &App{Options: opts, Log: log, Store: st, Knowledge: k, Clock: clock.System}
	if err := app.prepare(ctx); err != nil {
		return nil, err
	}
	return app, nil
}

func (a *App) prepare(ctx context.Context) error {
	ran, err := a.Store.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range ran {
		a.Log.Info("migration applied", "version", m.Version, "name", m.Name)
	}
	empty, err := a.Store.IsEmpty(ctx)
	if err != nil {
		return err
	}
	if empty {
		if err := a.seedFresh(ctx); err != nil {
			return err
		}
	} else if err := reseed(ctx, a.Store, a.Knowledge, a.Log); err != nil {
		return err
	}
	built := time.Now()
	a.Directory, err = store.NewDirectory(ctx, a.Store, a.Log)
	if err != nil {
		return fmt.Errorf("load account index: %w", err)
	}
	a.Log.Info("account index built", "accounts", a.Directory.Len(), "took_ms", time.Since(built).Milliseconds())
	a.Digests = digest.New(a.Store, digest.Options{Segment: a.Knowledge.Segments, Log: a.Log, Clock: a.Clock})
	a.Registry = handlers.NewRegistry(Features(a)...)
	return nil
}

// reseed seeds an existing store again when its knowledge file is not the one built in (a store
// made before the file gained organizations or roles).
func reseed(ctx context.Context, st *store.Store, k *seed.Knowledge, log *slog.Logger) error {
	seeded, stats, err := st.SeedIfChanged(ctx, k)
	if err != nil {
		return err
	}
	if seeded {
		log.Info("knowledge file changed since the last seed: seeded again", "accounts", stats.Accounts, "competitors", stats.Competitors)
	}
	return nil
}

// seedFresh loads the report's knowledge and the embedded ADOPTERS.md snapshot into a new store.
func (a *App) seedFresh(ctx context.Context) error {
	stats, err := a.Store.Seed(ctx, a.Knowledge)
	if err != nil {
		return err
	}
	entries, err := adopters.Parse(bytes.NewReader(seed.Adopters))
	if err != nil {
		return fmt.Errorf("embedded adopters list: %w", err)
	}
	res, err := a.Store.ImportAdopters(ctx, adopterswatch.Rows(entries), false, time.Now())
	if err != nil {
		return err
	}
	a.Log.Info("fresh store seeded", "accounts", stats.Accounts+res.NewAccounts, "contacts", stats.Contacts+res.Contacts, "facts", stats.Facts)
	return nil
}

// Background lists the jobs that run beside the Slack connection: keeping the account index in
// step with other replicas, and forgetting old delivery claims.
func (a *App) Background() []func(context.Context) error {
	return []func(context.Context) error{
		a.Directory.Watch,
		func(ctx context.Context) error {
			t := time.NewTicker(10 * time.Minute)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
					if _, err := a.Store.PruneDeliveries(ctx, time.Hour); err != nil {
						a.Log.Warn("prune delivery claims", "err", err)
					}
				}
			}
		},
	}
}
