package bot

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// TestAckQueueLenSeesSlackGosQueue pins the unexported field flushAcks reads: an upgrade of
// slack-go that renames or removes it fails here, not silently at shutdown.
func TestAckQueueLenSeesSlackGosQueue(t *testing.T) {
	c := socketmode.New(slack.New("xoxb-test", slack.OptionAppLevelToken("xapp-test")))
	if n := ackQueueLen(c); n != 0 {
		t.Fatalf("a new client has %d queued acks", n)
	}
	for i, id := range []string{"e1", "e2"} {
		if err := c.AckCtx(context.Background(), id, nil); err != nil {
			t.Fatal(err)
		}
		if n := ackQueueLen(c); n != i+1 {
			t.Fatalf("after %d acks with no connection to write them, ackQueueLen = %d", i+1, n)
		}
	}
}
