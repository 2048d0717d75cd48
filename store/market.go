package store

import (
	"context"
	"fmt"
)

// CompetitorWithFacts is a competitor and what the report says of it.
type CompetitorWithFacts struct {
	Competitor
	Facts []Fact
	// TalkingPoints answer this competitor in particular.
	TalkingPoints []Fact
	Accounts      []string // accounts where it is in play (for a managed Backstage: its clients)
}

// Alternatives is what the report says of all commercial alternatives at once, and the talking
// points that answer any of them.
type Alternatives struct {
	Facts, TalkingPoints []Fact
}

// CommercialAlternatives reads what the report says of the commercial alternatives as a group.
func (s *Store) CommercialAlternatives(ctx context.Context) (Alternatives, error) {
	var a Alternatives
	var err error
	if a.Facts, err = s.Facts(ctx, FactAlternatives, 0); err != nil {
		return a, err
	}
	a.TalkingPoints, err = s.Facts(ctx, FactAlternativesTalk, 0)
	return a, err
}

// Competitors lists every competitor with its facts and the accounts where it is in play.
func (s *Store) Competitors(ctx context.Context) ([]CompetitorWithFacts, error) {
	return s.competitors(ctx, 0)
}

// ProductsOf lists the competing products an organization sells (Port's Port, Spotify's Spotify
// Portal), with their facts and the accounts where they are in play; none for a prospect.
func (s *Store) ProductsOf(ctx context.Context, accountID int64) ([]CompetitorWithFacts, error) {
	return s.competitors(ctx, accountID)
}

// competitors reads every competitor, or only those sold by the account vendorID.
func (s *Store) competitors(ctx context.Context, vendorID int64) ([]CompetitorWithFacts, error) {
	db := s.db.WithContext(ctx)
	q := db.Order("kind, name")
	if vendorID != 0 {
		q = q.Where("account_id = ?", vendorID)
	}
	comps, err := findAll[Competitor](q, "competitors")
	if err != nil || len(comps) == 0 {
		return nil, err
	}
	ids := make([]int64, len(comps))
	for i, c := range comps {
		ids[i] = c.ID
	}
	facts, err := findAll[Fact](db.Where("subject_type IN ? AND subject_id IN ?", []string{FactCompetitor, FactCompetitorTalk}, ids).
		Order("subject_id, position, id"), "competitor facts")
	if err != nil {
		return nil, err
	}
	var links []struct {
		CompetitorID int64
		Name         string
	}
	if err := db.Table("account_competitors ac").Select("ac.competitor_id, a.name").
		Joins("JOIN accounts a ON a.id = ac.account_id").Where("ac.competitor_id IN ?", ids).
		Order("a.name").Scan(&links).Error; err != nil {
		return nil, fmt.Errorf("competitor accounts: %w", err)
	}
	out := make([]CompetitorWithFacts, len(comps))
	idx := map[int64]int{}
	for i, c := range comps {
		out[i] = CompetitorWithFacts{Competitor: c}
		idx[c.ID] = i
	}
	for _, f := range facts {
		i, ok := idx[f.SubjectID]
		switch {
		case !ok:
		case f.SubjectType == FactCompetitorTalk:
			out[i].TalkingPoints = append(out[i].TalkingPoints, f)
		default:
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
	q := s.db.WithContext(ctx).Order("year DESC, name")
	return findAll[Event](q, "events")
}

// Communities lists the professional networks.
func (s *Store) Communities(ctx context.Context) ([]Community, error) {
	q := s.db.WithContext(ctx).Order("id")
	return findAll[Community](q, "communities")
}

// GuidanceOf lists outreach channels or positioning rules.
func (s *Store) GuidanceOf(ctx context.Context, kind string) ([]Guidance, error) {
	q := s.db.WithContext(ctx).Where("kind = ?", kind).Order("key")
	return findAll[Guidance](q, "guidance %s", kind)
}
