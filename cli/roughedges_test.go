package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The rough edges a new user met, each as they met it (issue #15).
func TestAsk_readsTextTheWaySlackDeliversIt(t *testing.T) {
	env := freshEnv(t)
	code, out, errOut := run(t, env, "ask", "/account toyota owner <@U0REP|alice>")
	if code != 0 || !strings.Contains(out, "@U0REP now owns Toyota") || strings.Contains(out, "not a Slack user") {
		t.Errorf("owner by mention: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, env, "ask", "/account H&amp;M")
	if code != 0 || !strings.Contains(out, "H&M") || strings.Contains(out, "No account") || strings.Contains(out, "&amp;") {
		t.Errorf("H&amp;M: exit %d\n%s%s", code, out, errOut)
	}
}

func TestAsk_aFormSaysItOpensInSlackAndOffersTheFile(t *testing.T) {
	env := freshEnv(t)
	env["OUTREACHBOT_ADMIN_USERS"] = "UADMIN"
	for _, line := range []string{"/template add", "/template edit talk-followup"} {
		code, out, errOut := run(t, env, "ask", "--user", "UADMIN", line)
		if code != 0 || strings.TrimSpace(out) == "" {
			t.Fatalf("%s: exit %d, output %q %s", line, code, out, errOut)
		}
		for _, want := range []string{"That opens the form", "type " + line + " in Slack", "templates/outreach/<name>.tmpl", "go test ./templates/"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", line, want, out)
			}
		}
	}
}

func TestAsk_starsInsideCodeStay(t *testing.T) {
	code, out, _ := run(t, freshEnv(t), "ask", "/digest help")
	if code != 0 || !strings.Contains(out, `cron "0 9 * * 1-5"`) {
		t.Errorf("a cron expression in code lost its stars:\n%s", out)
	}
}

func TestImport_errorsSayEachThingOnce(t *testing.T) {
	env := freshEnv(t)
	missing := filepath.Join(t.TempDir(), "nope.csv")
	code, _, errOut := run(t, env, "import", "csv", "--kind", "accounts", missing)
	if code == 0 || strings.Count(errOut, "open "+missing) != 1 {
		t.Errorf("missing file: exit %d, %q", code, errOut)
	}
	// A header with control bytes is quoted, never written raw to the terminal.
	file := filepath.Join(t.TempDir(), "esc.csv")
	if err := os.WriteFile(file, []byte("Company,Web\x1b[2Jsite,\x07Bell\nAcme Rough Edges,acme-rough.example,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, env, "import", "csv", "--kind", "accounts", file)
	if code != 0 || strings.ContainsAny(errOut, "\x1b\x07") || !strings.Contains(errOut, `"Web\x1b[2Jsite"`) {
		t.Errorf("control bytes in a header: exit %d, %q", code, errOut)
	}
}
