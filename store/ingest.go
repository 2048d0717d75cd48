package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// NewSignal is a signal a watcher found, with what its text was found to mention.
type NewSignal struct {
	Signal Signal
	// Mentions are the accounts and pain points in the signal's text; SignalID is filled in.
	Mentions []SignalMention
}

// IngestSignals stores signals idempotently: a signal whose dedupe key is already stored is left
// as it was (ON CONFLICT (dedupe_key) DO NOTHING), so running a watcher twice stores nothing new.
// Each newly stored signal gets its mentions. It returns the signals stored, with their ids. One
// transaction.
func (s *Store) IngestSignals(ctx context.Context, in []NewSignal) ([]Signal, error) {
	var stored []Signal
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i := range in {
			sig := in[i].Signal
			if sig.DedupeKey == "" {
				return fmt.Errorf("signal %q has no dedupe key", sig.Title)
			}
			r := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(&sig)
			if r.Error != nil {
				return fmt.Errorf("signal %q: %w", sig.DedupeKey, r.Error)
			}
			if r.RowsAffected == 0 || sig.ID == 0 {
				continue // already stored
			}
			stored = append(stored, sig)
			if len(in[i].Mentions) == 0 {
				continue
			}
			ms := make([]SignalMention, 0, len(in[i].Mentions))
			seen := map[[2]any]bool{}
			for _, m := range in[i].Mentions {
				k := [2]any{m.Kind, m.RefID}
				if seen[k] {
					continue
				}
				seen[k] = true
				m.SignalID = sig.ID
				ms = append(ms, m)
			}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&ms).Error; err != nil {
				return fmt.Errorf("mentions of %q: %w", sig.DedupeKey, err)
			}
			if err := linkPains(tx, sig, ms); err != nil {
				return fmt.Errorf("pain links of %q: %w", sig.DedupeKey, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ingest signals: %w", err)
	}
	return stored, nil
}

// SignalMentions lists what a signal was found to mention.
func (s *Store) SignalMentions(ctx context.Context, signalID int64) ([]SignalMention, error) {
	q := s.db.WithContext(ctx).Where("signal_id = ?", signalID).Order("kind, ref_id")
	return findAll[SignalMention](q, "mentions of signal %d", signalID)
}

// PainPointIDs maps every pain point's key to its id.
func (s *Store) PainPointIDs(ctx context.Context) (map[string]int64, error) {
	rows, err := findAll[PainPoint](s.db.WithContext(ctx).Select("id, key"), "pain point ids")
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, p := range rows {
		out[p.Key] = p.ID
	}
	return out, nil
}

// linkPains records that the signal's account shows each pain point its text mentions, with the
// words that show it, so cards, /pain and pain: filters count what the signals show. The account
// is the signal's own, else the first its text names; an existing link keeps its evidence.
func linkPains(tx *gorm.DB, sig Signal, ms []SignalMention) error {
	var account int64
	if sig.AccountID != nil {
		account = *sig.AccountID
	}
	for _, m := range ms {
		if account == 0 && m.Kind == "account" {
			account = m.RefID
		}
	}
	if account == 0 {
		return nil
	}
	for _, m := range ms {
		if m.Kind != "pain" || m.RefID == 0 {
			continue
		}
		link := AccountPain{AccountID: account, PainPointID: m.RefID, Source: sig.Source,
			Evidence: fmt.Sprintf("%s “%s” says “%s”", SignalKindLabel(sig.Kind), sig.Title, m.Phrase)}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&link).Error; err != nil {
			return err
		}
	}
	return nil
}
