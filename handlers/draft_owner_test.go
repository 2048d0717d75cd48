package handlers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"outreachbot/handlers"
	"outreachbot/slackmsg"
	"outreachbot/store"
)

// TestDraft_buttonsBelongToTheAuthor: another user's clicks on a draft's buttons (or a forged
// payload naming its id, or the edit modal submitted with its id) are refused and change
// nothing; the author and admins may.
func TestDraft_buttonsBelongToTheAuthor(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t, store.SQLite)
	msg := e.cmd("U1", "/draft toyota")
	dr := e.draftOf(msg)
	ctx := context.Background()
	for _, label := range []string{"Another template", "Edit", "Mark sent", "Share to channel"} {
		b := buttonsOf(msg)[label]
		resp, err := e.reg.HandleAction(ctx, handlers.Action{ActionID: b.ActionID, Value: b.Value, UserID: "U2", ChannelID: "C1"})
		if err != nil {
			t.Fatal(err)
		}
		if txt := slackmsg.PlainText(resp); resp.Modal != nil || resp.InChannel || !strings.Contains(txt, "U1's draft") {
			t.Errorf("%s pressed by U2: %q (modal %v)", label, txt, resp.Modal != nil)
		}
	}
	vr, err := e.reg.HandleView(ctx, handlers.ViewSubmission{CallbackID: handlers.ViewDraftEdit, PrivateMetadata: strconv.FormatInt(dr.ID, 10),
		Values: map[string]map[string]string{"body": {"body": "Buy now!"}}, UserID: "U2"})
	if err != nil || vr.Message != nil || !strings.Contains(vr.Errors["body"], "U1's draft") {
		t.Errorf("a forged edit by U2: %+v %v", vr, err)
	}
	after, err := e.app.Store.DraftByID(ctx, dr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Body != dr.Body || after.SentAt != nil {
		t.Errorf("another user changed the draft: sent %v, body %q", after.SentAt, after.Body)
	}
	b := buttonsOf(msg)["Mark sent"]
	if resp, err := e.reg.HandleAction(ctx, handlers.Action{ActionID: b.ActionID, Value: b.Value, UserID: "UADMIN", ChannelID: "C1", Admin: true}); err != nil ||
		!strings.Contains(slackmsg.PlainText(resp), "Marked sent by @UADMIN") {
		t.Errorf("an admin marking it sent: %q %v", slackmsg.PlainText(resp), err)
	}
}
