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

// TestSourcesAdd_refusesInternalAddressesWhenAdded: `/sources add` of a feed on a loopback or
// link-local address is refused in the answer to the command, and nothing is saved; with
// OUTREACHBOT_ALLOW_PRIVATE_FETCH=on it is added.
func TestSourcesAdd_refusesInternalAddressesWhenAdded(t *testing.T) {
	env := freshEnv(t)
	env["OUTREACHBOT_ADMIN_USERS"] = "UADMIN"
	for _, c := range []struct{ target, kind string }{
		{"http://127.0.0.1:9/feed", "loopback"},
		{"http://localhost:9/feed", "loopback"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"https://10.0.0.7/ADOPTERS.md", "private"},
	} {
		code, out, errOut := run(t, env, "ask", "--user", "UADMIN", "/sources add feed "+c.target+" key=internal")
		if code != 0 || !strings.Contains(out, "I can't watch that") || !strings.Contains(out, c.kind+" address") || strings.Contains(out, "Now watching") {
			t.Errorf("%s: exit %d\n%s%s", c.target, code, out, errOut)
		}
	}
	if _, out, _ := run(t, env, "ask", "--user", "UADMIN", "/sources"); strings.Contains(out, "internal") {
		t.Errorf("a refused source was saved:\n%s", out)
	}
	env["OUTREACHBOT_ALLOW_PRIVATE_FETCH"] = "on"
	if code, out, errOut := run(t, env, "ask", "--user", "UADMIN", "/sources add feed http://127.0.0.1:9/feed key=internal"); code != 0 || !strings.Contains(out, "Now watching internal") {
		t.Errorf("allowed explicitly: exit %d\n%s%s", code, out, errOut)
	}
}
