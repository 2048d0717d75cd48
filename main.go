// Command outreachbot is the go-to-market team's outreach assistant in Slack. main only wires
// the parts: the command line, and the Slack runtime it serves with.
//
// Layers (layers_test.go): main is the top of the shipped code; nothing imports it.
package main

import (
	"context"
	"os"

	"outreachbot/bot"
	"outreachbot/cli"
	"outreachbot/digest"
	"outreachbot/followup"
	"outreachbot/sources/watch"
)

func main() {
	env := cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(cli.Main(os.Args[1:], env, cli.Parts{Serve: serve}))
}

// serve runs the Slack runtime over the parts the command line assembled, with the digest
// scheduler posting through the bot's poster.
func serve(ctx context.Context, app *cli.App) error {
	b := bot.New(bot.Deps{
		Options:    app.Options,
		Log:        app.Log,
		Registry:   app.Registry,
		Claims:     app.Store,
		Homes:      app.Store,
		Ready:      app.Store.Ping,
		Background: app.Background(),
	})
	b.AddJob(digest.NewScheduler(app.Digests, b.Poster(), digest.SchedulerOptions{}).Run)
	b.AddJob(followup.New(app.Store, b.Poster(), followup.Options{
		Days: app.Options.FollowupDays, Changed: b.RefreshHome, Log: app.Log}).Run)
	if app.Options.Watch {
		b.AddJob(watch.New(app.Store, watch.Config{GitHubToken: app.Options.GitHubToken, AllowPrivate: app.Options.AllowPrivateFetch,
			Found: b.AccountsChanged, Log: app.Log}).Run)
	}
	return b.Run(ctx)
}
