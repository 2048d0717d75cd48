package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"outreachbot/store"
	"outreachbot/store/storetest"
)

// TestFollowups_scheduleNudgeOnceADaySnoozeAndClose walks the follow-up records through what the
// scheduler and the buttons do, on both engines: one follow-up per draft and step, the nudge
// claimed once per rep and day, only open follow-ups of unanswered drafts listed, a snooze nudged
// again, a close counted once.
func TestFollowups_scheduleNudgeOnceADaySnoozeAndClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		a, c := seededExpedia(t, st)
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		var drafts []*store.OutreachDraft
		for i := range 2 {
			dr := testDraft(a, c, "talk-followup")
			if err := st.CreateDraft(ctx, dr, t0); err != nil {
				t.Fatal(err)
			}
			if _, _, err := st.MarkDraftSent(ctx, dr.ID, "U1", t0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
			drafts = append(drafts, dr)
		}
		unsent := testDraft(a, c, "talk-followup")
		if err := st.CreateDraft(ctx, unsent, t0); err != nil {
			t.Fatal(err)
		}
		if got := draftIDs(st.DraftsAwaitingFollowup(ctx, t0.Add(-time.Hour))); got != fmt.Sprint([]int64{drafts[0].ID, drafts[1].ID}) {
			t.Errorf("awaiting a follow-up: %s", got)
		}
		if got := draftIDs(st.DraftsAwaitingFollowup(ctx, t0.Add(time.Hour))); got != "[]" {
			t.Errorf("sent before the lookback: %s", got)
		}

		f1 := &store.Followup{DraftID: drafts[0].ID, Step: 1, UserID: "U1", AccountID: a.ID, DueOn: "2026-03-06", Timezone: "Europe/Berlin", CreatedAt: t0}
		f2 := &store.Followup{DraftID: drafts[1].ID, Step: 1, UserID: "U1", AccountID: a.ID, DueOn: "2026-03-09", Timezone: "Europe/Berlin", CreatedAt: t0}
		for _, f := range []*store.Followup{f1, f2} {
			if created, err := st.CreateFollowup(ctx, f); err != nil || !created {
				t.Fatalf("create: %v %v", created, err)
			}
		}
		twin := *f1
		twin.ID = 0
		if created, err := st.CreateFollowup(ctx, &twin); err != nil || created {
			t.Errorf("a second step 1 for one draft (another replica): created=%v err=%v", created, err)
		}
		if got := draftIDs(st.DraftsAwaitingFollowup(ctx, t0.Add(-time.Hour))); got != "[]" {
			t.Errorf("drafts with a follow-up still awaiting one: %s", got)
		}

		if got := followupIDs(st.FollowupsToNudge(ctx, "2026-03-06")); got != fmt.Sprint([]int64{f1.ID}) {
			t.Errorf("due by Fri 6 Mar: %s", got)
		}
		if got := followupIDs(st.FollowupsToNudge(ctx, "2026-03-09")); got != fmt.Sprint([]int64{f1.ID, f2.ID}) {
			t.Errorf("due by Mon 9 Mar, soonest first: %s", got)
		}

		// One nudge a rep a day, whoever claims it.
		for _, c := range []struct {
			user, day string
			want      bool
		}{{"U1", "2026-03-06", true}, {"U1", "2026-03-06", false}, {"U2", "2026-03-06", true}, {"U1", "2026-03-09", true}} {
			if got, err := st.ClaimNudge(ctx, c.user, c.day, 1, t0); err != nil || got != c.want {
				t.Errorf("claim %s on %s: %v %v, want %v", c.user, c.day, got, err, c.want)
			}
		}
		if err := st.MarkNudged(ctx, []int64{f1.ID}, t0); err != nil {
			t.Fatal(err)
		}
		if got := followupIDs(st.FollowupsToNudge(ctx, "2026-03-09")); got != fmt.Sprint([]int64{f2.ID}) {
			t.Errorf("after nudging f1: %s", got)
		}
		if ok, err := st.SnoozeFollowup(ctx, f1.ID, "2026-03-10"); err != nil || !ok {
			t.Fatalf("snooze: %v %v", ok, err)
		}
		if got := followupIDs(st.FollowupsToNudge(ctx, "2026-03-10")); got != fmt.Sprint([]int64{f2.ID, f1.ID}) {
			t.Errorf("a snoozed follow-up is nudged again on its new day: %s", got)
		}

		// A reply hides the draft's follow-ups; a close counts once.
		if _, _, err := st.MarkDraftReplied(ctx, drafts[1].ID, "U1", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		open, err := st.OpenFollowupsOf(ctx, "U1")
		if err != nil || len(open) != 1 || open[0].ID != f1.ID || open[0].AccountName != "Expedia Group" || open[0].Draft.ID != drafts[0].ID {
			t.Fatalf("open follow-ups after a reply: %+v %v", open, err)
		}
		if ok, err := st.CloseFollowup(ctx, f1.ID, store.FollowupDone, t0); err != nil || !ok {
			t.Errorf("close: %v %v", ok, err)
		}
		if ok, err := st.CloseFollowup(ctx, f1.ID, store.FollowupStopped, t0); err != nil || ok {
			t.Errorf("close twice: %v %v", ok, err)
		}
		if ok, _ := st.SnoozeFollowup(ctx, f1.ID, "2026-03-11"); ok {
			t.Error("snoozed a closed follow-up")
		}
		if open, _ := st.OpenFollowupsOf(ctx, "U1"); len(open) != 0 {
			t.Errorf("open after close: %+v", open)
		}
	})
}

// TestReplyStats_byPainPointAndSignalKind: only sent drafts count; a reply counts for the pain
// point and the kind of signal the draft named; best rate first.
func TestReplyStats_byPainPointAndSignalKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		a, c := seededExpedia(t, st)
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		for _, dr := range []struct {
			pain, kind    string
			sent, replied bool
		}{
			{"yaml-fatigue", "conference_talk", true, true},
			{"yaml-fatigue", "job_posting", true, false},
			{"low-adoption", "job_posting", true, false},
			{"low-adoption", "job_posting", false, false}, // never sent: not counted
		} {
			o := testDraft(a, c, "talk-followup")
			o.PainKey, o.Basis.SignalKind = dr.pain, dr.kind
			if err := st.CreateDraft(ctx, o, t0); err != nil {
				t.Fatal(err)
			}
			if dr.sent {
				if _, _, err := st.MarkDraftSent(ctx, o.ID, "U1", t0); err != nil {
					t.Fatal(err)
				}
			}
			if dr.replied {
				if _, _, err := st.MarkDraftReplied(ctx, o.ID, "U1", t0); err != nil {
					t.Fatal(err)
				}
			}
		}
		byPain, byKind, err := st.ReplyStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(byPain), "[{yaml-fatigue 2 1} {low-adoption 1 0}]"; got != want {
			t.Errorf("by pain point: %s, want %s", got, want)
		}
		if got, want := fmt.Sprint(byKind), "[{conference_talk 1 1} {job_posting 2 0}]"; got != want {
			t.Errorf("by signal kind: %s, want %s", got, want)
		}
	})
}

// draftIDs shows the ids of drafts, or the error that came instead.
func draftIDs(ds []store.OutreachDraft, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	ids := []int64{}
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return fmt.Sprint(ids)
}

// followupIDs shows the ids of follow-ups, or the error that came instead.
func followupIDs(fs []store.FollowupDetail, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	ids := []int64{}
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return fmt.Sprint(ids)
}
