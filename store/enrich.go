package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"outreachbot/segment"
)

// enrich fills what the public record supports and the account does not state: industry from
// its name and description, country and region from its HQ or domain, engineering headcount
// from its description. Each value is recorded in Inferred with the evidence, so cards and
// /account find can say it was inferred. A stated value is never replaced.
func enrich(a *Account) {
	v := segment.Default()
	if a.Inferred == nil {
		a.Inferred = map[string]string{}
	}
	if a.Industry == "" {
		if inf, ok := v.InferIndustry(a.Name, a.AdoptionNotes); ok {
			a.Industry, a.Inferred["industry"] = inf.Value, inf.Evidence
		}
	}
	if a.Country == "" {
		if p, ev, ok := v.InferPlace(a.Domain, a.HQ); ok {
			a.Country, a.Inferred["country"] = p.Country, ev
			if a.Region == "" {
				a.Region, a.Inferred["region"] = p.Region, ev
			}
		}
	}
	if a.Engineers == 0 {
		if n, ev, ok := segment.InferEngineers(a.AdoptionNotes); ok {
			a.Engineers, a.Inferred["engineers"] = n, ev
		}
	}
}

// stated records that a field now holds a stated value: it is no longer inferred.
func stated(a *Account, field string) {
	delete(a.Inferred, field)
}

// enrichWritten runs enrich on the accounts a PostgreSQL COPY import just wrote, as the SQLite
// import does row by row: one query reads those that lack something enrichment could fill, and
// one UPDATE writes back those it changed. It runs in the import's transaction.
func enrichWritten(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id, name, domain, hq, adoption_notes, industry, country, region, engineers, inferred
		FROM accounts WHERE id = ANY($1) AND (industry = '' OR country = '' OR engineers = 0)`, ids)
	if err != nil {
		return fmt.Errorf("read imported accounts to enrich: %w", err)
	}
	var (
		upIDs                                []int64
		industries, countries, regions, infs []string
		engineers                            []int32
	)
	for rows.Next() {
		var (
			a        Account
			inferred string
		)
		if err := rows.Scan(&a.ID, &a.Name, &a.Domain, &a.HQ, &a.AdoptionNotes, &a.Industry, &a.Country, &a.Region, &a.Engineers, &inferred); err != nil {
			rows.Close()
			return fmt.Errorf("read imported accounts to enrich: %w", err)
		}
		if json.Unmarshal([]byte(inferred), &a.Inferred) != nil || a.Inferred == nil {
			a.Inferred = map[string]string{}
		}
		before := len(a.Inferred)
		enrich(&a)
		if len(a.Inferred) == before {
			continue
		}
		buf, err := json.Marshal(a.Inferred)
		if err != nil {
			rows.Close()
			return fmt.Errorf("encode inferred values: %w", err)
		}
		upIDs = append(upIDs, a.ID)
		industries, countries, regions = append(industries, a.Industry), append(countries, a.Country), append(regions, a.Region)
		engineers, infs = append(engineers, int32(a.Engineers)), append(infs, string(buf))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read imported accounts to enrich: %w", err)
	}
	if len(upIDs) == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `UPDATE accounts a SET industry = u.industry, country = u.country, region = u.region,
			engineers = u.engineers, inferred = u.inferred
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])
			AS u(id, industry, country, region, engineers, inferred)
		WHERE a.id = u.id`, upIDs, industries, countries, regions, engineers, infs)
	if err != nil {
		return fmt.Errorf("write inferred values: %w", err)
	}
	return nil
}
