package cli

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"outreachbot/store"
)

// importProgress shows how far a CSV import is, once it has run for a second: a bar with rows,
// rows/s and the time left on a terminal, a plain line every few seconds elsewhere (a log, a
// pipe). The time left comes from the share of the file read so far.
type importProgress struct {
	w        io.Writer
	terminal bool
	kind     string
	size     int64         // the file's size in bytes, 0 when unknown
	read     *atomic.Int64 // bytes of the file read so far
	now      func() time.Time
	start    time.Time
	every    time.Duration // between two plain lines
	last     time.Time
	bar      *progressbar.ProgressBar
}

// progressDelay is how long an import runs before it shows progress.
const progressDelay = time.Second

func newImportProgress(w io.Writer, terminal bool, kind string, size int64, read *atomic.Int64, now func() time.Time) *importProgress {
	t := now()
	return &importProgress{w: w, terminal: terminal, kind: kind, size: size, read: read, now: now, start: t, every: 5 * time.Second}
}

// update is the store's CSVOptions.Progress.
func (p *importProgress) update(pr store.CSVProgress) {
	now := p.now()
	el := now.Sub(p.start)
	if el < progressDelay {
		return
	}
	rate := float64(pr.Rows) / el.Seconds()
	if p.terminal {
		p.updateBar(pr, rate)
		return
	}
	if !pr.Merging && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	if pr.Merging {
		fmt.Fprintf(p.w, "importing %s: %s rows read (%s rows/s); merging them into the database\n", p.kind, thousands(pr.Rows), thousands(int(rate)))
		return
	}
	line := fmt.Sprintf("importing %s: %s rows (%s rows/s)", p.kind, thousands(pr.Rows), thousands(int(rate)))
	if done := p.read.Load(); p.size > 0 && done > 0 {
		share := float64(done) / float64(p.size)
		left := time.Duration(float64(el) * (1 - share) / share).Round(time.Second)
		line += fmt.Sprintf(", %.0f%% of the file, about %s left", 100*share, left)
	}
	fmt.Fprintln(p.w, line)
}

func (p *importProgress) updateBar(pr store.CSVProgress, rate float64) {
	if p.bar == nil {
		max := p.size
		if max <= 0 {
			max = -1 // a spinner when the size is unknown
		}
		p.bar = progressbar.NewOptions64(max, progressbar.OptionSetWriter(p.w), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish())
	}
	desc := fmt.Sprintf("importing %s: %s rows, %s rows/s", p.kind, thousands(pr.Rows), thousands(int(rate)))
	if pr.Merging {
		desc = fmt.Sprintf("merging %s %s rows", thousands(pr.Rows), p.kind)
	}
	p.bar.Describe(desc)
	_ = p.bar.Set64(p.read.Load())
}

// finish clears the bar.
func (p *importProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// thousands writes n with thousands separators: 1234567 → "1,234,567".
func thousands(n int) string { return english.Sprintf("%d", n) }

var english = message.NewPrinter(language.English)
