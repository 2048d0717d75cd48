// Package understand reads public text (issue titles and bodies, blog posts, job ads) for what the
// outreach team cares about: which accounts it mentions and which of the report's pain points it
// shows, each with the phrase that matched, so every detection can be explained.
//
// Account matching works on names, aliases and domains. A name that is also an ordinary English
// word ("Port", "Paddle", "Lunar", "Adobe", "Box", "Okay") only counts when it is written as a
// name and the text treats it as a company: "engineers at Paddle", "Lunar's platform team",
// "Baillie Gifford, Contentful, Paddle and Lunar". "adobe brick", "port 8080", "the Lunar New
// Year" and "Paddle boarding" do not match. Pain-point detection uses a phrase taxonomy built from
// the report's pain points (taxonomy.yaml).
//
// Layers (layers_test.go): the sources layer; it imports only match, and never the store, digest,
// handlers, bot or cli.
package understand

import (
	"sort"
	"strings"
)

// Account is an account as detection sees it.
type Account struct {
	ID      int64
	Name    string
	Aliases []string
	Domain  string
}

// Mention kinds, as stored in signal_mentions.
const (
	MentionAccount = "account"
	MentionPain    = "pain"
)

// Mention is an account or a pain point found in a text.
type Mention struct {
	Kind string // MentionAccount or MentionPain
	// ID is the account's id, or the pain point's id when the analyzer knows pain ids (else 0).
	ID int64
	// Key is the pain point's key; for an account, its name.
	Key string
	// Phrase is the text that matched, as written.
	Phrase string
	// Offset is the phrase's byte offset in the text.
	Offset int
	// Score is a pain's probability by the model (0 for accounts).
	Score float64
	// Because quotes, strongest first, the words of the text that raised a pain's score; Phrase
	// is the first of them.
	Because []string
}

// Analysis is everything found in one text.
type Analysis struct {
	Accounts []Mention
	Pains    []Mention
}

// Analyzer finds account and pain-point mentions. Build one with New; it is safe for concurrent
// use and immutable (build a new one when the accounts change).
type Analyzer struct {
	accounts map[int64]Account
	forms    map[string][]form // by normalized form
	first    map[string]bool   // the first word of every normalized form
	maxWords int
	domains  map[string]int64
	painIDs  map[string]int64
	tax      *taxonomy
}

// New builds an analyzer over accounts. painIDs maps pain keys to the ids stored mentions refer
// to; it may be nil.
func New(accounts []Account, painIDs map[string]int64) *Analyzer {
	a := &Analyzer{
		accounts: make(map[int64]Account, len(accounts)),
		forms:    map[string][]form{},
		first:    map[string]bool{},
		domains:  map[string]int64{},
		painIDs:  painIDs,
		tax:      defaultTaxonomy(),
	}
	for _, acc := range accounts {
		a.add(acc)
	}
	return a
}

// Analyze finds the accounts and pain points in text.
func (a *Analyzer) Analyze(text string) Analysis {
	return Analysis{Accounts: a.Accounts(text), Pains: a.Pains(text)}
}

// Pains finds the pain points text shows, one mention per pain point, in the order of the
// taxonomy. The model (model.json) decides, reading stemmed words, pairs of words, negation and
// the taxonomy's phrases; each mention quotes the words that weighed most.
func (a *Analyzer) Pains(text string) []Mention {
	ms := defaultModel().score(text, a.tax.hits(text))
	for i := range ms {
		ms[i].ID = a.painIDs[ms[i].Key]
	}
	return ms
}

// PainKeys lists the pain points the taxonomy knows.
func PainKeys() []string {
	t := defaultTaxonomy()
	out := make([]string, 0, len(t.pains))
	for _, p := range t.pains {
		out = append(out, p.key)
	}
	return out
}

// relevantTerms say a text is about developer portals or platform engineering at all.
var relevantTerms = []string{
	"backstage", "developer portal", "developer portals", "internal developer portal", "internal developer platform",
	"idp", "platform engineering", "platform team", "service catalog", "software catalog", "techdocs",
	"scaffolder", "golden path", "golden paths", "developer experience", "devex", "spotify portal", "roadie",
	"opslevel", "humanitec", "cortex io", "getport", "port io", "catalog info yaml",
}

var relevantRE = compileAny(relevantTerms)

// Relevant reports whether text is about developer portals or platform engineering.
func Relevant(text string) bool {
	n := normalizeText(text)
	return relevantRE.MatchString(n.lower)
}

// sortMentions orders mentions by where they occur.
func sortMentions(ms []Mention) {
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Offset < ms[j].Offset })
}

// isUpperStart reports whether s starts with an upper-case letter or a digit.
func isUpperStart(s string) bool {
	for _, r := range s {
		return (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || (r > 127 && strings.ToLower(string(r)) != string(r))
	}
	return false
}
