package cli

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"outreachbot/store"
)

func TestImportProgress_plainLinesOffATerminal(t *testing.T) {
	var out bytes.Buffer
	var read atomic.Int64
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newImportProgress(&out, false, "accounts", 1000, &read, func() time.Time { return clock })
	step := func(d time.Duration, bytes int64, pr store.CSVProgress) {
		clock = clock.Add(d)
		read.Store(bytes)
		p.update(pr)
	}
	step(500*time.Millisecond, 100, store.CSVProgress{Rows: 4096}) // under a second: quiet
	step(1500*time.Millisecond, 250, store.CSVProgress{Rows: 8192})
	step(time.Second, 400, store.CSVProgress{Rows: 12288}) // within 5 s of the last line: quiet
	step(5*time.Second, 800, store.CSVProgress{Rows: 40960})
	step(time.Second, 1000, store.CSVProgress{Rows: 51200, Merging: true})
	want := "importing accounts: 8,192 rows (4,096 rows/s), 25% of the file, about 6s left\n" +
		"importing accounts: 40,960 rows (5,120 rows/s), 80% of the file, about 2s left\n" +
		"importing accounts: 51,200 rows read (5,688 rows/s); merging them into the database\n"
	if out.String() != want {
		t.Errorf("progress lines:\n%s\nwant:\n%s", out.String(), want)
	}
}
