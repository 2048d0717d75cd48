package store

import "gorm.io/gorm"

// ZZCandidates is temporary.
func (s *Store) ZZCandidates(tx *gorm.DB, sub *Subscription) ([]SignalDetail, error) {
	return s.candidates(tx, sub, sub.Cursor)
}
