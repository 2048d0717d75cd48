package digest

import "time"

// Clock is the time source of the scheduler and the engine, injected so tests run days of
// schedules in milliseconds.
type Clock interface {
	Now() time.Time
	// After waits for d to pass (like time.After).
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// After waits for d on the wall clock.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
