package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"outreachbot/config"
	"outreachbot/handlers"
	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/seed"
)

func options(env Env) (config.Options, error) {
	if env.Getenv == nil {
		return config.FromEnv()
	}
	return config.ParseEnv(env.Getenv)
}

// serveGCPercent is serve's GOGC when the environment sets none.
const serveGCPercent = 50

func runServe(ctx context.Context, env Env, parts Parts, args []string) error {
	fs := newFlags(env, "serve", "", "Connects to Slack over Socket Mode (SLACK_APP_TOKEN, SLACK_BOT_TOKEN) and answers\nslash commands, buttons and events until SIGTERM. Health and metrics on OUTREACHBOT_HTTP_ADDR.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts, err := options(env)
	if err != nil {
		return err
	}
	if err := opts.CheckSlack(); err != nil {
		return err
	}
	if parts.Serve == nil {
		return fmt.Errorf("this build has no Slack runtime")
	}
	if getenv := env.Getenv; getenv == nil && os.Getenv("GOGC") == "" || getenv != nil && getenv("GOGC") == "" {
		// The long-lived heap is mostly the account index; a lookup's garbage is small and
		// short-lived. Collecting at 1.5x the live heap instead of 2x keeps the resident size
		// near the data at a few percent of CPU (GOGC overrides).
		debug.SetGCPercent(serveGCPercent)
	}
	log := newLogger(env.Stderr, opts.LogLevel)
	app, err := openApp(ctx, opts, log)
	if err != nil {
		return err
	}
	defer app.Close()
	return parts.Serve(ctx, app)
}

func runAsk(ctx context.Context, env Env, _ Parts, args []string) error {
	fs := newFlags(env, "ask", `[--json] [--user ID] "/command text"`,
		"Runs one slash command through the same handlers Slack uses and prints the answer as text\n(or, with --json, the Block Kit message exactly as it would be sent). Works without Slack.")
	asJSON := fs.Bool("json", false, "print the Slack message JSON instead of text")
	user := fs.String("user", "UTERMINAL", "the Slack user id to run the command as")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	line := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if !strings.HasPrefix(line, "/") {
		fmt.Fprintln(env.Stderr, `outreachbot ask: give a slash command, e.g. outreachbot ask "/account expedia"`)
		return errUsage
	}
	return withApp(ctx, env, func(app *App) error { return ask(ctx, env, app, line, *user, *asJSON) })
}

// ask runs one command line and prints the answer.
func ask(ctx context.Context, env Env, app *App, line, user string, asJSON bool) error {
	command, text, _ := strings.Cut(line, " ")
	if _, ok := app.Registry.Command(command); !ok {
		return fmt.Errorf("unknown command %s; known: %s", command, commandNames(app.Registry))
	}
	// The text is read the way Slack delivers it (should_escape): <@U123|name> is a mention and
	// &amp; is &, so what works in Slack works here, through the bot's own decoding.
	req := handlers.Request{Command: command, Text: handlers.NormalizeSlackText(strings.TrimSpace(text)), UserID: user,
		ChannelID: "CTERMINAL", Admin: isIn(user, app.Options.AdminUsers)}
	resp, err := app.Registry.Dispatch(ctx, req)
	if err != nil {
		return err
	}
	// A terminal has no trigger to open a form with: say what would open, and the other route.
	resp = app.Registry.WithoutForm(command+" "+req.Text, resp)
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(resp)
	}
	_, err = fmt.Fprint(env.Stdout, slackmsg.PlainText(resp))
	return err
}

func runSeed(ctx context.Context, env Env, _ Parts, args []string) error {
	fs := newFlags(env, "seed", "", "Loads the report's knowledge (store/seed/knowledge.yaml) into the store. Idempotent:\nrunning it twice leaves the same rows.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return withApp(ctx, env, func(app *App) error {
		st, err := app.Store.Seed(ctx, app.Knowledge)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "seeded %d accounts, %d contacts, %d pain points, %d competitors, %d signals, %d facts\n",
			st.Accounts, st.Contacts, st.PainPoints, st.Competitors, st.Signals, st.Facts)
		return err
	})
}

func runMigrate(ctx context.Context, env Env, _ Parts, args []string) error {
	fs := newFlags(env, "migrate", "[--status]", "Applies pending migrations (they also run at every start) and records them in goose_db_version.")
	status := fs.Bool("status", false, "list migrations and whether each is applied, without applying")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts, err := options(env)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: opts.DatabaseURL, SQLitePath: opts.DBPath})
	if err != nil {
		return err
	}
	defer st.Close()
	if !*status {
		ran, err := st.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "applied %d migration(s)\n", len(ran))
		if err := reseedExisting(ctx, env, st); err != nil {
			return err
		}
	}
	lines, err := st.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	for _, l := range lines {
		fmt.Fprintln(env.Stdout, l)
	}
	return nil
}

// reseedExisting brings a store that already holds accounts up to the built-in knowledge file,
// as a start does; an empty store is left for the first start, which also imports ADOPTERS.md.
func reseedExisting(ctx context.Context, env Env, st *store.Store) error {
	empty, err := st.IsEmpty(ctx)
	if err != nil || empty {
		return err
	}
	k, err := seed.Load()
	if err != nil {
		return err
	}
	seeded, _, err := st.SeedIfChanged(ctx, k)
	if err != nil {
		return err
	}
	if seeded {
		fmt.Fprintln(env.Stdout, "the built-in knowledge file changed since the last seed: seeded again")
	}
	return nil
}

// withApp opens the app from the environment for one subcommand (quiet logs) and closes it after.
func withApp(ctx context.Context, env Env, f func(*App) error) error {
	opts, err := options(env)
	if err != nil {
		return err
	}
	app, err := openApp(ctx, opts, newLogger(env.Stderr, "warn"))
	if err != nil {
		return err
	}
	defer app.Close()
	return f(app)
}

func commandNames(r *handlers.Registry) string {
	var names []string
	for _, c := range r.Commands() {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

func isIn(id string, list []string) bool {
	for _, v := range list {
		if v == id {
			return true
		}
	}
	return false
}
