package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"outreachbot/store"
)

// fixedReader answers every message with the same reading (or error).
type fixedReader struct {
	r    Reading
	err  error
	seen string
}

func (f *fixedReader) ReadMessage(_ context.Context, text string) (Reading, error) {
	f.seen = text
	return f.r, f.err
}

// stuckReader answers only when its context ends, like a store that stalls.
type stuckReader struct{}

func (stuckReader) ReadMessage(ctx context.Context, _ string) (Reading, error) {
	<-ctx.Done()
	return Reading{Pains: []Finding{{Name: "yaml", Evidence: "too late"}}}, ctx.Err()
}

func TestSignalShortcut_aStalledReadStillOpensTheModal(t *testing.T) {
	h := NewSignals(&fakeSignalStore{saved: map[string]store.Signal{}}, oneAccount{}).WithReader(stuckReader{})
	h.previewBudget = 10 * time.Millisecond
	resp, err := h.Shortcuts()[ShortcutSaveSignal](context.Background(), Shortcut{CallbackID: ShortcutSaveSignal,
		MessageText: "Our catalog-info.yaml files are stale https://example.com/x", Permalink: "https://x.slack.com/archives/C1/p1"})
	if err != nil || resp.Modal == nil {
		t.Fatalf("the modal must open: %v", err)
	}
	if _, ok := resp.Modal.Blocks.BlockSet[0].(*slack.InputBlock); !ok {
		t.Errorf("first block is %T, want no preview from a read that ran out of time", resp.Modal.Blocks.BlockSet[0])
	}
}

func TestSignalShortcut_previewsWhatTheAnalyserFound(t *testing.T) {
	reader := &fixedReader{r: Reading{
		Accounts: []Finding{{Name: "Acme <Corp>", Evidence: "engineers at Acme"}},
		Pains:    []Finding{{Name: "yaml", Evidence: "catalog-info.yaml & co", Score: 0.71}},
	}}
	h := NewSignals(&fakeSignalStore{saved: map[string]store.Signal{}}, oneAccount{}).WithReader(reader)
	sc := Shortcut{CallbackID: ShortcutSaveSignal, UserID: "U1", ChannelID: "C1",
		MessageText: "Our <https://example.com/p|post>: catalog-info.yaml &amp; co drift", Permalink: "https://x.slack.com/archives/C1/p1"}
	resp, err := h.Shortcuts()[ShortcutSaveSignal](context.Background(), sc)
	if err != nil || resp.Modal == nil {
		t.Fatalf("shortcut: %v", err)
	}
	if reader.seen != "Our https://example.com/p: catalog-info.yaml & co drift" {
		t.Errorf("the analyser read %q, want the message as plain text", reader.seen)
	}
	blocks := resp.Modal.Blocks.BlockSet
	sec, ok := blocks[0].(*slack.SectionBlock)
	if !ok {
		t.Fatalf("first block is %T, want the preview section", blocks[0])
	}
	want := "*Found in this message* (inferred by the text analyser — check before saving)\n" +
		"Accounts: *Acme &lt;Corp&gt;* (“engineers at Acme”)\n" +
		"Pain points: *yaml* 0.71 (“catalog-info.yaml &amp; co”)"
	if sec.Text.Text != want || sec.Text.Type != slack.MarkdownType {
		t.Errorf("preview =\n%s\nwant\n%s", sec.Text.Text, want)
	}
	if got := accountInput(t, blocks); got != "Acme <Corp>" {
		t.Errorf("account prefilled with %q, want the account found first", got)
	}
}

func TestSignalShortcut_noPreviewWhenNothingFoundOrReadFails(t *testing.T) {
	for name, reader := range map[string]*fixedReader{
		"nothing found": {},
		"read fails":    {err: errors.New("database is gone")},
	} {
		t.Run(name, func(t *testing.T) {
			h := NewSignals(&fakeSignalStore{saved: map[string]store.Signal{}}, oneAccount{}).WithReader(reader)
			resp, err := h.Shortcuts()[ShortcutSaveSignal](context.Background(), Shortcut{CallbackID: ShortcutSaveSignal,
				MessageText: "Sourdough recipes https://example.com/bread", Permalink: "https://x.slack.com/archives/C1/p1"})
			if err != nil || resp.Modal == nil {
				t.Fatalf("the modal must still open: %v", err)
			}
			if _, ok := resp.Modal.Blocks.BlockSet[0].(*slack.InputBlock); !ok {
				t.Errorf("first block is %T, want the inputs without a preview", resp.Modal.Blocks.BlockSet[0])
			}
			if got := accountInput(t, resp.Modal.Blocks.BlockSet); got != "" {
				t.Errorf("account prefilled with %q", got)
			}
		})
	}
}

func accountInput(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	for _, b := range blocks {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == "account" {
			return in.Element.(*slack.PlainTextInputBlockElement).InitialValue
		}
	}
	t.Fatal("no account input")
	return ""
}

func TestFormatReading_staysWithinASection(t *testing.T) {
	var r Reading
	for range 200 {
		r.Pains = append(r.Pains, Finding{Name: "integration", Evidence: strings.Repeat("GitHub Enterprise ", 5), Score: 0.5})
	}
	h := NewSignals(nil, nil).WithReader(&fixedReader{r: r})
	got, _ := h.preview(context.Background(), "text")
	if n := len([]rune(got)); n > maxPreview || n == 0 {
		t.Errorf("preview of %d runes, want 1..%d", n, maxPreview)
	}
}
