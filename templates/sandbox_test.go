package templates

import (
	"context"
	"errors"
	"strings"
	"testing"
	"text/template"
	"time"
)

// front is valid front matter for a LinkedIn message that fits a conference talk.
const front = `---
name: hostile
description: A template under test.
channel: linkedin_message
limit: 1000
fits:
  signals: [conference_talk]
  pains: [any]
---
`

// TestValidate_refusesHostileTemplates: a team template that loops forever, writes without end,
// calls outside the function set or leaves a gap is refused when saved, with a reason.
func TestValidate_refusesHostileTemplates(t *testing.T) {
	doubling := func(levels int) string {
		var b strings.Builder
		b.WriteString(`{{define "l0"}}` + strings.Repeat("x", 100) + `{{end}}`)
		for i := 1; i <= levels; i++ {
			b.WriteString(`{{define "l` + itoa(i) + `"}}{{template "l` + itoa(i-1) + `"}}{{template "l` + itoa(i-1) + `"}}{{end}}`)
		}
		b.WriteString(`{{template "l` + itoa(levels) + `"}}`)
		return b.String()
	}
	cases := []struct {
		name, body, want string
	}{
		{"endless loop: a template that calls itself", `{{define "loop"}}{{template "loop" .}}{{end}}Hi {{template "loop" .}}`, "calls itself"},
		{"endless loop: two templates calling each other", `{{define "a"}}{{template "b" .}}{{end}}{{define "b"}}{{template "a" .}}{{end}}{{template "a" .}}`, "calls itself"},
		{"endless loop: range over a huge number", `{{range 1000000000}}{{end}}Hi`, "range only over a list in the data"},
		{"endless loop: range over a variable", `{{$n := 1000000000}}{{range $n}}x{{end}}`, "range only over a list in the data"},
		{"endless loop: range over a function result", `{{range (len .Account.Name)}}x{{end}}`, "range only over a list in the data"},
		{"huge output: doubling templates past the work limit", doubling(20), "does too much work"},
		{"huge output: doubling templates past the output cap", doubling(10), "output cap"},
		{"unknown function", `Hi {{exec "rm -rf /"}}`, `function "exec" not defined`},
		{"built-in outside the set: printf", `{{printf "%0999999999d" 1}}`, "printf is not in the template function set"},
		{"built-in outside the set: call", `{{call .Account.Name}}`, "call is not in the template function set"},
		{"built-in outside the set: html", `{{html .Account.Name}}`, "html is not in the template function set"},
		{"the internal escaper", `{{_esc "x" .Account.Name}}`, "_esc is not in the template function set"},
		{"a field the data does not have", `Hi {{.Account.Revenue}}`, "can't evaluate field Revenue"},
		{"a template that is never defined", `Hi {{template "nope" .}}`, "not defined"},
		{"an optional value printed unguarded", `Hi {{.Contact.FirstName}}, {{.Signal.Topic}} was great.`, "is empty here"},
		{"a gap in the text", `Hi {{default "there" .Contact.FirstName}}, I liked your talk on {{if .Signal.Topic}}{{.Signal.Topic}}{{end}}.`, "gap"},
		{"a list printed as text", `Hi {{.Account.Competitors}}`, "only text can be inserted"},
		{"over the limit", `Hi {{.Account.Name}} ` + strings.Repeat("word ", 250), "over the limit of 1000"},
		{"does not parse", `Hi {{.Account.Name`, "does not parse"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := Validate(context.Background(), front+c.body)
			if err == nil {
				t.Fatalf("saved a hostile template:\n%s", c.body)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("refused for the wrong reason: %v (want %q)", err, c.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refusing took %s", d)
			}
		})
	}
}

// TestValidate_refusesBadFrontMatter covers the front matter checks.
func TestValidate_refusesBadFrontMatter(t *testing.T) {
	body := "Hi {{.Account.Name}}.\n"
	cases := []struct{ src, want string }{
		{"no front matter\n" + body, `starts with front matter`},
		{"---\nname: x\n", "not closed"},
		{strings.Replace(front, "channel: linkedin_message", "channel: fax", 1) + body, `channel "fax" is not one of`},
		{strings.Replace(front, "limit: 1000", "limit: 5000", 1) + body, "outside 1–1900"},
		{strings.Replace(front, "channel: linkedin_message", "channel: email", 1) + body, "needs a subject"},
		{strings.Replace(front, "signals: [conference_talk]", "signals: [rumour]", 1) + body, `"rumour" is not a signal kind`},
		{strings.Replace(front, "pains: [any]", "pains: [world-peace]", 1) + body, `"world-peace" is not a known pain point`},
		{strings.Replace(front, "name: hostile", "name: Bad Name", 1) + body, "lower-case"},
		{strings.Replace(front, "limit: 1000", "limit: 1000\ncolour: red", 1) + body, "field colour not found"},
		{front + strings.Repeat("x", MaxSourceChars), "the most is 3000"},
	}
	for _, c := range cases {
		_, err := Validate(context.Background(), c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q: got %v, want %q", c.src, err, c.want)
		}
	}
}

// TestValidate_acceptsEveryShippedTemplate: the shipped templates pass what team templates must.
func TestValidate_acceptsEveryShippedTemplate(t *testing.T) {
	for _, tmpl := range Shipped() {
		if _, err := Validate(context.Background(), tmpl.Source); err != nil {
			t.Errorf("%s: %v", tmpl.Name, err)
		}
	}
}

// TestRender_timeLimitStopsASlowTemplate: a render that runs past its deadline returns at the
// deadline with ErrTimeout. (No template in the function set is slow; a test-only function is.)
func TestRender_timeLimitStopsASlowTemplate(t *testing.T) {
	// The template's function blocks until the test ends: rendering returns only if the time
	// limit stops it, however busy the machine is.
	release := make(chan struct{})
	defer close(release)
	tm := template.Must(template.New("slow").Funcs(template.FuncMap{
		"slow": func() string { <-release; return "x" },
	}).Parse(`{{range .Account.Competitors}}{{slow}}{{end}}`))
	d := Data{Account: Account{Competitors: []string{"a", "b", "c", "d", "e"}}}
	done := make(chan error, 1)
	go func() {
		_, err := execute(context.Background(), tm, "slow", d, limits{maxOutput: 1 << 10, timeout: 30 * time.Millisecond})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("got %v, want ErrTimeout", err)
		}
	case <-time.After(10 * time.Second): // a guard against a hang, far beyond any scheduling delay
		t.Fatal("rendering did not stop at its 30 ms time limit")
	}
}

// TestRender_outputCapStopsAtTheCap: a template that writes past the cap is stopped there.
func TestRender_outputCapStopsAtTheCap(t *testing.T) {
	tmpl, err := Parse(front + `{{range .Account.Competitors}}{{range $.Account.Competitors}}` + strings.Repeat("y", 100) + `{{end}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	d := Data{Account: Account{Competitors: []string{"a", "b", "c", "d", "e"}}}
	_, err = tmpl.render(context.Background(), d, limits{maxOutput: 1000, timeout: time.Second})
	if !errors.Is(err, ErrOutputCap) {
		t.Fatalf("got %v, want ErrOutputCap", err)
	}
}

// TestRender_listsAreCappedSoRangeIsBounded: the renderer caps every list at MaxList items.
func TestRender_listsAreCappedSoRangeIsBounded(t *testing.T) {
	tmpl, err := Parse(front + `{{range .Account.Competitors}}{{.}};{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	d := Data{Account: Account{Competitors: strings.Split("a b c d e f g h i j", " ")}}
	out, err := tmpl.Render(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if out.Body != "a;b;c;d;e;" {
		t.Errorf("got %q, want the first %d items", out.Body, MaxList)
	}
}

// TestRender_shortVariantWhenOverLimitNeverCut: over the limit, the short variant is used; when
// that is over too, the draft comes back whole with a LimitError.
func TestRender_shortVariantWhenOverLimitNeverCut(t *testing.T) {
	src := strings.Replace(front, "limit: 1000", "limit: 60", 1) +
		`Hi {{.Account.Name}}, this is the long version of the note, which goes on for a while.{{define "short"}}Hi {{.Account.Name}}.{{end}}`
	tmpl, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	d, err := tmpl.Render(context.Background(), Data{Account: Account{Name: "Acme"}})
	if err != nil || d.Variant != ShortVariant || d.Body != "Hi Acme." {
		t.Errorf("short name: %+v, %v", d, err)
	}
	long := strings.Repeat("Very Long Company Name ", 4)
	d, err = tmpl.Render(context.Background(), Data{Account: Account{Name: long}})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != 60 {
		t.Fatalf("got %v, want a LimitError", err)
	}
	if !strings.Contains(d.Body, strings.TrimSpace(long)) || strings.HasSuffix(d.Body, "…") {
		t.Errorf("the over-limit draft was cut: %q", d.Body)
	}
}

// TestEscape_valuesStayValuesInEveryChannel: an inserted value can't add a line, mention anyone
// or become markup, in the medium its channel is read in.
func TestEscape_valuesStayValuesInEveryChannel(t *testing.T) {
	hostile := "Eve\nBcc: all@corp.example <!channel> @here *bold* [x](http://evil) #12 & co"
	cases := []struct {
		ch       Channel
		want     []string
		mustNot  []string
		describe string
	}{
		{LinkedInMessage, []string{"Eve Bcc: all@corp.example"}, []string{"\n"}, "plain: one line"},
		{Email, []string{"Eve Bcc:"}, []string{"\n"}, "plain: no header injection"},
		{CommunityDM, []string{"@" + wordJoiner + "here", "‹!channel›"}, []string{"\n", "@here", "<!channel>"}, "chat: no mentions"},
		{GitHubComment, []string{`\*bold\*`, `\[x\]`, `\#` + wordJoiner + "12", `\&`, "@" + wordJoiner + "here"}, []string{"\n", "*bold*", "@here", " #12"}, "markdown: no markup, mentions or references"},
	}
	for _, c := range cases {
		got := c.ch.Escape(hostile)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s (%s): %q lacks %q", c.ch, c.describe, got, w)
			}
		}
		for _, m := range c.mustNot {
			if strings.Contains(got, m) {
				t.Errorf("%s (%s): %q still has %q", c.ch, c.describe, got, m)
			}
		}
	}
}

// TestRender_escapesEveryInsertedValue: the escaping reaches values inserted through functions
// and nested templates too, while the template's own text is left alone.
func TestRender_escapesEveryInsertedValue(t *testing.T) {
	src := strings.Replace(front, "channel: linkedin_message", "channel: community_dm", 1) +
		`{{define "who"}}{{upper .Contact.Name}}{{end}}Hi @team, {{template "who" .}} and {{default "x" .Account.Name}}`
	tmpl, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	d, err := tmpl.Render(context.Background(), Data{Contact: Contact{Name: "<@U1> @here"}, Account: Account{Name: "@channel"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Body, "Hi @team, ") || strings.Contains(d.Body, "<@U1>") || strings.Contains(d.Body, "@HERE") || strings.Contains(d.Body, " @channel") {
		t.Errorf("values were not escaped (or the template text was): %q", d.Body)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
