// Package segment owns segment fit: the words people use for industries and places, what can be
// inferred from an organization's public record (industry from its name and description,
// country and region from its domain and HQ, engineering headcount from phrases like "900
// engineers", each with the evidence), and how well an account fits the report's target
// segment. /account find and digest scoring both call it, so they never disagree. It is a leaf:
// it imports no other package of the project.
package segment

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"
)

//go:embed vocabulary.yaml
var vocabularyYAML []byte

// Vocabulary is the decoded vocabulary file.
type Vocabulary struct {
	Industries []Industry `yaml:"industries"`
	Countries  []Country  `yaml:"countries"`
	Regions    []Region   `yaml:"regions"`
	USStates   []string   `yaml:"us_states"`
	// LegalForms are company-form words that are also country domain endings ("SE", a European
	// company, is .se, Sweden's ending).
	LegalForms []string `yaml:"legal_forms"`
}

// Industry is a canonical industry with the words that name it.
type Industry struct {
	Name             string   `yaml:"name"`
	Query            []string `yaml:"query"`
	NameWords        []string `yaml:"name_words"`
	NamePrefixes     []string `yaml:"name_prefixes"`
	DescriptionWords []string `yaml:"description_words"`
}

// Country is a country with its region, domain endings and names.
type Country struct {
	Name   string   `yaml:"name"`
	Region string   `yaml:"region"`
	TLDs   []string `yaml:"tlds"`
	Words  []string `yaml:"words"`
}

// Region is a region, or a group of regions or countries, with the words that name it.
type Region struct {
	Name      string   `yaml:"name"`
	Words     []string `yaml:"words"`
	Regions   []string `yaml:"regions"`
	Countries []string `yaml:"countries"`
}

var (
	loadOnce sync.Once
	vocab    *Vocabulary
	errVocab error
)

// Load decodes the embedded vocabulary once (strictly: an unknown key is an error).
func Load() (*Vocabulary, error) {
	loadOnce.Do(func() {
		dec := yaml.NewDecoder(bytes.NewReader(vocabularyYAML))
		dec.KnownFields(true)
		var v Vocabulary
		if err := dec.Decode(&v); err != nil {
			errVocab = fmt.Errorf("decode segment vocabulary: %w", err)
			return
		}
		vocab = &v
	})
	return vocab, errVocab
}

// Default is the embedded vocabulary; it panics only if the embedded file is broken, which the
// package's tests rule out.
func Default() *Vocabulary {
	v, err := Load()
	if err != nil {
		panic(err)
	}
	return v
}

// fold lower-cases, strips accents and turns punctuation into spaces, so words compare whole.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	var b strings.Builder
	for _, r := range strings.ToLower(out) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return " " + strings.Join(strings.Fields(b.String()), " ") + " "
}

// hasWord reports whether the folded text contains the phrase as whole words.
func hasWord(folded, phrase string) bool {
	p := strings.TrimSpace(fold(phrase))
	return p != "" && strings.Contains(folded, " "+p+" ")
}

// nameTokens splits a name into its words, also at camelCase humps ("PayPal" → pay, pal).
func nameTokens(name string) []string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range name {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prev = r
	}
	return strings.Fields(fold(b.String()))
}

// Inference is a value read from the public record, with the words that show it.
type Inference struct {
	Value    string
	Evidence string
}

// InferIndustry reads an industry from an organization's name, then its description. It
// returns false when neither names one.
func (v *Vocabulary) InferIndustry(name, description string) (Inference, bool) {
	toks := nameTokens(name)
	for _, ind := range v.Industries {
		for _, tok := range toks {
			for _, w := range ind.NameWords {
				if tok == strings.TrimSpace(fold(w)) {
					return Inference{ind.Name, fmt.Sprintf("the name “%s” contains “%s”", name, w)}, true
				}
			}
			for _, p := range ind.NamePrefixes {
				if strings.HasPrefix(tok, p) && len(tok) > len(p) {
					return Inference{ind.Name, fmt.Sprintf("the name “%s” starts a word with “%s”", name, p)}, true
				}
			}
		}
	}
	d := fold(description)
	for _, ind := range v.Industries {
		for _, w := range ind.DescriptionWords {
			if hasWord(d, w) {
				return Inference{ind.Name, fmt.Sprintf("its description says “%s”", w)}, true
			}
		}
	}
	return Inference{}, false
}

// Place is a country and its region.
type Place struct {
	Country, Region string
}

// InferPlace reads a country (and its region) from an HQ ("Stockholm, Sweden", "Seattle, WA"),
// else from the domain's country ending (".com.br" → Brazil). Generic endings (.com, .io) say
// nothing, and neither does an ending that is the legal form the name ends in (SDA SE, sda.se: a
// European company, not a Swedish one).
func (v *Vocabulary) InferPlace(name, domain, hq string) (Place, string, bool) {
	if hq != "" {
		parts := strings.Split(hq, ",")
		last := strings.TrimSpace(parts[len(parts)-1])
		if len(parts) > 1 {
			for _, st := range v.USStates {
				if strings.EqualFold(last, st) {
					return Place{"United States", "North America"}, fmt.Sprintf("the HQ “%s” is in a US state", hq), true
				}
			}
		}
		f := fold(last)
		for _, c := range v.Countries {
			for _, w := range append([]string{c.Name}, c.Words...) {
				if strings.TrimSpace(f) == strings.TrimSpace(fold(w)) {
					return Place{c.Name, c.Region}, fmt.Sprintf("the HQ is given as “%s”", hq), true
				}
			}
		}
	}
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	best, bestLen := -1, 0
	for i, c := range v.Countries {
		for _, tld := range c.TLDs {
			if strings.HasSuffix(d, "."+tld) && len(tld) > bestLen {
				best, bestLen = i, len(tld)
			}
		}
	}
	if best >= 0 && !v.endsInLegalForm(name, d[len(d)-bestLen:]) {
		c := v.Countries[best]
		ending := d[len(d)-bestLen-1:]
		return Place{c.Name, c.Region}, fmt.Sprintf("the domain %s ends in %s", domain, ending), true
	}
	return Place{}, "", false
}

// endsInLegalForm reports whether the name's last word is the domain ending tld and a legal form.
func (v *Vocabulary) endsInLegalForm(name, tld string) bool {
	words := strings.Fields(fold(name))
	if len(words) == 0 || words[len(words)-1] != tld {
		return false
	}
	for _, f := range v.LegalForms {
		if strings.TrimSpace(fold(f)) == tld {
			return true
		}
	}
	return false
}

// headcountRE finds "900 engineers", "500+ developers", "over 2,000 engineers", "1.5k engineers".
var headcountRE = regexp.MustCompile(`(?i)\b(\d{1,3}(?:[,.]\d{3})+|\d+(?:\.\d+)?)\s*(k)?\s*\+?\s*(?:software\s+|platform\s+|product\s+)?(engineers|developers|devs|software engineers)\b`)

// InferEngineers reads an engineering headcount from a phrase in a description; it keeps the
// largest number named and quotes the phrase.
func InferEngineers(description string) (int, string, bool) {
	best, phrase := 0, ""
	for _, m := range headcountRE.FindAllStringSubmatch(description, -1) {
		raw := strings.NewReplacer(",", "", ".", "").Replace(m[1])
		if m[2] != "" {
			raw = m[1]
		}
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			continue
		}
		if m[2] != "" {
			n *= 1000
		}
		if int(n) > best {
			best, phrase = int(n), strings.TrimSpace(m[0])
		}
	}
	if best < 2 {
		return 0, "", false
	}
	return best, fmt.Sprintf("its description says “%s”", phrase), true
}

// IndustryQuery resolves what someone typed for an industry to canonical industry names
// ("tech" → software, "bank" → financial services); false when no industry is named.
func (v *Vocabulary) IndustryQuery(q string) ([]string, bool) {
	f := fold(q)
	var out []string
	for _, ind := range v.Industries {
		for _, w := range append([]string{ind.Name}, ind.Query...) {
			if strings.TrimSpace(f) == strings.TrimSpace(fold(w)) {
				out = append(out, ind.Name)
				break
			}
		}
	}
	return out, len(out) > 0
}

// Where is a place filter resolved: any of these countries or regions, or a city named in the HQ.
type Where struct {
	Countries []string
	Regions   []string
	// City is the text to look for in an HQ when the words name no country or region ("london").
	City string
	// Said is how the answer words the filter ("United Kingdom", "Europe", "HQ mentions london").
	Said string
}

// PlaceQuery resolves what someone typed for a region: a region or group (Europe, EMEA,
// Nordics), a country or its common names (UK, Brazil), else a city looked for in HQs.
func (v *Vocabulary) PlaceQuery(q string) Where {
	f := strings.TrimSpace(fold(q))
	for _, r := range v.Regions {
		for _, w := range append([]string{r.Name}, r.Words...) {
			if f == strings.TrimSpace(fold(w)) {
				w := Where{Said: "region " + r.Name}
				switch {
				case len(r.Countries) > 0:
					w.Countries = r.Countries
					w.Said += " (" + strings.Join(r.Countries, ", ") + ")"
				case len(r.Regions) > 0:
					w.Regions = r.Regions
					w.Said += " (" + strings.Join(r.Regions, ", ") + ")"
				default:
					w.Regions = []string{r.Name}
				}
				return w
			}
		}
	}
	for _, c := range v.Countries {
		for _, w := range append([]string{c.Name}, c.Words...) {
			if f == strings.TrimSpace(fold(w)) {
				return Where{Countries: []string{c.Name}, Said: "country " + c.Name}
			}
		}
	}
	return Where{City: strings.TrimSpace(q), Said: "HQ mentions " + strings.TrimSpace(q)}
}

// Target is the report's target segment.
type Target struct {
	EmployeesMin, EmployeesMax int
	Industries                 []string
	Hubs                       []string
}

// Profile is what fit is judged on.
type Profile struct {
	Industry  string
	Employees int
	// Engineers is an inferred engineering headcount, used for size only when Employees is unknown.
	Engineers int
	Country   string
	Region    string
	HQ        string
}

// Fit says which parts of the target segment an account meets, each in words.
type Fit struct {
	// Size is set when the size is within the target range: "450 employees", or "900+ engineers
	// (inferred)" when only an inferred engineering headcount is known.
	Size string
	// Industry is the target industry the account is in.
	Industry string
	// Hub is the tech hub its HQ or region names.
	Hub string
}

// FitOf judges an account against the target. Size counts when employees are within the range,
// or, when employees are unknown, when an inferred engineering headcount is (engineers are a
// floor for employees, so a headcount above the range is out). Industry counts when the account's
// industry is one of the target industries (by canonical name, so "Financial Services" and
// "financial services" agree); a hub when the HQ or region names it.
func (t Target) FitOf(p Profile) Fit {
	var f Fit
	inRange := func(n int) bool {
		return n > 0 && n >= t.EmployeesMin && (t.EmployeesMax == 0 || n <= t.EmployeesMax)
	}
	switch {
	case p.Employees > 0 && inRange(p.Employees):
		f.Size = fmt.Sprintf("%d employees", p.Employees)
	case p.Employees == 0 && inRange(p.Engineers):
		f.Size = fmt.Sprintf("%d+ engineers (inferred)", p.Engineers)
	}
	ind := strings.TrimSpace(fold(p.Industry))
	for _, want := range t.Industries {
		if ind != "" && ind == strings.TrimSpace(fold(want)) {
			f.Industry = want
			break
		}
	}
	loc := fold(p.HQ + " " + p.Region + " " + p.Country)
	for _, hub := range t.Hubs {
		if hub != "" && hasWord(loc, hub) {
			f.Hub = hub
			break
		}
	}
	return f
}
