// Command outreachbot is the go-to-market team's outreach assistant in Slack. main only wires
// the parts: the command line, and the Slack runtime it serves with.
package main

import (
	"context"
	"os"

	"outreachbot/bot"
	"outreachbot/cli"
)

func main() {
	env := cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(cli.Main(os.Args[1:], env, cli.Parts{Serve: serve}))
}

// serve runs the Slack runtime over the parts the command line assembled.
func serve(ctx context.Context, app *cli.App) error {
	return bot.Serve(ctx, bot.Deps{
		Options:    app.Options,
		Log:        app.Log,
		Registry:   app.Registry,
		Claims:     app.Store,
		Ready:      app.Store.Ping,
		Background: app.Background(),
	})
}
