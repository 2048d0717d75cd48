// Package clocktest has the clocks tests move by hand, for code that takes a clock.Clock and
// cannot run in a testing/synctest bubble (it waits on a database or the network).
//
// Layers (layers_test.go): a leaf for tests; it imports only clock.
package clocktest

import (
	"sync"
	"time"
)

// Manual is a clock that stands still until the test moves it; After fires when it is moved
// past the wait.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewManual starts a manual clock at t.
func NewManual(t time.Time) *Manual { return &Manual{now: t} }

// Now returns the clock's time.
func (c *Manual) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After fires when the clock is moved to d from now or later.
func (c *Manual) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{c.now.Add(d), ch})
	return ch
}

// Set moves the clock to t and fires the waits that are over.
func (c *Manual) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}

// Advance moves the clock on by d.
func (c *Manual) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Waiters is how many waits are armed and not yet over.
func (c *Manual) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// Skipping is a clock whose waits pass at once: After moves the clock on by the wait and
// records it, so a test sees every wait its code asked for without waiting.
type Skipping struct {
	Manual
	waitsMu sync.Mutex
	waits   []time.Duration
}

// NewSkipping starts a skipping clock at t.
func NewSkipping(t time.Time) *Skipping { return &Skipping{Manual: Manual{now: t}} }

// After moves the clock on by d and fires at once.
func (c *Skipping) After(d time.Duration) <-chan time.Time {
	c.waitsMu.Lock()
	c.waits = append(c.waits, d)
	c.waitsMu.Unlock()
	c.Advance(d)
	return c.Manual.After(0)
}

// Waits returns every wait asked for so far, in order.
func (c *Skipping) Waits() []time.Duration {
	c.waitsMu.Lock()
	defer c.waitsMu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
