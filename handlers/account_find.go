package handlers

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"outreachbot/segment"
	"outreachbot/slackmsg"
	"outreachbot/store"
)

// findFilterKeys are the filters /account find understands.
var findFilterKeys = []string{"industry", "size", "region", "stage", "pain", "role"}

// maxFindRows is how many accounts a find answer lists.
const maxFindRows = 20

// findQuery is a parsed /account find: the store filter and each filter as given, worded.
type findQuery struct {
	filter store.AccountFilter
	given  []givenFilter
}

// givenFilter is one filter the user typed, how the answer words it, and the filter with only it.
type givenFilter struct {
	typed, said string
	alone       store.AccountFilter
}

// find answers `/account find <filters>`.
func (h *Accounts) find(ctx context.Context, text string) (slackmsg.Response, error) {
	fq, err := h.parseFilters(ctx, text)
	if err != nil {
		return errorResponse(err), nil
	}
	f := fq.filter
	f.Limit = 2000
	rows, total, err := h.store.AccountsMatching(ctx, f)
	if err != nil {
		return slackmsg.Response{}, err
	}
	if total == 0 {
		return h.explainEmpty(ctx, text, fq)
	}
	ids := make([]int64, len(rows))
	for i, a := range rows {
		ids[i] = a.ID
	}
	pains, err := h.store.PainKeysOf(ctx, ids)
	if err != nil {
		return slackmsg.Response{}, err
	}
	ranked := make([]fitRow, len(rows))
	for i, a := range rows {
		score, why := h.fit(a, pains[a.ID])
		ranked[i] = fitRow{a, score, why}
	}
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].score > ranked[j].score })
	return renderFind(text, fq, ranked, total), nil
}

// explainEmpty says why nothing matched, by the filters actually given: how many accounts each
// one alone matches, so the user sees which one to loosen.
func (h *Accounts) explainEmpty(ctx context.Context, text string, fq findQuery) (slackmsg.Response, error) {
	var lines []string
	for _, g := range fq.given {
		f := g.alone
		f.Limit = 1
		_, n, err := h.store.AccountsMatching(ctx, f)
		if err != nil {
			return slackmsg.Response{}, err
		}
		lines = append(lines, fmt.Sprintf("• `%s` (%s) alone: %s", slackmsg.Escape(g.typed), slackmsg.Escape(g.said), plural(int(n), "account")))
	}
	msg := fmt.Sprintf("No account matches all of `%s`.", slackmsg.Escape(text))
	if len(lines) > 1 {
		msg += " Each filter on its own:\n" + strings.Join(lines, "\n") + "\nDrop or loosen the filter with the fewest matches."
	} else if len(lines) == 1 {
		msg += "\n" + lines[0]
	}
	return slackmsg.Ephemeral(msg), nil
}

type fitRow struct {
	account store.Account
	score   int
	why     []string
}

func renderFind(query string, fq findQuery, rows []fitRow, total int64) slackmsg.Response {
	var b slackmsg.Builder
	matches := "match"
	if total == 1 {
		matches = "matches"
	}
	head := fmt.Sprintf("*%s* %s `%s`", plural(int(total), "account"), matches, slackmsg.Escape(query))
	if total > int64(maxFindRows) {
		head += fmt.Sprintf(" — the %d best fits:", maxFindRows)
	}
	b.Section(head)
	var lines []string
	inferred := 0
	for i, r := range rows {
		if i == maxFindRows {
			break
		}
		a := r.account
		if len(a.Inferred) > 0 {
			inferred++
		}
		line := fmt.Sprintf("%d. *%s* — %s", i+1, slackmsg.Escape(a.Name), slackmsg.Escape(joinNonEmpty(" · ", store.StageLabel(a.Stage),
			inferredValue(a, "industry", a.Industry), sizeOf(a), inferredValue(a, "region", placeText(a)))))
		if len(r.why) > 0 {
			line += "\n      _fit: " + slackmsg.Escape(strings.Join(r.why, ", ")) + "_"
		}
		lines = append(lines, line)
	}
	b.Section(strings.Join(lines, "\n"))
	var said []string
	for _, g := range fq.given {
		said = append(said, g.said)
	}
	note := "Filters read as: " + strings.Join(said, "; ") + "."
	if inferred > 0 {
		note += " Values marked (inferred) come from the public record (name, description, domain, public statements), not from the report; `/account <name>` shows the evidence."
	}
	b.Context(slackmsg.Escape(note), "Open one with `/account <name>`.")
	return slackmsg.Response{Text: slackmsg.Escape(fmt.Sprintf("%s %s %s", plural(int(total), "account"), matches, query)), Blocks: b.Blocks()}
}

// fit scores an account against the report's target segment (segment.FitOf, the judgment digest
// scoring makes too): mid-market size, target industry, a tech hub; then a stage where a
// conversation helps, and pain points shown.
func (h *Accounts) fit(a store.Account, pains []string) (int, []string) {
	score := 0
	var why []string
	f := h.segment.Target().FitOf(segment.Profile{Industry: a.Industry, Employees: a.Employees, Engineers: a.Engineers,
		Country: a.Country, Region: a.Region, HQ: a.HQ})
	if f.Size != "" {
		score += 3
		why = append(why, "mid-market size ("+f.Size+")")
	}
	if f.Industry != "" {
		score += 3
		w := "target industry"
		if _, ok := a.Inferred["industry"]; ok {
			w += " (inferred)"
		}
		why = append(why, w)
	}
	if f.Hub != "" {
		score++
		why = append(why, "in "+f.Hub)
	}
	switch a.Stage {
	case store.StageEvaluating, store.StageInitial:
		score += 3
		why = append(why, "still "+store.StageLabel(a.Stage))
	case store.StageChurned, store.StageManaged, store.StageAdopted:
		score++
	}
	if len(pains) > 0 {
		score += 2 * len(pains)
		why = append(why, plural(len(pains), "pain point"))
	}
	return score, why
}

// sellable are the roles /account find lists unless role: says otherwise.
var sellable = []store.Role{store.RoleProspect, store.RoleCustomer, store.RolePartner}

// parseFilters reads key:value filters; values may be quoted ("financial services"). Words are
// read the way people use them: tech → software, bank → financial services, UK → United
// Kingdom, EMEA → Europe, the Middle East and Africa.
func (h *Accounts) parseFilters(ctx context.Context, text string) (findQuery, error) {
	var fq findQuery
	f := &fq.filter
	f.Roles = sellable
	toks, err := tokenize(text)
	if err != nil {
		return fq, err
	}
	if len(toks) == 0 {
		return fq, userErrorf("Add at least one filter, e.g. `/account find industry:\"financial services\" size:100-1000 stage:evaluating`.")
	}
	vocab := segment.Default()
	for _, t := range toks {
		key, val, ok := strings.Cut(t, ":")
		key = strings.ToLower(key)
		if !ok || val == "" {
			return fq, userErrorf("`%s` is not a filter. Use `key:value` with one of: %s.", slackmsg.Escape(t), strings.Join(findFilterKeys, ", "))
		}
		g := givenFilter{typed: key + ":" + val}
		alone := store.AccountFilter{Roles: sellable}
		switch key {
		case "industry":
			if inds, ok := vocab.IndustryQuery(val); ok {
				f.Industries, alone.Industries = inds, inds
				g.said = "industry " + strings.Join(inds, " or ") + ", stated or inferred"
			} else {
				f.Industry, alone.Industry = val, val
				g.said = "industry as typed, “" + val + "” (not a word I know)"
			}
		case "region", "hq", "city", "country":
			w := vocab.PlaceQuery(val)
			f.Place, alone.Place = &w, &w
			g.said = w.Said
		case "size", "employees":
			if f.EmployeesMin, f.EmployeesMax, err = parseSize(val); err != nil {
				return fq, err
			}
			alone.EmployeesMin, alone.EmployeesMax = f.EmployeesMin, f.EmployeesMax
			g.said = "size " + sizeRange(f.EmployeesMin, f.EmployeesMax) + " employees (or inferred engineers when employees are unknown)"
		case "stage":
			for _, s := range strings.Split(val, ",") {
				if strings.TrimSpace(s) == "" {
					continue
				}
				st, ok := store.ParseStage(s)
				if !ok {
					return fq, userErrorf("`%s` is not a stage. Use one of: none, adopted, evaluating, initial, production, managed, churned.", slackmsg.Escape(s))
				}
				f.Stages = append(f.Stages, st)
				alone.Stages = append(alone.Stages, st)
			}
			var labels []string
			for _, st := range alone.Stages {
				labels = append(labels, store.StageLabel(st))
			}
			g.said = "stage " + strings.Join(labels, " or ")
		case "pain":
			key, err := h.painKey(ctx, val)
			if err != nil {
				return fq, err
			}
			f.PainKeys = append(f.PainKeys, key)
			alone.PainKeys = []string{key}
			g.said = "shows pain " + key
		case "role":
			r, ok := store.ParseRole(val)
			if !ok {
				return fq, userErrorf("`%s` is not a role. Use prospect, customer, competitor, vendor or partner.", slackmsg.Escape(val))
			}
			f.Roles, alone.Roles = []store.Role{r}, []store.Role{r}
			g.said = "role " + string(r)
		default:
			return fq, userErrorf("I don't know the filter `%s`. Use: %s.", slackmsg.Escape(key), strings.Join(findFilterKeys, ", "))
		}
		g.alone = alone
		fq.given = append(fq.given, g)
	}
	return fq, nil
}

// sizeRange words a size filter: "100–1,000", "500+", "up to 200".
func sizeRange(lo, hi int) string {
	switch {
	case hi == 0:
		return slackmsg.Count(lo) + "+"
	case lo == 0:
		return "up to " + slackmsg.Count(hi)
	}
	return slackmsg.Count(lo) + "–" + slackmsg.Count(hi)
}

// painKey resolves a pain filter value against the pain catalogue (key, title or keyword).
func (h *Accounts) painKey(ctx context.Context, val string) (string, error) {
	cat, err := h.store.PainCatalogue(ctx)
	if err != nil {
		return "", err
	}
	if p, ok := findPain(cat, val); ok {
		return p.Key, nil
	}
	keys := make([]string, len(cat))
	for i, p := range cat {
		keys[i] = p.Key
	}
	return "", userErrorf("`%s` is not a pain point I know. Try one of: %s.", slackmsg.Escape(val), strings.Join(keys, ", "))
}

// maxEmployees is the largest headcount a size filter takes.
const maxEmployees = 10_000_000

// parseSize reads 100-1000, 100+, <500, >=200 or a plain number (a lower bound).
func parseSize(v string) (int, int, error) {
	bad := userErrorf("`size:%s` is not a size. Use a range like `size:100-1000`, or `size:500+`.", slackmsg.Escape(v))
	v = strings.ReplaceAll(strings.ToLower(v), ",", "")
	num := func(s string) (int, bool) {
		s = strings.TrimSpace(s)
		mult := 1
		if strings.HasSuffix(s, "k") {
			mult, s = 1000, strings.TrimSuffix(s, "k")
		}
		n, err := strconv.Atoi(s)
		// A headcount past ten million is no company; refusing it also keeps n*mult from
		// overflowing into a negative size (found by FuzzAccountFindFilters: size:9227000000000000k).
		return n * mult, err == nil && n >= 0 && n <= maxEmployees/mult
	}
	switch {
	case strings.Contains(v, "-"):
		lo, hi, _ := strings.Cut(v, "-")
		a, ok1 := num(lo)
		b, ok2 := num(hi)
		if !ok1 || !ok2 || a > b {
			return 0, 0, bad
		}
		return a, b, nil
	case strings.HasSuffix(v, "+"):
		a, ok := num(strings.TrimSuffix(v, "+"))
		if !ok {
			return 0, 0, bad
		}
		return a, 0, nil
	case strings.HasPrefix(v, "<"):
		b, ok := num(strings.TrimLeft(v, "<="))
		if !ok {
			return 0, 0, bad
		}
		return 0, b, nil
	case strings.HasPrefix(v, ">"):
		a, ok := num(strings.TrimLeft(v, ">="))
		if !ok {
			return 0, 0, bad
		}
		return a, 0, nil
	}
	a, ok := num(v)
	if !ok {
		return 0, 0, bad
	}
	return a, 0, nil
}

// errorResponse shows a UserError as is and anything else as a generic sentence.
func errorResponse(err error) slackmsg.Response {
	if ue, ok := err.(*slackmsg.UserError); ok {
		return slackmsg.Ephemeral(ue.Msg)
	}
	return slackmsg.Ephemeral("Something went wrong on my side; it has been logged. Please try again.")
}
