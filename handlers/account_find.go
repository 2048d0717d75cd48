package handlers

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"outreachbot/store"
)

// findFilterKeys are the filters /account find understands.
var findFilterKeys = []string{"industry", "size", "region", "stage", "pain"}

// maxFindRows is how many accounts a find answer lists.
const maxFindRows = 20

// find answers `/account find <filters>`.
func (h *Accounts) find(ctx context.Context, text string) (Response, error) {
	f, err := h.parseFilters(ctx, text)
	if err != nil {
		return errorResponse(err), nil
	}
	f.Limit = 2000
	rows, total, err := h.store.AccountsMatching(ctx, f)
	if err != nil {
		return Response{}, err
	}
	if total == 0 {
		return Ephemeral(fmt.Sprintf("No account matches `%s`. Loosen a filter, e.g. drop `size:` — many accounts have no size recorded.", Escape(text))), nil
	}
	ids := make([]int64, len(rows))
	for i, a := range rows {
		ids[i] = a.ID
	}
	pains, err := h.store.PainKeysOf(ctx, ids)
	if err != nil {
		return Response{}, err
	}
	ranked := make([]fitRow, len(rows))
	for i, a := range rows {
		score, why := h.fit(a, pains[a.ID])
		ranked[i] = fitRow{a, score, why}
	}
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].score > ranked[j].score })
	return renderFind(text, ranked, total), nil
}

type fitRow struct {
	account store.Account
	score   int
	why     []string
}

func renderFind(query string, rows []fitRow, total int64) Response {
	var b Builder
	head := fmt.Sprintf("*%d accounts* match `%s`", total, Escape(query))
	if total > int64(maxFindRows) {
		head += fmt.Sprintf(" — the %d best fits:", maxFindRows)
	}
	b.Section(head)
	var lines []string
	for i, r := range rows {
		if i == maxFindRows {
			break
		}
		a := r.account
		line := fmt.Sprintf("%d. *%s* — %s", i+1, Escape(a.Name), Escape(joinNonEmpty(" · ", store.StageLabel(a.Stage), a.Industry, sizeText(a.Employees), joinNonEmpty(", ", a.HQ, a.Region))))
		if len(r.why) > 0 {
			line += "\n      _fit: " + Escape(strings.Join(r.why, ", ")) + "_"
		}
		lines = append(lines, line)
	}
	b.Section(strings.Join(lines, "\n"))
	b.Context("Open one with `/account <name>`.")
	return Response{Text: fmt.Sprintf("%d accounts match %s", total, Escape(query)), Blocks: b.Blocks()}
}

// fit scores an account against the report's target segment: mid-market size, target industry,
// a tech hub, a stage where a conversation helps, and pain points shown.
func (h *Accounts) fit(a store.Account, pains []string) (int, []string) {
	score := 0
	var why []string
	if a.Employees >= h.segment.EmployeesMin && a.Employees <= h.segment.EmployeesMax && a.Employees > 0 {
		score += 3
		why = append(why, "mid-market size")
	}
	for _, ind := range h.segment.Industries {
		if strings.EqualFold(a.Industry, ind) {
			score += 3
			why = append(why, "target industry")
			break
		}
	}
	loc := strings.ToLower(a.Region + " " + a.HQ)
	for _, hub := range h.segment.Hubs {
		if hub != "" && strings.Contains(loc, strings.ToLower(hub)) {
			score += 1
			why = append(why, "in "+hub)
			break
		}
	}
	switch a.Stage {
	case store.StageEvaluating, store.StageInitial:
		score += 3
		why = append(why, "still "+store.StageLabel(a.Stage))
	case store.StageChurned, store.StageManaged:
		score += 1
	}
	if len(pains) > 0 {
		score += 2 * len(pains)
		why = append(why, fmt.Sprintf("%d pain point(s)", len(pains)))
	}
	return score, why
}

// parseFilters reads key:value filters; values may be quoted ("financial services").
func (h *Accounts) parseFilters(ctx context.Context, text string) (store.AccountFilter, error) {
	var f store.AccountFilter
	toks, err := tokenize(text)
	if err != nil {
		return f, err
	}
	if len(toks) == 0 {
		return f, userErrorf("Add at least one filter, e.g. `/account find industry:\"financial services\" size:100-1000 stage:evaluating`.")
	}
	for _, t := range toks {
		key, val, ok := strings.Cut(t, ":")
		key = strings.ToLower(key)
		if !ok || val == "" {
			return f, userErrorf("`%s` is not a filter. Use `key:value` with one of: %s.", Escape(t), strings.Join(findFilterKeys, ", "))
		}
		switch key {
		case "industry":
			f.Industry = val
		case "region", "hq", "city":
			f.Region = val
		case "size", "employees":
			if f.EmployeesMin, f.EmployeesMax, err = parseSize(val); err != nil {
				return f, err
			}
		case "stage":
			for _, s := range strings.Split(val, ",") {
				if strings.TrimSpace(s) == "" {
					continue
				}
				st, ok := store.ParseStage(s)
				if !ok {
					return f, userErrorf("`%s` is not a stage. Use one of: none, evaluating, initial, production, managed, churned.", Escape(s))
				}
				f.Stages = append(f.Stages, st)
			}
		case "pain":
			key, err := h.painKey(ctx, val)
			if err != nil {
				return f, err
			}
			f.PainKeys = append(f.PainKeys, key)
		default:
			return f, userErrorf("I don't know the filter `%s`. Use: %s.", Escape(key), strings.Join(findFilterKeys, ", "))
		}
	}
	return f, nil
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
	return "", userErrorf("`%s` is not a pain point I know. Try one of: %s.", Escape(val), strings.Join(keys, ", "))
}

// maxEmployees is the largest headcount a size filter takes.
const maxEmployees = 10_000_000

// parseSize reads 100-1000, 100+, <500, >=200 or a plain number (a lower bound).
func parseSize(v string) (int, int, error) {
	bad := userErrorf("`size:%s` is not a size. Use a range like `size:100-1000`, or `size:500+`.", Escape(v))
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
func errorResponse(err error) Response {
	if ue, ok := err.(*UserError); ok {
		return Ephemeral(ue.Msg)
	}
	return Ephemeral("Something went wrong on my side; it has been logged. Please try again.")
}
