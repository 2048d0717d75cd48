package cli_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"outreachbot/cli"
	"outreachbot/sources"
)

// runCLI runs one subcommand against a private SQLite file.
func runCLI(t *testing.T, db string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		switch k {
		case "OUTREACHBOT_DB_PATH":
			return db
		case "OUTREACHBOT_ALLOW_PRIVATE_FETCH":
			return "on" // the tests' servers listen on 127.0.0.1
		}
		return ""
	}}
	code := cli.Run(context.Background(), args, env, cli.Parts{})
	return code, out.String(), errb.String()
}

func write(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportCSV_reportsRowsAndExitsNonZeroOnRejects(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bot.db")
	accounts := write(t, dir, "accounts.csv", "Company,Website,Employees\nNordwind Logistics,nordwind.example,450\nBroken,broken.example,many\n")
	code, out, errOut := runCLI(t, db, "import", "csv", "--kind", "accounts", accounts)
	if code != 1 || !strings.Contains(out, "2 accounts rows: 1 imported, 0 already stored, 1 rejected") ||
		!strings.Contains(errOut, "row 3, column employees: \"many\" is not a whole number") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	signals := write(t, dir, "signals.csv", "kind,title,account,url\njob_posting,Nordwind hires,Nordwind Logistics,https://jobs.example/1\n")
	if code, out, errOut := runCLI(t, db, "import", "csv", "--kind", "signals", signals); code != 0 || !strings.Contains(out, "1 imported") {
		t.Fatalf("signals: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, db, "export", "csv", "--kind", "signals")
	if code != 0 || !strings.HasPrefix(out, "account,account_domain,kind,title") || !strings.Contains(out, "Nordwind Logistics,nordwind.example,job_posting,Nordwind hires") {
		t.Fatalf("export: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := runCLI(t, db, "import", "csv", accounts); code != 2 {
		t.Errorf("import csv without --kind: exit %d, want 2", code)
	}
}

func TestImportSources_fromYAML(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bot.db")
	good := write(t, dir, "sources.yaml", `sources:
  - key: acme-blog
    kind: feed
    target: https://acme.example/feed.xml
    account: Acme
    schedule: "@every 2h"
  - key: lever-spotify
    kind: lever
    target: spotify
    account: Spotify
    schedule: "0 */6 * * *"
`)
	if code, out, errOut := runCLI(t, db, "import", "sources", good); code != 0 || !strings.Contains(out, "2 sources saved") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	bad := write(t, dir, "bad.yaml", "sources:\n  - key: x\n    kind: feed\n    target: not-a-url\n    schedule: \"@hourly\"\n")
	if code, _, errOut := runCLI(t, db, "import", "sources", bad); code != 1 || !strings.Contains(errOut, "http(s) URL") {
		t.Errorf("bad file: exit %d, %s", code, errOut)
	}
}

// TestImportAdopters_fromURL: a list fetched over HTTP is imported whole, and one over the size
// cap is refused instead of being cut short and imported in part.
func TestImportAdopters_fromURL(t *testing.T) {
	list, err := os.ReadFile("../../shared/data/backstage-adopters/ADOPTERS-0034d8d750ac.md")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/huge.md" {
			w.Write(list)
			w.Write(bytes.Repeat([]byte("| Filler | | |\n"), sources.MaxBody/15+1))
			return
		}
		w.Write(list)
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "bot.db")
	code, out, errOut := runCLI(t, db, "import", "adopters", srv.URL+"/ADOPTERS.md")
	if code != 0 || !strings.Contains(out, " organizations: ") || strings.HasPrefix(out, "0 ") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, db, "import", "adopters", srv.URL+"/huge.md"); code != 1 || !strings.Contains(errOut, "larger than") {
		t.Errorf("a list over the cap: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}
