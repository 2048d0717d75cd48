package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// HomeView is the App Home last published to a user: the page they were on and a digest of what
// it showed, so the bot publishes again only when what the Home shows has changed.
type HomeView struct {
	UserID      string `gorm:"primaryKey"`
	Page        int
	Digest      string
	PublishedAt time.Time
}

// TableName maps HomeView to its table.
func (HomeView) TableName() string { return "home_views" }

// LastHome is the Home last published to a user; ok is false when none was.
func (s *Store) LastHome(ctx context.Context, userID string) (v HomeView, ok bool, err error) {
	var rows []HomeView
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Limit(1).Find(&rows).Error; err != nil {
		return HomeView{}, false, fmt.Errorf("last home of %s: %w", userID, err)
	}
	if len(rows) == 0 {
		return HomeView{}, false, nil
	}
	return rows[0], true, nil
}

// RecordHome records the Home just published to a user, replacing the one before.
func (s *Store) RecordHome(ctx context.Context, v HomeView) error {
	v.PublishedAt = v.PublishedAt.UTC()
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"page", "digest", "published_at"}),
	}).Create(&v).Error
	if err != nil {
		return fmt.Errorf("record home of %s: %w", v.UserID, err)
	}
	return nil
}
