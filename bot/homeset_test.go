package bot

import (
	"context"
	"testing"

	"outreachbot/slackmsg"
)

// TestHomeSet_onlyReadOnly: the caller's Home is laid out again unless every answer of the
// envelope was read-only; an envelope nothing answered counts as a change.
func TestHomeSet_onlyReadOnly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []slackmsg.Response
		want    bool
	}{
		{"no answer (an event, a timeout)", nil, false},
		{"a lookup", []slackmsg.Response{{ReadOnly: true}}, true},
		{"a write", []slackmsg.Response{{}}, false},
		{"a lookup and a write", []slackmsg.Response{{ReadOnly: true}, {}}, false},
	} {
		ctx, s := withHomeSet(context.Background())
		for _, r := range tc.answers {
			noteAnswer(ctx, r)
		}
		if got := s.onlyReadOnly(); got != tc.want {
			t.Errorf("%s: onlyReadOnly = %v, want %v", tc.name, got, tc.want)
		}
	}
}
