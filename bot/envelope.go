package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"outreachbot/handlers"
	"outreachbot/slackmsg"
)

// maxAckPayload keeps an answer in the ack under Socket Mode's 20 KB frame limit (slack-go
// refuses larger ones; Slack drops them); a larger answer goes through response_url.
const maxAckPayload = 19 << 10

// handleEnvelope acts on one request envelope, once, and always acks it.
func (b *Bot) handleEnvelope(ctx context.Context, evt socketmode.Event, received time.Time) {
	req := evt.Request
	log := b.log.With("request_id", req.EnvelopeID, "type", string(evt.Type))
	if req.RetryAttempt > 0 {
		log = log.With("retry_attempt", req.RetryAttempt, "retry_reason", req.RetryReason)
	}
	fresh, err := b.claim(ctx, evt)
	if err != nil {
		log.Warn("could not record delivery; acting on it", "err", err)
	}
	if !fresh {
		b.metrics.duplicates.Inc()
		log.Info("redelivered envelope already handled; acking only")
		b.ack(log, req, nil, received)
		if cmd, ok := evt.Data.(slack.SlashCommand); ok && req.RetryAttempt > 0 {
			// Slack redelivers a command whose ack it never got, and the first answer rode in
			// that ack: say it was done rather than leave the user with nothing.
			b.respond(ctx, log, cmd.ResponseURL, cmd.ChannelID, cmd.UserID, slackmsg.Ephemeral(fmt.Sprintf(
				":information_source: Your `%s %s` was already done (Slack sent it again after a dropped connection, so its answer may not have reached you). Run it again to see the answer.",
				slackmsg.Escape(cmd.Command), slackmsg.Clip(handlers.NormalizeSlackText(cmd.Text), 200))))
		}
		return
	}
	ctx, named := withHomeSet(ctx)
	defer b.refreshHomes(ctx, log, actor(evt), named)
	switch data := evt.Data.(type) {
	case slack.SlashCommand:
		b.slashCommand(ctx, log, req, data, received)
	case slack.InteractionCallback:
		b.interaction(ctx, log, req, data, received)
	case slackevents.EventsAPIEvent:
		b.ack(log, req, nil, received)
		b.eventsAPI(ctx, log, data)
	default:
		b.ack(log, req, nil, received)
	}
}

// claim records the delivery so a redelivery (to this or another replica) is not acted on again.
// It keys on what identifies the user's action, which stays the same across redeliveries.
func (b *Bot) claim(ctx context.Context, evt socketmode.Event) (bool, error) {
	if b.deps.Claims == nil {
		return true, nil
	}
	key := "env:" + evt.Request.EnvelopeID
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		if d.TriggerID != "" {
			key = "cmd:" + d.TriggerID
		}
	case slack.InteractionCallback:
		if d.TriggerID != "" {
			key = "int:" + d.TriggerID
		}
	case slackevents.EventsAPIEvent:
		if cb, ok := d.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
			key = "evt:" + cb.EventID
		}
	}
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	fresh, err := b.deps.Claims.ClaimDelivery(cctx, key)
	if err != nil {
		// Without the record, act on first deliveries and skip redeliveries: better one
		// missed retry than a double action.
		return evt.Request.RetryAttempt == 0, err
	}
	return fresh, nil
}

func (b *Bot) ack(log *slog.Logger, req *socketmode.Request, payload any, received time.Time) {
	// AckCtx, not Ack: Ack waits forever once the connection is gone and its queue is full.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := b.client.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
		log.Error("ack failed", "err", err)
		return
	}
	b.metrics.ackLatency.Observe(time.Since(received).Seconds())
}

type result struct {
	resp slackmsg.Response
	err  error
}

// slashCommand answers in the ack when the handler is done within the ack budget (one round
// trip), and otherwise acks at once and answers through response_url.
func (b *Bot) slashCommand(ctx context.Context, log *slog.Logger, req *socketmode.Request, cmd slack.SlashCommand, received time.Time) {
	log = log.With("command", cmd.Command, "user", cmd.UserID, "channel", cmd.ChannelID)
	if !b.access.Allowed(ctx, cmd.UserID) {
		log.Info("refused: user not allowed")
		b.ack(log, req, refusal().Payload(), received)
		return
	}
	hreq := handlers.Request{
		Command: cmd.Command, Text: handlers.NormalizeSlackText(cmd.Text), UserID: cmd.UserID,
		ChannelID: cmd.ChannelID, TriggerID: cmd.TriggerID, Admin: b.access.Admin(ctx, cmd.UserID),
	}
	done := make(chan result, 1)
	go func() {
		resp, err := b.run(ctx, log, cmd.Command, received, func(ctx context.Context) (slackmsg.Response, error) {
			return b.deps.Registry.Dispatch(ctx, hreq)
		})
		done <- result{resp, err}
	}()
	budget := time.NewTimer(b.deps.Options.AckBudget - time.Since(received))
	defer budget.Stop()
	select {
	case r := <-done:
		resp := b.userFacing(log, cmd.Command, r)
		if resp.Modal != nil {
			b.ack(log, req, nil, received)
			b.deliver(ctx, log, cmd.TriggerID, cmd.ResponseURL, cmd.ChannelID, cmd.UserID, resp)
			return
		}
		if body, err := json.Marshal(resp.Payload()); err == nil && len(body) < maxAckPayload && req.AcceptsResponsePayload {
			b.ack(log, req, json.RawMessage(body), received)
			return
		}
		b.ack(log, req, nil, received)
		b.respond(ctx, log, cmd.ResponseURL, cmd.ChannelID, cmd.UserID, resp)
	case <-budget.C:
		b.ack(log, req, nil, received)
		r := <-done
		b.deliver(ctx, log, cmd.TriggerID, cmd.ResponseURL, cmd.ChannelID, cmd.UserID, b.userFacing(log, cmd.Command, r))
	}
}

// interaction routes button clicks, modal submissions and shortcuts to handlers.
func (b *Bot) interaction(ctx context.Context, log *slog.Logger, req *socketmode.Request, cb slack.InteractionCallback, received time.Time) {
	log = log.With("interaction", string(cb.Type), "user", cb.User.ID)
	if !b.access.Allowed(ctx, cb.User.ID) {
		log.Info("refused: user not allowed")
		b.ack(log, req, nil, received)
		b.respond(ctx, log, cb.ResponseURL, cb.Channel.ID, cb.User.ID, refusal())
		return
	}
	admin := b.access.Admin(ctx, cb.User.ID)
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		b.viewSubmission(ctx, log, req, cb, admin, received)
	case slack.InteractionTypeBlockActions:
		// Slack wants block_actions acked empty; the answer goes through response_url.
		b.ack(log, req, nil, received)
		fromHome := cb.View.Type == slack.VTHomeTab
		page := homePage(cb.View.PrivateMetadata)
		for _, act := range cb.ActionCallback.BlockActions {
			a := handlers.Action{
				ActionID: act.ActionID, Value: act.Value, UserID: cb.User.ID, ChannelID: cb.Channel.ID,
				TriggerID: cb.TriggerID, MessageTS: cb.Container.MessageTs, Admin: admin, FromHome: fromHome,
			}
			if fromHome && act.ActionID == handlers.ActionHomePage {
				page = homePage(act.Value)
			}
			resp, err := b.run(ctx, log, act.ActionID, received, func(ctx context.Context) (slackmsg.Response, error) {
				return b.deps.Registry.HandleAction(ctx, a)
			})
			b.deliver(ctx, log, cb.TriggerID, cb.ResponseURL, cb.Channel.ID, cb.User.ID, b.userFacing(log, act.ActionID, result{resp, err}))
		}
		if fromHome {
			b.showHome(ctx, log, cb.User.ID, page)
		}
	case slack.InteractionTypeMessageAction, slack.InteractionTypeShortcut:
		b.ack(log, req, nil, received)
		sc := handlers.Shortcut{
			CallbackID: cb.CallbackID, UserID: cb.User.ID, ChannelID: cb.Channel.ID, TriggerID: cb.TriggerID,
			MessageText: cb.Message.Text, MessageTS: cb.Message.Timestamp, Admin: admin,
		}
		if cb.Message.Timestamp != "" && cb.Channel.ID != "" {
			sc.Permalink = b.permalink(ctx, cb.Channel.ID, cb.Message.Timestamp)
		}
		resp, err := b.run(ctx, log, cb.CallbackID, received, func(ctx context.Context) (slackmsg.Response, error) {
			return b.deps.Registry.HandleShortcut(ctx, sc)
		})
		b.deliver(ctx, log, cb.TriggerID, cb.ResponseURL, cb.Channel.ID, cb.User.ID, b.userFacing(log, cb.CallbackID, result{resp, err}))
	default:
		b.ack(log, req, nil, received)
		log.Info("interaction type not handled")
	}
}

// viewSubmission answers a modal in the ack: field errors keep it open, anything else closes it.
func (b *Bot) viewSubmission(ctx context.Context, log *slog.Logger, req *socketmode.Request, cb slack.InteractionCallback, admin bool, received time.Time) {
	v := handlers.ViewSubmission{
		CallbackID: cb.View.CallbackID, PrivateMetadata: cb.View.PrivateMetadata, Values: viewValues(cb.View.State),
		UserID: cb.User.ID, TriggerID: cb.TriggerID, Admin: admin,
	}
	var vr handlers.ViewResult
	resp, err := b.run(ctx, log, cb.View.CallbackID, received, func(ctx context.Context) (slackmsg.Response, error) {
		var err error
		vr, err = b.deps.Registry.HandleView(ctx, v)
		return slackmsg.Response{}, err
	})
	_ = resp
	if err != nil {
		failed := b.userFacing(log, cb.View.CallbackID, result{err: err})
		b.ack(log, req, nil, received)
		b.respond(ctx, log, "", cb.User.ID, cb.User.ID, failed)
		return
	}
	if len(vr.Errors) > 0 {
		b.ack(log, req, slack.NewErrorsViewSubmissionResponse(vr.Errors), received)
		return
	}
	b.ack(log, req, nil, received)
	if vr.Message != nil {
		noteHomes(ctx, vr.Message.Homes)
		channel := vr.Channel
		if channel == "" {
			channel = cb.User.ID
		}
		if _, err := b.poster.PostMessage(ctx, channel, "", *vr.Message); err != nil {
			log.Error("post after modal", "err", err)
		}
	}
}

// noteAnswer records a handler's answer in the envelope's homeSet, if it has one.
func noteAnswer(ctx context.Context, r slackmsg.Response) {
	s, _ := ctx.Value(homeSetKey{}).(*homeSet)
	if s == nil {
		return
	}
	noteHomes(ctx, r.Homes)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers++
	if r.ReadOnly {
		s.readOnly++
	}
}

// run runs a handler with the request deadline and the panic guard, and returns by the deadline
// whatever the handler does: a handler stuck where its context is not watched (a stalled
// database, a pool with no free connection) is left to finish on its own, and the user hears
// "That took too long" in time. The handler's context ends a little before the deadline so that
// the answer can still be delivered within it.
//
// The deadline counts from when the envelope arrived (received), not from when the handler
// started: recording the delivery goes first and may itself wait on a stalled database.
func (b *Bot) run(ctx context.Context, log *slog.Logger, name string, received time.Time, f func(context.Context) (slackmsg.Response, error)) (slackmsg.Response, error) {
	timeout := b.deps.Options.HandlerTimeout
	hctx, cancel := context.WithDeadline(ctx, received.Add(timeout-min(timeout/10, time.Second)))
	done := make(chan result, 1)
	go func() {
		defer cancel()
		resp, err := b.dispatch(hctx, log, name, f)
		if err == nil {
			noteAnswer(ctx, resp)
		}
		done <- result{resp, err}
	}()
	select {
	case r := <-done:
		return r.resp, overDeadline(hctx, r.err)
	case <-hctx.Done():
		select {
		case r := <-done: // finished as the deadline came
			return r.resp, overDeadline(hctx, r.err)
		default:
		}
		log.Warn("handler still running at its deadline; answering without it", "handler", b.metricLabel(name))
		return slackmsg.Response{}, fmt.Errorf("%s: %w", b.metricLabel(name), hctx.Err())
	}
}

// deliver opens the response's modal, if any, and sends its message, if any.
func (b *Bot) deliver(ctx context.Context, log *slog.Logger, triggerID, responseURL, channel, user string, resp slackmsg.Response) {
	if resp.Modal != nil {
		if err := b.poster.OpenView(ctx, triggerID, *resp.Modal); err != nil {
			log.Error("open modal", "err", err)
			resp = slackmsg.Ephemeral("I couldn't open the form in time; please try again.")
		} else if resp.IsModalOnly() {
			return
		}
	}
	b.respond(ctx, log, responseURL, channel, user, resp)
}

func (b *Bot) permalink(ctx context.Context, channel, ts string) string {
	link, err := b.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channel, Ts: ts})
	if err != nil {
		return ""
	}
	return link
}

// viewValues flattens a modal's state to block id → action id → value.
func viewValues(state *slack.ViewState) map[string]map[string]string {
	out := map[string]map[string]string{}
	if state == nil {
		return out
	}
	for blockID, actions := range state.Values {
		out[blockID] = map[string]string{}
		for actionID, a := range actions {
			val := a.Value
			switch {
			case a.SelectedOption.Value != "":
				val = a.SelectedOption.Value
			case a.SelectedConversation != "":
				val = a.SelectedConversation
			case a.SelectedChannel != "":
				val = a.SelectedChannel
			case a.SelectedUser != "":
				val = a.SelectedUser
			}
			out[blockID][actionID] = val
		}
	}
	return out
}

// eventsAPI handles events: the App Home tab is published when a user opens it, and the bot
// answers where it is asked (an @mention in a channel or thread, a direct message).
func (b *Bot) eventsAPI(ctx context.Context, log *slog.Logger, e slackevents.EventsAPIEvent) {
	switch ev := e.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		if ev.Tab == "home" {
			b.showHome(ctx, log, ev.User, 0)
		}
	case *slackevents.AppMentionEvent:
		b.mention(ctx, log, ev)
	case *slackevents.MessageEvent:
		b.directMessage(ctx, log, ev)
	}
}

// dispatch runs a handler with a panic guard: a panic becomes an error and the bot goes on.
func (b *Bot) dispatch(ctx context.Context, log *slog.Logger, name string, run func(context.Context) (slackmsg.Response, error)) (resp slackmsg.Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			b.metrics.handlerErrs.WithLabelValues(b.metricLabel(name), "panic").Inc()
			log.Error("handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = errPanic
		}
	}()
	return run(ctx)
}

var errPanic = errors.New("handler panicked")

// overDeadline marks a handler's error as a timeout when its deadline had passed: a driver cut
// off by the deadline reports a closed connection or an I/O timeout rather than
// context.DeadlineExceeded, and the user should hear "That took too long", not "broke".
func overDeadline(hctx context.Context, err error) error {
	if err != nil && errors.Is(hctx.Err(), context.DeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
		return errors.Join(context.DeadlineExceeded, err)
	}
	return err
}

// metricLabel is the handler name as a metrics label: a command, action, modal or shortcut id
// the registry declares, or "unknown". A forged client can send any id, and each distinct label
// would be a new series kept for the life of the process.
func (b *Bot) metricLabel(name string) string {
	if b.deps.Registry.Declares(name) {
		return name
	}
	return "unknown"
}

// userFacing turns a handler's outcome into what the user sees; the detail goes to the log.
func (b *Bot) userFacing(log *slog.Logger, name string, r result) slackmsg.Response {
	if r.err == nil {
		return r.resp
	}
	var ue *slackmsg.UserError
	switch {
	case errors.As(r.err, &ue):
		return slackmsg.Ephemeral(ue.Msg)
	case errors.Is(r.err, errPanic):
		return slackmsg.Ephemeral(":warning: Sorry — something broke while answering that. It has been logged; please try again.")
	case errors.Is(r.err, context.DeadlineExceeded):
		b.metrics.handlerErrs.WithLabelValues(b.metricLabel(name), "timeout").Inc()
		log.Error("handler timed out", "err", r.err)
		return slackmsg.Ephemeral(":hourglass: That took too long and was stopped. Please try again in a moment.")
	default:
		b.metrics.handlerErrs.WithLabelValues(b.metricLabel(name), "error").Inc()
		log.Error("handler failed", "err", r.err)
		return slackmsg.Ephemeral(":warning: Sorry — I couldn't answer that just now. It has been logged; please try again.")
	}
}

// respond delivers a late answer: through response_url when there is one, else as an ephemeral,
// else (a button on the App Home tab or in a modal) in the user's DM with the bot.
func (b *Bot) respond(ctx context.Context, log *slog.Logger, responseURL, channel, user string, resp slackmsg.Response) {
	if resp.Text == "" && len(resp.Blocks) == 0 {
		return // nothing to say (e.g. a Home button whose answer is the Home itself)
	}
	var err error
	switch {
	case responseURL != "":
		err = b.poster.Respond(ctx, responseURL, resp)
	case channel != "":
		err = b.poster.PostEphemeral(ctx, channel, user, resp)
	case user != "":
		_, err = b.poster.PostMessage(ctx, user, "", resp)
	}
	if err != nil {
		log.Error("deliver answer", "err", err)
	}
}

func refusal() slackmsg.Response {
	return slackmsg.Ephemeral("Sorry, outreachbot is only open to the go-to-market team. Ask an admin to add you to `OUTREACHBOT_ALLOWED_USERS`.")
}
