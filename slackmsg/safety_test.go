package slackmsg

import "testing"

func TestUser_onlyUserIDsBecomeMentions(t *testing.T) {
	for in, want := range map[string]string{
		"U0123ABC": "<@U0123ABC>", "W0123": "<@W0123>", "<!channel>": "&lt;!channel&gt;",
		"U1|x>": "U1|x&gt;", "": "", "u0123": "u0123", "S0123": "S0123",
	} {
		if got := User(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestStripBidi_fromMrkdwnHeadersAndButtons(t *testing.T) {
	spoof := "invoice \u202Efdp.exe \u2066x\u2069 \u200F"
	if got := Escape(spoof); got != "invoice fdp.exe x " {
		t.Errorf("Escape: %q", got)
	}
	if got := Plain(spoof, 10); got != "invoice f…" {
		t.Errorf("Plain: %q", got)
	}
	var b Builder
	b.Header(spoof)
	b.Actions("a", Button("x", spoof, "v", ""))
	for _, s := range PlainText(Response{Blocks: b.Blocks()}) {
		if s >= '\u202A' && s <= '\u202E' || s >= '\u2066' && s <= '\u2069' || s == '\u200F' {
			t.Errorf("a bidi control reached the blocks: %q", PlainText(Response{Blocks: b.Blocks()}))
			break
		}
	}
}
