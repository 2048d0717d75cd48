package handlers

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

func TestNormalizeSlackText(t *testing.T) {
	cases := map[string]string{
		"H&amp;M":                       "H&M",
		"expedia owner <@U0ABC|alice>":  "expedia owner @U0ABC",
		"expedia owner <@W0ABC>":        "expedia owner @W0ABC",
		"&lt;!channel&gt;":              "<!channel>",
		`industry:"financial services"`: `industry:"financial services"`,
	}
	for in, want := range cases {
		if got := NormalizeSlackText(in); got != want {
			t.Errorf("NormalizeSlackText(%q) = %q, want %q", in, got, want)
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
