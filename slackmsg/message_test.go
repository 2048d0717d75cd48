package slackmsg

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

func TestEscape(t *testing.T) {
	cases := map[string]string{
		"plain":                 "plain",
		"H&M":                   "H&amp;M",
		"<!channel>":            "&lt;!channel&gt;",
		"<@U123|bob>":           "&lt;@U123|bob&gt;",
		"a < b & c > d":         "a &lt; b &amp; c &gt; d",
		"already &amp; escaped": "already &amp;amp; escaped",
	}
	for in, want := range cases {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if Unescape(Escape(in)) != in {
			t.Errorf("Unescape(Escape(%q)) does not round-trip", in)
		}
	}
}

func TestLink(t *testing.T) {
	cases := []struct{ url, label, want string }{
		{"https://example.com/a", "A talk", "<https://example.com/a|A talk>"},
		{"https://example.com/a|b>c", "x", "<https://example.com/a%7Cb%3Ec|x>"},
		{"https://example.com", "<!here> & co", "<https://example.com|&lt;!here&gt; &amp; co>"},
		{"javascript:alert(1)", "click", "click"},
		{"", "no link", "no link"},
	}
	for _, c := range cases {
		if got := Link(c.url, c.label); got != c.want {
			t.Errorf("Link(%q, %q) = %q, want %q", c.url, c.label, got, c.want)
		}
	}
}

func TestTruncate_neverCutsAnEscapeOrARune(t *testing.T) {
	s := strings.Repeat("é", 10) + "&amp;" + strings.Repeat("x", 10)
	for n := 2; n < 30; n++ {
		got := Truncate(s, n)
		if utf8.RuneCountInString(got) > n || !utf8.ValidString(got) {
			t.Fatalf("Truncate(_, %d) = %q", n, got)
		}
		if i := strings.LastIndex(got, "&"); i >= 0 && !strings.HasPrefix(got[i:], "&amp;") {
			t.Fatalf("Truncate(_, %d) cut an escape: %q", n, got)
		}
	}
}

func TestBuilder_keepsSlackLimits(t *testing.T) {
	var b Builder
	b.Reserve(1).Header(strings.Repeat("h", 400))
	b.Section(strings.Repeat("line of text\n", 1000)) // ~13,000 characters: split, not cut
	for i := 0; i < 80; i++ {
		b.Section("more")
	}
	b.Final(slack.NewActionBlock("acts", Button("act", strings.Repeat("b", 100), strings.Repeat("v", 3000), "")))
	blocks := b.Blocks()
	if len(blocks) != MaxBlocks {
		t.Fatalf("%d blocks, want exactly the %d Slack allows", len(blocks), MaxBlocks)
	}
	raw, _ := json.Marshal(blocks)
	var decoded []struct {
		Type string `json:"type"`
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
		Elements []json.RawMessage `json:"elements"`
	}
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(decoded[0].Text.Text); decoded[0].Type != "header" || n > MaxHeaderText {
		t.Errorf("header of %d characters", n)
	}
	for i, d := range decoded {
		if d.Type == "section" && utf8.RuneCountInString(d.Text.Text) > MaxSectionText {
			t.Errorf("section %d has %d characters", i, utf8.RuneCountInString(d.Text.Text))
		}
	}
	if decoded[1].Type != "section" || !strings.HasPrefix(decoded[1].Text.Text, "line of text") || strings.HasSuffix(decoded[1].Text.Text, "…") {
		t.Errorf("a long section should be split at line breaks, got %.60q", decoded[1].Text.Text)
	}
	actions := decoded[len(decoded)-2]
	var btn struct {
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
		Value string `json:"value"`
	}
	if actions.Type != "actions" || json.Unmarshal(actions.Elements[0], &btn) != nil ||
		utf8.RuneCountInString(btn.Text.Text) > MaxButtonText || utf8.RuneCountInString(btn.Value) > MaxButtonValue {
		t.Errorf("the reserved buttons must survive within limits: %s %+v", actions.Type, btn)
	}
	if last := decoded[len(decoded)-1]; last.Type != "context" {
		t.Errorf("the last block should say how many were left out, got %s", last.Type)
	}
}

func TestResponse_payload(t *testing.T) {
	raw, _ := json.Marshal(Response{Text: "hi", InChannel: true})
	if string(raw) != `{"response_type":"in_channel","text":"hi"}` {
		t.Errorf("payload = %s", raw)
	}
	raw, _ = json.Marshal(Ephemeral("x"))
	if !strings.Contains(string(raw), `"response_type":"ephemeral"`) {
		t.Errorf("payload = %s", raw)
	}
}

func TestClip_cutsWhatTheReaderSeesThenEscapes(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"H&M", 10, "H&amp;M"},
		{"H&M Group and friends", 6, "H&amp;M G…"},
		{"a <b> c", 4, "a &lt;…"},
		{"<!channel> ping", 100, "&lt;!channel&gt; ping"},
		{"ééééé", 3, "éé…"},
	}
	for _, c := range cases {
		if got := Clip(c.in, c.n); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestCut(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"too long", 4, "too…"},
		{"ééééé", 3, "éé…"},
		{"ééééé", 5, "ééééé"},
		{"anything", 0, ""},
	}
	for _, c := range cases {
		if got := Cut(c.in, c.n); got != c.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestResponse_fallbackTextWithinSlacksLimit(t *testing.T) {
	r := Response{Text: strings.Repeat("x", MaxFallbackText+100)}
	if n := utf8.RuneCountInString(r.Payload().Text); n > MaxFallbackText {
		t.Errorf("payload text of %d characters, Slack allows %d", n, MaxFallbackText)
	}
	if r.FallbackText() != r.Payload().Text {
		t.Error("the payload and a posted message must send the same fallback text")
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -123: "-123", -1234: "-1,234"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
