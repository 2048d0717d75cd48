package store

import (
	"context"
	"fmt"
	"time"
)

// ClaimDelivery records that the envelope identified by key is being acted on. It returns true
// the first time a key is claimed and false for every later claim, by any replica.
func (s *Store) ClaimDelivery(ctx context.Context, key string) (bool, error) {
	res := s.db.WithContext(ctx).Exec("INSERT INTO deliveries (key) VALUES (?) ON CONFLICT (key) DO NOTHING", key)
	if res.Error != nil {
		return false, fmt.Errorf("claim delivery: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// PruneDeliveries forgets claims older than the given age (Slack redelivers within minutes).
func (s *Store) PruneDeliveries(ctx context.Context, olderThan time.Duration) (int64, error) {
	res := s.db.WithContext(ctx).Exec("DELETE FROM deliveries WHERE seen_at < ?", time.Now().Add(-olderThan).UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("prune deliveries: %w", res.Error)
	}
	return res.RowsAffected, nil
}
