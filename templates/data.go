package templates

import (
	"math"
	"regexp"
	"strings"
)

// Data is everything a template can read. It holds only text, yes/no values and short lists
// (at most MaxList items each), and its types have no methods a template could call.
type Data struct {
	Account Account
	Contact Contact
	// Signal is the public signal the draft refers to; empty when Warm is false.
	Signal Signal
	// Warm is true when the draft refers to a public signal.
	Warm bool
	Pain Pain
	// Peer is a comparable company's outcome; empty when HasPeer is false.
	Peer    Peer
	HasPeer bool
	// Channel is the channel's label, e.g. "LinkedIn message" (set by the renderer).
	Channel string
}

// Account is the company written to.
type Account struct {
	Name       string
	Industry   string // "" when unknown
	Stage      string // none, evaluating, initial, production, managed, churned
	StageLabel string // "in production"
	// Cohort names the teams at the account's stage, e.g. "teams running Backstage in
	// production", for lines such as "{{.Account.Cohort}} often run into …".
	Cohort string
	Region string
	Size   string // "5,000+ developers" or "1,200 employees"; "" when unknown
	// Outcome is what the account itself reported, e.g. "achieved 6x return on investment from
	// Backstage"; "" when it reported none.
	Outcome     string
	Competitors []string // competitors in play there
}

// Contact is the person written to.
type Contact struct {
	Name      string
	FirstName string // "" when only a handle is known; use {{default "there" .Contact.FirstName}}
	Title     string
	Role      string   // leader, manager or engineer
	SpokeAt   []string // events they spoke at
}

// Signal is the public signal a draft refers to.
type Signal struct {
	Kind      string // conference_talk, job_posting, github_issue, ...
	KindLabel string // "conference talk"
	Title     string
	Summary   string // without a final period
	URL       string
	Year      string // "2024"; "" when undated
	Event     string // the conference, e.g. "BackstageCon 2024"; "" when not a talk or unknown
	Topic     string // the part of the title after a colon, e.g. "platform automation"
	// ByContact is true when the signal is the contact's own (their talk, their issue).
	ByContact bool
}

// Pain is the pain point the draft names.
type Pain struct {
	Key          string
	Title        string
	Phrase       string // short wording, e.g. "getting developers to actually use the portal"
	Figure       string // the headline number, e.g. "10% vs 99%"; "" when none
	Number       string // the sentence with that number; "" when none
	TalkingPoint string // a peer-voiced line about it (always set)
	// Observed is true when the account shows this pain in public; Evidence says how. When
	// false the pain is what accounts at this stage typically hit, and a draft must say so.
	Observed bool
	Evidence string
}

// Peer is another company's outcome a draft can cite.
type Peer struct {
	Name    string
	Outcome string // "reduced site deployment from one month to 20 minutes"
	Why     string // why it was chosen, e.g. "similar industry (airline ~ travel)"
}

// clamp caps every list at MaxList items (the sandbox counts on it to bound ranges) and fills
// what follows from other fields.
func (d Data) clamp() Data {
	d.Account.Competitors = capList(d.Account.Competitors)
	d.Contact.SpokeAt = capList(d.Contact.SpokeAt)
	if d.Account.Cohort == "" {
		d.Account.Cohort = Cohort(d.Account.Stage)
	}
	d.Signal.Summary = strings.TrimRight(strings.TrimSpace(d.Signal.Summary), ".")
	if d.Signal.KindLabel == "" && d.Signal.Kind != "" {
		d.Signal.KindLabel = KindLabel(d.Signal.Kind)
	}
	if d.Pain.Phrase == "" && d.Pain.Key != "" {
		d.Pain.Phrase = PainPhrase(d.Pain.Key, d.Pain.Title)
	}
	return d
}

// Cohort names the teams at a Backstage stage.
func Cohort(stage string) string {
	switch stage {
	case "evaluating":
		return "teams evaluating Backstage"
	case "initial":
		return "teams early in a Backstage roll-out"
	case "production":
		return "teams running Backstage in production"
	case "managed":
		return "teams on a managed Backstage"
	case "churned":
		return "teams that have moved off Backstage"
	default:
		return "teams setting up an internal developer portal"
	}
}

func capList(l []string) []string {
	if len(l) > MaxList {
		return l[:MaxList:MaxList]
	}
	return l
}

// KindLabel is the human wording of a signal kind.
func KindLabel(kind string) string {
	switch kind {
	case "adopters_entry":
		return "ADOPTERS.md entry"
	case "github_issue":
		return "GitHub issue"
	case "github_pr":
		return "GitHub pull request"
	case "linkedin_post":
		return "LinkedIn post"
	}
	return strings.ReplaceAll(kind, "_", " ")
}

var honorifics = map[string]bool{"dr": true, "dr.": true, "mr": true, "mr.": true, "ms": true, "ms.": true, "mrs": true, "mrs.": true, "prof": true, "prof.": true}

// FirstName is the name to greet someone by: the first word of their name, or "" when only a
// handle such as "@leemills83" is known.
func FirstName(name string) string {
	for _, w := range strings.Fields(name) {
		if strings.HasPrefix(w, "@") {
			return ""
		}
		if !honorifics[strings.ToLower(w)] {
			return w
		}
	}
	return ""
}

var eventRe = regexp.MustCompile(`(?i)\b(BackstageCon(?: Europe| North America| EU| NA)?|PlatformCon|KubeCon(?: \+ CloudNativeCon)?(?: Europe| North America| EU| NA| China| India| Japan)?|DevOpsDays(?: [A-Z][a-z]+)?|SREcon|QCon(?: [A-Z][a-z]+)?)(?: (\d{4}))?`)

// EventOf finds the conference a talk signal is about in its title or summary, or else in the
// events the contact spoke at.
func EventOf(title, summary string, spokeAt []string) string {
	for _, s := range []string{title, summary} {
		if m := eventRe.FindStringSubmatch(s); m != nil {
			if m[2] != "" {
				return m[1] + " " + m[2]
			}
			return m[1]
		}
	}
	if len(spokeAt) > 0 {
		return spokeAt[0]
	}
	return ""
}

// TopicOf is the part of a title after its first colon ("Toyota at BackstageCon 2024: platform
// automation" → "platform automation"), or "".
func TopicOf(title string) string {
	_, after, ok := strings.Cut(title, ": ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(strings.TrimRight(after, "."))
}

// painPhrases word the report's pain points the way a peer would say them.
var painPhrases = map[string]string{
	"implementation-complexity": "the engineering effort it takes to run Backstage",
	"low-adoption":              "getting developers to actually use the portal",
	"long-rollout":              "how long a roll-out takes before developers see value",
	"cost":                      "the total cost of running it",
	"integration":               "wiring it into existing enterprise systems",
	"yaml":                      "keeping catalog-info.yaml files up to date",
	"auth":                      "authentication and permissions",
	"out-of-box":                "how much customization it needs out of the box",
	"typescript-skills":         "the TypeScript/React skills it asks of a platform team",
	"scalability":               "scaling it across a large, regulated organization",
}

// PainPhrase is the short wording of a pain point: the known phrase, or its title in lower case.
func PainPhrase(key, title string) string {
	if p, ok := painPhrases[key]; ok {
		return p
	}
	return strings.ToLower(strings.TrimRight(title, "."))
}

// DefaultPain is the pain point accounts at a stage most often hit, from the report: production
// accounts struggle with adoption (10% against Spotify's 99%), those evaluating or rolling out
// with the effort and the time, managed accounts with cost, and churned ones moved for all three.
func DefaultPain(stage string) string {
	switch stage {
	case "production":
		return "low-adoption"
	case "evaluating":
		return "long-rollout"
	case "initial":
		return "implementation-complexity"
	case "managed":
		return "cost"
	default:
		return "implementation-complexity"
	}
}

// OutcomeClause turns an outcome fact into a clause that follows the company's name:
// "Reduced site deployment from one month to 20 minutes." → "reduced site deployment from one
// month to 20 minutes".
func OutcomeClause(fact string) string {
	s := strings.TrimRight(strings.TrimSpace(fact), ".")
	if s == "" {
		return ""
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// PeerCandidate is a company with a reported outcome, as the peer choice sees it.
type PeerCandidate struct {
	AccountID int64
	Name      string
	Industry  string
	Size      int // employees or developers; 0 when unknown
	Outcome   string
}

// industryGroups puts neighbouring industries together for peer matching.
var industryGroups = map[string]string{
	"travel": "travel", "airline": "travel", "airlines": "travel", "hospitality": "travel", "transport": "travel", "logistics": "travel",
	"automotive": "manufacturing", "manufacturing": "manufacturing", "industrial": "manufacturing", "energy": "manufacturing",
	"software": "technology", "ai": "technology", "media": "technology", "technology": "technology", "internet": "technology", "telecommunications": "technology",
	"financial services": "finance", "fintech": "finance", "banking": "finance", "insurance": "finance",
	"healthcare": "healthcare", "pharma": "healthcare", "life sciences": "healthcare",
	"retail": "retail", "e-commerce": "retail", "consumer": "retail",
}

// ChoosePeer picks the candidate most like the account by industry, then size, never the
// account itself. Ties go to the earlier candidate. ok is false when there is no candidate.
func ChoosePeer(accountID int64, industry string, size int, cands []PeerCandidate) (Peer, bool) {
	best, bestScore := -1, -1.0
	var why string
	ind := strings.ToLower(strings.TrimSpace(industry))
	for i, c := range cands {
		if c.AccountID == accountID || c.Outcome == "" {
			continue
		}
		score, reason := 0.0, ""
		cind := strings.ToLower(c.Industry)
		switch {
		case ind != "" && cind == ind:
			score, reason = 3, "same industry: "+ind
		case ind != "" && industryGroups[ind] != "" && industryGroups[ind] == industryGroups[cind]:
			score, reason = 2, "similar industry: "+cind+" ~ "+ind
		}
		if size > 0 && c.Size > 0 {
			closeness := max(0, 2-math.Abs(math.Log10(float64(size))-math.Log10(float64(c.Size))))
			score += closeness
			if closeness >= 1 && reason == "" {
				reason = "similar size"
			}
		}
		if score > bestScore {
			best, bestScore, why = i, score, reason
		}
	}
	if best < 0 {
		return Peer{}, false
	}
	if why == "" {
		why = "best-known result"
	}
	c := cands[best]
	return Peer{Name: c.Name, Outcome: c.Outcome, Why: why}, true
}
