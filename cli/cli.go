// Package cli is the outreachbot command line: serve (the default), ask, seed, migrate, import,
// export and understand.
// It assembles the parts every subcommand shares; the Slack runtime is passed in by main.
//
// Layers (layers_test.go): cli assembles every layer below it but bot (main wires the runtime);
// only main imports cli.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// ServeFunc runs the bot until ctx ends.
type ServeFunc func(ctx context.Context, app *App) error

// Parts are what main wires in: the pieces this package must not import itself.
type Parts struct {
	Serve ServeFunc
}

// Env is the process's outside world, so tests can run subcommands in-process.
type Env struct {
	Stdin          io.Reader // read by `understand`; nil means none
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, parts Parts, args []string) error
}

var subcommands = []subcommand{
	{"serve", "connect to Slack over Socket Mode and answer the team (the default)", runServe},
	{"ask", `run one slash command and print the answer, e.g. ask "/account expedia"`, runAsk},
	{"seed", "load the report's knowledge into the store (idempotent)", runSeed},
	{"migrate", "apply pending database migrations, or list them with --status", runMigrate},
	{"import", "import data: adopters <ADOPTERS.md file or URL>", runImport},
	{"export", "export data: csv --kind accounts|contacts|signals", runExport},
	{"understand", "print the accounts and pain points a text shows (stdin or --file), with evidence", runUnderstand},
}

// Main runs the command line and returns the process exit status.
func Main(args []string, env Env, parts Parts) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, env, parts)
}

// Run is Main with a caller-owned context.
func Run(ctx context.Context, args []string, env Env, parts Parts) int {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		usage(env.Stdout)
		return 0
	}
	if name == "help" {
		usage(env.Stdout)
		return 0
	}
	for _, sc := range subcommands {
		if sc.name != name {
			continue
		}
		err := sc.run(ctx, env, parts, args)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(env.Stderr, "outreachbot %s: %s\n", name, oneLine(err.Error()))
		return 1
	}
	fmt.Fprintf(env.Stderr, "outreachbot: unknown command %q\n\n", name)
	usage(env.Stderr)
	return 2
}

var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "outreachbot — the outreach assistant in Slack.")
	fmt.Fprintln(w, "\nUsage: outreachbot [command] [flags]   (no command = serve)")
	fmt.Fprintln(w, "\nCommands:")
	for _, sc := range subcommands {
		fmt.Fprintf(w, "  %-8s %s\n", sc.name, sc.summary)
	}
	fmt.Fprintln(w, "\nRun `outreachbot <command> --help` for a command's flags. Settings come from the environment;")
	fmt.Fprintln(w, "see the README (DATABASE_URL, OUTREACHBOT_DB_PATH, SLACK_APP_TOKEN, SLACK_BOT_TOKEN, ...).")
}

// newFlags makes a flag set whose --help prints a one-line description first.
func newFlags(env Env, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stdout, "Usage: outreachbot %s %s\n\n%s\n", name, synopsis, description)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.Stderr)
	}
	return fs
}

// parseFlags parses args; a bad flag is a usage error (already printed by flag).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv}))
}
