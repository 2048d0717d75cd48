package digest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones work in containers without /usr/share/zoneinfo

	"outreachbot/slackmsg"

	"github.com/robfig/cron/v3"
)

// Schedule is when a subscription's digests run: a cron expression read in wall-clock time of a
// time zone, or a fixed interval (@every).
//
// Cron times are resolved in wall-clock time so that daylight saving changes do what a person
// expects of "daily 01:30": on the day the clocks go forward, a time that does not exist runs
// when the gap ends (02:00 local), and on the day they go back, a time that happens twice runs
// once, at its first occurrence. robfig/cron on its own skips the first and runs the second twice.
type Schedule struct {
	Spec     string // the expression without a time zone
	Location *time.Location
	cron     cron.Schedule
	wall     bool
}

// ParseSchedule reads a cron expression (5 fields, or a descriptor such as @daily or @every 1h;
// a CRON_TZ= or TZ= prefix overrides tz) in the time zone tz ("" is UTC).
func ParseSchedule(spec, tz string) (*Schedule, error) {
	spec = strings.TrimSpace(spec)
	if rest, ok := cutTZPrefix(spec); ok {
		f := strings.Fields(rest)
		if len(f) < 2 {
			return nil, fmt.Errorf("%q has a time zone but no schedule", spec)
		}
		tz, spec = f[0], strings.Join(f[1:], " ")
	}
	loc, err := LoadLocation(tz)
	if err != nil {
		return nil, err
	}
	if spec == "" {
		return nil, fmt.Errorf("empty schedule")
	}
	// Parsed in UTC and then read as wall-clock time of loc (see Next).
	cs, err := cron.ParseStandard("CRON_TZ=UTC " + spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron expression: %w", spec, err)
	}
	_, every := cs.(cron.ConstantDelaySchedule)
	return &Schedule{Spec: spec, Location: loc, cron: cs, wall: !every}, nil
}

func cutTZPrefix(spec string) (string, bool) {
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if strings.HasPrefix(spec, p) {
			return strings.TrimPrefix(spec, p), true
		}
	}
	return "", false
}

// LoadLocation reads an IANA time zone name; "" and "UTC" are UTC.
func LoadLocation(tz string) (*time.Location, error) {
	if tz == "" || strings.EqualFold(tz, "utc") {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return nil, fmt.Errorf("%q is not a time zone; use a name like Europe/London or America/New_York", tz)
	}
	return loc, nil
}

// Next returns the first run strictly after the given time (zero if there is none).
func (s *Schedule) Next(after time.Time) time.Time {
	if !s.wall {
		return s.cron.Next(after)
	}
	w := wallOf(after.In(s.Location))
	for i := 0; i < 10000; i++ {
		w = s.cron.Next(w)
		if w.IsZero() {
			return time.Time{}
		}
		if t := resolveWall(w, s.Location); t.After(after) {
			return t
		}
	}
	return time.Time{}
}

// Due returns the latest run time in (last, now] and how many earlier run times in that span it
// stands for (missed while nobody was running); ok is false when no run is due.
func (s *Schedule) Due(last, now time.Time) (tick time.Time, missed int, ok bool) {
	// After a very long stop, only the last year is walked.
	if floor := now.AddDate(-1, 0, 0); last.Before(floor) {
		last = floor
		missed++
	}
	t := s.Next(last)
	if t.IsZero() || t.After(now) {
		return time.Time{}, 0, false
	}
	for i := 0; i < 1_000_000; i++ {
		n := s.Next(t)
		if n.IsZero() || n.After(now) {
			break
		}
		t = n
		missed++
	}
	return t, missed, true
}

// MinInterval is the shortest gap between two runs anywhere in the schedule's cycle, 0 if it
// never runs. It is reasoned on the cron fields, not by walking the coming days, so a schedule
// whose busy day is months away ("* * 31 12 *", or "* 3 29 2 *" in leap years only) counts as
// often as it will run then. The gaps are wall-clock gaps; a daylight saving change can shorten
// one of them once by the size of the shift.
func (s *Schedule) MinInterval() time.Duration {
	switch c := s.cron.(type) {
	case cron.ConstantDelaySchedule:
		return c.Delay
	case *cron.SpecSchedule:
		return specMinInterval(c)
	}
	return 0
}

// gregorianCycle is the number of days after which both the calendar and the weekdays repeat
// (400 years, a whole number of weeks).
const gregorianCycle = 146097

// specMinInterval is the shortest gap of a cron schedule: between two times of the same day, or
// from the last time of a day to the first of the next day that runs.
func specMinInterval(c *cron.SpecSchedule) time.Duration {
	times := timesOfDay(c)
	days := minDayGap(c)
	if len(times) == 0 || days == 0 {
		return 0
	}
	gap := days*86400 - times[len(times)-1] + times[0]
	for i := 1; i < len(times); i++ {
		gap = min(gap, times[i]-times[i-1])
	}
	return time.Duration(gap) * time.Second
}

// timesOfDay lists the seconds of the day at which a cron schedule runs, in order.
func timesOfDay(c *cron.SpecSchedule) []int {
	var out []int
	for h := 0; h < 24; h++ {
		if c.Hour&(1<<h) == 0 {
			continue
		}
		for m := 0; m < 60; m++ {
			if c.Minute&(1<<m) == 0 {
				continue
			}
			for sec := 0; sec < 60; sec++ {
				if c.Second&(1<<sec) != 0 {
					out = append(out, h*3600+m*60+sec)
				}
			}
		}
	}
	return out
}

// minDayGap is the fewest days between two days on which a cron schedule runs, over a whole
// Gregorian cycle (0 if no day ever matches).
func minDayGap(c *cron.SpecSchedule) int {
	y, m, d, wd := 2000, time.January, 1, time.Saturday
	first, prev, best := -1, -1, 0
	for i := 0; i < gregorianCycle; i++ {
		if runsOn(c, m, d, wd) {
			if prev >= 0 && (best == 0 || i-prev < best) {
				if best = i - prev; best == 1 {
					return 1
				}
			}
			if first < 0 {
				first = i
			}
			prev = i
		}
		wd = (wd + 1) % 7
		if d++; d > daysIn(y, m) {
			d = 1
			if m++; m > time.December {
				m, y = time.January, y+1
			}
		}
	}
	if first < 0 {
		return 0
	}
	if wrap := first + gregorianCycle - prev; best == 0 || wrap < best {
		best = wrap
	}
	return best
}

// runsOn is robfig/cron's day rule: day of month and weekday must both match when either is a
// star, and either may match otherwise.
func runsOn(c *cron.SpecSchedule, m time.Month, d int, wd time.Weekday) bool {
	const star = 1 << 63
	if c.Month&(1<<uint(m)) == 0 {
		return false
	}
	dom, dow := c.Dom&(1<<uint(d)) != 0, c.Dow&(1<<uint(wd)) != 0
	if c.Dom&star != 0 || c.Dow&star != 0 {
		return dom && dow
	}
	return dom || dow
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// wallOf is t's wall-clock reading as a UTC time.
func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// resolveWall finds the instant a wall-clock reading (a UTC time standing for loc's wall clock)
// happens in loc: the first such instant when it happens twice, and the end of the gap when the
// clocks jump over it.
func resolveWall(w time.Time, loc *time.Location) time.Time {
	if t, ok := firstAt(w, loc); ok {
		return t
	}
	for k := 1; k <= 24*60; k++ {
		if t, ok := firstAt(w.Add(time.Duration(k)*time.Minute), loc); ok {
			return t
		}
	}
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
}

// firstAt returns the earliest instant whose wall clock in loc reads w, if there is one.
func firstAt(w time.Time, loc *time.Location) (time.Time, bool) {
	guess := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	var best time.Time
	found := false
	for _, d := range []time.Duration{-2 * time.Hour, -time.Hour, -30 * time.Minute, 0, 30 * time.Minute, time.Hour, 2 * time.Hour} {
		c := guess.Add(d)
		if wallOf(c.In(loc)).Equal(w) && (!found || c.Before(best)) {
			best, found = c, true
		}
	}
	return best, found
}

// ScheduleText turns what a person typed into a cron expression and a label:
// "daily 09:00", "weekdays 08:30", "weekly mon 09:00", "hourly", or "cron <expression>".
// An empty text is weekdays at 09:00.
func ScheduleText(text string) (spec, label string, err error) {
	f := strings.Fields(strings.ToLower(strings.TrimSpace(text)))
	if len(f) == 0 {
		return "0 9 * * 1-5", "weekdays 09:00", nil
	}
	bad := func(format string, args ...any) (string, string, error) {
		return "", "", &slackmsg.UserError{Msg: fmt.Sprintf(format, args...)}
	}
	switch f[0] {
	case "cron":
		expr := strings.TrimSpace(text[strings.Index(strings.ToLower(text), "cron")+4:])
		if expr == "" {
			return bad("Give the cron expression in quotes, e.g. `cron \"0 9 * * 1-5\"`.")
		}
		return expr, "cron " + expr, nil
	case "hourly":
		if len(f) != 1 {
			return bad("`hourly` takes no time.")
		}
		return "0 * * * *", "hourly", nil
	case "daily", "weekdays":
		if len(f) != 2 {
			return bad("Say when, e.g. `%s 09:00`.", f[0])
		}
		h, m, ok := clockTime(f[1])
		if !ok {
			return bad("`%s` is not a time of day; use 24-hour HH:MM like `08:30`.", slackmsg.Escape(f[1]))
		}
		dow := "*"
		if f[0] == "weekdays" {
			dow = "1-5"
		}
		return fmt.Sprintf("%d %d * * %s", m, h, dow), fmt.Sprintf("%s %02d:%02d", f[0], h, m), nil
	case "weekly":
		if len(f) != 3 {
			return bad("Say which day and when, e.g. `weekly mon 09:00`.")
		}
		d, ok := weekday(f[1])
		if !ok {
			return bad("`%s` is not a day of the week.", slackmsg.Escape(f[1]))
		}
		h, m, ok := clockTime(f[2])
		if !ok {
			return bad("`%s` is not a time of day; use 24-hour HH:MM like `08:30`.", slackmsg.Escape(f[2]))
		}
		return fmt.Sprintf("%d %d * * %d", m, h, d), fmt.Sprintf("weekly %s %02d:%02d", time.Weekday(d).String()[:3], h, m), nil
	}
	return bad("`%s` is not a schedule. Use `daily 09:00`, `weekdays 08:30`, `weekly mon 09:00`, `hourly` or `cron \"0 9 * * 1-5\"`.", slackmsg.Escape(text))
}

// clockTime reads 9:00, 09:00, 9am, 5:30pm.
func clockTime(s string) (int, int, bool) {
	pm, am := strings.HasSuffix(s, "pm"), strings.HasSuffix(s, "am")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "pm"), "am")
	hs, ms, hasMin := strings.Cut(s, ":")
	h, err := strconv.Atoi(hs)
	if err != nil {
		return 0, 0, false
	}
	m := 0
	if hasMin {
		if len(ms) != 2 {
			return 0, 0, false
		}
		if m, err = strconv.Atoi(ms); err != nil {
			return 0, 0, false
		}
	} else if !pm && !am {
		return 0, 0, false
	}
	if pm || am {
		if h < 1 || h > 12 {
			return 0, 0, false
		}
		h %= 12
		if pm {
			h += 12
		}
	}
	if h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

func weekday(s string) (int, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || (len(s) >= 3 && strings.HasPrefix(name, s)) {
			return int(d), true
		}
	}
	return 0, false
}
