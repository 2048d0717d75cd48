package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"outreachbot/handlers"
	"outreachbot/slackmsg"
)

// homeView is the App Home tab: what the bot does and how to ask it.
func homeView(r *handlers.Registry) slack.HomeTabViewRequest {
	var b slackmsg.Builder
	b.Header("outreachbot")
	b.Section("Your outreach assistant: what we know about accounts that use or struggle with Backstage, the pain points to talk about, and warm first messages.")
	for _, c := range r.Commands() {
		var forms []string
		for _, f := range c.Forms {
			forms = append(forms, fmt.Sprintf("• `%s` — %s", slackmsg.Escape(f.Usage), slackmsg.Escape(f.Description)))
		}
		b.Section(fmt.Sprintf("*%s* — %s\n%s", c.Name, slackmsg.Escape(c.Description), strings.Join(forms, "\n")))
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: b.Blocks()}}
}

// refusalHome is the Home tab of someone not allowed to use the bot: no commands, no data.
func refusalHome() slack.HomeTabViewRequest {
	var b handlers.Builder
	b.Section(refusal().Text)
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: b.Blocks()}}
}
