package store

import (
	"context"
	"fmt"
)

// PainSummary is a pain point with how many accounts show it.
type PainSummary struct {
	PainPoint
	Accounts int
}

// PainCatalogue lists every pain point with its account count.
func (s *Store) PainCatalogue(ctx context.Context) ([]PainSummary, error) {
	db := s.db.WithContext(ctx)
	pains, err := findAll[PainPoint](db.Order("id"), "pain points")
	if err != nil {
		return nil, err
	}
	var counts []struct {
		PainPointID int64
		N           int
	}
	if err := db.Model(&AccountPain{}).Select("pain_point_id, COUNT(*) AS n").Group("pain_point_id").Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("pain point counts: %w", err)
	}
	byID := map[int64]int{}
	for _, c := range counts {
		byID[c.PainPointID] = c.N
	}
	out := make([]PainSummary, len(pains))
	for i, p := range pains {
		out[i] = PainSummary{PainPoint: p, Accounts: byID[p.ID]}
	}
	return out, nil
}

// PainDetail is a pain point with its numbers, evidence and the accounts showing it.
type PainDetail struct {
	PainPoint
	Numbers  []Fact
	Evidence []Fact
	Accounts []PainAccount
}

// PainAccount is an account that shows a pain point.
type PainAccount struct {
	ID       int64
	Name     string
	Stage    Stage
	Evidence string
	Source   string
}

// PainByKey fetches one pain point with everything its explanation shows.
func (s *Store) PainByKey(ctx context.Context, key string) (*PainDetail, error) {
	db := s.db.WithContext(ctx)
	p, err := take[PainPoint](db.Where("key = ?", key), "pain point %q", key)
	if err != nil {
		return nil, err
	}
	d := &PainDetail{PainPoint: *p}
	facts, err := findAll[Fact](db.Where("subject_id = ? AND subject_type IN ?", d.ID, []string{FactPainNumber, FactPainEvidence}).
		Order("position, id"), "pain point %q facts", key)
	if err != nil {
		return nil, err
	}
	for _, f := range facts {
		if f.SubjectType == FactPainNumber {
			d.Numbers = append(d.Numbers, f)
		} else {
			d.Evidence = append(d.Evidence, f)
		}
	}
	if err := db.Table("account_pains ap").Select("a.id, a.name, a.stage, ap.evidence, ap.source").
		Joins("JOIN accounts a ON a.id = ap.account_id").Where("ap.pain_point_id = ?", d.ID).
		Order("a.name").Scan(&d.Accounts).Error; err != nil {
		return nil, fmt.Errorf("pain point %q accounts: %w", key, err)
	}
	return d, nil
}

// Facts lists the facts about one subject, in their file order.
func (s *Store) Facts(ctx context.Context, subjectType string, subjectID int64) ([]Fact, error) {
	q := s.db.WithContext(ctx).Where("subject_type = ? AND subject_id = ?", subjectType, subjectID).
		Order("position, id")
	return findAll[Fact](q, "facts of %s %d", subjectType, subjectID)
}

// DecisionRoles lists the decision-maker titles by rank.
func (s *Store) DecisionRoles(ctx context.Context) ([]DecisionRole, error) {
	q := s.db.WithContext(ctx).Order("rank, title")
	return findAll[DecisionRole](q, "decision roles")
}
