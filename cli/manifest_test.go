package cli_test

import (
	"context"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"outreachbot/bot"
	"outreachbot/cli"
	"outreachbot/config"
	"outreachbot/handlers"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command      string `yaml:"command"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
		Shortcuts []struct {
			Name       string `yaml:"name"`
			Type       string `yaml:"type"`
			CallbackID string `yaml:"callback_id"`
		} `yaml:"shortcuts"`
		AppHome struct {
			HomeTab          bool `yaml:"home_tab_enabled"`
			MessagesTab      bool `yaml:"messages_tab_enabled"`
			MessagesReadOnly bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// TestManifest_matchesRouter keeps manifest.yml and the router in step both ways: every command
// and shortcut the bot routes is declared in the manifest, and the manifest declares nothing the
// bot would not answer.
func TestManifest_matchesRouter(t *testing.T) {
	raw, err := os.ReadFile("../manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.yml is not valid YAML: %v", err)
	}
	app, err := cli.Prepare(context.Background(), config.Options{}, storetest.Open(t, store.SQLite), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var routed, declared []string
	registered := map[string]handlers.Command{}
	for _, c := range app.Registry.Commands() {
		routed = append(routed, c.Name)
		registered[c.Name] = c
	}
	for _, c := range m.Features.SlashCommands {
		declared = append(declared, c.Command)
		if r, ok := registered[c.Command]; ok {
			// One declaration per command: what Slack shows in its command menu is what help says.
			if c.Description != r.Description {
				t.Errorf("%s: manifest.yml describes it as %q, the registry as %q", c.Command, c.Description, r.Description)
			}
			if c.UsageHint != r.UsageHint {
				t.Errorf("%s: manifest.yml's usage_hint is %q, the registry's %q", c.Command, c.UsageHint, r.UsageHint)
			}
		}
		if c.Description == "" || len(c.Description) > 100 {
			t.Errorf("%s: description must be 1–100 characters, is %d", c.Command, len(c.Description))
		}
		if c.UsageHint == "" || len(c.UsageHint) > 100 {
			t.Errorf("%s: usage_hint must be 1–100 characters", c.Command)
		}
		if !c.ShouldEscape {
			t.Errorf("%s: should_escape must be true so mentions arrive as ids", c.Command)
		}
	}
	sameSet(t, "slash commands", routed, declared)

	// The catalogue the registry reads its words from holds no command nothing answers.
	rawCatalogue, err := os.ReadFile("../handlers/commands.yml")
	if err != nil {
		t.Fatal(err)
	}
	var catalogue []struct {
		Name string `yaml:"name"`
	}
	if err := yaml.Unmarshal(rawCatalogue, &catalogue); err != nil {
		t.Fatalf("handlers/commands.yml is not valid YAML: %v", err)
	}
	var catalogued []string
	for _, c := range catalogue {
		catalogued = append(catalogued, c.Name)
	}
	sameSetIn(t, "handlers/commands.yml", "slash commands", routed, catalogued)

	var shortcuts []string
	for _, s := range m.Features.Shortcuts {
		shortcuts = append(shortcuts, s.CallbackID)
		if s.Type != "message" && s.Type != "global" {
			t.Errorf("shortcut %s: type %q", s.CallbackID, s.Type)
		}
	}
	sameSet(t, "shortcuts", app.Registry.ShortcutIDs(), shortcuts)

	if !m.Settings.SocketMode || !m.Settings.Interactivity.Enabled || !m.Features.AppHome.HomeTab {
		t.Error("socket mode, interactivity and the App Home tab must be on")
	}
	// Every event subscribed is one the bot acts on (slack-go parses it, so it is acked), and
	// every event it acts on is subscribed.
	sameSet(t, "bot events", append([]string(nil), bot.Events...), m.Settings.Events.BotEvents)
	if !m.Features.AppHome.MessagesTab || m.Features.AppHome.MessagesReadOnly {
		t.Error("the Messages tab must be on and writable: people DM the bot")
	}

	// Least privilege: exactly the scopes the bot's calls and events need, each for a reason.
	need := map[string]string{
		"commands":          "slash commands and shortcuts",
		"chat:write":        "answers, drafts, digests, nudges",
		"chat:write.public": "digests to public channels the bot was not invited to",
		"im:write":          "conversations.open for personal digests and nudges",
		"usergroups:read":   "allowed/admin lists may name user groups",
		"users:read":        "users.info time zone for follow-ups",
	}
	eventScope := map[string]string{"app_mention": "app_mentions:read", "message.im": "im:history", "app_home_opened": ""}
	for _, ev := range m.Settings.Events.BotEvents {
		scope, known := eventScope[ev]
		if !known {
			t.Errorf("event %s: no scope listed for it in this test", ev)
		}
		if scope != "" {
			need[scope] = "event " + ev
		}
	}
	var needed []string
	for scope := range need {
		needed = append(needed, scope)
	}
	sameSet(t, "bot scopes", needed, append([]string(nil), m.OAuth.Scopes.Bot...))
}

func sameSet(t *testing.T, what string, routed, declared []string) {
	t.Helper()
	sameSetIn(t, "manifest.yml", what, routed, declared)
}

func sameSetIn(t *testing.T, file, what string, routed, declared []string) {
	t.Helper()
	sort.Strings(routed)
	sort.Strings(declared)
	if strings.Join(routed, ",") != strings.Join(declared, ",") {
		t.Errorf("%s: the bot routes %v but %s declares %v", what, routed, file, declared)
	}
}
