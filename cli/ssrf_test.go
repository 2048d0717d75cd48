package cli_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"outreachbot/cli"
)

// TestImportAdopters_refusesInternalURLs: `import adopters` of a URL on a loopback address is not
// fetched unless OUTREACHBOT_ALLOW_PRIVATE_FETCH says so.
func TestImportAdopters_refusesInternalURLs(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("| Organization | Contact | Description |\n|---|---|---|\n| Acme | | portal |\n"))
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "bot.db")
	var out, errb bytes.Buffer
	env := cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == "OUTREACHBOT_DB_PATH" {
			return db
		}
		return ""
	}}
	code := cli.Run(context.Background(), []string{"import", "adopters", srv.URL + "/ADOPTERS.md"}, env, cli.Parts{})
	if code == 0 || hits.Load() != 0 || !strings.Contains(errb.String(), "loopback address") || !strings.Contains(errb.String(), "OUTREACHBOT_ALLOW_PRIVATE_FETCH") {
		t.Errorf("exit %d, %d requests\nstdout: %s\nstderr: %s", code, hits.Load(), out.String(), errb.String())
	}
}
