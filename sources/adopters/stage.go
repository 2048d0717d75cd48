package adopters

import "regexp"

// Stages DeriveStage returns. "" means the description does not say.
const (
	StageInitial    = "initial"
	StageEvaluating = "evaluating"
	StageProduction = "production"
)

// stageRule maps a phrase to a stage. Rules are tried in order and the first
// match wins, so the more hesitant stages come first ("pilot in production"
// is evaluating), and a negated or future "production" ("not yet in
// production", "planning to go to production") is caught, as unknown, before
// the production rules.
type stageRule struct {
	stage string
	re    *regexp.Regexp
}

func rule(stage, pattern string) stageRule {
	return stageRule{stage, regexp.MustCompile(`(?i)` + pattern)}
}

// stageRules was written by reading every description in two revisions of
// ADOPTERS.md. It is deliberately conservative: most descriptions say what
// Backstage is used for, not how far along the adoption is, and those get "".
var stageRules = []stageRule{
	// initial: work has started.
	rule(StageInitial, `\binitial\s+work\b`),                    // "Initial work being done to unify platform tooling."
	rule(StageInitial, `\bgetting\s+started\b`),                 // "Getting started with the adoption for Monorepo projects"
	rule(StageInitial, `\bearly\s+(stages?|days)\b`),            // "We are in early stages, but using it ...", "It's early days for us"
	rule(StageInitial, `\bstarting\s+to\s+use\b`),               // "We're starting to use Backstage as the central hub ..."
	rule(StageInitial, `\b(creating|building)\s+our\s+first\b`), // "Creating our first developer portal and tech-docs."

	// evaluating: trying it out.
	rule(StageEvaluating, `\bevaluat(e|es|ed|ing|ion)\b`),
	rule(StageEvaluating, `\bexploring\b`),                            // "Exploring Service Catalog, ..." (not "explore"/"exploration": those are features)
	rule(StageEvaluating, `\bpocs?\b|\bproof[\s-]+of[\s-]+concept\b`), // "In PoC stage, planning to land it ..."
	rule(StageEvaluating, `\bpilot(s|ing|ed)?\b`),
	rule(StageEvaluating, `\btrying\b|\btrial\b`),
	rule(StageEvaluating, `\bexperiment(al|ing|s)?\b|\bassessing\b`), // "Still in a experimental phase/assessing the organisational fit."
	rule(StageEvaluating, `\b(internal\s+)?beta\b`),                  // "status: internal beta."

	// Not (yet) production: unknown rather than a wrong "production".
	rule("", `\b(not|never|before|until|towards?|plans?|planned|planning|going|ready|preparing)\b(\s+\S+){0,4}?\s+production\b|\bpre-?production\b`),

	// production: in use across the organization.
	rule(StageProduction, `\bproduction\b`),
	rule(StageProduction, `\bused\s+by\s+(all|every)\b`),
	rule(StageProduction, `\bused\s+daily\b|\bdaily\s+use\b|\bused\s+every\s*day\b`),
	rule(StageProduction, `\brolled\s+out\b`),
	rule(StageProduction, `\bmain\s+(interface|gateway)\b`), // "Main interface towards all of Spotify's infrastructure ..."
	rule(StageProduction, `\b(serving|used\s+by|across\s+an\s+organi[sz]ation\s+of)\s+(over\s+|more\s+than\s+)?\d[\d,.]*k?\+?\s+(engineers|developers|users)\b`),
}

// DeriveStage reads an adoption stage out of a free-text description of use:
// "initial", "evaluating", "production", or "" when the text does not say.
func DeriveStage(description string) string {
	for _, r := range stageRules {
		if r.re.MatchString(description) {
			return r.stage
		}
	}
	return ""
}
