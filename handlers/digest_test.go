package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"outreachbot/digest"
	"outreachbot/store"
)

// fakeDigests records what /digest asked for.
type fakeDigests struct {
	subscribed []digest.SubscribeRequest
	subs       []digest.SubscriptionInfo
	ranNow     []int64
	votes      []int
}

func (f *fakeDigests) Subscribe(ctx context.Context, r digest.SubscribeRequest) (digest.SubscriptionInfo, error) {
	f.subscribed = append(f.subscribed, r)
	s := store.Subscription{ID: int64(len(f.subscribed)), ChannelID: r.ChannelID, ScheduleLabel: r.Schedule, Timezone: "UTC",
		Filters: r.Filter, AlertThreshold: r.AlertThreshold, AlertCap: 3, Active: true}
	if r.Personal {
		s.OwnerUserID = r.UserID
	}
	return digest.SubscriptionInfo{Subscription: s, Next: time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)}, nil
}

func (f *fakeDigests) Subscriptions(ctx context.Context, channelID, userID string) ([]digest.SubscriptionInfo, error) {
	var out []digest.SubscriptionInfo
	for _, s := range f.subs {
		if s.ChannelID == channelID || s.OwnerUserID == userID || channelID == "" && userID == "" {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *fakeDigests) Subscription(ctx context.Context, id int64) (digest.SubscriptionInfo, error) {
	for _, s := range f.subs {
		if s.ID == id {
			return s, nil
		}
	}
	return digest.SubscriptionInfo{}, store.ErrNotFound
}

func (f *fakeDigests) Unsubscribe(ctx context.Context, id int64) error { return nil }

func (f *fakeDigests) Preview(ctx context.Context, id int64) (digest.Preview, error) {
	return digest.Preview{Signals: 0, Since: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}, nil
}

func (f *fakeDigests) RunNow(ctx context.Context, id int64, userID string) (digest.RunNowResult, error) {
	f.ranNow = append(f.ranNow, id)
	return digest.RunNowResult{Run: &store.Run{ID: 1, State: store.RunPosting, Items: 12, Pages: 2}}, nil
}

func (f *fakeDigests) Stats(ctx context.Context) (digest.Stats, error) { return digest.Stats{}, nil }

func (f *fakeDigests) Vote(ctx context.Context, signalID int64, userID string, vote int) (digest.WeightedVote, error) {
	f.votes = append(f.votes, vote)
	return digest.WeightedVote{VoteTally: store.VoteTally{Kind: "job_posting", Source: "jobs", Useful: 1}, Weight: 4.0 / 3}, nil
}

var testSeg = Segment{EmployeesMin: 100, EmployeesMax: 1000, Industries: []string{"financial services", "healthcare", "manufacturing"}}

func TestDigestSubscribe_readsChannelScheduleZoneAndFilters(t *testing.T) {
	cases := []struct {
		text string
		want func(r digest.SubscribeRequest) string // "" when right
	}{
		{"", func(r digest.SubscribeRequest) string {
			return check(r.ChannelID == "CHERE" && r.Schedule == "" && !r.Personal, "defaults to this channel, weekdays 09:00")
		}},
		{"<#C0GTM|gtm> weekdays 08:30 tz:Europe/London", func(r digest.SubscribeRequest) string {
			return check(r.ChannelID == "C0GTM" && r.Schedule == "weekdays 08:30" && r.Timezone == "Europe/London", "channel, schedule, zone")
		}},
		{`<#C0GTM> cron "0 9 * * 1-5"`, func(r digest.SubscribeRequest) string {
			return check(r.ChannelID == "C0GTM" && r.Schedule == "cron 0 9 * * 1-5", "cron in quotes: "+r.Schedule)
		}},
		{"me daily 08:00", func(r digest.SubscribeRequest) string {
			return check(r.Personal && r.ChannelID == "U1" && r.Schedule == "daily 08:00", "personal DM")
		}},
		{`weekly mon 09:00 industry:"financial services" kind:job-posting,github_issue min-score:40`, func(r digest.SubscribeRequest) string {
			return check(r.Schedule == "weekly mon 09:00" && fmt.Sprint(r.Filter.Industries) == "[financial services]" &&
				fmt.Sprint(r.Filter.Kinds) == "[job_posting github_issue]" && r.Filter.MinScore == 40, fmt.Sprintf("filters %+v", r.Filter))
		}},
		{"segment:target alert:80 alert-cap:2 quiet:on", func(r digest.SubscribeRequest) string {
			return check(r.Filter.EmployeesMin == 100 && r.Filter.EmployeesMax == 1000 && len(r.Filter.Industries) == 3 &&
				r.AlertThreshold == 80 && r.AlertCap == 2 && r.AllQuiet, fmt.Sprintf("segment and alerts %+v", r))
		}},
		{"segment:200-500", func(r digest.SubscribeRequest) string {
			return check(r.Filter.EmployeesMin == 200 && r.Filter.EmployeesMax == 500 && len(r.Filter.Industries) == 0, "size range")
		}},
	}
	for _, c := range cases {
		fake := &fakeDigests{}
		h := NewDigests(fake, testSeg)
		resp, err := h.Handle(context.Background(), Request{Command: "/digest", Text: strings.TrimSpace("subscribe " + c.text), UserID: "U1", ChannelID: "CHERE"})
		if err != nil || len(fake.subscribed) != 1 {
			t.Errorf("%q: %v, answered %q", c.text, err, resp.Text)
			continue
		}
		if msg := c.want(fake.subscribed[0]); msg != "" {
			t.Errorf("%q: %s (got %+v)", c.text, msg, fake.subscribed[0])
		}
		if !strings.Contains(resp.Text, "Subscription *#1*") {
			t.Errorf("%q: answer %q", c.text, resp.Text)
		}
	}
}

func check(ok bool, what string) string {
	if ok {
		return ""
	}
	return "wrong: " + what
}

func TestDigestSubscribe_explainsWhatItCannotRead(t *testing.T) {
	cases := map[string]string{
		"#general daily 09:00":     "Pick the channel from Slack's list",
		"daily":                    "needs a time",
		"daily 09:00 hourly":       "one schedule only",
		"colour:blue":              "I don't know `colour:`",
		"kind:podcast":             "not a kind",
		"min-score:200":            "from 0 to 100",
		"alert:high":               "from 1 to 100",
		"quiet:maybe":              "quiet:on",
		"whenever":                 "neither a schedule nor a filter",
		`industry:"financial`:      "quote is not closed",
		"segment:lots":             "is not a size",
		"cron":                     "needs an expression",
		"weekly mon":               "needs a day and a time",
		"me tz:Europe/London cron": "needs an expression",
	}
	for text, want := range cases {
		fake := &fakeDigests{}
		resp, err := NewDigests(fake, testSeg).Handle(context.Background(), Request{Text: "subscribe " + text, UserID: "U1", ChannelID: "C1"})
		if err != nil || len(fake.subscribed) != 0 || !strings.Contains(resp.Text, want) {
			t.Errorf("%q: want a refusal mentioning %q, got %q (%v)", text, want, resp.Text, err)
		}
	}
}

func TestDigestNow_idMayBeLeftOutWhereTheChannelHasOne(t *testing.T) {
	sub := func(id int64, ch, owner string) digest.SubscriptionInfo {
		return digest.SubscriptionInfo{Subscription: store.Subscription{ID: id, ChannelID: ch, OwnerUserID: owner, Active: true, Timezone: "UTC"}}
	}
	fake := &fakeDigests{subs: []digest.SubscriptionInfo{sub(1, "CONE", ""), sub(2, "CTWO", ""), sub(3, "CTWO", ""), sub(4, "U7", "U7")}}
	h := NewDigests(fake, testSeg)
	run := func(ch, user, text string) string {
		resp, err := h.Handle(context.Background(), Request{Text: text, UserID: user, ChannelID: ch})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Text
	}
	if got := run("CONE", "U1", "now"); !strings.Contains(got, "Posting 12 new signals to <#CONE>") || fmt.Sprint(fake.ranNow) != "[1]" {
		t.Errorf("one subscription here: %q %v", got, fake.ranNow)
	}
	if got := run("CTWO", "U1", "now"); !strings.Contains(got, "Several digests could be meant") {
		t.Errorf("two here: %q", got)
	}
	if got := run("CTWO", "U1", "now 3"); !strings.Contains(got, "Posting") || fmt.Sprint(fake.ranNow) != "[1 3]" {
		t.Errorf("by id: %q %v", got, fake.ranNow)
	}
	if got := run("DIM", "U7", "now"); !strings.Contains(got, "your DM") {
		t.Errorf("the user's own personal digest from their DM: %q", got)
	}
	if got := run("CONE", "U1", "now 4"); !strings.Contains(got, "someone's personal digest") {
		t.Errorf("someone else's personal digest: %q", got)
	}
	if got := run("CNONE", "U1", "now"); !strings.Contains(got, "No digest here") {
		t.Errorf("none here: %q", got)
	}
	if got := run("CONE", "U1", "preview"); !strings.Contains(got, "Nothing new for *#1*") {
		t.Errorf("preview with nothing new: %q", got)
	}
	if got := run("CNONE", "U1", "list all"); !strings.Contains(got, "3 digest subscriptions") {
		t.Errorf("list all shows every channel's, not others' personal digests: %q", got)
	}
}

func TestDigestVote_buttonsRecordUsefulAndNoise(t *testing.T) {
	fake := &fakeDigests{}
	h := NewDigests(fake, testSeg)
	acts := h.Actions()
	resp, err := acts[digest.ActionSignalUseful](context.Background(), Action{ActionID: digest.ActionSignalUseful, Value: "42", UserID: "U1"})
	if err != nil || !strings.Contains(resp.Text, "marked *useful*") || !strings.Contains(resp.Text, "×1.33") {
		t.Fatalf("useful: %q %v", resp.Text, err)
	}
	if _, err := acts[digest.ActionSignalNoise](context.Background(), Action{ActionID: digest.ActionSignalNoise, Value: "42", UserID: "U1"}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(fake.votes) != "[1 -1]" {
		t.Fatalf("votes %v", fake.votes)
	}
	if resp, _ := acts[digest.ActionSignalNoise](context.Background(), Action{Value: "x"}); !strings.Contains(resp.Text, "older digest") {
		t.Fatalf("a bad value: %q", resp.Text)
	}
}

// TestDigestUnsubscribe_channelDigestsBelongToTheirCreatorAndAdmins: a channel's digest is
// stopped only by the person who made it or an admin.
func TestDigestUnsubscribe_channelDigestsBelongToTheirCreatorAndAdmins(t *testing.T) {
	fake := &fakeDigests{subs: []digest.SubscriptionInfo{{Subscription: store.Subscription{ID: 1, ChannelID: "CGTM", CreatedBy: "U1", Active: true, Timezone: "UTC"}}}}
	h := NewDigests(fake, testSeg)
	run := func(user string, admin bool) string {
		resp, err := h.Handle(context.Background(), Request{Text: "unsubscribe 1", UserID: user, ChannelID: "CGTM", Admin: admin})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Text
	}
	if got := run("U2", false); !strings.Contains(got, "U1") || strings.Contains(got, "Stopped") {
		t.Errorf("another user: %q", got)
	}
	if got := run("U1", false); !strings.Contains(got, "Stopped subscription *#1*") {
		t.Errorf("its creator: %q", got)
	}
	if got := run("UADMIN", true); !strings.Contains(got, "Stopped subscription *#1*") {
		t.Errorf("an admin: %q", got)
	}
}
