package clock_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cenkalti/backoff/v4"

	"outreachbot/clock"
)

// The wall clock is tested in a synctest bubble: its time is fake, so waits take no time.

func TestSleep_waitsTheDurationOrUntilTheContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := clock.Sleep(context.Background(), clock.System, 90*time.Second); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 90*time.Second {
			t.Errorf("slept %v, want 90s", got)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start = time.Now()
		if err := clock.Sleep(ctx, clock.System, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the context's deadline", err)
		}
		if got := time.Since(start); got != 5*time.Second {
			t.Errorf("a cancelled sleep lasted %v, want 5s", got)
		}
	})
}

// TestTimer_drivesBackoffRetries: backoff's retry loop waits on a clock.Timer, so the waits it
// asks for are the ones that pass.
func TestTimer_drivesBackoffRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		policy := backoff.NewExponentialBackOff(backoff.WithInitialInterval(time.Second), backoff.WithMultiplier(2),
			backoff.WithRandomizationFactor(0), backoff.WithMaxInterval(4*time.Second), backoff.WithMaxElapsedTime(0))
		var at []time.Duration
		start := time.Now()
		err := backoff.RetryNotifyWithTimer(func() error {
			at = append(at, time.Since(start))
			if len(at) < 5 {
				return errors.New("not yet")
			}
			return nil
		}, policy, nil, clock.NewTimer(clock.System))
		if err != nil {
			t.Fatal(err)
		}
		want := []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second, 11 * time.Second}
		for i := range want {
			if at[i] != want[i] {
				t.Errorf("tries at %v, want %v", at, want)
				break
			}
		}
	})
}
