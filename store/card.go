package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// cardSQL is the whole card of one account as one PostgreSQL statement returning one JSON
// document: the account's row and each part built next to it (keys are the Go field names the
// parts decode into). Under load a card used to cost seven statements on seven pooled
// connections; as one it costs one connection and one round trip, and every part is read in the
// same snapshot. As one JSON value it is also read without gorm's per-column reflection.
//
// TestAccountCard_oneQueryMatchesParts keeps it in step with cardByParts, and
// TestAccountCard_readsEveryColumn with the accounts table.
const cardSQL = `SELECT json_build_object(
	'Account', json_build_object('ID', a.id, 'Key', a.key, 'Name', a.name, 'Aliases', NULLIF(a.aliases, '')::json,
		'Domain', a.domain, 'Industry', a.industry, 'Employees', a.employees, 'Region', a.region, 'HQ', a.hq,
		'Stage', a.stage, 'AdoptionNotes', a.adoption_notes, 'Role', a.role, 'RoleSource', a.role_source,
		'StageSource', a.stage_source, 'StageEvidence', a.stage_evidence, 'Country', a.country,
		'Engineers', a.engineers, 'Inferred', NULLIF(a.inferred, '')::json, 'OwnerUserID', a.owner_user_id,
		'Source', a.source, 'CreatedAt', a.created_at, 'UpdatedAt', a.updated_at),
	'Facts', (SELECT json_agg(json_build_object('ID', f.id, 'SubjectType', f.subject_type, 'SubjectID', f.subject_id, 'Text', f.text,
			'Figure', f.figure, 'Source', f.source, 'Position', f.position) ORDER BY f.position, f.id)
		FROM facts f WHERE f.subject_type = 'account' AND f.subject_id = a.id),
	'Pains', (SELECT json_agg(json_build_object('Key', p.key, 'Title', p.title, 'Evidence', ap.evidence, 'Source', ap.source) ORDER BY p.key)
		FROM account_pains ap JOIN pain_points p ON p.id = ap.pain_point_id WHERE ap.account_id = a.id),
	'Contacts', (SELECT json_agg(json_build_object('ID', c.id, 'AccountID', c.account_id, 'Name', c.name, 'Title', c.title,
			'DecisionRank', c.decision_rank, 'Handles', NULLIF(c.handles, '')::json, 'SpokeAt', NULLIF(c.spoke_at, '')::json,
			'Email', c.email, 'DoNotContact', c.do_not_contact, 'DNCReason', c.dnc_reason, 'Notes', c.notes, 'Source', c.source)
			ORDER BY c.decision_rank, c.name)
		FROM contacts c WHERE c.account_id = a.id),
	'Signals', (SELECT json_agg(json_build_object('ID', s.id, 'AccountID', s.account_id, 'Kind', s.kind, 'Title', s.title, 'Summary', s.summary,
			'URL', s.url, 'Person', s.person, 'OccurredAt', s.occurred_at, 'DiscoveredAt', s.discovered_at, 'Source', s.source,
			'DedupeKey', s.dedupe_key, 'Baseline', s.baseline) ORDER BY s.occurred_at DESC NULLS LAST, s.id DESC)
		FROM (SELECT * FROM signals WHERE account_id = a.id ORDER BY occurred_at DESC NULLS LAST, id DESC LIMIT $2) s),
	'SignalCount', (SELECT count(*) FROM signals WHERE account_id = a.id),
	'Competitors', (SELECT json_agg(json_build_object('ID', c.id, 'AccountID', c.account_id, 'Name', c.name, 'Kind', c.kind,
			'Aliases', NULLIF(c.aliases, '')::json, 'Domain', c.domain, 'Summary', c.summary, 'Source', c.source) ORDER BY c.name)
		FROM competitors c JOIN account_competitors ac ON ac.competitor_id = c.id WHERE ac.account_id = a.id),
	'LastTouch', (SELECT json_build_object('DraftID', d.id, 'ContactID', d.contact_id, 'ContactName', d.contact_name, 'Template', d.template,
			'Channel', d.channel, 'Status', d.status, 'By', d.sent_by, 'At', d.sent_at)
		FROM outreach_drafts d WHERE d.account_id = a.id AND d.sent_at IS NOT NULL ORDER BY d.sent_at DESC, d.id DESC LIMIT 1))
FROM accounts a WHERE a.id = $1`

func (s *Store) cardInOneQuery(ctx context.Context, id int64) (*Card, error) {
	var doc []byte
	err := s.SQL().QueryRowContext(ctx, cardSQL, id, cardSignals).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("account %d card: %w", id, err)
	}
	c := &Card{}
	if err := json.Unmarshal(doc, c); err != nil {
		return nil, fmt.Errorf("account %d card: %w", id, err)
	}
	// Times come as RFC 3339 in the session's time zone; the rest of the store hands out local
	// times (as the driver does), and a card's dates are rendered from them.
	c.Account.CreatedAt, c.Account.UpdatedAt = c.Account.CreatedAt.Local(), c.Account.UpdatedAt.Local()
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
