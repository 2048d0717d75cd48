package config

import (
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
