package bot_test

import (
	"fmt"
	"strings"
	"testing"
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
