package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"outreachbot/bot"
	"outreachbot/handlers"
	"outreachbot/slackmsg"
	"outreachbot/slacktest"
)

// TestE2E_forgedCallbackIDsNeverBecomeMetricLabels: a forged client sending modal submissions
// with made-up callback ids must not grow /metrics by one series each.
func TestE2E_forgedCallbackIDsNeverBecomeMetricLabels(t *testing.T) {
	h := start(t)
	for i := range 5 {
		_, err := h.srv.Interaction(h.ctx(), map[string]any{
			"type": "view_submission", "user": map[string]any{"id": "U0001"}, "trigger_id": h.srv.NewTriggerID(),
			"view": map[string]any{"id": "V1", "type": "modal", "callback_id": fmt.Sprintf("forged-%d-%s", i, strings.Repeat("x", 200))},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	metrics := get(t, h, "/metrics")
	if strings.Contains(metrics, "forged-") {
		t.Errorf("forged callback ids became labels:\n%s", grep(metrics, "forged"))
	}
	if want := `outreachbot_handler_errors_total{handler="unknown",kind="error"} 5`; !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %s:\n%s", want, grep(metrics, "handler_errors"))
	}
}

// TestE2E_appHomeNotPublishedToStrangers: someone not allowed who opens the app's Home tab sees
// a refusal, not the team's commands and dashboard.
func TestE2E_appHomeNotPublishedToStrangers(t *testing.T) {
	h := start(t, withAllowed("U0ALLOWED"))
	for _, u := range []string{"U0STRANGER", "U0ALLOWED"} {
		if _, err := h.srv.Event(h.ctx(), map[string]any{"type": "app_home_opened", "user": u, "channel": "D" + u, "tab": "home", "event_ts": "1.0"}); err != nil {
			t.Fatal(err)
		}
	}
	calls, err := h.srv.WaitForCalls(h.ctx(), "views.publish", 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		body := string(c.Body)
		switch c.Args["user_id"] {
		case "U0STRANGER":
			if strings.Contains(body, "/account") || !strings.Contains(body, "only open to the go-to-market team") {
				t.Errorf("a stranger's Home tab: %s", body)
			}
		case "U0ALLOWED":
			if !strings.Contains(body, "/account") {
				t.Errorf("an allowed user's Home tab: %s", body)
			}
		default:
			t.Errorf("published to %q", c.Args["user_id"])
		}
	}
}

// stuckFeature is a command whose handler ignores its context, as a call stuck on a stalled
// database or a full pool would: it returns only when the test ends.
type stuckFeature struct{ release chan struct{} }

func (f stuckFeature) Command() handlers.Command {
	return handlers.Command{Name: "/stuck", Description: "never returns in time", Handle: func(ctx context.Context, r handlers.Request) (slackmsg.Response, error) {
		<-f.release
		return slackmsg.Ephemeral("too late"), nil
	}}
}

// TestE2E_answerWithinTheDeadlineWhateverTheHandlerDoes: the user hears "That took too long"
// within the request's deadline even when the handler is stuck and does not watch its context.
func TestE2E_answerWithinTheDeadlineWhateverTheHandlerDoes(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	const deadline = time.Second
	h := start(t, func(d *bot.Deps) {
		d.Options.HandlerTimeout = deadline
		d.Registry = handlers.NewRegistry(stuckFeature{release})
	})
	sent := time.Now()
	h.slash(slacktest.SlashCommand{Command: "/stuck"})
	posts, err := h.srv.WaitForResponsePosts(h.ctx(), 1)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(sent)
	if !strings.Contains(string(posts[0].Body), "took too long") {
		t.Errorf("answer: %s", posts[0].Body)
	}
	// The bound is the deadline; the margin is for a busy machine, far below the 30 s the
	// handler would otherwise hold the answer.
	if took > deadline+2*time.Second {
		t.Errorf("answered after %s; the deadline is %s", took, deadline)
	}
}

// TestE2E_redeliveredCommandStillAnswered: Slack redelivers a slash command when it never got
// the ack, and the answer rode in that ack. The redelivery is not acted on again, but the user
// hears that their command was done instead of nothing.
func TestE2E_redeliveredCommandStillAnswered(t *testing.T) {
	h := start(t)
	trigger := h.srv.NewTriggerID()
	h.slash(slacktest.SlashCommand{Command: "/count", TriggerID: trigger}) // its answer is "lost" with the ack
	if body := h.answer(slacktest.SlashCommand{Command: "/count", TriggerID: trigger, RetryAttempt: 1}); !strings.Contains(body, "already done") {
		t.Errorf("the redelivery's answer: %s", body)
	}
	if n := h.counts.Load(); n != 1 {
		t.Errorf("acted %d times, want once", n)
	}
}
