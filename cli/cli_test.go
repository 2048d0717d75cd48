package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"outreachbot/cli"
)

// run runs the command line in-process with its own environment.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}, cli.Parts{})
	return code, out.String(), errOut.String()
}

func freshEnv(t *testing.T) map[string]string {
	return map[string]string{"OUTREACHBOT_DB_PATH": filepath.Join(t.TempDir(), "outreachbot.db")}
}

func TestAsk_freshStoreAnswersExpedia(t *testing.T) {
	env := freshEnv(t)
	code, out, errOut := run(t, env, "ask", "/account expedia")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Expedia Group", "6x", "return on investment", "40-day payback", "5,000+", "Erik Lindgren"} {
		if !strings.Contains(out, want) {
			t.Errorf("answer lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run(t, env, "ask", "--json", "/account expedia")
	if code != 0 {
		t.Fatalf("--json exit %d", code)
	}
	var msg struct {
		ResponseType string            `json:"response_type"`
		Text         string            `json:"text"`
		Blocks       []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(out), &msg); err != nil {
		t.Fatalf("--json is not a Slack message: %v\n%s", err, out)
	}
	if msg.ResponseType != "ephemeral" || msg.Text == "" || len(msg.Blocks) == 0 || len(msg.Blocks) > 50 {
		t.Errorf("unexpected message shape: type=%q text=%q blocks=%d", msg.ResponseType, msg.Text, len(msg.Blocks))
	}
}

func TestAsk_failuresExitNonZeroWithOneLine(t *testing.T) {
	env := freshEnv(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ask", "account expedia"}, 2, "give a slash command"},
		{[]string{"ask", "/nosuch thing"}, 1, "unknown command /nosuch"},
		{[]string{"ask", "--bogus", "/account x"}, 2, "flag provided but not defined"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
	}
	for _, c := range cases {
		code, _, errOut := run(t, env, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, errOut, c.want)
		}
	}
}

func TestHelp_everySubcommand(t *testing.T) {
	for _, sub := range []string{"serve", "ask", "seed", "migrate", "import", "understand"} {
		code, out, _ := run(t, nil, sub, "--help")
		if code != 0 || !strings.Contains(out, "Usage: outreachbot "+sub) {
			t.Errorf("%s --help: exit %d, output %q", sub, code, out)
		}
	}
	code, out, _ := run(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "Commands:") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}

func TestServe_swappedTokensStopBeforeSlackIsCalled(t *testing.T) {
	env := freshEnv(t)
	env["SLACK_APP_TOKEN"], env["SLACK_BOT_TOKEN"] = "xoxb-1-secret", "xapp-1-secret"
	served := false
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), []string{"serve"}, cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }},
		cli.Parts{Serve: func(context.Context, *cli.App) error { served = true; return nil }})
	if code == 0 || served {
		t.Fatalf("exit %d, served %v: swapped tokens must stop serve before it connects", code, served)
	}
	if msg := errOut.String(); !strings.Contains(msg, "swapped") || strings.Contains(msg, "secret") {
		t.Errorf("want a message naming the swap and no token, got: %s", msg)
	}
}

func TestServe_withoutTokensExplainsWhatToSet(t *testing.T) {
	code, _, errOut := run(t, freshEnv(t), "serve")
	if code == 0 {
		t.Fatal("serve without tokens must fail")
	}
	for _, want := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "manifest.yml", "outreachbot ask"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the message lacks %q: %s", want, errOut)
		}
	}
	if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("want one paragraph, got:\n%s", errOut)
	}
}

func TestSeedAndMigrate_commands(t *testing.T) {
	env := freshEnv(t)
	code, first, errOut := run(t, env, "seed")
	if code != 0 {
		t.Fatalf("seed: %s", errOut)
	}
	_, second, _ := run(t, env, "seed")
	if first != second || !strings.Contains(first, "seeded") {
		t.Errorf("seed twice should report the same work: %q vs %q", first, second)
	}
	code, out, _ := run(t, env, "migrate", "--status")
	if code != 0 || !strings.Contains(out, "00001") || !strings.Contains(out, "applied") {
		t.Errorf("migrate --status: %d %q", code, out)
	}
}
