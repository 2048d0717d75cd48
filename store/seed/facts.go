package seed

import (
	"regexp"
	"strconv"
	"strings"
)

// How an account's facts (here and in the database) are read: which state a result the account
// achieved, and which count its developers. The store (peer outcomes), the templates and the
// draft planner all read them through these two functions.

// outcomeRe picks facts that state a result: they begin with what the account did.
var outcomeRe = regexp.MustCompile(`^(Achieved|Reported|Reduced|Cut|Saved|Improved|Increased|Doubled|Halved)\b`)

// IsOutcome reports whether an account fact states a result it achieved ("Achieved 6x return on
// investment", "Reduced site deployment from one month to 20 minutes").
func IsOutcome(fact string) bool { return outcomeRe.MatchString(strings.TrimSpace(fact)) }

// developersRe reads a developer count: "across 5,000+ developers".
var developersRe = regexp.MustCompile(`(\d[\d,]*)(\+?)\s+developers`)

// DeveloperCount reads the developers a fact counts: n is the number (5000) and words how the
// fact puts it ("5,000+ developers"); ok is false when the fact counts none.
func DeveloperCount(fact string) (n int, words string, ok bool) {
	m := developersRe.FindStringSubmatch(fact)
	if m == nil {
		return 0, "", false
	}
	n, _ = strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	return n, m[1] + m[2] + " developers", true
}
