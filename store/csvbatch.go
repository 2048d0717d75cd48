package store

import (
	"context"
	"maps"
	"slices"
	"strconv"
)

// This file merges accounts and contacts files, the same way on both engines: the file's valid
// rows are read in batches (readBatches) and the stored records each batch names are read while
// the next batch is parsed; once the file is read, the rows are grouped, each group is merged in
// Go and only what differs is written. What is written is re-read first under a row lock
// (PostgreSQL), so an edit made meanwhile is merged, not overwritten. New records are merged as
// they are written, so on PostgreSQL the merge runs while the server stores the rows before.
// The engines differ only in how they read and write (mergeEngine): PostgreSQL with COPY and one
// UPDATE per file (csvcopy.go), SQLite row by row (csvlite.go).

// mergeEngine is what a merge needs of an engine, inside the import's transaction. T is Account
// or Contact; K what names a stored one (a key or domain; an account and a name).
type mergeEngine[T any, K comparable] interface {
	// matching returns the stored records named by keys.
	matching(ctx context.Context, keys []K) ([]T, error)
	// locked re-reads stored records by id, locked until the transaction ends.
	locked(ctx context.Context, ids []int64) ([]T, error)
	// write inserts n new records, the i-th made by added(i), and updates changed; it returns
	// the new records' ids in order when the caller needs them.
	write(ctx context.Context, n int, added func(i int) *T, changed []*T) ([]int64, error)
}

// lookUp reads the stored records that keys name, if any, and hands each to keep.
func lookUp[T any, K comparable](ctx context.Context, eng mergeEngine[T, K], keys []K, keep func(*T)) error {
	if len(keys) == 0 {
		return nil
	}
	stored, err := eng.matching(ctx, keys)
	if err != nil {
		return err
	}
	for i := range stored {
		keep(&stored[i])
	}
	return nil
}

// mergeBatch is how many rows of an accounts or contacts file are read before the stored
// records they name are looked up.
const mergeBatch = 8192

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

// mergeAccountsFile reads an accounts file and merges it into the store (mergeAccounts); it
// returns the ids written.
func mergeAccountsFile(ctx context.Context, eng mergeEngine[Account, accountRef], cr *csvReader, opts CSVOptions, res *CSVImport) ([]int64, error) {
	m := &accountMerge{eng: eng, seen: map[accountRef]bool{}, byID: map[int64]*Account{}, byName: map[accountRef]int64{}}
	if err := readBatches(ctx, cr, newAccountParser(opts).staged, mergeBatch, func(b []stagedAccount) error { return m.add(ctx, b) }); err != nil {
		return nil, err
	}
	return m.merge(ctx, cr, res)
}

// accountMerge gathers a file's accounts rows and the stored accounts they name.
type accountMerge struct {
	eng    mergeEngine[Account, accountRef]
	rows   []*stagedAccount
	seen   map[accountRef]bool
	byID   map[int64]*Account
	byName map[accountRef]int64
}

// add takes a batch of rows and reads the stored accounts it names that earlier batches did not.
func (m *accountMerge) add(ctx context.Context, batch []stagedAccount) error {
	var names []accountRef
	for i := range batch {
		r := &batch[i]
		r.grp = len(m.rows)
		m.rows = append(m.rows, r)
		for _, n := range [2]accountRef{{v: r.acc.Key}, {domain: true, v: r.acc.Domain}} {
			if n.v != "" && !m.seen[n] {
				m.seen[n] = true
				names = append(names, n)
			}
		}
	}
	return lookUp(ctx, m.eng, names, func(a *Account) {
		if _, dup := m.byID[a.ID]; dup {
			return
		}
		m.byID[a.ID] = a
		m.byName[accountRef{v: a.Key}] = a.ID
		if a.Domain != "" {
			m.byName[accountRef{domain: true, v: a.Domain}] = a.ID
		}
	})
}

// merge merges the file's accounts (in file order) into the store:
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
func (m *accountMerge) merge(ctx context.Context, cr *csvReader, res *CSVImport) ([]int64, error) {
	rows := m.rows
	for _, r := range resolveStaged(rows, m.byName, m.byID) {
		cr.reject(r)
	}
	var (
		fresh   [][]int // the groups that make new accounts
		changed []*Account
		pending = map[int64][]int{} // stored id → its group's rows, while it waits for its lock
	)
	for _, g := range stagedGroups(rows) {
		target := rows[g[0]].target
		switch {
		case target == 0:
			fresh = append(fresh, g)
			res.Imported += len(g)
		default:
			if _, differs := mergeAccountGroup(rows, g, m.byID[target]); differs {
				pending[target] = g
			} else {
				res.Unchanged += len(g)
			}
		}
	}
	if len(pending) > 0 {
		locked, err := m.eng.locked(ctx, slices.Sorted(maps.Keys(pending)))
		if err != nil {
			return nil, err
		}
		for i := range locked {
			g := pending[locked[i].ID]
			delete(pending, locked[i].ID)
			if merged, differs := mergeAccountGroup(rows, g, &locked[i]); differs {
				changed = append(changed, &merged)
				res.Imported += len(g)
			} else {
				res.Unchanged += len(g)
			}
		}
		for _, g := range pending { // removed meanwhile: its rows make a new account
			fresh = append(fresh, g)
			res.Imported += len(g)
		}
	}
	ids, err := m.eng.write(ctx, len(fresh), func(i int) *Account {
		merged, _ := mergeAccountGroup(rows, fresh[i], nil)
		return &merged
	}, changed)
	if err != nil {
		return nil, err
	}
	for _, a := range changed {
		ids = append(ids, a.ID)
	}
	return ids, nil
}

// resolveStaged matches rows and groups to stored accounts (rules 1 and 2 of accountMerge.merge)
// and returns the refused rows.
func resolveStaged(rows []*stagedAccount, byName map[accountRef]int64, byID map[int64]*Account) []CSVRowError {
	name := func(id int64) string { return byID[id].Name }
	var out []CSVRowError
	for _, r := range rows {
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
	for i, r := range rows {
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
	for _, r := range rows {
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
func groupStaged(rows []*stagedAccount) {
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
func stagedGroups(rows []*stagedAccount) [][]int {
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
func mergeAccountGroup(rows []*stagedAccount, g []int, stored *Account) (Account, bool) {
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

// mergeContactsFile reads a contacts file and merges it into the store: rows for the same
// account and name are one contact (the last non-empty value of each field wins, handles add up,
// a do-not-contact flag once set stays set), inserted when new and updated only where it differs.
func mergeContactsFile(ctx context.Context, eng mergeEngine[Contact, contactRef], cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
	m := &contactMerge{eng: eng, at: map[contactRef]int{}, stored: map[contactRef]*Contact{}}
	parse := func(row csvRow) (Contact, *CSVRowError) { return contactFromRow(row, dir, opts) }
	if err := readBatches(ctx, cr, parse, mergeBatch, func(b []Contact) error { return m.add(ctx, b) }); err != nil {
		return err
	}
	return m.merge(ctx, res)
}

// contactMerge gathers a file's contacts rows by contact, and the stored contacts they name.
type contactMerge struct {
	eng    mergeEngine[Contact, contactRef]
	at     map[contactRef]int // → index in groups
	groups [][]*Contact       // each contact's rows, in file order
	stored map[contactRef]*Contact
}

// add takes a batch of rows and reads the stored contacts that its new names name.
func (m *contactMerge) add(ctx context.Context, batch []Contact) error {
	var names []contactRef
	for i := range batch {
		c := &batch[i]
		k := contactRef{c.AccountID, c.Name}
		if g, ok := m.at[k]; ok {
			m.groups[g] = append(m.groups[g], c)
			continue
		}
		m.at[k] = len(m.groups)
		m.groups = append(m.groups, []*Contact{c})
		names = append(names, k)
	}
	return lookUp(ctx, m.eng, names, func(c *Contact) {
		m.stored[contactRef{c.AccountID, c.Name}] = c
	})
}

// merge writes the contacts that are new or differ from what is stored.
func (m *contactMerge) merge(ctx context.Context, res *CSVImport) error {
	var (
		fresh   [][]*Contact
		changed []*Contact
		pending = map[int64][]*Contact{}
	)
	for _, g := range m.groups {
		old := m.stored[contactRef{g[0].AccountID, g[0].Name}]
		switch {
		case old == nil:
			fresh = append(fresh, g)
			res.Imported += len(g)
		default:
			if _, differs := mergeContactRows(old, g); differs {
				pending[old.ID] = g
			} else {
				res.Unchanged += len(g)
			}
		}
	}
	if len(pending) > 0 {
		locked, err := m.eng.locked(ctx, slices.Sorted(maps.Keys(pending)))
		if err != nil {
			return err
		}
		for i := range locked {
			g := pending[locked[i].ID]
			delete(pending, locked[i].ID)
			if merged, differs := mergeContactRows(&locked[i], g); differs {
				changed = append(changed, &merged)
				res.Imported += len(g)
			} else {
				res.Unchanged += len(g)
			}
		}
		for _, g := range pending { // removed meanwhile: added again
			fresh = append(fresh, g)
			res.Imported += len(g)
		}
	}
	_, err := m.eng.write(ctx, len(fresh), func(i int) *Contact {
		merged, _ := mergeContactRows(nil, fresh[i])
		return &merged
	}, changed)
	return err
}

// mergeContactRows fills in a stored contact (nil: a new one) from the file's rows for it and
// says whether the result differs from what is stored. A do-not-contact flag, once set, stays set.
func mergeContactRows(stored *Contact, rows []*Contact) (Contact, bool) {
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
