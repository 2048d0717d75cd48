package templates

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTemplate: any template body a team member submits is refused with a reason or renders
// within the output cap for a full sample, and validation never hangs or panics.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{`Hi {{.Contact.FirstName}}, I liked your talk.`, `{{range .Account.Competitors}}{{.}} {{end}}`,
		`{{define "short"}}Hi.{{end}}Hi {{.Account.Name}}, long.`, `{{with .Signal.Topic}}on {{.}}{{end}}`,
		`{{$s := join "xx" .Account.Competitors}}{{range .Account.Competitors}}{{$s = short 3000 (join $s $.Account.Competitors)}}{{end}}ok`,
		`{{template "a"}}{{define "a"}}{{template "a"}}{{end}}`, `{{printf "%d" 1}}`, `{{.Account.Name | upper | lower | capfirst}}`,
		`{{if eq .Account.Stage "production"}}prod{{else}}other{{end}}`, `{{index .Account.Competitors 7}}`, `{{len .Account.Name}}`} {
		f.Add(s)
	}
	full := worstCase()
	f.Fuzz(func(t *testing.T, body string) {
		if !utf8.ValidString(body) || strings.ContainsRune(body, 0) {
			return
		}
		tmpl, err := Parse(front + body)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a reason")
			}
			return
		}
		out, err := tmpl.Render(context.Background(), full)
		var le *LimitError
		if err != nil && !errors.As(err, &le) {
			return
		}
		if len(out.Body) > renderLimits.maxOutput {
			t.Fatalf("rendered %d bytes, over the %d cap", len(out.Body), renderLimits.maxOutput)
		}
		if _, err := Validate(context.Background(), front+body); err != nil && err.Error() == "" {
			t.Fatal("a refusal without a reason")
		}
	})
}
