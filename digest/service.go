package digest

import (
	"fmt"
	"strings"
	"time"

	"outreachbot/slackmsg"
	"outreachbot/store"
)

// What the Engine answers the /digest command and the /signals list with (handlers declare the
// interfaces they consume over these values).

// SubscribeRequest is a subscription as /digest subscribe asked for it.
type SubscribeRequest struct {
	ChannelID string // where to post; the user's id for a personal digest
	Personal  bool   // only the accounts UserID owns
	UserID    string
	// Schedule is "daily 09:00", "weekdays 08:30", "weekly mon 09:00", "hourly" or
	// "cron <expression>"; empty is weekdays at 09:00.
	Schedule       string
	Timezone       string
	Filter         store.SignalFilter
	AlertThreshold int
	AlertCap       int
	AllQuiet       bool
}

// SubscriptionInfo is a subscription with when it runs next and how its last run went.
type SubscriptionInfo struct {
	store.Subscription
	Next    time.Time
	LastRun *store.Run // the latest run, whatever came of it
	// LastPosted is the latest run that posted (or tried to), when it is not LastRun.
	LastPosted *store.Run
}

// Preview is the message a digest would post now.
type Preview struct {
	Message  slackmsg.Response
	Signals  int
	InThread int
	Since    time.Time
}

// RunNowResult says what /digest now built.
type RunNowResult struct {
	Run   *store.Run // nil when Busy
	Busy  bool       // another replica is building or posting this subscription right now
	Since time.Time  // the start of the window the run covers
}

// Stats is what /digest stats shows: the runs and the votes of a period.
type Stats struct {
	Since         time.Time
	Subscriptions []store.DigestStat
	Votes         []WeightedVote
}

// WeightedVote is the vote tally of a kind and source and the factor it gives their scores.
type WeightedVote struct {
	store.VoteTally
	Weight float64
}

// Action ids of the buttons every digest item carries.
const (
	ActionSignalUseful = "digest.useful"
	ActionSignalNoise  = "digest.noise"
)

// ScoredSignal is a signal with its score (0–100) and the one-line reason for it.
type ScoredSignal struct {
	store.SignalDetail
	Score int
	Why   string
}

// DescribeFilter renders a subscription's filters as the user would type them ("" for none).
func DescribeFilter(f store.SignalFilter) string {
	var parts []string
	if len(f.Industries) > 0 && f.Segment != "target" {
		parts = append(parts, "industry:"+strings.Join(f.Industries, ","))
	}
	switch {
	case f.Segment != "":
		parts = append(parts, "segment:"+f.Segment)
	case f.EmployeesMin > 0 || f.EmployeesMax > 0:
		parts = append(parts, fmt.Sprintf("size:%d-%d", f.EmployeesMin, f.EmployeesMax))
	}
	if len(f.Kinds) > 0 {
		parts = append(parts, "kind:"+strings.Join(f.Kinds, ","))
	}
	if f.MinScore > 0 {
		parts = append(parts, fmt.Sprintf("min-score:%d", f.MinScore))
	}
	return strings.Join(parts, " ")
}

// ScheduleLabel shows a subscription's schedule as mrkdwn. A cron expression is shown as code:
// its stars would otherwise be read as bold markers and vanish.
func ScheduleLabel(s store.Subscription) string {
	label := s.ScheduleLabel
	if label == "" {
		label = s.Schedule
	}
	if expr, ok := strings.CutPrefix(label, "cron "); ok {
		return "cron " + code(expr)
	}
	if strings.ContainsAny(label, "*_~`") {
		return code(label)
	}
	return slackmsg.Escape(label)
}

// code shows text as inline code: escaped, with backticks (which would end it) made quotes.
func code(s string) string {
	return "`" + slackmsg.Escape(strings.ReplaceAll(s, "`", "'")) + "`"
}
