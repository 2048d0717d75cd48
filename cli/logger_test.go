package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLogger_durationsAreReadable: the shutdown line says "limit":"10s", not 10000000000.
func TestLogger_durationsAreReadable(t *testing.T) {
	var buf bytes.Buffer
	newLogger(&buf, "info").Info("shutting down: no new envelopes; finishing in-flight ones", "limit", 10*time.Second, "retry_in", 1500*time.Millisecond)
	if got := buf.String(); !strings.Contains(got, `"limit":"10s"`) || !strings.Contains(got, `"retry_in":"1.5s"`) {
		t.Errorf("log line: %s", got)
	}
}
