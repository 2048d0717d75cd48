package templates_test

import (
	"testing"

	"outreachbot/templates"
)

// TestChannel_inTextKeepsNames: "you sent the LinkedIn connection note", never "linkedin".
func TestChannel_inTextKeepsNames(t *testing.T) {
	for _, c := range []struct {
		channel templates.Channel
		want    string
	}{
		{templates.LinkedInConnect, "LinkedIn connection note"},
		{templates.GitHubComment, "GitHub comment"},
		{templates.Email, "e-mail"},
		{templates.ConferenceFollowup, "conference follow-up"},
		{templates.CommunityDM, "community DM (Slack/Discord)"},
		{templates.Channel("smoke_signal"), "smoke_signal"},
	} {
		if got := c.channel.InText(); got != c.want {
			t.Errorf("%s: %q, want %q", c.channel, got, c.want)
		}
	}
}
