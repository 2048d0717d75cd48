package templates_test

import (
	"context"
	"testing"

	"outreachbot/store/seed"
	"outreachbot/templates"
)

// BenchmarkRender_talkFollowup is one draft's render in the sandbox (goroutine, deadline, cap).
func BenchmarkRender_talkFollowup(b *testing.B) {
	k, err := seed.Load()
	if err != nil {
		b.Fatal(err)
	}
	tmpl, _ := templates.ShippedByName("talk-followup")
	d, _ := fixture(b, k, tmpl, "Expedia Group", "Erik Lindgren")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Render(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate_shippedTemplates is what saving a team template costs: every sample render.
func BenchmarkValidate_shippedTemplates(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		for _, t := range templates.Shipped() {
			if _, err := templates.Validate(ctx, t.Source); err != nil {
				b.Fatal(err)
			}
		}
	}
}
