package templates

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"outreachbot/store/seed"
)

// PainSource is a pain point as the store or the knowledge file holds it.
type PainSource struct {
	Key, Title, Summary string
	TalkingPoints       []string
	Figure, Number      string // the first number fact and its figure, if any
}

// Data words a pain point for a draft. avoid names companies the draft already cites (the
// account, the peer): a talking point that names one of them is passed over for the next.
func (p PainSource) Data(observed bool, evidence string, avoid ...string) Pain {
	tp := ""
	for _, t := range p.TalkingPoints {
		if tp == "" {
			tp = t
		}
		if !mentionsAny(t, avoid) {
			tp = t
			break
		}
	}
	if tp == "" {
		tp = p.Summary
	}
	return Pain{
		Key: p.Key, Title: p.Title, Phrase: PainPhrase(p.Key, p.Title), Figure: p.Figure, Number: p.Number,
		TalkingPoint: tp, Observed: observed, Evidence: evidence,
	}
}

func mentionsAny(s string, names []string) bool {
	for _, n := range names {
		if n != "" && strings.Contains(strings.ToLower(s), strings.ToLower(n)) {
			return true
		}
	}
	return false
}

// knownPains are the knowledge file's pain points: the only ones the store holds.
var knownPains = sync.OnceValues(func() ([]PainSource, error) {
	k, err := seed.Load()
	if err != nil {
		return nil, err
	}
	out := make([]PainSource, 0, len(k.PainPoints))
	for _, p := range k.PainPoints {
		ps := PainSource{Key: p.Key, Title: p.Title, Summary: p.Summary, TalkingPoints: p.TalkingPoints}
		if len(p.Numbers) > 0 {
			ps.Figure, ps.Number = p.Numbers[0].Figure, p.Numbers[0].Text
		}
		out = append(out, ps)
	}
	return out, nil
})

// Validate is what a team template must pass before it is saved: it parses in the sandbox, its
// pain points exist, and it renders without error, gap or cut against sample accounts for every
// signal kind and pain point it claims to fit: a full one, a sparse one (no title, no topic, no
// peer, a handle instead of a name) and one with long names, within its limit (using its short
// variant if it has one).
func Validate(ctx context.Context, src string) (*Template, error) {
	t, err := Parse(src)
	if err != nil {
		return nil, err
	}
	pains, err := knownPains()
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, p := range pains {
		keys = append(keys, p.Key)
	}
	for _, p := range t.Fits.Pains {
		if p != PainAny && !slices.Contains(keys, p) {
			return nil, fmt.Errorf("fits.pains: %q is not a known pain point (%s)", p, strings.Join(keys, ", "))
		}
	}
	for _, s := range Samples(t) {
		if _, err := t.Render(ctx, s.Data); err != nil {
			var le *LimitError
			if errors.As(err, &le) {
				return nil, fmt.Errorf("for %s the %s is %d characters, over the limit of %d; shorten it or add a {{define %q}} variant", s.Label, le.Part, le.Chars, le.Limit, ShortVariant)
			}
			return nil, fmt.Errorf("for %s: %w", s.Label, err)
		}
	}
	// The samples hold short lists; a template's work can grow with every list at its cap. There
	// only running out of time, work or output refuses it: a draft too long for so much data,
	// or a gap, is for Render to report on the day.
	if _, err := t.Render(ctx, worstCase()); errors.Is(err, ErrBudget) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrOutputCap) {
		return nil, fmt.Errorf("with every list full (%d items) and long names: %w", MaxList, err)
	}
	return t, nil
}

// worstCase is data with every list at MaxList items and every text long.
func worstCase() Data {
	long := func(s string) string { return s + strings.Repeat(" and more", 30) }
	list := func(s string) []string {
		out := make([]string, MaxList)
		for i := range out {
			out[i] = long(fmt.Sprintf("%s %d", s, i+1))
		}
		return out
	}
	d := sampleData("long", "conference_talk", "production", PainSource{Key: "yaml", Title: long("YAML"), Summary: long("summary"), TalkingPoints: list("point")})
	d.Account.Competitors = list("Competitor")
	d.Contact.SpokeAt = list("Conference")
	d.Account.Name, d.Account.Outcome, d.Signal.Title = long(d.Account.Name), long(d.Account.Outcome), long(d.Signal.Title)
	return d
}

// Sample is one account a template is tried against.
type Sample struct {
	Label string
	Data  Data
}

// Samples are the accounts Validate renders a template for.
func Samples(t *Template) []Sample {
	pains, _ := knownPains()
	var fits []PainSource
	for _, p := range pains {
		if t.FitsPain(p.Key) {
			fits = append(fits, p)
		}
	}
	if len(fits) == 0 {
		fits = pains
	}
	var kinds []string
	for _, k := range t.Fits.Signals {
		switch k {
		case SignalAny:
			for _, k := range seed.SignalKinds {
				if IsOpening(k) {
					kinds = append(kinds, k)
				}
			}
		default:
			kinds = append(kinds, k)
		}
	}
	stages := t.Fits.Stages
	if len(stages) == 0 {
		stages = seed.Stages
	}
	var out []Sample
	i := 0
	for _, kind := range kinds {
		for _, p := range fits {
			for _, shape := range []string{"full", "sparse", "long"} {
				stage := stages[i%len(stages)]
				i++
				out = append(out, Sample{
					Label: fmt.Sprintf("a %s sample (signal %s, pain %s, stage %s)", shape, kind, p.Key, stage),
					Data:  sampleData(shape, kind, stage, p),
				})
			}
		}
	}
	return out
}

// sampleSignals are realistic titles for each kind of signal.
var sampleSignals = map[string]Signal{
	"conference_talk":       {Title: "Northwind at BackstageCon 2024: scaling the software catalog", Event: "BackstageCon 2024", Topic: "scaling the software catalog"},
	"job_posting":           {Title: "Senior Platform Engineer (Backstage, Kubernetes)"},
	"github_issue":          {Title: "Catalog ingestion times out for GitHub Enterprise orgs with 10k repos"},
	"github_pr":             {Title: "Add multi-tenant support to the permission framework"},
	"blog_post":             {Title: "How we rebuilt our developer portal on Backstage"},
	"linkedin_post":         {Title: "Lessons from our first year running an internal developer portal"},
	"community_post":        {Title: "Is anyone else struggling to keep catalog-info.yaml files current?"},
	"adopters_entry":        {Title: "Northwind Logistics is listed in Backstage ADOPTERS.md", Summary: "Developer portal, main gateway to our infrastructure and documentation."},
	"competitor_evaluation": {Title: "Northwind evaluating Port and Cortex against Backstage"},
	"news":                  {Title: "Northwind launches a platform engineering team"},
}

func sampleData(shape, kind, stage string, p PainSource) Data {
	d := Data{
		Account: Account{Name: "Northwind Logistics", Industry: "logistics", Stage: stage, StageLabel: stage,
			Size: "1,200 employees", Outcome: "reduced onboarding from two weeks to two days",
			Competitors: []string{"Port", "Roadie"}},
		Contact: Contact{Name: "Alex Morgan", FirstName: "Alex", Title: "Head of Platform Engineering", Role: RoleLeader, SpokeAt: []string{"PlatformCon"}},
		Pain:    p.Data(true, "They wrote about it on their engineering blog."),
		Peer:    Peer{Name: "American Airlines", Outcome: "reduced site deployment from one month to 20 minutes", Why: "similar industry"},
		HasPeer: true,
	}
	if kind != SignalNone {
		sg := sampleSignals[kind]
		sg.Kind, sg.KindLabel, sg.URL, sg.Year, sg.ByContact = kind, KindLabel(kind), "https://example.com/post", "2025", true
		d.Signal, d.Warm = sg, true
	}
	switch shape {
	case "sparse":
		d.Account = Account{Name: "Acme", Stage: stage, StageLabel: stage}
		d.Contact = Contact{Name: "@acme-dev", Role: RoleEngineer}
		d.Pain = p.Data(false, "")
		d.Pain.Figure, d.Pain.Number = "", ""
		d.Peer, d.HasPeer = Peer{}, false
		if d.Warm {
			d.Signal = Signal{Kind: kind, KindLabel: KindLabel(kind), Title: sampleSignals[kind].Title}
		}
	case "long":
		d.Account.Name = "International Consolidated Logistics Group Holdings"
		d.Contact = Contact{Name: "Kishore Jonnalagedda-Fitzgerald", FirstName: "Kishore", Title: "Vice President of Platform and Developer Experience Engineering", Role: RoleLeader}
		d.Peer.Name = "Expedia Group"
		if d.Warm {
			d.Signal.Title += " — what we learned after two years and 4,000 services"
			if d.Signal.Topic != "" {
				d.Signal.Topic = "scaling the software catalog to 4,000 services across twelve business units"
			}
		}
	}
	return d
}
