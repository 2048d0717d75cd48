package understand

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"outreachbot/match"
)

// formClass says how much evidence a name needs before it counts as a mention.
type formClass int

const (
	// distinctive names ("Expedia", "Zalando SE", "paddle.com") match in any case.
	distinctive formClass = iota
	// titled names are made of ordinary words ("American Airlines", "Red Hat", "Epic Games") and
	// match only written as a name, each word capitalized.
	titled
	// acronym names ("DAZN", "QBE", "JPMC") match only in capitals.
	acronym
	// ambiguous names are one ordinary word or a very short one ("Port", "Paddle", "Lunar",
	// "Adobe", "Box", "2U"): capitalized, in a company context, and not part of a longer name.
	ambiguous
)

// form is one name, alias or domain label of an account.
type form struct {
	id    int64
	text  string
	norm  string
	class formClass
}

// maxFormWords bounds the names the scanner looks for (longer ones are still found by their
// aliases and domain).
const maxFormWords = 6

func (a *Analyzer) add(acc Account) {
	a.accounts[acc.ID] = acc
	for _, name := range namesOf(acc) {
		norm := match.Normalize(name)
		if norm == "" {
			continue
		}
		words := strings.Fields(norm)
		if len(words) > maxFormWords {
			continue
		}
		f := form{id: acc.ID, text: name, norm: norm, class: classify(name, words)}
		dup := false
		for _, g := range a.forms[norm] {
			if g.id == acc.ID {
				dup = true
			}
		}
		if !dup {
			a.forms[norm] = append(a.forms[norm], f)
		}
		a.first[words[0]] = true
		a.maxWords = max(a.maxWords, len(words))
	}
	if d := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(acc.Domain)), "www."); d != "" {
		if _, taken := a.domains[d]; !taken {
			a.domains[d] = acc.ID
		}
	}
}

// namesOf lists the names an account is written as: its name, its aliases, and each without a
// trailing legal form ("Zalando SE" → "Zalando", "Kambi AB" → "Kambi").
func namesOf(acc Account) []string {
	var out []string
	for _, n := range append([]string{acc.Name}, acc.Aliases...) {
		out = append(out, n)
		fields := strings.Fields(n)
		for len(fields) > 1 && legalSuffixes[strings.ToLower(strings.Trim(fields[len(fields)-1], ".,"))] {
			fields = fields[:len(fields)-1]
			out = append(out, strings.TrimRight(strings.Join(fields, " "), ","))
		}
	}
	return out
}

func classify(name string, words []string) formClass {
	if len(words) == 1 {
		w := words[0]
		letters := lettersOf(name)
		common := isCommonWord(w)
		if len(letters) >= 2 && strings.ToUpper(letters) == letters && !common && len(w) <= 5 {
			return acronym
		}
		if common || utf8.RuneCountInString(w) <= 3 {
			return ambiguous
		}
		return distinctive
	}
	for _, w := range words {
		if !isCommonWord(w) && !connectors[w] && utf8.RuneCountInString(w) > 3 {
			return distinctive
		}
	}
	return titled
}

func lettersOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// connectors may stay lower-case inside a titled name ("Bank of America").
var connectors = map[string]bool{"of": true, "and": true, "the": true, "de": true, "la": true, "for": true}

//go:embed words.txt.gz
var wordsGz []byte

// extraCommonWords are ordinary words and given names missing from the small dictionary that
// account names collide with.
var extraCommonWords = []string{"roadie", "anthropic", "isaac", "harrison", "morgan", "prisma", "okay", "stepstone", "voi"}

var (
	wordsOnce sync.Once
	words     map[string]bool
)

func isCommonWord(w string) bool {
	wordsOnce.Do(func() {
		words = make(map[string]bool, 45000)
		zr, err := gzip.NewReader(bytes.NewReader(wordsGz))
		if err != nil {
			panic("understand: embedded word list: " + err.Error())
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			words[sc.Text()] = true
		}
		for _, x := range extraCommonWords {
			words[x] = true
		}
	})
	if words[w] {
		return true
	}
	// Plurals and simple inflections of common words ("games", "labs", "networks").
	for _, suf := range []string{"s", "es", "ed", "ing"} {
		if strings.HasSuffix(w, suf) && words[strings.TrimSuffix(w, suf)] {
			return true
		}
	}
	return false
}

// token is one word of the text as written.
type token struct {
	text       string // without a possessive 's
	norm       string
	start, end int
	possessive bool
	former     bool // written "ex-Name"
	sentStart  bool // first word of a sentence (capitalized for grammar, not as a name)
}

var tokenRE = regexp.MustCompile(`[\p{L}\p{N}]+(?:[&'’.\-][\p{L}\p{N}]+)*`)

func tokenize(text string) []token {
	locs := tokenRE.FindAllStringIndex(text, -1)
	toks := make([]token, 0, len(locs))
	prevEnd := 0
	for _, l := range locs {
		t := token{start: l[0], end: l[1], text: text[l[0]:l[1]]}
		if len(t.text) > 3 && strings.EqualFold(t.text[:3], "ex-") {
			// "Ex-Lunar here": a former employee names the company.
			t.text, t.start, t.former = t.text[3:], t.start+3, true
		}
		for _, p := range []string{"'s", "’s", "'S"} {
			if strings.HasSuffix(t.text, p) && len(t.text) > len(p) {
				t.text = t.text[:len(t.text)-len(p)]
				t.end -= len(p)
				t.possessive = true
				break
			}
		}
		gap := strings.TrimSpace(text[prevEnd:l[0]])
		t.sentStart = len(toks) == 0 || strings.ContainsAny(lastRune(gap), ".!?:;\"“”*#>-•(") || strings.Contains(text[prevEnd:l[0]], "\n")
		t.norm = match.Normalize(t.text)
		toks = append(toks, t)
		prevEnd = l[1]
	}
	return toks
}

func lastRune(s string) string {
	if s == "" {
		return ""
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return string(r)
}

// candidate is a span of tokens that spells a form.
type candidate struct {
	f        form
	from, to int // token range [from, to)
	phrase   string
	offset   int
	accepted bool
	pending  bool // ambiguous, waiting for list context
}

// Accounts finds the accounts text mentions, one mention per account (its first accepted phrase),
// in order of appearance.
func (a *Analyzer) Accounts(text string) []Mention {
	return a.accounts0(text, false)
}

func (a *Analyzer) accounts0(text string, lenient bool) []Mention {
	toks := tokenize(text)
	var cands []candidate
	confirmed := map[int64]bool{}
	// Domains (paddle.com, jane@lunar.app, https://www.expediagroup.com/...) are strong evidence.
	for i, t := range toks {
		if !strings.Contains(t.text, ".") {
			continue
		}
		if id, ok := a.ByDomain(t.text); ok {
			cands = append(cands, candidate{f: form{id: id, text: t.text, class: distinctive}, from: i, to: i + 1,
				phrase: t.text, offset: t.start, accepted: true})
			confirmed[id] = true
		}
	}
	for i := 0; i < len(toks); i++ {
		if !a.first[firstWord(toks[i].norm)] {
			continue
		}
		for n := min(a.maxWords, len(toks)-i); n >= 1; n-- {
			if !onlySpaceBetween(text, toks[i:i+n]) {
				continue
			}
			span := text[toks[i].start:toks[i+n-1].end]
			fs := a.forms[match.Normalize(span)]
			if len(fs) == 0 {
				continue
			}
			if pathLike(text, toks[i].start, toks[i+n-1].end) {
				break
			}
			for _, f := range fs {
				c := candidate{f: f, from: i, to: i + n, phrase: span, offset: toks[i].start}
				a.judge(&c, text, toks, lenient)
				cands = append(cands, c)
				if c.accepted && f.class != ambiguous {
					confirmed[f.id] = true
				}
			}
			i += n - 1
			break
		}
	}
	acceptPending(text, cands, confirmed)
	var out []Mention
	seen := map[int64]bool{}
	for _, c := range cands {
		if !c.accepted || seen[c.f.id] {
			continue
		}
		seen[c.f.id] = true
		out = append(out, Mention{Kind: MentionAccount, ID: c.f.id, Key: a.accounts[c.f.id].Name, Phrase: c.phrase, Offset: c.offset})
	}
	sortMentions(out)
	return out
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

func onlySpaceBetween(text string, toks []token) bool {
	for i := 1; i < len(toks); i++ {
		gap := text[toks[i-1].end:toks[i].start]
		if toks[i-1].possessive || strings.TrimFunc(gap, unicode.IsSpace) != "" && strings.TrimSpace(gap) != "&" {
			return false
		}
	}
	return true
}

// pathLike reports whether the span is part of a path, package scope or handle
// ("@spotify/backstage-plugin", "github.com/lunar/x", "#port"), which names no company.
func pathLike(text string, start, end int) bool {
	if start > 0 && strings.ContainsAny(text[start-1:start], "@/#_\\") {
		return true
	}
	if end < len(text) && strings.ContainsAny(text[end:end+1], "/_\\") {
		return true
	}
	return false
}

// judge decides a candidate by its class and, for an ambiguous name, by its context.
func (a *Analyzer) judge(c *candidate, text string, toks []token, lenient bool) {
	span := toks[c.from:c.to]
	if !lenient && productUse(text, toks, c.from, c.to) {
		return // "her Netflix videos", "watching Netflix": the product, not the company
	}
	switch c.f.class {
	case distinctive:
		c.accepted = true
		return
	case titled:
		for _, t := range span {
			if !connectors[t.norm] && !isUpperStart(t.text) {
				return
			}
		}
		c.accepted = true
		return
	case acronym:
		c.accepted = lettersOf(c.phrase) == lettersOf(c.f.text)
		return
	}
	// ambiguous
	written := isUpperStart(c.phrase) || c.phrase == c.f.text
	if lettersOf(c.f.text) == strings.ToUpper(lettersOf(c.f.text)) && lettersOf(c.phrase) != lettersOf(c.f.text) {
		written = false // "SEEK", "SIX", "VIA" are written in capitals
	}
	if !written {
		return
	}
	if lenient {
		c.accepted = true
		return
	}
	prev := func(k int) (token, bool) {
		if c.from-k < 0 {
			return token{}, false
		}
		return toks[c.from-k], true
	}
	next := func(k int) (token, bool) {
		if c.to+k-1 >= len(toks) {
			return token{}, false
		}
		return toks[c.to+k-1], true
	}
	last := toks[c.to-1]
	n1, hasN1 := next(1)
	n2, _ := next(2)
	p1, hasP1 := prev(1)
	p2, _ := prev(2)

	verbNext := !isUpperStart(n1.text) && ((beVerbs[n1.norm] && orgVerbs[n2.norm]) || orgVerbs[n1.norm])
	nextCue := hasN1 && !last.possessive && (orgSuffix[n1.norm] || verbNext) && onlySpaceBetween(text, []token{last, n1})
	// Vetoes: a number after it ("Port 8080", "Unity 2022"), or another capitalized word right
	// next to it that is not a company word ("Lunar New Year", "Harrison Ford", "Adobe Photoshop").
	if hasN1 && !last.possessive && isNumber(n1.text) && onlySpaceBetween(text, []token{last, n1}) {
		return
	}
	if hasN1 && !last.possessive && !n1.sentStart && isUpperStart(n1.text) && !orgSuffix[n1.norm] &&
		onlySpaceBetween(text, []token{last, n1}) && a.forms[n1.norm] == nil {
		return
	}
	first := toks[c.from]
	if hasP1 && !first.sentStart && isUpperStart(p1.text) && !prevCues[p1.norm] && onlySpaceBetween(text, []token{p1, first}) && a.forms[p1.norm] == nil {
		return
	}
	if hasP1 && !first.sentStart && determiners[p1.norm] && !nextCue {
		return
	}
	cue := last.possessive || nextCue || first.former || titleLineEnd(text, c.offset, c.offset+len(c.phrase))
	if hasP1 && !first.sentStart {
		if prevCues[p1.norm] || (p1.norm == "to" && moveVerbs[p2.norm]) || (p1.norm == "with" && partnerVerbs[p2.norm]) {
			cue = true
		}
	}
	if cue {
		c.accepted = true
		return
	}
	c.pending = true
}

// productUse reports whether the name in toks[from:to] is used as a product someone owns or
// consumes rather than as the company: after a possessive pronoun and before an ordinary word
// ("her Netflix videos", "my Spotify playlist"), or after a verb of watching or listening
// ("watching Netflix", "listening to Spotify"). A company word after the name ("our Netflix
// engineers", "my Spotify colleagues") keeps it a company.
func productUse(text string, toks []token, from, to int) bool {
	if from == 0 {
		return false
	}
	p1 := toks[from-1]
	if !onlySpaceBetween(text, []token{p1, toks[from]}) {
		return false
	}
	if consumeVerbs[p1.norm] {
		return true
	}
	if p1.norm == "to" && from >= 2 && listenVerbs[toks[from-2].norm] {
		return true
	}
	last := toks[to-1]
	if !ownerPronouns[p1.norm] || last.possessive || to >= len(toks) {
		return false
	}
	n1 := toks[to]
	if !onlySpaceBetween(text, []token{last, n1}) || isUpperStart(n1.text) {
		return false
	}
	return !orgSuffix[n1.norm] && !orgVerbs[n1.norm] && !beVerbs[n1.norm] && !colleagueWords[n1.norm]
}

// Words around a name that make it a product in someone's hands (productUse).
var (
	ownerPronouns  = setOf("my", "your", "his", "her", "our", "their")
	consumeVerbs   = setOf("watch", "watches", "watched", "watching", "binge", "binged", "bingeing", "binging", "stream", "streams", "streamed", "streaming")
	listenVerbs    = setOf("listen", "listens", "listened", "listening")
	colleagueWords = setOf("colleague", "colleagues", "coworker", "coworkers", "manager", "boss", "office", "offices", "days", "years", "time", "tenure", "interview", "interviews", "recruiter", "contact")
)

// titleLineEnd reports whether the name closes a line after a dash, a comma or an opening
// parenthesis: the shape of a job ad's or a post's title ("Engineering Manager, Platform — Unity",
// "Staff Engineer (Spotify)").
func titleLineEnd(text string, start, end int) bool {
	after := text[end:]
	if i := strings.IndexByte(after, '\n'); i >= 0 {
		after = after[:i]
	}
	after = strings.TrimSpace(after)
	if after != "" && after != ")" {
		return false
	}
	before := strings.TrimRightFunc(text[:start], unicode.IsSpace)
	if i := strings.LastIndexByte(before, '\n'); i >= 0 && i == len(before)-1 {
		return false
	}
	for _, sep := range []string{"—", "–", " -", ",", "(", "|"} {
		if strings.HasSuffix(before, sep) {
			return true
		}
	}
	return false
}

func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' && r != ',' {
			return false
		}
	}
	return s != ""
}

// acceptPending decides the ambiguous names left pending: one counts when the same account is
// named unambiguously elsewhere in the text (confirmed), or when it sits in a list next to an
// accepted name ("Contentful, Paddle and Lunar"), which may itself have been accepted that way.
// Acceptance spreads along the list from a worklist, so a text that is one long list of ambiguous
// names (an issue body anyone can write) costs time linear in its names, not cubic.
func acceptPending(text string, cands []candidate, confirmed map[int64]bool) {
	byFrom, byTo := map[int][]int{}, map[int][]int{}
	for j, c := range cands {
		byFrom[c.from] = append(byFrom[c.from], j)
		byTo[c.to] = append(byTo[c.to], j)
	}
	// A list gap holds at most maxListGapWords words ("and also"), so a neighbour in a list ends
	// at most that many tokens before a candidate starts, or starts that many after it ends.
	neighbours := func(k int) []int {
		c := cands[k]
		var out []int
		for d := 0; d <= maxListGapWords; d++ {
			for _, near := range [][]int{byTo[c.from-d], byFrom[c.to+d]} {
				for _, j := range near {
					if j != k && cands[j].f.id != c.f.id && listed(text, cands[j], c) {
						out = append(out, j)
					}
				}
			}
		}
		return out
	}
	var queue []int
	for k := range cands {
		c := &cands[k]
		if !c.pending {
			continue
		}
		if confirmed[c.f.id] {
			c.pending, c.accepted = false, true
			queue = append(queue, k)
			continue
		}
		for _, j := range neighbours(k) {
			if cands[j].accepted {
				c.pending, c.accepted = false, true
				queue = append(queue, k)
				break
			}
		}
	}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		for _, j := range neighbours(k) {
			if c := &cands[j]; c.pending {
				c.pending, c.accepted = false, true
				queue = append(queue, j)
			}
		}
	}
}

// maxListGapWords is how many words listGapRE lets stand between two names ("and also").
const maxListGapWords = 2

// listed reports whether o and c stand next to each other in a list ("A, B and C").
func listed(text string, o, c candidate) bool {
	var gap string
	switch {
	case o.to <= c.from && o.offset < c.offset:
		gap = text[o.offset+len(o.phrase) : c.offset]
	case c.to <= o.from && c.offset < o.offset:
		gap = text[c.offset+len(c.phrase) : o.offset]
	default:
		return false
	}
	return listGapRE.MatchString(gap)
}

var listGapRE = regexp.MustCompile(`^(?:'s)?\s*(?:,|,?\s+(?:and|or|&|and also)|/|&|;)\s*$`)

// Cue words: what comes before or after a company's name and rarely an ordinary word's.
var (
	prevCues = setOf("at", "from", "joined", "joining", "joins", "including", "include", "includes", "like",
		"vs", "versus", "than", "evaluated", "evaluating", "chose", "choosing", "picked", "selected", "trialed",
		"trialled", "trialing", "piloted", "customer", "client", "clients", "customers", "companies", "adopters",
		"teams", "team", "engineers", "folks", "colleagues", "ex", "former", "formerly")
	moveVerbs    = setOf("moved", "moving", "switched", "switching", "migrated", "migrating", "went", "going", "came", "talked", "spoke", "speaking", "presented")
	partnerVerbs = setOf("partnered", "partnering", "partner", "worked", "working", "spoke", "spoken", "talking", "talked", "met")
	orgSuffix    = setOf("inc", "ltd", "llc", "gmbh", "ag", "ab", "plc", "corp", "corporation", "co", "group", "engineering",
		"engineers", "developers", "devs", "team", "teams", "tech", "technology", "technologies", "labs", "careers",
		"blog", "hq", "employees", "staff", "hiring", "se", "sa", "bv", "oy", "limited", "platform", "sre", "ceo", "cto",
		"vp", "customers", "bank", "fintech", "app")
	orgVerbs = setOf("won", "acquired", "released", "shared", "said", "says", "reported", "uses", "used", "adopted", "adopts", "adopting", "runs", "built", "builds", "hiring", "hires",
		"announced", "launched", "migrated", "rolled", "evaluated", "evaluates", "chose", "picked", "moved",
		"using", "running", "building", "migrating", "evaluating", "rolling", "looking", "presented", "published")
	beVerbs     = setOf("is", "are", "was", "were", "has", "have", "had")
	determiners = setOf("a", "an", "the", "this", "that", "my", "your", "his", "her", "its", "our", "their", "some", "any", "no", "each", "every")
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// ByDomain finds the account whose domain is host or a parent of it ("engineering.paddle.com",
// "jane@lunar.app", "https://www.aa.com/x").
func (a *Analyzer) ByDomain(host string) (int64, bool) {
	h := strings.ToLower(strings.TrimSpace(host))
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		h = h[i+1:]
	}
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexAny(h, "/?#:"); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "www."), ".")
	for h != "" {
		if id, ok := a.domains[h]; ok {
			return id, true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 || !strings.Contains(h[i+1:], ".") {
			// Stop before a bare public suffix ("com", "co.uk" is only approximated).
			break
		}
		h = h[i+1:]
	}
	return 0, false
}

// Account returns an account by id.
func (a *Analyzer) Account(id int64) (Account, bool) {
	acc, ok := a.accounts[id]
	return acc, ok
}

// legalSuffixes are dropped from a company field before matching ("Red Hat, Inc.").
var legalSuffixes = setOf("inc", "ltd", "llc", "gmbh", "ag", "ab", "as", "sa", "bv", "plc", "corp", "corporation",
	"co", "limited", "se", "oy", "pty", "srl", "spa", "nv")

// orgSepRE splits a company field into the names it may list.
var orgSepRE = regexp.MustCompile(`[,;/|()]`)

// Organization resolves a company field (a GitHub profile's company, a job board's company, a
// feed's owner): "@spotify", "Expedia Group, Inc.", "Platform team @ Paddle", "paddle.com".
// Because the field names a company, an ordinary-word name needs no further context.
func (a *Analyzer) Organization(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	cands := []string{s}
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "@") && len(f) > 1 {
			cands = append(cands, strings.Trim(f, "@,;.()"))
		}
	}
	cands = append(cands, orgSepRE.Split(s, -1)...)
	for _, c := range cands {
		c = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c), "@"))
		if c == "" {
			continue
		}
		if strings.Contains(c, ".") && !strings.Contains(c, " ") {
			if id, ok := a.ByDomain(c); ok {
				return id, true
			}
		}
		words := strings.Fields(match.Normalize(c))
		for len(words) > 0 {
			if fs := a.forms[strings.Join(words, " ")]; len(fs) > 0 {
				return fs[0].id, true
			}
			if !legalSuffixes[words[len(words)-1]] {
				break
			}
			words = words[:len(words)-1]
		}
	}
	if ms := a.accounts0(s, true); len(ms) > 0 {
		return ms[0].ID, true
	}
	return 0, false
}
