package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/term"
	"gopkg.in/yaml.v3"

	"outreachbot/config"
	"outreachbot/sources"
	"outreachbot/sources/adopters"
	"outreachbot/sources/adopterswatch"
	"outreachbot/sources/watch"
	"outreachbot/store"
)

func runImport(ctx context.Context, env Env, parts Parts, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stdout, "Usage: outreachbot import adopters [--with-emails] <ADOPTERS.md file or URL>")
		fmt.Fprintln(env.Stdout, "       outreachbot import csv --kind accounts|contacts|signals <file.csv>")
		fmt.Fprintln(env.Stdout, "       outreachbot import sources <sources.yaml>")
		fmt.Fprintln(env.Stdout, "\nadopters: the public Backstage adopters list: one account per organization (merged by domain")
		fmt.Fprintln(env.Stdout, "and name), GitHub handles as contacts, and an adopters_entry signal per new organization.")
		fmt.Fprintln(env.Stdout, "csv: accounts, contacts or signals from a spreadsheet export; bad rows are listed, good rows kept.")
		fmt.Fprintln(env.Stdout, "sources: the watched sources (feeds, GitHub, ADOPTERS.md, job boards) from a YAML file.")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "adopters":
		return runImportAdopters(ctx, env, args[1:])
	case "csv":
		return runImportCSV(ctx, env, args[1:])
	case "sources":
		return runImportSources(ctx, env, args[1:])
	}
	fmt.Fprintf(env.Stderr, "outreachbot import: unknown kind %q; known: adopters, csv, sources\n", args[0])
	return errUsage
}

func runImportAdopters(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "import adopters", "[--with-emails] <file or URL>",
		"Imports an ADOPTERS.md list. E-mail addresses in it were published for the Backstage project, not\nfor sales: they are left out unless --with-emails is given.")
	withEmails := fs.Bool("with-emails", false, "also store the listed contacts' e-mail addresses")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "outreachbot import adopters: give one file or URL")
		return errUsage
	}
	data, err := readSource(ctx, env, fs.Arg(0))
	if err != nil {
		return err
	}
	entries, err := adopters.Parse(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parse %s: %w", fs.Arg(0), err)
	}
	return withApp(ctx, env, func(app *App) error {
		res, err := app.Store.ImportAdopters(ctx, adopterswatch.Rows(entries), *withEmails, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%d organizations: %d new accounts, %d merged into existing ones, %d new adopter signals, %d contacts\n",
			res.Rows, res.NewAccounts, res.Merged, res.NewSignals, res.Contacts)
		return nil
	})
}

// readSource reads a file, or fetches an http(s) URL as the watchers do: with a timeout, and with
// an error rather than a silently cut list when the body is over sources.MaxBody, and only from
// a public internet address unless OUTREACHBOT_ALLOW_PRIVATE_FETCH allows internal ones.
func readSource(ctx context.Context, env Env, src string) ([]byte, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", src, err)
		}
		return data, nil
	}
	opts, err := config.ParseEnv(env.Getenv)
	if err != nil {
		return nil, err
	}
	client := sources.NewClient(sources.DefaultTimeout, opts.AllowPrivateFetch)
	f, err := sources.Get(ctx, client, src, sources.State{}, "text/markdown, text/plain;q=0.9, */*;q=0.1")
	if err != nil {
		return nil, err
	}
	return f.Body, nil
}

// maxShownRowErrors is how many row errors the import prints; the count covers them all.
const maxShownRowErrors = 50

// errRowsRejected makes the exit status 1 when some rows were rejected (the good ones are kept).
var errRowsRejected = errors.New("some rows were rejected")

func runImportCSV(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "import csv", "--kind accounts|contacts|signals <file.csv>",
		"Imports a CSV file. The header is matched by name (Company, Website, Full Name, Job Title, Date, …);\n"+
			"each bad row is reported with its line, column and reason while the good rows are kept. A file\n"+
			"that cannot be read to the end writes nothing. Import accounts before their contacts and signals.")
	kind := fs.String("kind", "", "what the file holds: accounts, contacts or signals")
	source := fs.String("source", "csv", "the source recorded on rows that have no source column")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !isCSVKind(*kind) || fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "outreachbot import csv: give --kind accounts|contacts|signals and one file")
		return errUsage
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("open %s: %w", fs.Arg(0), err)
	}
	defer f.Close()
	return withApp(ctx, env, func(app *App) error {
		var read atomic.Int64
		var size int64
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		prog := newImportProgress(env.Stderr, isTerminal(env.Stderr), *kind, size, &read, time.Now)
		start := time.Now()
		res, err := app.Store.ImportCSV(ctx, *kind, countingReader{r: f, n: &read}, store.CSVOptions{Source: *source, Progress: prog.update})
		prog.finish()
		if err != nil {
			return err
		}
		printCSVImport(env, res, time.Since(start))
		if res.Rejected > 0 {
			return errRowsRejected
		}
		return nil
	})
}

func printCSVImport(env Env, res store.CSVImport, took time.Duration) {
	for _, e := range res.Errors[:min(len(res.Errors), maxShownRowErrors)] {
		fmt.Fprintln(env.Stderr, e.String())
	}
	if res.Rejected > maxShownRowErrors {
		fmt.Fprintf(env.Stderr, "… and %d more rejected rows\n", res.Rejected-maxShownRowErrors)
	}
	if len(res.Ignored) > 0 {
		fmt.Fprintf(env.Stderr, "ignored columns: %s\n", strings.Join(res.Ignored, ", "))
	}
	how := ""
	if res.Bulk {
		how = " via COPY"
	}
	rate := 0.0
	if took > 0 {
		rate = float64(res.Rows) / took.Seconds()
	}
	fmt.Fprintf(env.Stdout, "%d %s rows: %d imported, %d already stored, %d rejected (%s%s, %.0f rows/s)\n",
		res.Rows, res.Kind, res.Imported, res.Unchanged, res.Rejected, took.Round(time.Millisecond), how, rate)
}

func isCSVKind(k string) bool {
	for _, x := range store.CSVKinds {
		if x == k {
			return true
		}
	}
	return false
}

// isTerminal reports whether w is a terminal (progress bars only go there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runExport writes accounts, contacts or signals as CSV.
func runExport(ctx context.Context, env Env, parts Parts, args []string) error {
	if len(args) == 0 || args[0] != "csv" {
		fmt.Fprintln(env.Stderr, "Usage: outreachbot export csv --kind accounts|contacts|signals [--out file.csv]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	fs := newFlags(env, "export csv", "--kind accounts|contacts|signals [--out file.csv]",
		"Writes every account, contact or signal as CSV, with the header `import csv` reads back.")
	kind := fs.String("kind", "", "accounts, contacts or signals")
	outPath := fs.String("out", "-", "the file to write (- for standard output)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if !isCSVKind(*kind) || fs.NArg() != 0 {
		fmt.Fprintln(env.Stderr, "outreachbot export csv: give --kind accounts|contacts|signals")
		return errUsage
	}
	return withApp(ctx, env, func(app *App) error {
		if *outPath == "-" {
			_, err := app.Store.ExportCSV(ctx, *kind, env.Stdout)
			return err
		}
		f, err := os.Create(*outPath)
		if err != nil {
			return fmt.Errorf("create %s: %w", *outPath, err)
		}
		n, err := app.Store.ExportCSV(ctx, *kind, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "%d %s written to %s\n", n, *kind, *outPath)
		return nil
	})
}

// sourcesFile is the YAML file `import sources` reads.
type sourcesFile struct {
	Sources []struct {
		Key      string `yaml:"key"`
		Kind     string `yaml:"kind"`
		Target   string `yaml:"target"`
		Account  string `yaml:"account"`
		Schedule string `yaml:"schedule"`
		Enabled  *bool  `yaml:"enabled"`
	} `yaml:"sources"`
}

// runImportSources saves the watched sources a YAML file lists (all or none).
func runImportSources(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "import sources", "<sources.yaml>",
		"Adds or changes the watched sources a YAML file lists:\n"+
			"  sources:\n"+
			"    - key: spotify-engineering\n"+
			"      kind: feed            # feed, github, adopters, greenhouse or lever\n"+
			"      target: https://engineering.atspotify.com/feed/\n"+
			"      account: Spotify      # whose source it is (optional)\n"+
			"      schedule: \"@hourly\"   # cron: \"*/30 * * * *\", \"@every 6h\", \"@daily\"\n"+
			"Every entry is checked first; one bad entry saves none.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "outreachbot import sources: give one YAML file")
		return errUsage
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("read %s: %w", fs.Arg(0), err)
	}
	var file sourcesFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	var list []store.WatchSource
	for i, s := range file.Sources {
		ws := store.WatchSource{Key: s.Key, Kind: s.Kind, Target: s.Target, Account: s.Account, Schedule: s.Schedule, Enabled: true, AddedBy: "import"}
		if s.Enabled != nil {
			ws.Enabled = *s.Enabled
		}
		if err := watch.Validate(ws); err != nil {
			return fmt.Errorf("%s: source %d (%s): %w", fs.Arg(0), i+1, s.Key, err)
		}
		list = append(list, ws)
	}
	return withApp(ctx, env, func(app *App) error {
		if err := app.Store.SaveWatchSources(ctx, list); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%d sources saved\n", len(list))
		return nil
	})
}
