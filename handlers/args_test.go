package handlers

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"outreachbot/slackmsg"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{`expedia`, []string{"expedia"}, ""},
		{`  american   airlines  `, []string{"american", "airlines"}, ""},
		{`industry:"financial services" size:100-1000`, []string{"industry:financial services", "size:100-1000"}, ""},
		{`toyota “kishore k” template:x`, []string{"toyota", "kishore k", "template:x"}, ""},
		{`a "" b`, []string{"a", "b"}, ""},
		{`industry:"financial services`, nil, "A quote is not closed in `industry:\"financial services`"},
		{`h&m "jay`, nil, "`h&amp;m \"jay`"}, // what it quotes is escaped
	}
	for _, c := range cases {
		got, err := tokenize(c.in)
		if c.wantErr != "" {
			var ue *slackmsg.UserError
			if !errors.As(err, &ue) || !strings.Contains(ue.Msg, c.wantErr) {
				t.Errorf("tokenize(%q) error = %v, want a user error containing %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("tokenize(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestDraftArgs_unclosedQuoteIsAnError: /draft used to read an unclosed quote as running to the
// end of the line; it now says what is wrong, like every other command.
func TestDraftArgs_unclosedQuoteIsAnError(t *testing.T) {
	_, err := parseDraftArgs(`american airlines "jay cox`)
	var ue *slackmsg.UserError
	if !errors.As(err, &ue) || !strings.Contains(ue.Msg, "quote is not closed") {
		t.Fatalf("parseDraftArgs with an unclosed quote: %v, want the unclosed-quote message", err)
	}
	a, err := parseDraftArgs(`american airlines "jay cox" template:talk-connect`)
	if err != nil || strings.Join(a.words, "|") != "american|airlines|jay cox" || a.template != "talk-connect" {
		t.Fatalf("parseDraftArgs = %+v, %v", a, err)
	}
}
