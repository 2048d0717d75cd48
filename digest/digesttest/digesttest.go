// Package digesttest holds what the digest engine's end-to-end tests and the fault suite share:
// new signals stored for seeded accounts, and the signal ids a posted digest shows.
//
// Layers (layers_test.go): a test kit; it imports the store, never digest, so that digest's own
// tests may import it too.
package digesttest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"outreachbot/store"
)

// Ingest stores n new job-posting signals, found now, spread over up to eight of the store's
// accounts, and returns their ids. tag names them (titles "<tag> <i>") and keeps them apart from
// other calls' signals.
func Ingest(t testing.TB, st *store.Store, n int, tag string) []int64 {
	t.Helper()
	ctx := context.Background()
	accs, _, err := st.AccountsMatching(ctx, store.AccountFilter{Limit: 8})
	if err != nil || len(accs) == 0 {
		t.Fatalf("accounts: %v", err)
	}
	var in []store.NewSignal
	now := time.Now()
	for i := 0; i < n; i++ {
		id := accs[i%len(accs)].ID
		in = append(in, store.NewSignal{Signal: store.Signal{AccountID: &id, Kind: "job_posting", Title: fmt.Sprintf("%s %d", tag, i),
			URL: fmt.Sprintf("https://jobs.example.com/%s/%d", tag, i), OccurredAt: &now, DiscoveredAt: now, Source: "jobs",
			DedupeKey: fmt.Sprintf("digesttest:%s:%d", tag, i)}})
	}
	got, err := st.IngestSignals(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(got))
	for i, s := range got {
		ids[i] = s.ID
	}
	return ids
}

// SignalIDsInJSON lists the signal ids in a digest message's blocks JSON, as the Slack double
// holds it: the block ids ("sig:<id>") of the Useful / Noise buttons.
func SignalIDsInJSON(raw json.RawMessage) []int64 {
	var blocks []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
	}
	_ = json.Unmarshal(raw, &blocks)
	var out []int64
	for _, b := range blocks {
		if b.Type == "actions" && strings.HasPrefix(b.BlockID, "sig:") {
			id, _ := strconv.ParseInt(strings.TrimPrefix(b.BlockID, "sig:"), 10, 64)
			out = append(out, id)
		}
	}
	return out
}
