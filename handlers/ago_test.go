package handlers

import (
	"testing"
	"time"
)

func TestSourceTimes_sayRoughlyHowLongAgoAndUntil(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		d          time.Duration
		ago, until string
	}{
		{30 * time.Second, "just now", "at the next tick"},
		{time.Minute, "1 min ago", "at the next tick"},
		{61 * time.Second, "1 min ago", "in 1 min"},
		{59 * time.Minute, "59 min ago", "in 59 min"},
		{time.Hour, "1 h ago", "in 1 h"},
		{47 * time.Hour, "47 h ago", "in 47 h"},
		{48 * time.Hour, "2 days ago", "in 2 days"},
		{80 * time.Hour, "3 days ago", "in 3 days"},
	}
	for _, c := range cases {
		if got := sourceAgo(now, now.Add(-c.d)); got != c.ago {
			t.Errorf("sourceAgo(%v) = %q, want %q", c.d, got, c.ago)
		}
		if got := sourceUntil(now, now.Add(c.d)); got != c.until {
			t.Errorf("sourceUntil(%v) = %q, want %q", c.d, got, c.until)
		}
	}
}
