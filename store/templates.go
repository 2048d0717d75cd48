package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// OutreachTemplate is one saved version of a team template. The highest version of a name is the
// live one; older versions stay for the record.
type OutreachTemplate struct {
	ID          int64
	Name        string
	Version     int
	Source      string // the whole file: front matter and body
	Channel     string
	Description string
	Author      string // Slack user id
	CreatedAt   time.Time
}

// TableName maps OutreachTemplate to its table.
func (OutreachTemplate) TableName() string { return "outreach_templates" }

// ErrVersionConflict is returned when a template was saved by someone else since the version an
// edit started from.
var ErrVersionConflict = errors.New("the template was changed meanwhile")

// SaveTemplate stores t as the next version of its name. baseVersion is the version the author
// started from (0 for a new name); when another version was saved since, nothing is stored and
// ErrVersionConflict is returned. On success t.ID and t.Version are set.
func (s *Store) SaveTemplate(ctx context.Context, t *OutreachTemplate, baseVersion int, at time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var latest int
		if err := tx.Model(&OutreachTemplate{}).Where("name = ?", t.Name).
			Select("COALESCE(MAX(version), 0)").Scan(&latest).Error; err != nil {
			return err
		}
		if latest != baseVersion {
			return ErrVersionConflict
		}
		t.ID, t.Version, t.CreatedAt = 0, latest+1, at.UTC()
		return tx.Create(t).Error
	})
	if err != nil && !errors.Is(err, ErrVersionConflict) && isUniqueViolation(err) {
		// Two saves from the same version raced: the unique (name, version) key let one win.
		err = ErrVersionConflict
	}
	if err != nil {
		return fmt.Errorf("save template %s: %w", t.Name, err)
	}
	return nil
}

// isUniqueViolation recognises a unique-key conflict on either engine.
func isUniqueViolation(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "UNIQUE constraint failed")
}

// LatestTemplates lists the live version of every team template, by name.
func (s *Store) LatestTemplates(ctx context.Context) ([]OutreachTemplate, error) {
	q := s.db.WithContext(ctx).Table("outreach_templates t").Select("t.*").
		Where("t.version = (SELECT MAX(v.version) FROM outreach_templates v WHERE v.name = t.name)").
		Order("t.name")
	return findAll[OutreachTemplate](q, "team templates")
}

// TemplateVersions lists every saved version of a template, newest first.
func (s *Store) TemplateVersions(ctx context.Context, name string) ([]OutreachTemplate, error) {
	q := s.db.WithContext(ctx).Where("name = ?", name).Order("version DESC")
	return findAll[OutreachTemplate](q, "template %s versions", name)
}
