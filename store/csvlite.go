package store

import (
	"context"

	"gorm.io/gorm"
)

// This file is the SQLite side of ImportCSV for accounts and contacts: the rows are merged by
// csvbatch.go and written one by one inside one transaction. SQLite is the single-process,
// small-data engine with one writer at a time, so a plain re-read is as good as a lock.

// liteChunk bounds the values one IN (...) list carries.
const liteChunk = 500

// inChunks runs f on successive pieces of vals, at most liteChunk long.
func inChunks[V any](vals []V, f func([]V) error) error {
	for len(vals) > 0 {
		n := min(len(vals), liteChunk)
		if err := f(vals[:n]); err != nil {
			return err
		}
		vals = vals[n:]
	}
	return nil
}

// insertAccountsCSV merges the file's accounts into SQLite (mergeAccountsFile).
func (s *Store) insertAccountsCSV(ctx context.Context, cr *csvReader, opts CSVOptions, res *CSVImport) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		ids, err = mergeAccountsFile(ctx, liteAccounts{tx}, cr, opts, res)
		return err
	})
	return ids, err
}

type liteAccounts struct{ tx *gorm.DB }

func (l liteAccounts) matching(_ context.Context, names []accountRef) ([]Account, error) {
	var keys, domains []string
	for _, n := range names {
		if n.domain {
			domains = append(domains, n.v)
		} else {
			keys = append(keys, n.v)
		}
	}
	seen := map[int64]bool{}
	var out []Account
	for col, vals := range map[string][]string{"key": keys, "domain": domains} {
		err := inChunks(vals, func(part []string) error {
			var found []Account
			if err := l.tx.Where(col+" IN ?", part).Find(&found).Error; err != nil {
				return err
			}
			for _, a := range found {
				if !seen[a.ID] {
					seen[a.ID] = true
					out = append(out, a)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l liteAccounts) locked(_ context.Context, ids []int64) ([]Account, error) {
	return byIDs[Account](l.tx, ids)
}

// byIDs reads the rows of T with the given ids, in chunks within SQLite's parameter limit.
func byIDs[T any](tx *gorm.DB, ids []int64) ([]T, error) {
	var out []T
	err := inChunks(ids, func(part []int64) error {
		var found []T
		err := tx.Where("id IN ?", part).Find(&found).Error
		out = append(out, found...)
		return err
	})
	return out, err
}

func (l liteAccounts) write(_ context.Context, n int, added func(int) *Account, changed []*Account) ([]int64, error) {
	ids := make([]int64, n)
	for i := range n {
		a := added(i)
		if err := l.tx.Create(a).Error; err != nil {
			return nil, err
		}
		ids[i] = a.ID
	}
	for _, a := range changed {
		if err := l.tx.Save(a).Error; err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// insertContactsCSV merges the file's contacts into SQLite (mergeContactsFile).
func (s *Store) insertContactsCSV(ctx context.Context, cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return mergeContactsFile(ctx, liteContacts{tx}, cr, dir, opts, res)
	})
}

type liteContacts struct{ tx *gorm.DB }

func (l liteContacts) matching(_ context.Context, names []contactRef) ([]Contact, error) {
	want := map[contactRef]bool{}
	var accounts []int64
	for _, n := range names {
		if !want[contactRef{account: n.account}] {
			want[contactRef{account: n.account}] = true
			accounts = append(accounts, n.account)
		}
		want[n] = true
	}
	var out []Contact
	err := inChunks(accounts, func(part []int64) error {
		var found []Contact
		if err := l.tx.Where("account_id IN ?", part).Find(&found).Error; err != nil {
			return err
		}
		for _, c := range found {
			if want[contactRef{c.AccountID, c.Name}] {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

func (l liteContacts) locked(_ context.Context, ids []int64) ([]Contact, error) {
	return byIDs[Contact](l.tx, ids)
}

func (l liteContacts) write(_ context.Context, n int, added func(int) *Contact, changed []*Contact) ([]int64, error) {
	for i := range n {
		if err := l.tx.Create(added(i)).Error; err != nil {
			return nil, err
		}
	}
	for _, c := range changed {
		if err := l.tx.Save(c).Error; err != nil {
			return nil, err
		}
	}
	return nil, nil
}
