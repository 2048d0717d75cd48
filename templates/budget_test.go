package templates

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// burner is a template that prints nothing for a long time: six nested ranges over the capped
// lists (15,625 rounds, within the static work bound) each joining and cutting a 3,000-character
// string. Its work is inside pipelines and functions, where no write is ever refused.
func burner() string {
	var b strings.Builder
	b.WriteString(`{{$s := join "` + strings.Repeat("x", 64) + `" .Account.Competitors}}`)
	for range 6 {
		b.WriteString(`{{range $.Account.Competitors}}`)
	}
	b.WriteString(`{{$s = short 3000 (upper (lower (upper (lower (join $s $.Account.Competitors)))))}}`)
	for range 6 {
		b.WriteString(`{{end}}`)
	}
	b.WriteString(`Hi {{.Account.Name}}.`)
	return b.String()
}

var fiveCompetitors = []string{"Port", "Cortex", "OpsLevel", "Humanitec", "Roadie"}

// TestRender_budgetStopsWorkInsidePipelines: the render is stopped by its work budget, returns a
// reason, and its goroutine ends with it instead of burning CPU after the deadline.
func TestRender_budgetStopsWorkInsidePipelines(t *testing.T) {
	tmpl, err := Parse(front + burner())
	if err != nil {
		t.Fatalf("the static bound lets it through, so the budget must stop it: %v", err)
	}
	d := Data{Account: Account{Name: "Acme", Competitors: fiveCompetitors}}
	_, err = tmpl.Render(context.Background(), d)
	if !errors.Is(err, ErrBudget) && !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want the work budget or the time limit", err)
	}
	// The execution must end with the render, not seconds later.
	select {
	case <-lastExecution.Load().(chan struct{}):
	case <-time.After(time.Second):
		t.Fatalf("the template's goroutine still runs 1 s after Render returned (%v)", err)
	}
}

// TestValidate_refusesTemplatesTooCostlyForFullLists: a template is tried with every list at its
// cap, so one that is cheap for two competitors and ruinous for five is refused when saved.
func TestValidate_refusesTemplatesTooCostlyForFullLists(t *testing.T) {
	start := time.Now()
	_, err := Validate(context.Background(), front+burner())
	if err == nil || !strings.Contains(err.Error(), "too much work") {
		t.Fatalf("got %v, want refused for too much work", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("refusing took %s", took)
	}
}
