package bottest

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"outreachbot/cli"
	"outreachbot/config"
	"outreachbot/slacktest"
	"outreachbot/store"
)

// Deploy does what a deploy does before `outreachbot serve`: it builds the outreachbot binary
// into the test's temporary folder and prepares the database at databaseURL (migrations, seed)
// with cli.Prepare. It returns the binary's path and a store open on that database, closed with
// the test, for seeding and reading what the binary wrote.
func Deploy(t testing.TB, databaseURL string) (bin string, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	bin = filepath.Join(t.TempDir(), "outreachbot")
	// The module's root package by its import path: the build works from any test's folder.
	if out, err := exec.Command("go", "build", "-o", bin, "outreachbot").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: databaseURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := cli.Prepare(ctx, config.Options{}, st, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return bin, st
}

// ServeEnv is the environment of a deployed binary's `serve` against srv (made by NewServer) and
// the database at databaseURL, without the source watcher: this process's environment, then
// extra ("KEY=value"; a later entry wins over an earlier one of the same key).
func ServeEnv(srv *slacktest.Server, databaseURL string, extra ...string) []string {
	env := append(os.Environ(), "OUTREACHBOT_WATCH=off", "SLACK_APP_TOKEN="+AppToken, "SLACK_BOT_TOKEN="+BotToken,
		"SLACK_API_URL="+srv.APIURL(), "DATABASE_URL="+databaseURL)
	return append(env, extra...)
}
