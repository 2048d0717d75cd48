package followup

import (
	"testing"
	"time"
)

func TestDueDay_businessDaysInTheRepsZone(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	la, _ := time.LoadLocation("America/Los_Angeles")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cases := []struct {
		name string
		sent time.Time
		loc  *time.Location
		days int
		want string
	}{
		{"Friday + 4 skips the weekend", time.Date(2026, 3, 6, 10, 0, 0, 0, ny), ny, 4, "2026-03-12"},
		// 18:30 in New York on Friday 6 March is already Saturday in UTC: the rep's Friday counts.
		{"evening send counts the local day", time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC), ny, 4, "2026-03-12"},
		// 20:00 on Thursday in Los Angeles is Friday 03:00 UTC.
		{"local Thursday, UTC Friday", time.Date(2026, 3, 27, 3, 0, 0, 0, time.UTC), la, 4, "2026-04-01"},
		{"across the spring change in Berlin", time.Date(2026, 3, 26, 17, 0, 0, 0, berlin), berlin, 4, "2026-04-01"},
		{"across the autumn change in Berlin", time.Date(2026, 10, 22, 17, 0, 0, 0, berlin), berlin, 7, "2026-11-02"},
		{"Saturday send: Monday is the first business day", time.Date(2026, 3, 7, 12, 0, 0, 0, berlin), berlin, 1, "2026-03-09"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := AddBusinessDays(LocalDay(c.sent, c.loc), c.days); got != c.want {
				t.Errorf("sent %s + %d business days in %s = %s, want %s", c.sent.UTC(), c.days, c.loc, got, c.want)
			}
		})
	}
}

func TestOpeningOf_quotesTheFirstSentenceNotTheGreeting(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"Hi Erik,\n\nI saw Toyota's talk at BackstageCon. It was good.", "I saw Toyota's talk at BackstageCon"},
		{"Hi Erik, we haven't met and this isn't about anything you've posted. Still…", "we haven't met and this isn't about anything you've posted"},
		{"Hello Ana María, quick question about your portal? Thanks", "quick question about your portal?"},
		{"Hiring platform engineers, are you? Let's talk.", "Hiring platform engineers, are you?"},
		{"", ""},
	} {
		if got := openingOf(c.body); got != c.want {
			t.Errorf("openingOf(%q) = %q, want %q", c.body, got, c.want)
		}
	}
}
