package store

import (
	"context"
	"fmt"
)

// CompetitorWithFacts is a competitor and what the report says of it.
type CompetitorWithFacts struct {
	Competitor
	Facts    []Fact
	Accounts []string // accounts where it is in play
}

// Competitors lists every competitor with its facts and the accounts where it is in play.
func (s *Store) Competitors(ctx context.Context) ([]CompetitorWithFacts, error) {
	db := s.db.WithContext(ctx)
	var comps []Competitor
	if err := db.Order("kind, name").Find(&comps).Error; err != nil {
		return nil, fmt.Errorf("competitors: %w", err)
	}
	var facts []Fact
	if err := db.Where("subject_type = ?", FactCompetitor).Order("subject_id, position, id").Find(&facts).Error; err != nil {
		return nil, fmt.Errorf("competitor facts: %w", err)
	}
	var links []struct {
		CompetitorID int64
		Name         string
	}
	if err := db.Table("account_competitors ac").Select("ac.competitor_id, a.name").
		Joins("JOIN accounts a ON a.id = ac.account_id").Order("a.name").Scan(&links).Error; err != nil {
		return nil, fmt.Errorf("competitor accounts: %w", err)
	}
	out := make([]CompetitorWithFacts, len(comps))
	idx := map[int64]int{}
	for i, c := range comps {
		out[i] = CompetitorWithFacts{Competitor: c}
		idx[c.ID] = i
	}
	for _, f := range facts {
		if i, ok := idx[f.SubjectID]; ok {
			out[i].Facts = append(out[i].Facts, f)
		}
	}
	for _, l := range links {
		if i, ok := idx[l.CompetitorID]; ok {
			out[i].Accounts = append(out[i].Accounts, l.Name)
		}
	}
	return out, nil
}

// Events lists the conferences.
func (s *Store) Events(ctx context.Context) ([]Event, error) {
	var out []Event
	if err := s.db.WithContext(ctx).Order("year DESC, name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return out, nil
}

// Communities lists the professional networks.
func (s *Store) Communities(ctx context.Context) ([]Community, error) {
	var out []Community
	if err := s.db.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("communities: %w", err)
	}
	return out, nil
}

// GuidanceOf lists outreach channels or positioning rules.
func (s *Store) GuidanceOf(ctx context.Context, kind string) ([]Guidance, error) {
	var out []Guidance
	if err := s.db.WithContext(ctx).Where("kind = ?", kind).Order("key").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("guidance %s: %w", kind, err)
	}
	return out, nil
}
