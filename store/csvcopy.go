package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// This file is the PostgreSQL side of ImportCSV, all in one transaction. Accounts and contacts
// are merged in Go (csvbatch.go) against the stored records the file names, read with one query;
// new ones are written with one COPY into the table and changed ones with one UPDATE from a
// COPY-filled temporary table, so a re-import reads and writes nothing per row. Signals go in
// batches: one query finds the batch's signals already stored, one COPY writes the others.

// pgTx runs f in one transaction on one pgx connection (COPY needs pgx itself).
//
// The transaction runs without JIT (compiling a merge statement cost about half a second,
// whatever the file's size) and with enough work_mem that hashes and sorts stay in memory.
func (s *Store) pgTx(ctx context.Context, f func(pgx.Tx) error) error {
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
			return f(tx)
		})
	})
}

// --- accounts ---------------------------------------------------------------

// copyAccountsCSV merges the file's accounts (mergeAccountsFile): the stored accounts each batch
// of rows names are read with one query, new accounts are written with one COPY and changed ones
// with one UPDATE.
func (s *Store) copyAccountsCSV(ctx context.Context, cr *csvReader, opts CSVOptions, res *CSVImport) ([]int64, error) {
	var ids []int64
	err := s.pgTx(ctx, func(tx pgx.Tx) error {
		var err error
		ids, err = mergeAccountsFile(ctx, pgAccounts{tx}, cr, opts, res)
		return err
	})
	return ids, err
}

// pgAccountColumns are the accounts columns an import reads and writes (created_at and
// updated_at are the database's).
var pgAccountColumns = []string{"id", "key", "name", "aliases", "domain", "industry", "employees", "region", "hq", "stage",
	"adoption_notes", "role", "role_source", "stage_source", "stage_evidence", "country", "engineers", "inferred", "owner_user_id", "source"}

var pgAccountList = strings.Join(pgAccountColumns, ", ")

type pgAccounts struct{ tx pgx.Tx }

func (p pgAccounts) matching(ctx context.Context, names []accountRef) ([]Account, error) {
	keys, domains := []string{}, []string{}
	for _, n := range names {
		if n.domain {
			domains = append(domains, n.v)
		} else {
			keys = append(keys, n.v)
		}
	}
	// Each name is looked up in its unique index: LATERAL … LIMIT 1 keeps the planner from
	// hashing the whole table for every batch (and "= ANY($1)" from estimating the list element
	// by element). An account named by both its key and its domain comes twice; the merge keeps one.
	return p.read(ctx, "SELECT "+pgAccountList+" FROM unnest($1::text[]) k, LATERAL (SELECT * FROM accounts a WHERE a.key = k LIMIT 1) a"+
		" UNION ALL SELECT "+pgAccountList+" FROM unnest($2::text[]) d, LATERAL (SELECT * FROM accounts a WHERE a.domain = d AND a.domain <> '' LIMIT 1) a",
		keys, domains)
}

func (p pgAccounts) locked(ctx context.Context, ids []int64) ([]Account, error) {
	return p.read(ctx, "SELECT "+pgAccountList+" FROM accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE", ids)
}

// read runs query, which selects pgAccountList.
func (p pgAccounts) read(ctx context.Context, query string, args ...any) ([]Account, error) {
	return readRows(ctx, p.tx, "read stored accounts", query, args, func(rows pgx.Rows) (Account, error) {
		var (
			a                              Account
			aliases, inferred, stage, role string
		)
		if err := rows.Scan(&a.ID, &a.Key, &a.Name, &aliases, &a.Domain, &a.Industry, &a.Employees, &a.Region, &a.HQ, &stage,
			&a.AdoptionNotes, &role, &a.RoleSource, &a.StageSource, &a.StageEvidence, &a.Country, &a.Engineers, &inferred,
			&a.OwnerUserID, &a.Source); err != nil {
			return a, err
		}
		a.Stage, a.Role = Stage(stage), Role(role)
		if decodeJSON(aliases, &a.Aliases) != nil {
			a.Aliases = nil
		}
		if decodeJSON(inferred, &a.Inferred) != nil {
			a.Inferred = nil
		}
		return a, nil
	})
}

// readRows runs query in tx and makes a T of each row with scan; what names the read in errors.
func readRows[T any](ctx context.Context, tx pgx.Tx, what, query string, args []any, scan func(pgx.Rows) (T, error)) ([]T, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func (p pgAccounts) write(ctx context.Context, n int, added func(int) *Account, changed []*Account) ([]int64, error) {
	var ids []int64
	if n > 0 {
		var seq string
		if err := p.tx.QueryRow(ctx, "SELECT pg_get_serial_sequence('accounts', 'id')").Scan(&seq); err != nil {
			return nil, fmt.Errorf("number new accounts: %w", err)
		}
		// The sequence is named once: inside nextval(), pg_get_serial_sequence ran for every row.
		rows, err := p.tx.Query(ctx, "SELECT nextval($1::text::regclass) FROM generate_series(1, $2)", seq, n)
		if err != nil {
			return nil, fmt.Errorf("number new accounts: %w", err)
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return nil, fmt.Errorf("number new accounts: %w", err)
		}
		if _, err := p.tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, pgAccountColumns, copyMade(n, func(i int) ([]any, error) {
			a := added(i)
			a.ID = ids[i]
			return accountValues(a)
		})); err != nil {
			return nil, fmt.Errorf("insert new accounts: %w", err)
		}
	}
	return ids, copyUpdate(ctx, p.tx, "accounts", pgAccountColumns, copyRows(changed, accountValues), len(changed), ", updated_at = now()")
}

func accountValues(a *Account) ([]any, error) {
	aliases, err := json.Marshal(nonNil(a.Aliases))
	if err != nil {
		return nil, err
	}
	inferred := []byte("{}")
	if len(a.Inferred) > 0 {
		if inferred, err = json.Marshal(a.Inferred); err != nil {
			return nil, err
		}
	}
	return []any{a.ID, a.Key, a.Name, string(aliases), a.Domain, a.Industry, a.Employees, a.Region, a.HQ, string(a.Stage),
		a.AdoptionNotes, string(a.Role), a.RoleSource, a.StageSource, a.StageEvidence, a.Country, a.Engineers, string(inferred),
		a.OwnerUserID, a.Source}, nil
}

// copyRows feeds COPY from recs, each converted by values.
func copyRows[T any](recs []*T, values func(*T) ([]any, error)) pgx.CopyFromSource {
	return pgx.CopyFromSlice(len(recs), func(i int) ([]any, error) { return values(recs[i]) })
}

// copyMade feeds COPY n rows, the i-th made by row(i) when COPY asks for it: in the goroutine
// that fills COPY's buffers, so making rows overlaps the server storing the ones before.
func copyMade(n int, row func(i int) ([]any, error)) pgx.CopyFromSource {
	i := 0
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		return row(i - 1)
	})
}

// copyUpdate writes n rows over the stored rows of table with the same id (the first column):
// COPY into a temporary table of the same shape, then one UPDATE of every other column (and
// what extra sets).
func copyUpdate(ctx context.Context, tx pgx.Tx, table string, cols []string, src pgx.CopyFromSource, n int, extra string) error {
	if n == 0 {
		return nil
	}
	tmp := "csv_" + table + "_changed"
	if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE %s ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA",
		tmp, strings.Join(cols, ", "), table)); err != nil {
		return fmt.Errorf("stage changed %s: %w", table, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, cols, src); err != nil {
		return fmt.Errorf("stage changed %s: %w", table, err)
	}
	set := make([]string, 0, len(cols))
	for _, c := range cols[1:] {
		set = append(set, c+" = u."+c)
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf("UPDATE %s t SET %s%s FROM %s u WHERE t.id = u.id; DROP TABLE %s",
		table, strings.Join(set, ", "), extra, tmp, tmp)); err != nil {
		return fmt.Errorf("update changed %s: %w", table, err)
	}
	return nil
}

// decodeJSON decodes a JSON column into v, which an empty list or object leaves as it is
// (most rows' lists are empty, and the decoder costs more than the rest of the row).
func decodeJSON(raw string, v any) error {
	if raw == "[]" || raw == "{}" || raw == "" {
		return nil
	}
	return json.Unmarshal([]byte(raw), v)
}

// --- contacts ---------------------------------------------------------------

// copyContactsCSV merges the file's contacts (mergeContactsFile): the stored contacts each batch
// of rows names are read with one query, new contacts are written with one COPY and changed
// ones with one UPDATE.
func (s *Store) copyContactsCSV(ctx context.Context, cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
	return s.pgTx(ctx, func(tx pgx.Tx) error { return mergeContactsFile(ctx, pgContacts{tx}, cr, dir, opts, res) })
}

var pgContactColumns = []string{"id", "account_id", "name", "title", "decision_rank", "handles", "spoke_at", "email",
	"do_not_contact", "dnc_reason", "notes", "source"}

var pgContactList = "c." + strings.Join(pgContactColumns, ", c.")

type pgContacts struct{ tx pgx.Tx }

func (p pgContacts) matching(ctx context.Context, names []contactRef) ([]Contact, error) {
	accounts, people := make([]int64, len(names)), make([]string, len(names))
	for i, n := range names {
		accounts[i], people[i] = n.account, n.name
	}
	// One lookup in the (account_id, name) index per name, as for accounts.
	return p.read(ctx, "SELECT "+pgContactList+" FROM unnest($1::bigint[], $2::text[]) k(account, name),"+
		" LATERAL (SELECT * FROM contacts c WHERE c.account_id = k.account AND c.name = k.name LIMIT 1) c", accounts, people)
}

func (p pgContacts) locked(ctx context.Context, ids []int64) ([]Contact, error) {
	return p.read(ctx, "SELECT "+pgContactList+" FROM contacts c WHERE id = ANY($1) ORDER BY id FOR UPDATE", ids)
}

// read runs query, which selects pgContactList.
func (p pgContacts) read(ctx context.Context, query string, args ...any) ([]Contact, error) {
	return readRows(ctx, p.tx, "read stored contacts", query, args, func(rows pgx.Rows) (Contact, error) {
		var (
			c                Contact
			handles, spokeAt string
		)
		if err := rows.Scan(&c.ID, &c.AccountID, &c.Name, &c.Title, &c.DecisionRank, &handles, &spokeAt, &c.Email,
			&c.DoNotContact, &c.DNCReason, &c.Notes, &c.Source); err != nil {
			return c, err
		}
		if decodeJSON(handles, &c.Handles) != nil {
			c.Handles = nil
		}
		if decodeJSON(spokeAt, &c.SpokeAt) != nil {
			c.SpokeAt = nil
		}
		return c, nil
	})
}

func (p pgContacts) write(ctx context.Context, n int, added func(int) *Contact, changed []*Contact) ([]int64, error) {
	if n > 0 {
		if _, err := p.tx.CopyFrom(ctx, pgx.Identifier{"contacts"}, pgContactColumns[1:], copyMade(n, func(i int) ([]any, error) {
			v, err := contactValues(added(i))
			return v[1:], err
		})); err != nil {
			return nil, fmt.Errorf("insert new contacts: %w", err)
		}
	}
	return nil, copyUpdate(ctx, p.tx, "contacts", pgContactColumns, copyRows(changed, contactValues), len(changed), "")
}

func contactValues(c *Contact) ([]any, error) {
	handles, err := json.Marshal(nonNil(c.Handles))
	if err != nil {
		return nil, err
	}
	spokeAt, err := json.Marshal(nonNil(c.SpokeAt))
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.AccountID, c.Name, c.Title, c.DecisionRank, string(handles), string(spokeAt), c.Email,
		c.DoNotContact, c.DNCReason, c.Notes, c.Source}, nil
}

// --- signals ----------------------------------------------------------------

var signalCopyColumns = []string{"account_id", "kind", "title", "summary", "url", "person", "occurred_at", "discovered_at", "source", "dedupe_key", "txid"}

// signalBatch is how many rows of a signals file are checked and written at a time.
const signalBatch = 8192

// copySignalsCSV writes the file's signals batch by batch: one query finds which of the
// batch's dedupe keys are stored already (by an earlier file, or an earlier batch of this one),
// and one COPY writes the others straight into signals. A signal already stored, or twice in
// the file, is kept once (the first). Another goroutine reads and checks the file meanwhile, so
// reading and writing overlap; nothing is staged, and a re-import only reads.
func (s *Store) copySignalsCSV(ctx context.Context, cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
	parse := func(row csvRow) (Signal, *CSVRowError) { return signalFromRow(row, dir, opts) }
	return s.pgTx(ctx, func(tx pgx.Tx) error {
		// txid's default, the same for every row of the transaction, is read once instead of
		// evaluated (and converted through text) for every row.
		var txid int64
		if err := tx.QueryRow(ctx, "SELECT pg_current_xact_id()::text::bigint").Scan(&txid); err != nil {
			return fmt.Errorf("read the import's transaction id: %w", err)
		}
		return readBatches(ctx, cr, parse, signalBatch, func(batch []Signal) error {
			n, err := copyNewSignals(ctx, tx, batch, txid)
			res.Imported += n
			res.Unchanged += len(batch) - n
			return err
		})
	})
}

// copyNewSignals writes the signals of batch whose dedupe key is neither stored nor earlier in
// the batch, stamped with the transaction's id, and returns how many.
func copyNewSignals(ctx context.Context, tx pgx.Tx, batch []Signal, txid int64) (int, error) {
	keys := make([]string, 0, len(batch))
	seen := make(map[string]bool, len(batch))
	for _, sig := range batch {
		if !seen[sig.DedupeKey] {
			seen[sig.DedupeKey] = true
			keys = append(keys, sig.DedupeKey)
		}
	}
	rows, err := tx.Query(ctx, "SELECT s.dedupe_key FROM unnest($1::text[]) k,"+
		" LATERAL (SELECT dedupe_key FROM signals s WHERE s.dedupe_key = k LIMIT 1) s", keys)
	if err != nil {
		return 0, fmt.Errorf("find stored signals: %w", err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("find stored signals: %w", err)
	}
	for _, k := range stored {
		seen[k] = false
	}
	fresh := make([]*Signal, 0, len(batch))
	for i := range batch {
		if k := batch[i].DedupeKey; seen[k] {
			seen[k] = false // the first of the file's rows with this key is the one kept
			fresh = append(fresh, &batch[i])
		}
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"signals"}, signalCopyColumns, copyRows(fresh, func(sig *Signal) ([]any, error) {
		return signalValues(sig, txid)
	}))
	if err != nil && isUniqueViolation(err) {
		return 0, fmt.Errorf("another writer stored one of the file's signals while it was imported; nothing was imported, import the file again: %w", err)
	}
	if err != nil {
		return 0, fmt.Errorf("insert new signals: %w", err)
	}
	return len(fresh), nil
}

func signalValues(sig *Signal, txid int64) ([]any, error) {
	var occurred, account any
	if sig.OccurredAt != nil {
		occurred = *sig.OccurredAt
	}
	if sig.AccountID != nil {
		account = *sig.AccountID
	}
	return []any{account, sig.Kind, sig.Title, sig.Summary, sig.URL, sig.Person, occurred, sig.DiscoveredAt, sig.Source, sig.DedupeKey, txid}, nil
}
