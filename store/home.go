package store

import (
	"context"
	"fmt"
)

// AccountsOwnedBy lists the accounts a user owns, by name.
func (s *Store) AccountsOwnedBy(ctx context.Context, userID string) ([]Account, error) {
	q := s.db.WithContext(ctx).Where("owner_user_id = ?", userID).Order("name, id")
	return findAll[Account](q, "accounts of %s", userID)
}

// OwnersOf lists the distinct users who own any of the accounts, for publishing their App Homes
// again when those accounts change (new signals).
func (s *Store) OwnersOf(ctx context.Context, accountIDs []int64) ([]string, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	var out []string
	if err := s.db.WithContext(ctx).Model(&Account{}).Distinct("owner_user_id").
		Where("id IN ? AND owner_user_id <> ''", accountIDs).Order("owner_user_id").Pluck("owner_user_id", &out).Error; err != nil {
		return nil, fmt.Errorf("owners of %d accounts: %w", len(accountIDs), err)
	}
	return out, nil
}

// NewestSignalsOf returns up to perAccount of each account's newest signals (by when they
// happened, else when they were found), keyed by account id.
func (s *Store) NewestSignalsOf(ctx context.Context, accountIDs []int64, perAccount int) (map[int64][]Signal, error) {
	out := map[int64][]Signal{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	var rows []Signal
	err := s.db.WithContext(ctx).Raw(`SELECT * FROM (
  SELECT s.*, ROW_NUMBER() OVER (PARTITION BY account_id
    ORDER BY COALESCE(occurred_at, discovered_at) DESC, id DESC) AS rn
  FROM signals s WHERE account_id IN ?) ranked
WHERE rn <= ? ORDER BY account_id, rn`, accountIDs, perAccount).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("newest signals: %w", err)
	}
	for _, sg := range rows {
		if sg.AccountID != nil {
			out[*sg.AccountID] = append(out[*sg.AccountID], sg)
		}
	}
	return out, nil
}

// UnsentDraftsBy lists a user's drafts not marked sent, newest first (at most limit).
func (s *Store) UnsentDraftsBy(ctx context.Context, userID string, limit int) ([]OutreachDraft, error) {
	q := s.db.WithContext(ctx).Where("author = ? AND sent_at IS NULL", userID).
		Order("created_at DESC, id DESC").Limit(limit)
	return findAll[OutreachDraft](q, "unsent drafts of %s", userID)
}

// SubscriptionsBy lists the active digest subscriptions a user made, oldest first.
func (s *Store) SubscriptionsBy(ctx context.Context, userID string) ([]Subscription, error) {
	q := s.db.WithContext(ctx).Where("active AND created_by = ?", userID).Order("id")
	return findAll[Subscription](q, "subscriptions of %s", userID)
}

// Industries lists the distinct industries accounts have (for telling a filter that matches no
// account from one that matches some).
func (s *Store) Industries(ctx context.Context) ([]string, error) {
	var out []string
	if err := s.db.WithContext(ctx).Model(&Account{}).Distinct("industry").Where("industry <> ''").
		Order("industry").Pluck("industry", &out).Error; err != nil {
		return nil, fmt.Errorf("industries: %w", err)
	}
	return out, nil
}
