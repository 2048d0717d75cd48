// Package storetest opens fresh, migrated stores for tests: a private SQLite file, or a new
// database on the PostgreSQL server named by OUTREACHBOT_TEST_DATABASE_URL.
//
// Layers (layers_test.go): a test kit; only tests import it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for admin statements

	"outreachbot/store"
	"outreachbot/store/seed"
)

// EnvURL names the PostgreSQL server tests use (an admin connection that may CREATE DATABASE).
const EnvURL = "OUTREACHBOT_TEST_DATABASE_URL"

// Dialects are the engines every store test runs against.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// Open returns a fresh, migrated, empty store of the given dialect, removed when the test ends.
func Open(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	ctx := context.Background()
	cfg := store.Config{SQLitePath: filepath.Join(t.TempDir(), "test.db")}
	if d == store.Postgres {
		cfg = store.Config{DatabaseURL: NewDatabase(t)}
	}
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s store: %v", d, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s store: %v", d, err)
	}
	return st
}

// OpenSeeded returns a fresh store loaded with the knowledge file.
func OpenSeeded(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	st := Open(t, d)
	k, err := seed.Load()
	if err != nil {
		t.Fatalf("load knowledge: %v", err)
	}
	if _, err := st.Seed(context.Background(), k); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return st
}

// AdminURL returns the PostgreSQL server URL for tests. Without one the test fails under CI (a
// missing database is a failure there) and is skipped on a developer's machine.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u != "" {
		return u
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set: run the tests with scripts/test.sh, which finds or starts PostgreSQL", EnvURL)
	}
	t.Skipf("%s is not set; run scripts/test.sh to include the PostgreSQL tests", EnvURL)
	return ""
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// NewDatabase creates an empty PostgreSQL database for one test and drops it afterwards.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := AdminURL(t)
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", base)
		if adminErr == nil {
			adminErr = admin.Ping()
		}
	})
	if adminErr != nil {
		t.Fatalf("reach PostgreSQL at %s: %v", store.RedactURL(base), adminErr)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "obtest_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Each runs f once per dialect as a subtest.
func Each(t *testing.T, f func(t *testing.T, d store.Dialect)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) { f(t, d) })
	}
}
