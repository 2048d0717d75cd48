package store

import (
	"context"
	"fmt"
)

// RecordBuildFailure counts one more run of a subscription that failed to build. At the
// pauseAfter-th failure in a row the subscription is paused (made inactive, with the reason
// kept) and paused is true: exactly one caller, on any replica, sees that, so its creator is
// told once.
func (s *Store) RecordBuildFailure(ctx context.Context, id int64, reason string, pauseAfter int) (paused bool, err error) {
	db := s.db.WithContext(ctx)
	if err := db.Exec("UPDATE digest_subscriptions SET build_failures = build_failures + 1 WHERE id = ?", id).Error; err != nil {
		return false, fmt.Errorf("record failure of subscription %d: %w", id, err)
	}
	res := db.Exec("UPDATE digest_subscriptions SET active = ?, paused_reason = ? WHERE id = ? AND active AND build_failures >= ?",
		false, reason, id, pauseAfter)
	if res.Error != nil {
		return false, fmt.Errorf("pause subscription %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RecordBuildSuccess resets a subscription's count of failures in a row.
func (s *Store) RecordBuildSuccess(ctx context.Context, id int64) error {
	if err := s.db.WithContext(ctx).Exec("UPDATE digest_subscriptions SET build_failures = 0 WHERE id = ? AND build_failures > 0", id).Error; err != nil {
		return fmt.Errorf("record success of subscription %d: %w", id, err)
	}
	return nil
}
