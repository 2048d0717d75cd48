package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"outreachbot/cli"
)

// understand runs `outreachbot understand` in-process with stdin.
func understand(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"understand"}, args...), cli.Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
	}, cli.Parts{})
	return code, out.String(), errOut.String()
}

func TestUnderstand_namesThePainWithItsEvidence(t *testing.T) {
	env := freshEnv(t)
	code, out, errOut := understand(t, env, "Our catalog-info.yaml files drift from reality and nobody updates them\n")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Pain points:") || !strings.Contains(out, "yaml") || !quotesWith(out, "catalog-info.yaml") {
		t.Errorf("want the yaml pain quoting words with catalog-info.yaml, got:\n%s", out)
	}

	text := "I run the platform team at Zalando; sign-in with Okta fails for every user since the last upgrade."
	file := filepath.Join(t.TempDir(), "issue.txt")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = understand(t, env, "", "--json", "--file", file)
	if code != 0 {
		t.Fatalf("--json exit %d: %s", code, errOut)
	}
	var got struct {
		Accounts []struct{ Name, Evidence string } `json:"accounts"`
		Pains    []struct {
			Key, Evidence string
			Score         float64
			Because       []string
		} `json:"pains"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(got.Accounts) != 1 || got.Accounts[0].Name != "Zalando SE" || got.Accounts[0].Evidence != "Zalando" {
		t.Errorf("accounts = %+v, want Zalando SE ← \"Zalando\"", got.Accounts)
	}
	found := false
	for _, p := range got.Pains {
		if p.Key == "auth" {
			found = true
			if p.Score <= 0 || p.Score > 1 || !strings.Contains(text, p.Evidence) || len(p.Because) == 0 {
				t.Errorf("auth without a score in (0,1] or evidence from the text: %+v", p)
			}
		}
	}
	if !found {
		t.Errorf("want the auth pain, got %+v", got.Pains)
	}
}

func TestUnderstand_badInputSaysWhatToDo(t *testing.T) {
	env := freshEnv(t)
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		want        string
	}{
		{"empty", "  \n", nil, 1, "no text"},
		{"not utf-8", "caf\xe9", nil, 1, "not UTF-8"},
		{"argument instead of stdin", "", []string{"some text"}, 2, "standard input"},
		{"missing file", "", []string{"--file", filepath.Join(t.TempDir(), "nope.txt")}, 1, "reading the text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := understand(t, env, tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tc.code, tc.want)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("error is not one line: %q", errOut)
			}
		})
	}
	code, out, _ := understand(t, env, "Ten recipes for sourdough bread.")
	if code != 0 || strings.TrimSpace(out) != "No account or pain point found." {
		t.Errorf("a text with nothing: exit %d, %q", code, out)
	}
}

// quotesWith reports whether out quotes ("...") some words of the text that include w.
func quotesWith(out, w string) bool {
	parts := strings.Split(out, `"`)
	for i := 1; i < len(parts); i += 2 { // the parts inside quotes
		if strings.Contains(parts[i], w) {
			return true
		}
	}
	return false
}
