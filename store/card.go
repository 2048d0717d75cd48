package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// cardSQL is the whole card of one account as one PostgreSQL statement: the account's row, and
// each part as a JSON array built next to it (keys are the Go field names the parts decode
// into). Under load a card used to cost seven statements on seven pooled connections; as one it
// costs one connection and one round trip, and every part is read in the same snapshot.
//
// TestAccountCard_oneQueryMatchesParts keeps it in step with cardByParts.
const cardSQL = `SELECT a.*,
	(SELECT json_agg(json_build_object('ID', f.id, 'SubjectType', f.subject_type, 'SubjectID', f.subject_id, 'Text', f.text,
			'Figure', f.figure, 'Source', f.source, 'Position', f.position) ORDER BY f.position, f.id)
		FROM facts f WHERE f.subject_type = 'account' AND f.subject_id = a.id) AS card_facts,
	(SELECT json_agg(json_build_object('Key', p.key, 'Title', p.title, 'Evidence', ap.evidence, 'Source', ap.source) ORDER BY p.key)
		FROM account_pains ap JOIN pain_points p ON p.id = ap.pain_point_id WHERE ap.account_id = a.id) AS card_pains,
	(SELECT json_agg(json_build_object('ID', c.id, 'AccountID', c.account_id, 'Name', c.name, 'Title', c.title,
			'DecisionRank', c.decision_rank, 'Handles', NULLIF(c.handles, '')::json, 'SpokeAt', NULLIF(c.spoke_at, '')::json,
			'Email', c.email, 'DoNotContact', c.do_not_contact, 'DNCReason', c.dnc_reason, 'Notes', c.notes, 'Source', c.source)
			ORDER BY c.decision_rank, c.name)
		FROM contacts c WHERE c.account_id = a.id) AS card_contacts,
	(SELECT json_agg(json_build_object('ID', s.id, 'AccountID', s.account_id, 'Kind', s.kind, 'Title', s.title, 'Summary', s.summary,
			'URL', s.url, 'Person', s.person, 'OccurredAt', s.occurred_at, 'DiscoveredAt', s.discovered_at, 'Source', s.source,
			'DedupeKey', s.dedupe_key, 'Baseline', s.baseline) ORDER BY s.occurred_at DESC NULLS LAST, s.id DESC)
		FROM (SELECT * FROM signals WHERE account_id = a.id ORDER BY occurred_at DESC NULLS LAST, id DESC LIMIT @latest) s) AS card_signals,
	(SELECT count(*) FROM signals WHERE account_id = a.id) AS card_signal_count,
	(SELECT json_agg(json_build_object('ID', c.id, 'AccountID', c.account_id, 'Name', c.name, 'Kind', c.kind,
			'Aliases', NULLIF(c.aliases, '')::json, 'Domain', c.domain, 'Summary', c.summary, 'Source', c.source) ORDER BY c.name)
		FROM competitors c JOIN account_competitors ac ON ac.competitor_id = c.id WHERE ac.account_id = a.id) AS card_competitors,
	(SELECT json_build_object('DraftID', d.id, 'ContactID', d.contact_id, 'ContactName', d.contact_name, 'Template', d.template,
			'Channel', d.channel, 'Status', d.status, 'By', d.sent_by, 'At', d.sent_at)
		FROM outreach_drafts d WHERE d.account_id = a.id AND d.sent_at IS NOT NULL ORDER BY d.sent_at DESC, d.id DESC LIMIT 1) AS card_last_touch
FROM accounts a WHERE a.id = @id`

// cardRow is what cardSQL returns.
type cardRow struct {
	Account         `gorm:"embedded"`
	CardFacts       []byte
	CardPains       []byte
	CardContacts    []byte
	CardSignals     []byte
	CardSignalCount int64
	CardCompetitors []byte
	CardLastTouch   []byte
}

func (s *Store) cardInOneQuery(ctx context.Context, id int64) (*Card, error) {
	var rows []cardRow
	if err := s.db.WithContext(ctx).Raw(cardSQL, map[string]any{"id": id, "latest": cardSignals}).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("account %d card: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("account %d: %w", id, ErrNotFound)
	}
	r := rows[0]
	c := &Card{Account: r.Account, SignalCount: r.CardSignalCount}
	err := errors.Join(
		decodePart("facts", r.CardFacts, &c.Facts),
		decodePart("pains", r.CardPains, &c.Pains),
		decodePart("contacts", r.CardContacts, &c.Contacts),
		decodePart("signals", r.CardSignals, &c.Signals),
		decodePart("competitors", r.CardCompetitors, &c.Competitors),
		decodePart("last touch", r.CardLastTouch, &c.LastTouch),
	)
	if err != nil {
		return nil, fmt.Errorf("account %d card: %w", id, err)
	}
	// Times come as RFC 3339 in the session's time zone; the rest of the store hands out local
	// times (as the driver does), and a card's dates are rendered from them.
	for i := range c.Signals {
		sg := &c.Signals[i]
		sg.DiscoveredAt = sg.DiscoveredAt.Local()
		if sg.OccurredAt != nil {
			t := sg.OccurredAt.Local()
			sg.OccurredAt = &t
		}
	}
	if c.LastTouch != nil {
		c.LastTouch.At = c.LastTouch.At.Local()
	}
	return c, nil
}

// decodePart decodes one JSON part of a card; SQL NULL (no rows) leaves dst as it is.
func decodePart(what string, raw []byte, dst any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
