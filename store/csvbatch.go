package store

import (
	"context"
	"maps"
	"slices"
	"strconv"
)

// This file merges accounts and contacts files, the same way on both engines: the file's valid
// rows are read into memory and grouped, the stored records they name are read with a few
// set-wise queries, each group is merged in Go, and only what differs is written. What is
// written is re-read first under a row lock (PostgreSQL), so an edit made meanwhile is merged,
// not overwritten. The engines differ only in how they read and write (mergeEngine):
// PostgreSQL with COPY and one UPDATE per file (csvcopy.go), SQLite row by row (csvlite.go).

// mergeEngine is what a merge needs of an engine, inside the import's transaction. T is Account
// or Contact; K what names a stored one (a key or domain; an account and a name).
type mergeEngine[T any, K comparable] interface {
	// matching returns the stored records named by keys.
	matching(ctx context.Context, keys []K) ([]T, error)
	// locked re-reads stored records by id, locked until the transaction ends.
	locked(ctx context.Context, ids []int64) ([]T, error)
	// write inserts added (setting their ids where the caller needs them) and updates changed.
	write(ctx context.Context, added, changed []*T) error
}

// --- accounts ---------------------------------------------------------------

// stagedAccount is one valid accounts row.
type stagedAccount struct {
	line            int
	acc             Account
	grp             int // index of the group's first row
	byDomain, byKey int64
	target          int64
	refused         bool
}

// accountRef is what names a stored account: its key or its domain.
type accountRef struct {
	domain bool
	v      string
}

// mergeAccountsCSV merges the file's accounts (rows, in file order) into the store:
//
//  1. each row names the stored account with its domain, else the one with its name key; a row
//     whose domain is one stored account's and name another's is refused (column domain);
//  2. rows that share a name key or a domain are one account (transitively), named by the first
//     row; it is the stored account of its first row that names one, else a new one; a later
//     row of the group that names a different stored account is refused (column name); groups
//     that reach the same stored account are one;
//  3. each account's fields are the last non-empty value in the file (mergeAccount); names that
//     are not the account's own and every alias join its aliases (no duplicates, case ignored);
//     enrichment fills what the public record supports;
//  4. stored accounts are written only where something differs, new ones inserted.
//
// It returns the ids written.
func mergeAccountsCSV(ctx context.Context, eng mergeEngine[Account, accountRef], rows []stagedAccount, cr *csvReader, res *CSVImport) ([]int64, error) {
	seen := map[accountRef]bool{}
	var names []accountRef
	for _, r := range rows {
		for _, n := range []accountRef{{v: r.acc.Key}, {domain: true, v: r.acc.Domain}} {
			if n.v != "" && !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	stored, err := eng.matching(ctx, names)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Account{}
	byName := map[accountRef]int64{}
	for i := range stored {
		a := &stored[i]
		byID[a.ID] = a
		byName[accountRef{v: a.Key}] = a.ID
		if a.Domain != "" {
			byName[accountRef{domain: true, v: a.Domain}] = a.ID
		}
	}
	for _, r := range resolveStaged(rows, byName, byID) {
		cr.reject(r)
	}
	var (
		added, changed []*Account
		pending        = map[int64][]int{} // stored id → its group's rows, while it waits for its lock
		ids            []int64
	)
	for _, g := range stagedGroups(rows) {
		target := rows[g[0]].target
		m, differs := mergeAccountGroup(rows, g, byID[target])
		switch {
		case target == 0:
			added = append(added, &m)
			res.Imported += len(g)
		case differs:
			pending[target] = g
		default:
			res.Unchanged += len(g)
		}
	}
	if len(pending) > 0 {
		fresh, err := eng.locked(ctx, slices.Sorted(maps.Keys(pending)))
		if err != nil {
			return nil, err
		}
		for i := range fresh {
			g := pending[fresh[i].ID]
			delete(pending, fresh[i].ID)
			if m, differs := mergeAccountGroup(rows, g, &fresh[i]); differs {
				changed = append(changed, &m)
				res.Imported += len(g)
			} else {
				res.Unchanged += len(g)
			}
		}
		for _, g := range pending { // removed meanwhile: its rows make a new account
			m, _ := mergeAccountGroup(rows, g, nil)
			added = append(added, &m)
			res.Imported += len(g)
		}
	}
	if err := eng.write(ctx, added, changed); err != nil {
		return nil, err
	}
	for _, a := range append(added, changed...) {
		ids = append(ids, a.ID)
	}
	return ids, nil
}

// resolveStaged matches rows and groups to stored accounts (rules 1 and 2 of mergeAccountsCSV)
// and returns the refused rows.
func resolveStaged(rows []stagedAccount, byName map[accountRef]int64, byID map[int64]*Account) []CSVRowError {
	name := func(id int64) string { return byID[id].Name }
	var out []CSVRowError
	for i := range rows {
		r := &rows[i]
		if r.acc.Domain != "" {
			r.byDomain = byName[accountRef{domain: true, v: r.acc.Domain}]
		}
		r.byKey = byName[accountRef{v: r.acc.Key}]
		if r.byDomain != 0 && r.byKey != 0 && r.byDomain != r.byKey {
			r.refused = true
			out = append(out, CSVRowError{Row: r.line, Column: "domain",
				Reason: r.acc.Domain + " belongs to " + name(r.byDomain) + ", but the name " + r.acc.Name + " is that of " + name(r.byKey)})
		}
	}
	groupStaged(rows)
	first := map[int]int{} // grp → its first row naming a stored account
	for i := range rows {
		r := &rows[i]
		if r.refused {
			continue
		}
		r.target = r.byDomain
		if r.target == 0 {
			r.target = r.byKey
		}
		if r.target == 0 {
			continue
		}
		f, ok := first[r.grp]
		if !ok {
			first[r.grp] = i
			continue
		}
		if t := rows[f].target; r.target != t {
			r.refused = true
			out = append(out, CSVRowError{Row: r.line, Column: "name",
				Reason: "names " + name(r.target) + ", but shares a name or domain with row " + strconv.Itoa(rows[f].line) + ", which names " + name(t)})
		}
	}
	grpOfTarget := map[int64]int{}
	for i := range rows {
		r := &rows[i]
		if r.refused {
			continue
		}
		if f, ok := first[r.grp]; ok {
			r.target = rows[f].target
		}
		if r.target == 0 {
			continue
		}
		if g, ok := grpOfTarget[r.target]; ok {
			r.grp = g
		} else {
			grpOfTarget[r.target] = r.grp
		}
	}
	return out
}

// groupStaged gives rows not refused that share a key or a domain (transitively) one grp: the
// first row's index.
func groupStaged(rows []stagedAccount) {
	find := func(i int) int {
		for rows[i].grp != i {
			rows[i].grp = rows[rows[i].grp].grp
			i = rows[i].grp
		}
		return i
	}
	union := func(a, b int) {
		ra, rb := find(a), find(b)
		if ra > rb {
			ra, rb = rb, ra
		}
		rows[rb].grp = ra
	}
	byKey, byDomain := map[string]int{}, map[string]int{}
	for i, r := range rows {
		if r.refused {
			continue
		}
		if j, ok := byKey[r.acc.Key]; ok {
			union(i, j)
		} else {
			byKey[r.acc.Key] = i
		}
		if d := r.acc.Domain; d != "" {
			if j, ok := byDomain[d]; ok {
				union(i, j)
			} else {
				byDomain[d] = i
			}
		}
	}
	for i := range rows {
		rows[i].grp = find(i)
	}
}

// stagedGroups lists the rows of each group (refused rows left out), groups in file order.
func stagedGroups(rows []stagedAccount) [][]int {
	at := map[int]int{}
	var out [][]int
	for i, r := range rows {
		if r.refused {
			continue
		}
		g, ok := at[r.grp]
		if !ok {
			g = len(out)
			at[r.grp] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	return out
}

// mergeAccountGroup merges one group's rows into its stored account (nil: a new one) and says
// whether the result differs from what is stored.
func mergeAccountGroup(rows []stagedAccount, g []int, stored *Account) (Account, bool) {
	first := rows[g[0]].acc
	merged := Account{Key: first.Key, Name: first.Name, Stage: StageNone, Role: RoleProspect}
	if stored != nil {
		merged = *stored
	}
	merged.Aliases = slices.Clone(nonNil(merged.Aliases))
	merged.Inferred = maps.Clone(merged.Inferred)
	for _, i := range g {
		acc := rows[i].acc
		acc.Stage = nonNoneStage(acc.Stage)
		mergeAccount(&merged, &acc)
	}
	enrich(&merged)
	return merged, stored == nil || !accountFieldsEqual(merged, *stored)
}

func nonNoneStage(s Stage) Stage {
	if s == StageNone {
		return ""
	}
	return s
}

func accountFieldsEqual(a, b Account) bool {
	return slices.Equal(a.Aliases, b.Aliases) && a.Name == b.Name && a.Domain == b.Domain && a.Industry == b.Industry &&
		a.Employees == b.Employees && a.Region == b.Region && a.HQ == b.HQ && a.Stage == b.Stage &&
		a.AdoptionNotes == b.AdoptionNotes && a.OwnerUserID == b.OwnerUserID && a.Source == b.Source &&
		a.Role == b.Role && a.Country == b.Country && a.Engineers == b.Engineers && maps.Equal(a.Inferred, b.Inferred)
}

// --- contacts ---------------------------------------------------------------

// contactRef is what names a stored contact: its account and its name.
type contactRef struct {
	account int64
	name    string
}

// mergeContactsCSV merges the file's contacts (rows, in file order) into the store: rows for the
// same account and name are one contact (the last non-empty value of each field wins, handles add
// up, a do-not-contact flag once set stays set), inserted when new and updated only where it
// differs.
func mergeContactsCSV(ctx context.Context, eng mergeEngine[Contact, contactRef], rows []Contact, res *CSVImport) error {
	at := map[contactRef]int{}
	var (
		names  []contactRef
		groups [][]Contact
	)
	for _, c := range rows {
		k := contactRef{c.AccountID, c.Name}
		g, ok := at[k]
		if !ok {
			g = len(groups)
			at[k] = g
			groups = append(groups, nil)
			names = append(names, k)
		}
		groups[g] = append(groups[g], c)
	}
	stored, err := eng.matching(ctx, names)
	if err != nil {
		return err
	}
	storedAt := map[contactRef]*Contact{}
	for i := range stored {
		storedAt[contactRef{stored[i].AccountID, stored[i].Name}] = &stored[i]
	}
	var added, changed []*Contact
	pending := map[int64][]Contact{}
	for i, g := range groups {
		old := storedAt[names[i]]
		m, differs := mergeContactRows(old, g)
		switch {
		case old == nil:
			added = append(added, &m)
			res.Imported += len(g)
		case differs:
			pending[old.ID] = g
		default:
			res.Unchanged += len(g)
		}
	}
	if len(pending) > 0 {
		fresh, err := eng.locked(ctx, slices.Sorted(maps.Keys(pending)))
		if err != nil {
			return err
		}
		for i := range fresh {
			g := pending[fresh[i].ID]
			delete(pending, fresh[i].ID)
			if m, differs := mergeContactRows(&fresh[i], g); differs {
				changed = append(changed, &m)
				res.Imported += len(g)
			} else {
				res.Unchanged += len(g)
			}
		}
		for _, g := range pending { // removed meanwhile: added again
			m, _ := mergeContactRows(nil, g)
			added = append(added, &m)
			res.Imported += len(g)
		}
	}
	return eng.write(ctx, added, changed)
}

// mergeContactRows fills in a stored contact (nil: a new one) from the file's rows for it and
// says whether the result differs from what is stored. A do-not-contact flag, once set, stays set.
func mergeContactRows(stored *Contact, rows []Contact) (Contact, bool) {
	merged := Contact{AccountID: rows[0].AccountID, Name: rows[0].Name, DecisionRank: 99, SpokeAt: []string{}}
	if stored != nil {
		merged = *stored
	}
	merged.Handles = slices.Clone(nonNil(merged.Handles))
	setIf := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	for _, c := range rows {
		merged.Handles = appendUnique(merged.Handles, c.Handles...)
		setIf(&merged.Title, c.Title)
		setIf(&merged.Email, c.Email)
		setIf(&merged.Notes, c.Notes)
		setIf(&merged.DNCReason, c.DNCReason)
		setIf(&merged.Source, c.Source)
		if c.DecisionRank != 99 {
			merged.DecisionRank = c.DecisionRank
		}
		merged.DoNotContact = merged.DoNotContact || c.DoNotContact
	}
	if stored == nil {
		return merged, true
	}
	return merged, merged.Title != stored.Title || merged.Email != stored.Email || merged.Notes != stored.Notes ||
		merged.DNCReason != stored.DNCReason || merged.Source != stored.Source || merged.DecisionRank != stored.DecisionRank ||
		merged.DoNotContact != stored.DoNotContact || !slices.Equal(merged.Handles, nonNil(stored.Handles))
}
