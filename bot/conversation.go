package bot

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack/slackevents"

	"outreachbot/handlers"
	"outreachbot/slackmsg"
)

// Events are the Events API events the bot acts on; manifest.yml subscribes to exactly these
// (cli/manifest_test.go checks), so every event Slack sends is one slack-go parses and the bot acks.
var Events = []string{
	"app_home_opened", // publish the user's Home tab
	"app_mention",     // @outreachbot expedia, in a channel or thread: answer in the thread
	"message.im",      // a direct message to the bot: the same words as the slash commands
}

// leadingMention is the bot's own mention at the start of an app_mention's text.
var leadingMention = regexp.MustCompile(`^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s:,]*`)

// mention answers "@outreachbot expedia" in the thread of the message that asked (a new thread
// under it, or the thread it was asked in). https://docs.slack.dev/reference/events/app_mention
func (b *Bot) mention(ctx context.Context, log *slog.Logger, ev *slackevents.AppMentionEvent) {
	if ev.BotID != "" || ev.User == "" {
		return // another bot mentioning us: no conversations between bots
	}
	thread := ev.ThreadTimeStamp
	if thread == "" {
		thread = ev.TimeStamp
	}
	text := leadingMention.ReplaceAllString(ev.Text, "")
	b.converse(ctx, log.With("event", "app_mention"), ev.User, ev.Channel, thread, text)
}

// directMessage answers a DM to the bot with the same words as the slash commands. Only plain
// messages from people count: edits, joins and the bot's own posts come as subtypes or carry
// a bot id. https://docs.slack.dev/reference/events/message.im
func (b *Bot) directMessage(ctx context.Context, log *slog.Logger, ev *slackevents.MessageEvent) {
	if ev.ChannelType != "im" || ev.SubType != "" || ev.BotID != "" || ev.User == "" || ev.User == b.ownUserID() {
		return
	}
	b.converse(ctx, log.With("event", "message.im"), ev.User, ev.Channel, ev.ThreadTimeStamp, ev.Text)
}

// converse runs what a person said through the slash commands' registry and posts the answer
// where they said it.
func (b *Bot) converse(ctx context.Context, log *slog.Logger, user, channel, thread, said string) {
	log = log.With("user", user, "channel", channel)
	if !b.access.Allowed(ctx, user) {
		log.Info("refused: user not allowed")
		if err := b.poster.PostEphemeral(ctx, channel, user, refusal()); err != nil {
			log.Error("deliver refusal", "err", err)
		}
		return
	}
	req := handlers.Request{Text: handlers.NormalizeSlackText(said), UserID: user, ChannelID: channel,
		Admin: b.access.Admin(ctx, user)}
	reg := b.deps.Registry
	resp, err := b.run(ctx, log, "conversation", time.Now(), func(ctx context.Context) (slackmsg.Response, error) {
		return reg.DispatchWords(ctx, req)
	})
	answer := b.userFacing(log, "conversation", result{resp, err})
	if command, text, ok := reg.Words(req.Text); ok {
		// No trigger id comes with a message, so a form cannot open here.
		answer = reg.WithoutForm(strings.TrimSpace(command+" "+text), answer)
	}
	if _, err := b.poster.PostMessage(ctx, channel, thread, answer); err != nil {
		log.Error("post answer", "err", err)
	}
}

func (b *Bot) ownUserID() string {
	id, _ := b.botUser.Load().(string)
	return id
}
