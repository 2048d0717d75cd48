package store

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// This file is the SQLite side of ImportCSV for accounts and contacts: the file's valid rows are
// grouped in memory with the same rules as the PostgreSQL merge (csvcopy.go), then each group is
// written once, inside one transaction. SQLite is the single-process, small-data engine, so
// holding a file's rows is fine; what matters is that both engines agree on what a file means
// and that a re-import changes nothing.

// stagedAccount is one valid accounts row.
type stagedAccount struct {
	line            int
	acc             Account
	grp             int // index of the group's first row
	byDomain, byKey int64
	target          int64
	refused         bool
}

// insertAccountsCSV merges the file's accounts into SQLite with the rules of copyAccountsCSV.
func (s *Store) insertAccountsCSV(ctx context.Context, cr *csvReader, opts CSVOptions, res *CSVImport) ([]int64, error) {
	var rows []stagedAccount
	err := eachValid(ctx, cr, func(row csvRow) (Account, *CSVRowError) { return accountFromRow(row, opts) },
		func(line int, acc Account) error {
			rows = append(rows, stagedAccount{line: line, acc: acc, grp: len(rows)})
			return nil
		})
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		refused, err := resolveStaged(tx, rows)
		if err != nil {
			return err
		}
		for _, r := range refused {
			cr.reject(r)
		}
		for _, g := range stagedGroups(rows) {
			id, changed, err := writeAccountGroup(tx, rows, g)
			if err != nil {
				return err
			}
			if changed {
				res.Imported += len(g)
				ids = append(ids, id)
			} else {
				res.Unchanged += len(g)
			}
		}
		return nil
	})
	return ids, err
}

// resolveStaged matches rows and groups to stored accounts (rules 1 and 2 of copyAccountsCSV)
// and returns the refused rows.
func resolveStaged(tx *gorm.DB, rows []stagedAccount) ([]CSVRowError, error) {
	names := map[int64]string{}
	find := func(col, v string) (int64, error) {
		var a Account
		err := tx.Select("id, name").Where(col+" = ?", v).Take(&a).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return 0, nil
		}
		names[a.ID] = a.Name
		return a.ID, err
	}
	var out []CSVRowError
	for i := range rows {
		r := &rows[i]
		var err error
		if r.acc.Domain != "" {
			if r.byDomain, err = find("domain", r.acc.Domain); err != nil {
				return nil, err
			}
		}
		if r.byKey, err = find("key", r.acc.Key); err != nil {
			return nil, err
		}
		if r.byDomain != 0 && r.byKey != 0 && r.byDomain != r.byKey {
			r.refused = true
			out = append(out, CSVRowError{Row: r.line, Column: "domain",
				Reason: r.acc.Domain + " belongs to " + names[r.byDomain] + ", but the name " + r.acc.Name + " is that of " + names[r.byKey]})
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
				Reason: "names " + names[r.target] + ", but shares a name or domain with row " + strconv.Itoa(rows[f].line) + ", which names " + names[t]})
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
	return out, nil
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

// writeAccountGroup merges one group's rows into its stored account, or creates it, and reports
// whether anything was written.
func writeAccountGroup(tx *gorm.DB, rows []stagedAccount, g []int) (int64, bool, error) {
	first := rows[g[0]]
	var existing Account
	isNew := first.target == 0
	if !isNew {
		if err := tx.Take(&existing, first.target).Error; err != nil {
			return 0, false, err
		}
	} else {
		existing = Account{Key: first.acc.Key, Name: first.acc.Name, Stage: StageNone, Aliases: []string{}, Role: RoleProspect}
	}
	merged := existing
	merged.Aliases = slices.Clone(nonNil(existing.Aliases))
	for _, i := range g {
		acc := rows[i].acc
		acc.Stage = nonNoneStage(acc.Stage)
		mergeAccount(&merged, &acc)
	}
	enrich(&merged)
	if isNew {
		merged.CreatedAt, merged.UpdatedAt = time.Time{}, time.Time{}
		if err := tx.Create(&merged).Error; err != nil {
			return 0, false, err
		}
		return merged.ID, true, nil
	}
	if accountFieldsEqual(merged, existing) {
		return existing.ID, false, nil
	}
	return existing.ID, true, tx.Save(&merged).Error
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

// insertContactsCSV merges the file's contacts into SQLite: one per account and name, the last
// non-empty value of each field winning (see copyContactsCSV).
func (s *Store) insertContactsCSV(ctx context.Context, cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
	type key struct {
		account int64
		name    string
	}
	at := map[key]int{}
	var groups [][]Contact
	err := eachValid(ctx, cr, func(row csvRow) (Contact, *CSVRowError) { return contactFromRow(row, dir, opts) },
		func(_ int, c Contact) error {
			k := key{c.AccountID, c.Name}
			g, ok := at[k]
			if !ok {
				g = len(groups)
				at[k] = g
				groups = append(groups, nil)
			}
			groups[g] = append(groups[g], c)
			return nil
		})
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, g := range groups {
			changed, err := mergeContacts(tx, g)
			if err != nil {
				return err
			}
			if changed {
				res.Imported += len(g)
			} else {
				res.Unchanged += len(g)
			}
		}
		return nil
	})
}

// mergeContacts adds a contact, or fills in the one with the same name at the account, from the
// file's rows for it, and reports whether anything changed. A do-not-contact flag, once set,
// stays set.
func mergeContacts(tx *gorm.DB, rows []Contact) (bool, error) {
	var existing Contact
	err := tx.Where("account_id = ? AND name = ?", rows[0].AccountID, rows[0].Name).Take(&existing).Error
	isNew := errors.Is(err, gorm.ErrRecordNotFound)
	if err != nil && !isNew {
		return false, err
	}
	if isNew {
		existing = Contact{AccountID: rows[0].AccountID, Name: rows[0].Name, DecisionRank: 99, Handles: []string{}, SpokeAt: []string{}}
	}
	merged := existing
	merged.Handles = slices.Clone(nonNil(existing.Handles))
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
	if isNew {
		return true, tx.Create(&merged).Error
	}
	if merged.Title == existing.Title && merged.Email == existing.Email && merged.Notes == existing.Notes &&
		merged.DNCReason == existing.DNCReason && merged.Source == existing.Source && merged.DecisionRank == existing.DecisionRank &&
		merged.DoNotContact == existing.DoNotContact && slices.Equal(merged.Handles, existing.Handles) {
		return false, nil
	}
	return true, tx.Save(&merged).Error
}
