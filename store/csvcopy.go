package store

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// This file is the PostgreSQL side of ImportCSV: valid rows stream through COPY into a
// temporary staging table, and a handful of set-based statements merge the staged rows into the
// real tables, all in one transaction. No statement runs per row, so the time grows with the
// file's size and not with its square, and a re-import finds every row unchanged and writes
// nothing (no row updated, no trigger fired).

// copyStaged runs stage (COPY into a temporary table it creates) and then merge, in one
// transaction on one pgx connection.
//
// The transaction runs without JIT (compiling the merge statements cost about half a second each,
// whatever the file's size) and with enough work_mem that the merges' hashes and sorts stay in
// memory. analyze, when not empty, is run after the COPY (the statistics a merge's plan needs).
func (s *Store) copyStaged(ctx context.Context, create, table string, cols []string, src pgx.CopyFromSource, analyze string, merge func(pgx.Tx) error) error {
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("COPY needs the pgx driver, have %T", dc)
		}
		return pgx.BeginFunc(ctx, sc.Conn(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"); err != nil {
				return fmt.Errorf("tune the import's transaction: %w", err)
			}
			if _, err := tx.Exec(ctx, create); err != nil {
				return fmt.Errorf("staging table: %w", err)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src); err != nil {
				if err := src.Err(); err != nil {
					return err
				}
				return fmt.Errorf("COPY: %w", err)
			}
			if err := src.Err(); err != nil {
				return err
			}
			if analyze != "" {
				if _, err := tx.Exec(ctx, analyze); err != nil {
					return fmt.Errorf("analyze staging table: %w", err)
				}
			}
			return merge(tx)
		})
	})
}

// rowSource feeds COPY from the CSV reader: each valid row converted by values, the others
// reported.
type rowSource[T any] struct {
	ctx    context.Context
	cr     *csvReader
	parse  func(csvRow) (T, *CSVRowError)
	values func(line int, v T) []any
	vals   []any
	err    error
}

func (c *rowSource[T]) Next() bool {
	for {
		row, err := c.cr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				c.err = err
			}
			return false
		}
		v, rerr := c.parse(row)
		if rerr != nil {
			c.cr.reject(*rerr)
			continue
		}
		if c.cr.res.Rows%1024 == 0 {
			if err := c.ctx.Err(); err != nil {
				c.err = err
				return false
			}
		}
		c.vals = c.values(row.line, v)
		return true
	}
}

func (c *rowSource[T]) Values() ([]any, error) { return c.vals, nil }
func (c *rowSource[T]) Err() error             { return c.err }

// --- accounts ---------------------------------------------------------------

var accountCopyColumns = []string{"line", "grp", "key", "name", "aliases", "domain", "industry", "employees", "region", "hq", "stage", "adoption_notes", "owner_user_id", "source", "role"}

// copyAccountsCSV merges the file's accounts set-wise:
//
//  1. each row names the stored account with its domain, else the one with its name key; a row
//     whose domain is one stored account's and name another's is refused (column domain);
//  2. rows that share a name key or a domain are one account (transitively), named by the first
//     row; it is the stored account of its first row that names one, else a new one; a later
//     row of the group that names a different stored account is refused (column name); groups
//     that reach the same stored account are one;
//  3. each account's fields are the last non-empty value in the file; names that are not the
//     account's own and every alias join its aliases (no duplicates, case ignored);
//  4. stored accounts are updated only where something differs, new ones inserted.
//
// insertAccountsCSV follows the same rules on SQLite.
func (s *Store) copyAccountsCSV(ctx context.Context, cr *csvReader, opts CSVOptions, res *CSVImport) ([]int64, error) {
	src := &rowSource[Account]{ctx: ctx, cr: cr,
		parse: func(row csvRow) (Account, *CSVRowError) { return accountFromRow(row, opts) },
		values: func(line int, a Account) []any {
			// The row's own aliases without repeats (case ignored), as the merge's fast paths expect.
			return []any{line, line, a.Key, a.Name, appendUnique([]string{}, a.Aliases...), a.Domain, a.Industry, a.Employees, a.Region, a.HQ, string(a.Stage),
				a.AdoptionNotes, a.OwnerUserID, a.Source, string(a.Role)}
		}}
	var ids []int64
	err := s.copyStaged(ctx, `CREATE TEMP TABLE csv_accounts_in (
			line INT, grp INT, key TEXT, name TEXT, aliases TEXT[], domain TEXT, industry TEXT, employees INT,
			region TEXT, hq TEXT, stage TEXT, adoption_notes TEXT, owner_user_id TEXT, source TEXT, role TEXT
		) ON COMMIT DROP`, "csv_accounts_in", accountCopyColumns, src, "", func(tx pgx.Tx) error {
		refused, err := resolveAccountRows(ctx, tx)
		if err != nil {
			return err
		}
		for _, r := range refused {
			cr.reject(r)
		}
		if ids, err = mergeAccountGroups(ctx, tx, res); err != nil {
			return err
		}
		return enrichWritten(ctx, tx, ids)
	})
	return ids, err
}

// groupRows gives the rows not refused that share any of the columns (empty values excepted)
// one grp, the smallest of their lines, following chains until nothing changes.
func groupRows(ctx context.Context, tx pgx.Tx, table string, cols ...string) error {
	for pass := 0; ; pass++ {
		changed := int64(0)
		for _, col := range cols {
			tag, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %[1]s s SET grp = g.grp
				FROM (SELECT %[2]s, min(grp) AS grp FROM %[1]s WHERE %[2]s <> '' AND NOT refused
				      GROUP BY %[2]s HAVING min(grp) <> max(grp)) g
				WHERE s.%[2]s = g.%[2]s AND s.grp > g.grp AND NOT s.refused`, table, col))
			if err != nil {
				return fmt.Errorf("group staged rows by %s: %w", col, err)
			}
			changed += tag.RowsAffected()
		}
		if changed == 0 {
			return nil
		}
		if pass > 64 {
			return fmt.Errorf("group staged rows: no fixed point after %d passes", pass)
		}
	}
}

// resolveAccountRows matches rows and groups to stored accounts (rules 1 and 2 of
// copyAccountsCSV) and returns the refused rows.
func resolveAccountRows(ctx context.Context, tx pgx.Tx) ([]CSVRowError, error) {
	exec := func(what, sql string) error {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	// The rows are matched while they are copied into the table the merge works on, with one
	// write per row: updating the staged rows in place instead (once for the domain, once for
	// the name, once for the target) wrote each row three more times and left the table four
	// times its size for every later scan. A refused row's target is never read.
	if err := exec("match stored accounts", `CREATE TEMP TABLE csv_accounts ON COMMIT DROP AS
		SELECT r.*, d.id AS by_domain, k.id AS by_key, COALESCE(d.id, k.id) AS target, false AS refused
		FROM csv_accounts_in r
		LEFT JOIN accounts d ON r.domain <> '' AND d.domain = r.domain
		LEFT JOIN accounts k ON k.key = r.key`); err != nil {
		return nil, err
	}
	if err := exec("analyze matched rows", `ANALYZE csv_accounts (grp, key, domain, target)`); err != nil {
		return nil, err
	}
	var out []CSVRowError
	err := scanRefused(ctx, tx, &out, `UPDATE csv_accounts s SET refused = true FROM accounts d, accounts k
		WHERE d.id = s.by_domain AND k.id = s.by_key AND s.by_domain <> s.by_key
		RETURNING s.line, 'domain', s.domain || ' belongs to ' || d.name || ', but the name ' || s.name || ' is that of ' || k.name`)
	if err != nil {
		return nil, err
	}
	if err := groupRows(ctx, tx, "csv_accounts", "key", "domain"); err != nil {
		return nil, err
	}
	err = scanRefused(ctx, tx, &out, `UPDATE csv_accounts s SET refused = true FROM (
			SELECT DISTINCT ON (grp) grp, target, line FROM csv_accounts WHERE target IS NOT NULL AND NOT refused ORDER BY grp, line
		) t, accounts mine, accounts theirs
		WHERE s.grp = t.grp AND s.target <> t.target AND NOT s.refused AND mine.id = s.target AND theirs.id = t.target
		RETURNING s.line, 'name', 'names ' || mine.name || ', but shares a name or domain with row ' || t.line || ', which names ' || theirs.name`)
	if err != nil {
		return nil, err
	}
	for _, st := range []struct{ what, sql string }{
		{"group targets", `UPDATE csv_accounts s SET target = t.target FROM (
				SELECT DISTINCT ON (grp) grp, target FROM csv_accounts WHERE target IS NOT NULL AND NOT refused ORDER BY grp, line
			) t WHERE s.grp = t.grp AND NOT s.refused AND s.target IS NULL`},
		{"join groups", `UPDATE csv_accounts s SET grp = g.grp FROM (
				SELECT target, min(grp) AS grp FROM csv_accounts WHERE target IS NOT NULL AND NOT refused
				GROUP BY target HAVING min(grp) <> max(grp)
			) g WHERE s.target = g.target AND s.grp > g.grp AND NOT s.refused`},
	} {
		if err := exec(st.what, st.sql); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanRefused runs a statement returning (line, column, reason) rows and appends them.
func scanRefused(ctx context.Context, tx pgx.Tx, out *[]CSVRowError, sql string) error {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return fmt.Errorf("refuse rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e CSVRowError
		if err := rows.Scan(&e.Row, &e.Column, &e.Reason); err != nil {
			return err
		}
		*out = append(*out, e)
	}
	return rows.Err()
}

// accountMergeSQL computes each group's merged account as temp table csv_account_merge: the
// last non-empty value of each field, and the aliases (the stored ones first, then the file's in
// order, without duplicates whatever their case). Nearly every group is one row, which is taken
// as it is; only groups of several rows go through ordered aggregates. Every step is a join or a
// GROUP BY over the staged rows, none a per-group scan. A single row's aliases (deduplicated by
// the reader) are taken as they are for a new account, and a stored account that already has
// them all keeps its own; only the other rows merge the two lists element by element.
const accountMergeSQL = `CREATE TEMP TABLE csv_account_merge ON COMMIT DROP AS
WITH sizes AS (
	SELECT grp, count(*) AS n FROM csv_accounts WHERE NOT refused GROUP BY grp
), single AS (
	SELECT s.grp, s.target, 1::bigint AS n, s.name, s.key, NULLIF(s.domain, '') AS domain, NULLIF(s.industry, '') AS industry,
		NULLIF(s.employees, 0) AS employees, NULLIF(s.region, '') AS region, NULLIF(s.hq, '') AS hq,
		CASE WHEN s.stage NOT IN ('', 'none') THEN s.stage END AS stage, NULLIF(s.adoption_notes, '') AS adoption_notes,
		NULLIF(s.owner_user_id, '') AS owner_user_id, NULLIF(s.source, '') AS source, NULLIF(s.role, '') AS role, s.aliases AS row_aliases
	FROM csv_accounts s JOIN sizes z ON z.grp = s.grp AND z.n = 1 WHERE NOT s.refused
), multi AS (
	SELECT grp, max(target) AS target, count(*) AS n,
		(array_agg(name ORDER BY line))[1] AS name,
		(array_agg(key ORDER BY line))[1] AS key,
		(array_agg(domain ORDER BY line DESC) FILTER (WHERE domain <> ''))[1] AS domain,
		(array_agg(industry ORDER BY line DESC) FILTER (WHERE industry <> ''))[1] AS industry,
		(array_agg(employees ORDER BY line DESC) FILTER (WHERE employees > 0))[1] AS employees,
		(array_agg(region ORDER BY line DESC) FILTER (WHERE region <> ''))[1] AS region,
		(array_agg(hq ORDER BY line DESC) FILTER (WHERE hq <> ''))[1] AS hq,
		(array_agg(stage ORDER BY line DESC) FILTER (WHERE stage NOT IN ('', 'none')))[1] AS stage,
		(array_agg(adoption_notes ORDER BY line DESC) FILTER (WHERE adoption_notes <> ''))[1] AS adoption_notes,
		(array_agg(owner_user_id ORDER BY line DESC) FILTER (WHERE owner_user_id <> ''))[1] AS owner_user_id,
		(array_agg(source ORDER BY line DESC) FILTER (WHERE source <> ''))[1] AS source,
		(array_agg(role ORDER BY line DESC) FILTER (WHERE role <> ''))[1] AS role,
		NULL::text[] AS row_aliases
	FROM csv_accounts WHERE NOT refused AND grp IN (SELECT grp FROM sizes WHERE n > 1) GROUP BY grp
), named AS (
	SELECT g.*, COALESCE(a.key, g.key) AS own_key,
		CASE WHEN jsonb_typeof(a.aliases::jsonb) = 'array' THEN a.aliases::jsonb ELSE '[]'::jsonb END AS old_aliases
	FROM (SELECT * FROM single UNION ALL SELECT * FROM multi) g LEFT JOIN accounts a ON a.id = g.target
), each_alias AS (
	SELECT n.grp, e.v, e.o FROM named n, jsonb_array_elements_text(n.old_aliases) WITH ORDINALITY e(v, o) WHERE n.n > 1
	UNION ALL
	SELECT s.grp, u.v, 1000000 + s.line::bigint * 1000 + u.o FROM csv_accounts s JOIN named n ON n.grp = s.grp AND n.n > 1,
		unnest(CASE WHEN s.key <> n.own_key THEN ARRAY[s.name] ELSE '{}' END || s.aliases) WITH ORDINALITY u(v, o)
	WHERE NOT s.refused
), first_alias AS (
	SELECT DISTINCT ON (grp, lower(v)) grp, v, o FROM each_alias WHERE v <> '' ORDER BY grp, lower(v), o
), multi_aliases AS (
	SELECT grp, jsonb_agg(v ORDER BY o) AS aliases FROM first_alias GROUP BY grp
)
SELECT n.*, CASE
	WHEN n.n = 1 AND n.key = n.own_key AND cardinality(n.row_aliases) = 0 THEN n.old_aliases
	WHEN n.n = 1 AND n.target IS NULL THEN to_jsonb(n.row_aliases)
	WHEN n.n = 1 AND n.key = n.own_key AND lower(n.old_aliases::text)::jsonb @> to_jsonb(lower(n.row_aliases::text)::text[]) THEN n.old_aliases
	WHEN n.n = 1 THEN n.old_aliases || COALESCE((
		SELECT jsonb_agg(v ORDER BY o) FROM (
			SELECT DISTINCT ON (lower(v)) v, o
			FROM unnest(CASE WHEN n.key <> n.own_key THEN ARRAY[n.name] ELSE '{}' END || n.row_aliases) WITH ORDINALITY u(v, o)
			WHERE v <> '' AND lower(v) NOT IN (SELECT lower(x) FROM jsonb_array_elements_text(n.old_aliases) x)
			ORDER BY lower(v), o
		) d), '[]'::jsonb)
	ELSE COALESCE(ma.aliases, '[]'::jsonb) END AS aliases
FROM named n LEFT JOIN multi_aliases ma ON ma.grp = n.grp`

// mergeAccountGroups writes the merged groups: updates where a stored account differs, inserts
// for new ones. It returns the ids written and counts the rows.
func mergeAccountGroups(ctx context.Context, tx pgx.Tx, res *CSVImport) ([]int64, error) {
	if _, err := tx.Exec(ctx, accountMergeSQL); err != nil {
		return nil, fmt.Errorf("merge staged accounts: %w", err)
	}
	var ids []int64
	var rowsWritten int64
	collect := func(what, sql string) error {
		rows, err := tx.Query(ctx, sql)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, n int64
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			ids = append(ids, id)
			rowsWritten += n
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	err := collect("update stored accounts", `UPDATE accounts a SET
			domain = COALESCE(m.domain, a.domain), industry = COALESCE(m.industry, a.industry),
			employees = COALESCE(m.employees, a.employees), region = COALESCE(m.region, a.region), hq = COALESCE(m.hq, a.hq),
			stage = COALESCE(m.stage, a.stage), adoption_notes = COALESCE(m.adoption_notes, a.adoption_notes),
			owner_user_id = COALESCE(m.owner_user_id, a.owner_user_id), source = COALESCE(m.source, a.source),
			inferred = CASE WHEN jsonb_typeof(a.inferred::jsonb) = 'object'
				THEN ((((a.inferred::jsonb - CASE WHEN m.industry IS NULL THEN '' ELSE 'industry' END)
					- CASE WHEN m.region IS NULL THEN '' ELSE 'region' END)
					- CASE WHEN m.hq IS NULL THEN '' ELSE 'hq' END)
					- CASE WHEN m.employees IS NULL THEN '' ELSE 'employees' END)::text ELSE '{}' END,
			role = COALESCE(m.role, a.role), role_source = CASE WHEN m.role IS NULL THEN a.role_source ELSE 'csv' END,
			stage_source = CASE WHEN m.stage IS NULL THEN a.stage_source ELSE 'csv' END,
			stage_evidence = CASE WHEN m.stage IS NULL THEN a.stage_evidence ELSE 'the stage column of an imported CSV file' END,
			aliases = m.aliases::text, updated_at = now()
		FROM csv_account_merge m
		WHERE a.id = m.target AND (
			a.domain, a.industry, a.employees, a.region, a.hq, a.stage, a.adoption_notes, a.owner_user_id, a.source, a.role
		) IS DISTINCT FROM (
			COALESCE(m.domain, a.domain), COALESCE(m.industry, a.industry), COALESCE(m.employees, a.employees),
			COALESCE(m.region, a.region), COALESCE(m.hq, a.hq), COALESCE(m.stage, a.stage),
			COALESCE(m.adoption_notes, a.adoption_notes), COALESCE(m.owner_user_id, a.owner_user_id), COALESCE(m.source, a.source),
			COALESCE(m.role, a.role)
		) OR a.id = m.target AND m.aliases IS DISTINCT FROM (CASE WHEN jsonb_typeof(a.aliases::jsonb) = 'array' THEN a.aliases::jsonb ELSE '[]'::jsonb END)
		RETURNING a.id, m.n`)
	if err != nil {
		return nil, err
	}
	err = collect("insert new accounts", `WITH ins AS (
			INSERT INTO accounts (key, name, aliases, domain, industry, employees, region, hq, stage, adoption_notes, owner_user_id, source,
				role, role_source, stage_source, stage_evidence)
			SELECT key, name, aliases::text, COALESCE(domain, ''), COALESCE(industry, ''), COALESCE(employees, 0), COALESCE(region, ''),
				COALESCE(hq, ''), COALESCE(stage, 'none'), COALESCE(adoption_notes, ''), COALESCE(owner_user_id, ''), COALESCE(source, ''),
				COALESCE(role, 'prospect'), CASE WHEN role IS NULL THEN '' ELSE 'csv' END,
				CASE WHEN stage IS NULL THEN '' ELSE 'csv' END,
				CASE WHEN stage IS NULL THEN '' ELSE 'the stage column of an imported CSV file' END
			FROM csv_account_merge WHERE target IS NULL ORDER BY grp
			RETURNING id, key)
		SELECT ins.id, m.n FROM ins JOIN csv_account_merge m ON m.key = ins.key AND m.target IS NULL`)
	if err != nil {
		return nil, err
	}
	var total int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(sum(n), 0) FROM csv_account_merge`).Scan(&total); err != nil {
		return nil, fmt.Errorf("count merged rows: %w", err)
	}
	res.Imported = int(rowsWritten)
	res.Unchanged = int(total - rowsWritten)
	return ids, nil
}

// --- contacts ---------------------------------------------------------------

var contactCopyColumns = []string{"line", "account_id", "name", "title", "email", "handles", "decision_rank", "do_not_contact", "dnc_reason", "notes", "source"}

// copyContactsCSV merges the file's contacts set-wise: rows for the same account and name are
// one contact (the last non-empty value of each field wins, handles add up, a do-not-contact
// flag once set stays set), which is inserted when new and updated only where it differs.
func (s *Store) copyContactsCSV(ctx context.Context, cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
	src := &rowSource[Contact]{ctx: ctx, cr: cr,
		parse: func(row csvRow) (Contact, *CSVRowError) { return contactFromRow(row, dir, opts) },
		values: func(line int, c Contact) []any {
			return []any{line, c.AccountID, c.Name, c.Title, c.Email, nonNil(c.Handles), c.DecisionRank, c.DoNotContact, c.DNCReason, c.Notes, c.Source}
		}}
	return s.copyStaged(ctx, `CREATE TEMP TABLE csv_contacts (
			line INT, account_id BIGINT, name TEXT, title TEXT, email TEXT, handles TEXT[], decision_rank INT,
			do_not_contact BOOLEAN, dnc_reason TEXT, notes TEXT, source TEXT
		) ON COMMIT DROP`, "csv_contacts", contactCopyColumns, src, "ANALYZE csv_contacts (account_id, name)", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, contactMergeSQL); err != nil {
			return fmt.Errorf("merge staged contacts: %w", err)
		}
		var written, total int64
		if err := tx.QueryRow(ctx, `WITH up AS (
				UPDATE contacts c SET title = COALESCE(m.title, c.title), email = COALESCE(m.email, c.email),
					notes = COALESCE(m.notes, c.notes), dnc_reason = COALESCE(m.dnc_reason, c.dnc_reason),
					source = COALESCE(m.source, c.source), decision_rank = COALESCE(m.decision_rank, c.decision_rank),
					do_not_contact = c.do_not_contact OR m.do_not_contact, handles = m.handles::text
				FROM csv_contact_merge m
				WHERE m.id = c.id AND (
					(c.title, c.email, c.notes, c.dnc_reason, c.source, c.decision_rank, c.do_not_contact) IS DISTINCT FROM
					(COALESCE(m.title, c.title), COALESCE(m.email, c.email), COALESCE(m.notes, c.notes), COALESCE(m.dnc_reason, c.dnc_reason),
					 COALESCE(m.source, c.source), COALESCE(m.decision_rank, c.decision_rank), c.do_not_contact OR m.do_not_contact)
					OR m.handles IS DISTINCT FROM m.old_handles)
				RETURNING m.n
			), ins AS (
				INSERT INTO contacts (account_id, name, title, email, handles, spoke_at, decision_rank, do_not_contact, dnc_reason, notes, source)
				SELECT account_id, name, COALESCE(title, ''), COALESCE(email, ''), handles::text, '[]', COALESCE(decision_rank, 99),
					do_not_contact, COALESCE(dnc_reason, ''), COALESCE(notes, ''), COALESCE(source, '')
				FROM csv_contact_merge WHERE id IS NULL
				RETURNING 1
			)
			SELECT (SELECT COALESCE(sum(n), 0) FROM up) + (SELECT COALESCE(sum(n), 0) FROM csv_contact_merge WHERE id IS NULL),
				(SELECT COALESCE(sum(n), 0) FROM csv_contact_merge)`).Scan(&written, &total); err != nil {
			return fmt.Errorf("write merged contacts: %w", err)
		}
		res.Imported, res.Unchanged = int(written), int(total-written)
		return nil
	})
}

// contactMergeSQL computes one merged contact per account and name, with the stored one's id
// and handles when there is one, as temp table csv_contact_merge. As for accounts, single rows
// are taken as they are and only contacts named on several rows are aggregated.
const contactMergeSQL = `CREATE TEMP TABLE csv_contact_merge ON COMMIT DROP AS
WITH sizes AS (
	SELECT account_id, name, count(*) AS n FROM csv_contacts GROUP BY account_id, name
), single AS (
	SELECT s.account_id, s.name, 1::bigint AS n, NULLIF(s.title, '') AS title, NULLIF(s.email, '') AS email,
		NULLIF(s.notes, '') AS notes, NULLIF(s.dnc_reason, '') AS dnc_reason, NULLIF(s.source, '') AS source,
		NULLIF(s.decision_rank, 99) AS decision_rank, s.do_not_contact, s.handles AS row_handles
	FROM csv_contacts s JOIN sizes z ON z.account_id = s.account_id AND z.name = s.name AND z.n = 1
), multi AS (
	SELECT s.account_id, s.name, count(*) AS n,
		(array_agg(title ORDER BY line DESC) FILTER (WHERE title <> ''))[1] AS title,
		(array_agg(email ORDER BY line DESC) FILTER (WHERE email <> ''))[1] AS email,
		(array_agg(notes ORDER BY line DESC) FILTER (WHERE notes <> ''))[1] AS notes,
		(array_agg(dnc_reason ORDER BY line DESC) FILTER (WHERE dnc_reason <> ''))[1] AS dnc_reason,
		(array_agg(source ORDER BY line DESC) FILTER (WHERE source <> ''))[1] AS source,
		(array_agg(decision_rank ORDER BY line DESC) FILTER (WHERE decision_rank <> 99))[1] AS decision_rank,
		bool_or(do_not_contact) AS do_not_contact, NULL::text[] AS row_handles
	FROM csv_contacts s JOIN sizes z ON z.account_id = s.account_id AND z.name = s.name AND z.n > 1
	GROUP BY s.account_id, s.name
), cur AS (
	SELECT g.*, c.id, CASE WHEN jsonb_typeof(c.handles::jsonb) = 'array' THEN c.handles::jsonb ELSE '[]'::jsonb END AS old_handles
	FROM (SELECT * FROM single UNION ALL SELECT * FROM multi) g LEFT JOIN contacts c ON c.account_id = g.account_id AND c.name = g.name
), each_handle AS (
	SELECT cur.account_id, cur.name, e.v, e.o FROM cur, jsonb_array_elements_text(cur.old_handles) WITH ORDINALITY e(v, o) WHERE cur.n > 1
	UNION ALL
	SELECT s.account_id, s.name, u.v, 1000000 + s.line::bigint * 1000 + u.o
	FROM csv_contacts s JOIN sizes z ON z.account_id = s.account_id AND z.name = s.name AND z.n > 1, unnest(s.handles) WITH ORDINALITY u(v, o)
), first_handle AS (
	SELECT DISTINCT ON (account_id, name, lower(v)) account_id, name, v, o FROM each_handle WHERE v <> ''
	ORDER BY account_id, name, lower(v), o
), multi_handles AS (
	SELECT account_id, name, jsonb_agg(v ORDER BY o) AS handles FROM first_handle GROUP BY account_id, name
)
SELECT cur.*, CASE
	WHEN cur.n = 1 AND cardinality(cur.row_handles) = 0 THEN cur.old_handles
	WHEN cur.n = 1 THEN cur.old_handles || COALESCE((
		SELECT jsonb_agg(v ORDER BY o) FROM (
			SELECT DISTINCT ON (lower(v)) v, o FROM unnest(cur.row_handles) WITH ORDINALITY u(v, o)
			WHERE v <> '' AND lower(v) NOT IN (SELECT lower(x) FROM jsonb_array_elements_text(cur.old_handles) x)
			ORDER BY lower(v), o
		) d), '[]'::jsonb)
	ELSE COALESCE(h.handles, '[]'::jsonb) END AS handles
FROM cur LEFT JOIN multi_handles h ON h.account_id = cur.account_id AND h.name = cur.name`

// --- signals ----------------------------------------------------------------

var signalCopyColumns = []string{"account_id", "kind", "title", "summary", "url", "person", "occurred_at", "discovered_at", "source", "dedupe_key"}

// copySignalsCSV stages the file's signals and merges them with one INSERT … ON CONFLICT
// (dedupe_key) DO NOTHING: a signal already stored (or twice in the file) is kept once.
func (s *Store) copySignalsCSV(ctx context.Context, cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
	staged := 0
	src := &rowSource[Signal]{ctx: ctx, cr: cr,
		parse: func(row csvRow) (Signal, *CSVRowError) { return signalFromRow(row, dir, opts) },
		values: func(_ int, sig Signal) []any {
			staged++
			var occurred, account any
			if sig.OccurredAt != nil {
				occurred = *sig.OccurredAt
			}
			if sig.AccountID != nil {
				account = *sig.AccountID
			}
			return []any{account, sig.Kind, sig.Title, sig.Summary, sig.URL, sig.Person, occurred, sig.DiscoveredAt, sig.Source, sig.DedupeKey}
		}}
	return s.copyStaged(ctx, `CREATE TEMP TABLE csv_signals (
			account_id BIGINT, kind TEXT, title TEXT, summary TEXT, url TEXT, person TEXT,
			occurred_at TIMESTAMPTZ, discovered_at TIMESTAMPTZ, source TEXT, dedupe_key TEXT
		) ON COMMIT DROP`, "csv_signals", signalCopyColumns, src, "", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO signals (account_id, kind, title, summary, url, person, occurred_at, discovered_at, source, dedupe_key)
			SELECT account_id, kind, title, summary, url, person, occurred_at, discovered_at, source, dedupe_key FROM csv_signals
			ON CONFLICT (dedupe_key) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("merge staged signals: %w", err)
		}
		res.Imported = int(tag.RowsAffected())
		res.Unchanged = staged - res.Imported
		return nil
	})
}
