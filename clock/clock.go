// Package clock is the one time source of the bot's background work: the digest scheduler and
// engine, the Web API poster's pacing and retries, and the source watchers take a Clock, so tests
// move time by hand (clocktest) or run in a testing/synctest bubble instead of sleeping.
//
// It is a leaf: it imports nothing from this module.
//
// Layers (layers_test.go): a leaf; it imports no outreachbot package.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and waits for it.
type Clock interface {
	Now() time.Time
	// After fires once d has passed (like time.After).
	After(d time.Duration) <-chan time.Time
}

// System is the wall clock.
var System Clock = system{}

type system struct{}

func (system) Now() time.Time                         { return time.Now() }
func (system) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Sleep waits d on c, or until ctx ends (then it returns ctx's error).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.After(d):
		return nil
	}
}

// Timer is a one-shot timer on a Clock with the Start, Stop and C methods that
// github.com/cenkalti/backoff's retry loop waits on, so retries follow the injected clock.
type Timer struct {
	Clock Clock
	c     <-chan time.Time
}

// NewTimer returns a stopped timer on c.
func NewTimer(c Clock) *Timer { return &Timer{Clock: c} }

// Start arms the timer to fire after d.
func (t *Timer) Start(d time.Duration) { t.c = t.Clock.After(d) }

// Stop forgets the armed wait.
func (t *Timer) Stop() { t.c = nil }

// C is the channel that fires when the armed wait is over.
func (t *Timer) C() <-chan time.Time { return t.c }
