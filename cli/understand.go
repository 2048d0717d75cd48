package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"outreachbot/handlers"
	"outreachbot/sources/understand"
	"outreachbot/sources/watch"
	"outreachbot/store"
)

// maxUnderstandText bounds what `understand` reads: far more than any issue, post or job ad.
const maxUnderstandText = 1 << 20

func runUnderstand(ctx context.Context, env Env, _ Parts, args []string) error {
	fs := newFlags(env, "understand", "[--json] [--file F]",
		"Reads a text from standard input (or --file) and prints the accounts and pain points it shows,\n"+
			"each with the words that gave it away and, for a pain point, the model's score. It is the same\n"+
			"reading the watchers do on every item and the Save-as-signal shortcut previews.")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	file := fs.String("file", "", "read the text from this file instead of standard input")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "outreachbot understand: give the text on standard input or with --file, e.g. echo \"...\" | outreachbot understand")
		return errUsage
	}
	text, err := readText(env, *file)
	if err != nil {
		return err
	}
	return withApp(ctx, env, func(app *App) error {
		an, err := watch.Analyzer(ctx, app.Store)
		if err != nil {
			return fmt.Errorf("loading accounts: %w", err)
		}
		res := an.Analyze(text)
		if *asJSON {
			return writeAnalysisJSON(env.Stdout, res)
		}
		writeAnalysis(env.Stdout, res)
		return nil
	})
}

// readText reads the text to analyse; an empty, oversized or non-UTF-8 text is a clear error.
func readText(env Env, file string) (string, error) {
	var r io.Reader = env.Stdin
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("reading the text: %w", err)
		}
		defer f.Close()
		r = f
	}
	if r == nil {
		return "", errors.New("no text: pipe one in or give --file")
	}
	b, err := io.ReadAll(io.LimitReader(r, maxUnderstandText+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("reading the text: %w", err)
	case len(b) > maxUnderstandText:
		return "", fmt.Errorf("the text is longer than %d bytes; give a shorter one", maxUnderstandText)
	case !utf8.Valid(b):
		return "", errors.New("the text is not UTF-8; convert it first (e.g. iconv -t UTF-8)")
	case strings.TrimSpace(string(b)) == "":
		return "", errors.New("no text: pipe one in, e.g. echo \"our catalog-info.yaml files are stale\" | outreachbot understand")
	}
	return string(b), nil
}

func writeAnalysis(w io.Writer, res understand.Analysis) {
	if len(res.Accounts)+len(res.Pains) == 0 {
		fmt.Fprintln(w, "No account or pain point found.")
		return
	}
	if len(res.Accounts) > 0 {
		fmt.Fprintln(w, "Accounts:")
		for _, m := range res.Accounts {
			fmt.Fprintf(w, "  %-28s %q\n", m.Key, m.Phrase)
		}
	}
	if len(res.Pains) > 0 {
		fmt.Fprintln(w, "Pain points:")
		for _, m := range res.Pains {
			fmt.Fprintf(w, "  %-28s %.2f  %q  (because: %s)\n", m.Key, m.Score, m.Phrase, strings.Join(quoted(m.Because), ", "))
		}
	}
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// analysisJSON is the --json output.
type analysisJSON struct {
	Accounts []accountJSON `json:"accounts"`
	Pains    []painJSON    `json:"pains"`
}

type accountJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Evidence string `json:"evidence"`
	Offset   int    `json:"offset"`
}

type painJSON struct {
	ID       int64    `json:"id"`
	Key      string   `json:"key"`
	Score    float64  `json:"score"`
	Evidence string   `json:"evidence"`
	Offset   int      `json:"offset"`
	Because  []string `json:"because"`
}

func writeAnalysisJSON(w io.Writer, res understand.Analysis) error {
	out := analysisJSON{Accounts: []accountJSON{}, Pains: []painJSON{}}
	for _, m := range res.Accounts {
		out.Accounts = append(out.Accounts, accountJSON{ID: m.ID, Name: m.Key, Evidence: m.Phrase, Offset: m.Offset})
	}
	for _, m := range res.Pains {
		out.Pains = append(out.Pains, painJSON{ID: m.ID, Key: m.Key, Score: float64(int(m.Score*1000+0.5)) / 1000, Evidence: m.Phrase, Offset: m.Offset, Because: m.Because})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// messageReader previews a Slack message for the Save-as-signal shortcut with the same analyser
// as `understand` and the watchers. It builds the analyser per message from the store, so the
// bot keeps no second copy of every account's names in memory.
type messageReader struct{ st *store.Store }

func (r messageReader) ReadMessage(ctx context.Context, text string) (handlers.Reading, error) {
	an, err := watch.Analyzer(ctx, r.st)
	if err != nil {
		return handlers.Reading{}, err
	}
	res := an.Analyze(text)
	var out handlers.Reading
	for _, m := range res.Accounts {
		out.Accounts = append(out.Accounts, handlers.Finding{Name: m.Key, Evidence: m.Phrase})
	}
	for _, m := range res.Pains {
		out.Pains = append(out.Pains, handlers.Finding{Name: m.Key, Evidence: m.Phrase, Score: m.Score})
	}
	return out, nil
}
