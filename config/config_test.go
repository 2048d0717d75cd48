package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseEnv_defaultsAndValues(t *testing.T) {
	o, err := ParseEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if o.DBPath != "outreachbot.db" || o.HTTPAddr != "127.0.0.1:8080" || o.AckBudget != 2*time.Second || !o.Watch || len(o.AllowedUsers) != 0 {
		t.Errorf("defaults: %+v", o)
	}
	o, err = ParseEnv(env(map[string]string{
		"OUTREACHBOT_ALLOWED_USERS": "U1, U2;S3", "OUTREACHBOT_ADMIN_USERS": "U9",
		"SLACK_API_URL": "http://127.0.0.1:9000/api", "OUTREACHBOT_ACK_BUDGET": "500ms", "OUTREACHBOT_WATCH": "OFF",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.AllowedUsers, ",") != "U1,U2,S3" || o.AdminUsers[0] != "U9" || o.SlackAPIURL != "http://127.0.0.1:9000/api/" || o.AckBudget != 500*time.Millisecond || o.Watch {
		t.Errorf("parsed: %+v", o)
	}
}

func TestParseEnv_rejectsBadDurations(t *testing.T) {
	for _, v := range []string{"soon", "-1s", "3s", "10s"} {
		if _, err := ParseEnv(env(map[string]string{"OUTREACHBOT_ACK_BUDGET": v})); err == nil {
			t.Errorf("OUTREACHBOT_ACK_BUDGET=%s accepted", v)
		}
	}
}

func TestOptions_neverShowSecrets(t *testing.T) {
	o, _ := ParseEnv(env(map[string]string{
		"SLACK_APP_TOKEN": "xapp-secret-1", "SLACK_BOT_TOKEN": "xoxb-secret-2",
		"DATABASE_URL": "postgres://u:hunter2@db/x", "GITHUB_TOKEN": "ghp_secret3",
	}))
	s := o.String()
	for _, secret := range []string{"xapp-secret-1", "xoxb-secret-2", "hunter2", "ghp_secret3"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() shows a secret: %s", s)
		}
	}
	if err := o.CheckSlack(); err != nil {
		t.Errorf("both tokens set: %v", err)
	}
	o.BotToken = "xapp-wrong-kind"
	err := o.CheckSlack()
	if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || strings.Contains(err.Error(), "xapp-wrong-kind") {
		t.Errorf("wrong token kind: %v", err)
	}
}

// TestCheckSlack_swappedTokensSaySo: a bot token given as the app token (or the other way round)
// is named as a swap, before any network call, without showing either token.
func TestCheckSlack_swappedTokensSaySo(t *testing.T) {
	cases := []struct {
		name, app, bot string
		want           []string
	}{
		{"both swapped", "xoxb-secret-bot", "xapp-secret-app", []string{"swapped", "exchange their values"}},
		{"bot token as the app token", "xoxb-secret-bot", "xoxb-secret-bot2", []string{"SLACK_APP_TOKEN holds a bot token (xoxb-…)", "belongs in SLACK_BOT_TOKEN"}},
		{"app token as the bot token", "xapp-secret-app", "xapp-secret-app2", []string{"SLACK_BOT_TOKEN holds an app-level token (xapp-…)", "belongs in SLACK_APP_TOKEN"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Options{AppToken: c.app, BotToken: c.bot}.CheckSlack()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the message lacks %q: %v", w, err)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the message shows a token: %v", err)
			}
		})
	}
}

// TestParseEnv_followupDays: follow-ups come 4 then 7 business days apart unless
// OUTREACHBOT_FOLLOWUP_DAYS says otherwise; a value that is not a list of 1–60 is refused.
func TestParseEnv_followupDays(t *testing.T) {
	cases := []struct {
		value string
		want  string // the days, or "error"
	}{
		{"", "4,7"},
		{"3", "3"},
		{"2, 5;10", "2,5,10"},
		{"0,7", "error"},
		{"4,61", "error"},
		{"soon", "error"},
	}
	for _, c := range cases {
		o, err := ParseEnv(env(map[string]string{"OUTREACHBOT_FOLLOWUP_DAYS": c.value}))
		got := "error"
		if err == nil {
			got = strings.Trim(strings.Join(strings.Fields(fmt.Sprint(o.FollowupDays)), ","), "[]")
		} else if !strings.Contains(err.Error(), "OUTREACHBOT_FOLLOWUP_DAYS") {
			t.Errorf("%q: the error does not name the variable: %v", c.value, err)
		}
		if got != c.want {
			t.Errorf("OUTREACHBOT_FOLLOWUP_DAYS=%q: %s, want %s", c.value, got, c.want)
		}
	}
}
