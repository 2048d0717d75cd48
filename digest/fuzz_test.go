package digest

import (
	"testing"
	"time"
)

// FuzzSchedule: any schedule a user types is refused with a message or becomes a schedule whose
// runs move forward in time and whose shortest gap is never more than a gap it really has.
func FuzzSchedule(f *testing.F) {
	for _, s := range [][2]string{{"daily 09:00", "Europe/London"}, {"weekdays 08:30", "America/New_York"}, {"cron * * 10 * *", ""},
		{"cron * 3 29 2 *", "UTC"}, {"cron @every 1h", ""}, {"cron CRON_TZ=Asia/Tokyo 0 9 * * *", ""}, {"weekly fri 5:30pm", "Australia/Lord_Howe"},
		{"cron 0 0 30 2 *", ""}, {"hourly", "Asia/Kathmandu"}, {"cron */7 */5 * * 1,3,5", "Europe/Berlin"}, {"cron @every 1ns", ""}} {
		f.Add(s[0], s[1])
	}
	from := time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC) // the night the clocks change in Europe
	f.Fuzz(func(t *testing.T, text, tz string) {
		spec, _, err := ScheduleText(text)
		if err != nil {
			return
		}
		s, err := ParseSchedule(spec, tz)
		if err != nil {
			return
		}
		gap := s.MinInterval()
		if gap < 0 {
			t.Fatalf("%q in %q: negative gap %v", spec, tz, gap)
		}
		prev := from
		for i := 0; i < 50; i++ {
			n := s.Next(prev)
			if n.IsZero() {
				return
			}
			if !n.After(prev) {
				t.Fatalf("%q in %q: run %d at %v is not after %v", spec, tz, i, n, prev)
			}
			if i > 0 && gap > 0 && n.Sub(prev) < gap-2*time.Hour { // a DST change can shorten a gap by its shift
				t.Fatalf("%q in %q: runs %v apart, shortest gap said %v", spec, tz, n.Sub(prev), gap)
			}
			prev = n
		}
	})
}
