// Package config reads the bot's options from the environment, once, into a typed value.
//
// Layers (layers_test.go): a leaf; it imports no outreachbot package.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Options are every setting the bot reads. Secrets (tokens, the database URL) come only from the
// environment and are never logged; String() redacts them.
type Options struct {
	DatabaseURL  string   // DATABASE_URL: PostgreSQL; empty = embedded SQLite
	DBPath       string   // OUTREACHBOT_DB_PATH: the SQLite file (default ./outreachbot.db)
	AppToken     string   // SLACK_APP_TOKEN: xapp-…, for Socket Mode
	BotToken     string   // SLACK_BOT_TOKEN: xoxb-…, for the Web API
	SlackAPIURL  string   // SLACK_API_URL: Web API base ending in /api/ (default Slack's)
	AllowedUsers []string // OUTREACHBOT_ALLOWED_USERS: user or user-group ids; empty = everyone
	AdminUsers   []string // OUTREACHBOT_ADMIN_USERS: user or user-group ids; empty = nobody
	HTTPAddr     string   // OUTREACHBOT_HTTP_ADDR: health and metrics listener
	LogLevel     string   // OUTREACHBOT_LOG_LEVEL: debug, info, warn, error
	Watch        bool     // OUTREACHBOT_WATCH: run the public-source watchers ("off" turns them off)
	GitHubToken  string   // GITHUB_TOKEN: optional, raises GitHub's API rate limit for the watcher
	// AllowPrivateFetch (OUTREACHBOT_ALLOW_PRIVATE_FETCH=on) lets watchers and `import adopters`
	// fetch loopback, private and link-local addresses; off, only the public internet is read.
	AllowPrivateFetch bool
	AckBudget         time.Duration // OUTREACHBOT_ACK_BUDGET: answer in the ack if done within this
	HandlerTimeout    time.Duration // OUTREACHBOT_HANDLER_TIMEOUT: a request's deadline
}

// FromEnv reads Options from the environment.
func FromEnv() (Options, error) {
	return ParseEnv(os.Getenv)
}

// ParseEnv reads Options through get (os.Getenv, or a map in tests).
func ParseEnv(get func(string) string) (Options, error) {
	o := Options{
		DatabaseURL:       get("DATABASE_URL"),
		DBPath:            orDefault(get("OUTREACHBOT_DB_PATH"), "outreachbot.db"),
		AppToken:          strings.TrimSpace(get("SLACK_APP_TOKEN")),
		BotToken:          strings.TrimSpace(get("SLACK_BOT_TOKEN")),
		SlackAPIURL:       get("SLACK_API_URL"),
		AllowedUsers:      list(get("OUTREACHBOT_ALLOWED_USERS")),
		AdminUsers:        list(get("OUTREACHBOT_ADMIN_USERS")),
		HTTPAddr:          orDefault(get("OUTREACHBOT_HTTP_ADDR"), "127.0.0.1:8080"),
		LogLevel:          orDefault(get("OUTREACHBOT_LOG_LEVEL"), "info"),
		Watch:             !strings.EqualFold(strings.TrimSpace(get("OUTREACHBOT_WATCH")), "off"),
		GitHubToken:       strings.TrimSpace(get("GITHUB_TOKEN")),
		AllowPrivateFetch: on(get("OUTREACHBOT_ALLOW_PRIVATE_FETCH")),
		AckBudget:         2 * time.Second,
		HandlerTimeout:    25 * time.Second,
	}
	var err error
	if o.AckBudget, err = duration(get, "OUTREACHBOT_ACK_BUDGET", o.AckBudget); err != nil {
		return o, err
	}
	if o.HandlerTimeout, err = duration(get, "OUTREACHBOT_HANDLER_TIMEOUT", o.HandlerTimeout); err != nil {
		return o, err
	}
	if o.AckBudget >= 3*time.Second {
		return o, fmt.Errorf("OUTREACHBOT_ACK_BUDGET must be under 3s: Slack gives an ack 3 seconds")
	}
	if o.SlackAPIURL != "" && !strings.HasSuffix(o.SlackAPIURL, "/") {
		o.SlackAPIURL += "/"
	}
	return o, nil
}

// CheckSlack says what is missing to connect to Slack, in one paragraph, or nil. Tokens of the
// wrong kind in the right place (a swap) get their own message; it never shows a token.
func (o Options) CheckSlack() error {
	if err := o.checkSwapped(); err != nil {
		return err
	}
	var missing []string
	if !strings.HasPrefix(o.AppToken, "xapp-") {
		missing = append(missing, "SLACK_APP_TOKEN (the app-level token, xapp-…, with connections:write)")
	}
	if !strings.HasPrefix(o.BotToken, "xoxb-") {
		missing = append(missing, "SLACK_BOT_TOKEN (the bot token, xoxb-…)")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("cannot connect to Slack: set %s. Create the app at https://api.slack.com/apps → "+
		"Create New App → From an app manifest, paste manifest.yml, install it to your workspace, then copy "+
		"the bot token (OAuth & Permissions) and create an app-level token with connections:write (Basic "+
		"Information). Without Slack, `outreachbot ask \"/account expedia\"` answers in the terminal",
		strings.Join(missing, " and "))
}

// checkSwapped recognises a bot token given as the app token or the other way round.
func (o Options) checkSwapped() error {
	appIsBot, botIsApp := strings.HasPrefix(o.AppToken, "xoxb-"), strings.HasPrefix(o.BotToken, "xapp-")
	const where = " (the app-level token is under Basic Information → App-Level Tokens, the bot token under OAuth & Permissions)"
	switch {
	case appIsBot && botIsApp:
		return errors.New("cannot connect to Slack: SLACK_APP_TOKEN and SLACK_BOT_TOKEN are swapped: SLACK_APP_TOKEN holds " +
			"a bot token (xoxb-…) and SLACK_BOT_TOKEN an app-level token (xapp-…); exchange their values" + where)
	case appIsBot:
		return errors.New("cannot connect to Slack: SLACK_APP_TOKEN holds a bot token (xoxb-…); it needs the app-level " +
			"token (xapp-…, with connections:write), and the bot token belongs in SLACK_BOT_TOKEN" + where)
	case botIsApp:
		return errors.New("cannot connect to Slack: SLACK_BOT_TOKEN holds an app-level token (xapp-…); it needs the bot " +
			"token (xoxb-…), and the app-level token belongs in SLACK_APP_TOKEN" + where)
	}
	return nil
}

// String describes the options with every secret redacted.
func (o Options) String() string {
	db := "sqlite:" + o.DBPath
	if o.DatabaseURL != "" {
		db = "postgres (DATABASE_URL set)"
	}
	return fmt.Sprintf("db=%s slack_api=%s http=%s allowed=%d admins=%d", db, orDefault(o.SlackAPIURL, "default"), o.HTTPAddr, len(o.AllowedUsers), len(o.AdminUsers))
}

func list(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func duration(get func(string) string, key string, d time.Duration) (time.Duration, error) {
	v := get(key)
	if v == "" {
		return d, nil
	}
	out, err := time.ParseDuration(v)
	if err != nil || out <= 0 {
		return d, fmt.Errorf("%s=%q is not a duration like 2s", key, v)
	}
	return out, nil
}

// on reads a yes/no setting: on, true, yes or 1.
func on(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1":
		return true
	}
	return false
}
