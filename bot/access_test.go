package bot

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestAccess_groupMembersAreCachedForFiveMinutes runs in a synctest bubble: time.Sleep there moves
// the bubble's fake clock, so five minutes pass at once and nothing waits.
func TestAccess_groupMembersAreCachedForFiveMinutes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		members := []string{"U1"}
		var lookups atomic.Int32
		var fail atomic.Bool
		a := NewAccess([]string{"S0TEAM"}, nil, func(ctx context.Context, group string) ([]string, error) {
			lookups.Add(1)
			if fail.Load() {
				return nil, errors.New("slack unreachable")
			}
			return members, nil
		}, slog.New(slog.DiscardHandler))
		ctx := context.Background()

		if !a.Allowed(ctx, "U1") || a.Allowed(ctx, "U2") {
			t.Fatal("U1 is in the group, U2 is not")
		}
		members = []string{"U1", "U2"}
		time.Sleep(4 * time.Minute)
		if a.Allowed(ctx, "U2") || lookups.Load() != 1 {
			t.Errorf("within five minutes the cached members answer (lookups %d)", lookups.Load())
		}
		time.Sleep(2 * time.Minute)
		if !a.Allowed(ctx, "U2") || lookups.Load() != 2 {
			t.Errorf("after five minutes the group is looked up again (lookups %d)", lookups.Load())
		}
		fail.Store(true)
		time.Sleep(6 * time.Minute)
		if !a.Allowed(ctx, "U2") {
			t.Error("a failed refresh must keep the last known members")
		}
	})
}

// TestReconnectBackOff_growsToAMinuteWithJitter checks the policy of the Socket Mode reconnects
// and the auth.test retries: 0.5 s doubling to a minute, each wait within ±50 %.
func TestReconnectBackOff_growsToAMinuteWithJitter(t *testing.T) {
	b := reconnectBackOff()
	b.Reset()
	base := 500 * time.Millisecond
	for i := range 12 {
		d := b.NextBackOff()
		if d < base/2 || d > base+base/2 {
			t.Errorf("wait %d = %v, want %v ± 50%%", i, d, base)
		}
		base = min(2*base, time.Minute)
	}
}
