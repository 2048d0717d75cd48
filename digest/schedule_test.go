package digest

import (
	"testing"
	"time"
)

// ticks lists a schedule's runs in [from, to).
func ticks(s *Schedule, from, to time.Time) []time.Time {
	var out []time.Time
	for t := s.Next(from.Add(-time.Nanosecond)); !t.IsZero() && t.Before(to); t = s.Next(t) {
		out = append(out, t)
	}
	return out
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestSchedule_dailyInLondonFollowsTheClocksAcrossDST(t *testing.T) {
	s, err := ParseSchedule("0 9 * * *", "Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	// The clocks go forward on Sunday 30 March 2025: 09:00 is 09:00Z before and 08:00Z after.
	got := ticks(s, utc(2025, 3, 28, 0, 0), utc(2025, 4, 1, 0, 0))
	want := []time.Time{utc(2025, 3, 28, 9, 0), utc(2025, 3, 29, 9, 0), utc(2025, 3, 30, 8, 0), utc(2025, 3, 31, 8, 0)}
	assertTimes(t, got, want)
	// And back on Sunday 26 October.
	got = ticks(s, utc(2025, 10, 25, 0, 0), utc(2025, 10, 28, 0, 0))
	want = []time.Time{utc(2025, 10, 25, 8, 0), utc(2025, 10, 26, 9, 0), utc(2025, 10, 27, 9, 0)}
	assertTimes(t, got, want)
}

func TestSchedule_timeInTheSpringGapRunsWhenTheGapEnds(t *testing.T) {
	// 01:30 does not exist in London on 30 March 2025 (01:00 GMT → 02:00 BST): robfig/cron
	// alone skips that day; we run at 02:00 BST (01:00Z), once.
	s, _ := ParseSchedule("30 1 * * *", "Europe/London")
	got := ticks(s, utc(2025, 3, 29, 0, 0), utc(2025, 4, 1, 0, 0))
	want := []time.Time{utc(2025, 3, 29, 1, 30), utc(2025, 3, 30, 1, 0), utc(2025, 3, 31, 0, 30)}
	assertTimes(t, got, want)
	// New York: 02:30 on 9 March 2025 does not exist either.
	s, _ = ParseSchedule("30 2 * * *", "America/New_York")
	got = ticks(s, utc(2025, 3, 8, 0, 0), utc(2025, 3, 11, 0, 0))
	want = []time.Time{utc(2025, 3, 8, 7, 30), utc(2025, 3, 9, 7, 0), utc(2025, 3, 10, 6, 30)}
	assertTimes(t, got, want)
}

func TestSchedule_timeInTheRepeatedAutumnHourRunsOnce(t *testing.T) {
	// 01:30 happens twice in London on 26 October 2025; robfig/cron alone runs at both.
	s, _ := ParseSchedule("30 1 * * *", "Europe/London")
	got := ticks(s, utc(2025, 10, 25, 12, 0), utc(2025, 10, 27, 12, 0))
	want := []time.Time{utc(2025, 10, 26, 0, 30), utc(2025, 10, 27, 1, 30)}
	assertTimes(t, got, want)
	// Every 15 minutes through the repeated hour in New York (2 November 2025): no instant twice,
	// none out of order.
	s, _ = ParseSchedule("*/15 * * * *", "America/New_York")
	got = ticks(s, utc(2025, 11, 2, 4, 0), utc(2025, 11, 2, 8, 0))
	for i := 1; i < len(got); i++ {
		if !got[i].After(got[i-1]) {
			t.Fatalf("not strictly increasing at %d: %v", i, got)
		}
	}
}

func TestSchedule_cronExpressionsAndDescriptors(t *testing.T) {
	cases := []struct {
		spec, tz string
		from, to time.Time
		want     int
		first    time.Time
	}{
		{"0 */6 * * *", "UTC", utc(2025, 3, 3, 0, 0), utc(2025, 3, 4, 0, 0), 4, utc(2025, 3, 3, 0, 0)},
		{"30 8 * * 1-5", "America/New_York", utc(2025, 3, 3, 0, 0), utc(2025, 3, 10, 0, 0), 5, utc(2025, 3, 3, 13, 30)},
		{"CRON_TZ=Asia/Tokyo 0 9 * * *", "", utc(2025, 3, 3, 0, 0), utc(2025, 3, 5, 0, 0), 2, utc(2025, 3, 3, 0, 0)},
		{"@daily", "Europe/Berlin", utc(2025, 3, 3, 0, 0), utc(2025, 3, 6, 0, 0), 3, utc(2025, 3, 3, 23, 0)},
		{"@every 2h", "", utc(2025, 3, 3, 0, 0), utc(2025, 3, 3, 10, 0), 4, utc(2025, 3, 3, 2, 0)},
		{"0 9 1 * *", "UTC", utc(2025, 1, 15, 0, 0), utc(2025, 6, 15, 0, 0), 5, utc(2025, 2, 1, 9, 0)},
	}
	for _, c := range cases {
		s, err := ParseSchedule(c.spec, c.tz)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		var got []time.Time
		if s.wall {
			got = ticks(s, c.from, c.to)
		} else {
			for x := s.Next(c.from); x.Before(c.to); x = s.Next(x) {
				got = append(got, x)
			}
		}
		if len(got) != c.want || !got[0].Equal(c.first) {
			t.Errorf("%s in %q: %d runs from %v, want %d from %v (%v)", c.spec, c.tz, len(got), first(got), c.want, c.first, got)
		}
	}
	for _, bad := range []struct{ spec, tz string }{{"0 9 * *", ""}, {"61 9 * * *", ""}, {"0 9 * * *", "Mars/Olympus"}, {"CRON_TZ=Nowhere 0 9 * * *", ""}} {
		if _, err := ParseSchedule(bad.spec, bad.tz); err == nil {
			t.Errorf("%q in %q: want an error", bad.spec, bad.tz)
		}
	}
}

func first(ts []time.Time) time.Time {
	if len(ts) == 0 {
		return time.Time{}
	}
	return ts[0]
}

func TestSchedule_dueCatchesUpMissedTicksOnce(t *testing.T) {
	s, _ := ParseSchedule("0 9 * * *", "UTC")
	last := utc(2025, 3, 3, 9, 0)
	cases := []struct {
		now    time.Time
		ok     bool
		tick   time.Time
		missed int
	}{
		{utc(2025, 3, 3, 12, 0), false, time.Time{}, 0},
		{utc(2025, 3, 4, 9, 0), true, utc(2025, 3, 4, 9, 0), 0},
		{utc(2025, 3, 7, 10, 0), true, utc(2025, 3, 7, 9, 0), 3},
		{utc(2025, 3, 7, 8, 59), true, utc(2025, 3, 6, 9, 0), 2},
	}
	for _, c := range cases {
		tick, missed, ok := s.Due(last, c.now)
		if ok != c.ok || !tick.Equal(c.tick) || missed != c.missed {
			t.Errorf("due at %v: %v %v %d, want %v %v %d", c.now, ok, tick, missed, c.ok, c.tick, c.missed)
		}
	}
}

func TestScheduleText_forms(t *testing.T) {
	cases := []struct{ in, spec, label string }{
		{"", "0 9 * * 1-5", "weekdays 09:00"},
		{"daily 09:00", "0 9 * * *", "daily 09:00"},
		{"daily 7:05", "5 7 * * *", "daily 07:05"},
		{"weekdays 08:30", "30 8 * * 1-5", "weekdays 08:30"},
		{"Weekly MON 9am", "0 9 * * 1", "weekly Mon 09:00"},
		{"weekly friday 5:30pm", "30 17 * * 5", "weekly Fri 17:30"},
		{"hourly", "0 * * * *", "hourly"},
		{"cron 0 9 * * 1-5", "0 9 * * 1-5", "cron 0 9 * * 1-5"},
	}
	for _, c := range cases {
		spec, label, err := ScheduleText(c.in)
		if err != nil || spec != c.spec || label != c.label {
			t.Errorf("%q: %q %q %v, want %q %q", c.in, spec, label, err, c.spec, c.label)
		}
	}
	for _, bad := range []string{"daily", "daily 25:00", "daily 9", "weekly 09:00", "weekly blursday 09:00", "fortnightly", "hourly 09:00", "cron"} {
		if _, _, err := ScheduleText(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func assertTimes(t *testing.T, got, want []time.Time) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			t.Fatalf("run %d: got %v, want %v (all: %v)", i, got[i].UTC(), want[i], got)
		}
	}
}

// TestSchedule_minIntervalCoversTheWholeCycle: a schedule whose next run is months away (the 10th
// of each month, New Year's Eve, the leap day) but then runs every minute for a day is as frequent
// as one that runs every minute today.
func TestSchedule_minIntervalCoversTheWholeCycle(t *testing.T) {
	cases := []struct {
		spec string
		want time.Duration
	}{
		{"* * 10 * *", time.Minute},
		{"* * 31 12 *", time.Minute},
		{"* 3 29 2 *", time.Minute},
		{"*/5 9 1 1 *", 5 * time.Minute},
		{"0,59 0,23 * * *", time.Minute}, // 23:59 then 00:00 the next day
		{"0,59 0,23 1 * *", 59 * time.Minute},
		{"0 9 * * 1-5", 24 * time.Hour},
		{"0 9 29 2 *", 0}, // once every four years: runs at most once in a year
		{"0 9 1 1 *", 0},
		{"@every 10m", 10 * time.Minute},
		{"@hourly", time.Hour},
		{"0 9,10 * * *", time.Hour},
	}
	for _, c := range cases {
		s, err := ParseSchedule(c.spec, "Europe/London")
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		got := s.MinInterval()
		if c.want == 0 {
			if got != 0 && got < 24*time.Hour {
				t.Errorf("%s: min interval %v, want at least a day", c.spec, got)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s: min interval %v, want %v", c.spec, got, c.want)
		}
	}
}
