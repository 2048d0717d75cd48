package store

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"outreachbot/identity"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CSV kinds: what a CSV file holds.
const (
	CSVAccounts = "accounts"
	CSVContacts = "contacts"
	CSVSignals  = "signals"
)

// CSVKinds lists the kinds ImportCSV and ExportCSV take.
var CSVKinds = []string{CSVAccounts, CSVContacts, CSVSignals}

// CSVRowError says why one row of a CSV file was not imported. Row is the file's line number
// (the header is line 1; a quoted field spanning lines counts its first line).
type CSVRowError struct {
	Row    int
	Column string
	Reason string
}

func (e CSVRowError) String() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
	}
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Reason)
}

// CSVImport says what an import did.
type CSVImport struct {
	Kind string
	// Rows counts the data rows read; Imported those written (new or merged), Unchanged those
	// already stored as they were (a signal's dedupe key), Rejected those with errors.
	Rows, Imported, Unchanged, Rejected int
	// Errors lists the rejected rows' problems, at most MaxErrors of them.
	Errors []CSVRowError
	// Columns maps each header the file used to the field it fills; Ignored lists the others.
	Columns map[string]string
	Ignored []string
	// Bulk is true when the rows went through PostgreSQL COPY.
	Bulk bool
}

// CSVOptions tunes an import.
type CSVOptions struct {
	// Now stamps signals' discovered_at (default time.Now).
	Now time.Time
	// Source is recorded on rows whose file has no source column (default "csv").
	Source string
	// MaxErrors caps the errors kept in the report (default 1000); every rejected row is counted.
	MaxErrors int
}

// ErrCSVHeader is returned (wrapped) when a file's header lacks a required column; nothing is
// written.
var ErrCSVHeader = errors.New("CSV header")

// csvField is one field a kind's file may fill, with the header names that map to it.
type csvField struct {
	name     string
	headers  []string
	required bool
}

var csvFields = map[string][]csvField{
	CSVAccounts: {
		{name: "name", headers: []string{"name", "account", "accountname", "company", "companyname", "organization", "organisation", "org"}, required: true},
		{name: "domain", headers: []string{"domain", "website", "url", "site", "web", "homepage"}},
		{name: "aliases", headers: []string{"aliases", "alias", "aka", "othernames"}},
		{name: "industry", headers: []string{"industry", "sector", "vertical"}},
		{name: "employees", headers: []string{"employees", "employeecount", "headcount", "size", "companysize"}},
		{name: "region", headers: []string{"region", "geo"}},
		{name: "hq", headers: []string{"hq", "headquarters", "location", "city"}},
		{name: "stage", headers: []string{"stage", "backstagestage", "status"}},
		{name: "adoption_notes", headers: []string{"adoptionnotes", "notes", "description"}},
		{name: "owner_user_id", headers: []string{"owneruserid", "owner", "ownerslackid"}},
		{name: "source", headers: []string{"source"}},
	},
	CSVContacts: {
		{name: "account", headers: []string{"account", "accountname", "company", "companyname", "organization", "organisation", "org"}},
		{name: "account_domain", headers: []string{"accountdomain", "companydomain", "domain", "website"}},
		{name: "name", headers: []string{"name", "fullname", "contact", "contactname", "person"}, required: true},
		{name: "title", headers: []string{"title", "jobtitle", "role", "position"}},
		{name: "email", headers: []string{"email", "emailaddress", "mail"}},
		{name: "handles", headers: []string{"handles", "handle", "profiles", "links"}},
		{name: "github", headers: []string{"github", "githubhandle", "githubusername"}},
		{name: "linkedin", headers: []string{"linkedin", "linkedinurl", "linkedinprofile"}},
		{name: "decision_rank", headers: []string{"decisionrank", "rank"}},
		{name: "do_not_contact", headers: []string{"donotcontact", "dnc", "optout", "optedout"}},
		{name: "dnc_reason", headers: []string{"dncreason", "donotcontactreason", "optoutreason"}},
		{name: "notes", headers: []string{"notes", "note", "comments"}},
		{name: "source", headers: []string{"source"}},
	},
	CSVSignals: {
		{name: "account", headers: []string{"account", "accountname", "company", "companyname", "organization", "organisation", "org"}},
		{name: "account_domain", headers: []string{"accountdomain", "companydomain", "domain"}},
		{name: "kind", headers: []string{"kind", "type", "signaltype"}, required: true},
		{name: "title", headers: []string{"title", "headline", "subject"}, required: true},
		{name: "summary", headers: []string{"summary", "description", "body", "text"}},
		{name: "url", headers: []string{"url", "link"}},
		{name: "person", headers: []string{"person", "author", "who"}},
		{name: "occurred_at", headers: []string{"occurredat", "occurred", "date", "publishedat", "published", "time", "when"}},
		{name: "source", headers: []string{"source"}},
		{name: "dedupe_key", headers: []string{"dedupekey", "key", "externalid"}},
	},
}

// csvHeaders is the header ExportCSV writes, which ImportCSV reads back.
var csvHeaders = map[string][]string{
	CSVAccounts: {"name", "domain", "aliases", "industry", "employees", "region", "hq", "stage", "adoption_notes", "owner_user_id", "source"},
	CSVContacts: {"account", "account_domain", "name", "title", "email", "handles", "decision_rank", "do_not_contact", "dnc_reason", "notes", "source"},
	CSVSignals:  {"account", "account_domain", "kind", "title", "summary", "url", "person", "occurred_at", "source", "dedupe_key"},
}

// csvRow is one data row by field name, with its line number.
type csvRow struct {
	line   int
	fields map[string]string
}

func (r csvRow) get(f string) string { return fromSpreadsheetSafe(strings.TrimSpace(r.fields[f])) }

// csvReader reads a file row by row, mapping its header to fields and reporting bad rows.
type csvReader struct {
	r      *csv.Reader
	kind   string
	colOf  []string // field of each column, "" when ignored
	header []string
	res    *CSVImport
	max    int
}

func newCSVReader(kind string, in io.Reader, res *CSVImport, maxErrors int) (*csvReader, error) {
	fields, ok := csvFields[kind]
	if !ok {
		return nil, fmt.Errorf("unknown CSV kind %q; known: %s", kind, strings.Join(CSVKinds, ", "))
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty", ErrCSVHeader)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCSVHeader, err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // a spreadsheet's byte-order mark
	}
	cr := &csvReader{r: r, kind: kind, colOf: make([]string, len(header)), header: header, res: res, max: maxErrors}
	res.Columns = map[string]string{}
	taken := map[string]bool{}
	for i, h := range header {
		key := headerKey(h)
		for _, f := range fields {
			if taken[f.name] {
				continue
			}
			if containsString(f.headers, key) || key == headerKey(f.name) {
				cr.colOf[i], taken[f.name] = f.name, true
				res.Columns[h] = f.name
				break
			}
		}
		if cr.colOf[i] == "" {
			res.Ignored = append(res.Ignored, h)
		}
	}
	var missing []string
	for _, f := range fields {
		if f.required && !taken[f.name] {
			missing = append(missing, f.name)
		}
	}
	if (kind == CSVContacts) && !taken["account"] && !taken["account_domain"] {
		missing = append(missing, "account (or account_domain)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: no column for %s (the header is %q)", ErrCSVHeader, strings.Join(missing, ", "), strings.Join(header, ","))
	}
	return cr, nil
}

// next returns the next row, recording unreadable rows as errors; io.EOF at the end.
func (cr *csvReader) next() (csvRow, error) {
	for {
		rec, err := cr.r.Read()
		if err == io.EOF {
			return csvRow{}, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				cr.res.Rows++
				cr.reject(CSVRowError{Row: pe.StartLine, Reason: "not valid CSV: " + pe.Err.Error()})
				continue
			}
			return csvRow{}, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.r.FieldPos(0)
		cr.res.Rows++
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			cr.res.Rows-- // a blank line
			continue
		}
		if len(rec) != len(cr.header) {
			cr.reject(CSVRowError{Row: line, Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(cr.header))})
			continue
		}
		row := csvRow{line: line, fields: make(map[string]string, len(rec))}
		for i, v := range rec {
			if f := cr.colOf[i]; f != "" {
				row.fields[f] = v
			}
		}
		return row, nil
	}
}

func (cr *csvReader) reject(e CSVRowError) {
	cr.res.Rejected++
	if len(cr.res.Errors) < cr.max {
		cr.res.Errors = append(cr.res.Errors, e)
	}
}

// headerKey folds a header for matching: "Account Domain" → "accountdomain" (identity.Key, so
// case, accents and punctuation are folded as account names are).
func headerKey(h string) string { return identity.Key(h) }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ImportCSV loads a CSV file of accounts, contacts or signals. The header is mapped to fields by
// name (with common synonyms: "Company" is the account, "Website" its domain); each bad row is
// reported with its line, column and reason while the good rows are kept. The whole file is one
// transaction: a file whose header is unusable, or that fails part-way (a database error, a
// cancelled context), writes nothing. On PostgreSQL, signals stream through COPY into a staging
// table and are merged with one INSERT … ON CONFLICT DO NOTHING.
func (s *Store) ImportCSV(ctx context.Context, kind string, in io.Reader, opts CSVOptions) (CSVImport, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Source == "" {
		opts.Source = "csv"
	}
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = 1000
	}
	res := CSVImport{Kind: kind}
	cr, err := newCSVReader(kind, in, &res, opts.MaxErrors)
	if err != nil {
		return res, err
	}
	dir, err := s.accountLookup(ctx)
	if err != nil {
		return res, err
	}
	var ids []int64
	switch kind {
	case CSVAccounts:
		ids, err = s.importAccountsCSV(ctx, cr, opts, &res)
	case CSVContacts:
		err = s.importContactsCSV(ctx, cr, dir, opts, &res)
	case CSVSignals:
		if s.dialect == Postgres {
			res.Bulk = true
			err = s.copySignalsCSV(ctx, cr, dir, opts, &res)
		} else {
			err = s.insertSignalsCSV(ctx, cr, dir, opts, &res)
		}
	}
	if err != nil {
		res.Imported, res.Unchanged = 0, 0
		return res, fmt.Errorf("import %s CSV: %w", kind, err)
	}
	s.accountsChanged(ids...)
	return res, nil
}

// accountLookup resolves a row's account by name or domain.
type accountLookup struct {
	byKey, byDomain map[string]int64
}

func (s *Store) accountLookup(ctx context.Context) (*accountLookup, error) {
	rows, err := s.AccountNames(ctx)
	if err != nil {
		return nil, err
	}
	l := &accountLookup{byKey: make(map[string]int64, len(rows)*2), byDomain: make(map[string]int64, len(rows))}
	for _, a := range rows {
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			if k := AccountKey(n); k != "" {
				if _, dup := l.byKey[k]; !dup {
					l.byKey[k] = a.ID
				}
			}
		}
		if a.Domain != "" {
			l.byDomain[a.Domain] = a.ID
		}
	}
	return l, nil
}

// resolve finds the account a row names; 0 with a row error when it names one that is unknown.
func (l *accountLookup) resolve(row csvRow) (int64, *CSVRowError) {
	if d := NormalizeDomain(row.get("account_domain")); d != "" {
		if id, ok := l.byDomain[d]; ok {
			return id, nil
		}
		if row.get("account") == "" {
			return 0, &CSVRowError{Row: row.line, Column: "account_domain", Reason: fmt.Sprintf("no account has the domain %q", d)}
		}
	}
	if n := row.get("account"); n != "" {
		if id, ok := l.byKey[AccountKey(n)]; ok {
			return id, nil
		}
		return 0, &CSVRowError{Row: row.line, Column: "account", Reason: fmt.Sprintf("no account named %q (import the accounts first)", n)}
	}
	return 0, nil
}

// --- accounts ---------------------------------------------------------------

func (s *Store) importAccountsCSV(ctx context.Context, cr *csvReader, opts CSVOptions, res *CSVImport) ([]int64, error) {
	var ids []int64
	err := importRows(ctx, s.db, cr, res, func(row csvRow) (Account, *CSVRowError) { return accountFromRow(row, opts) },
		func(sp *gorm.DB, acc Account) error {
			id, err := upsertAccount(sp, &acc)
			if err == nil {
				ids = append(ids, id)
			}
			return err
		})
	return ids, err
}

// importRows reads a file's rows in one transaction. A row that does not parse is reported; one
// that does is written in its own savepoint, so a row the database refuses (its domain belongs
// to another account) is reported too and the rest of the file goes on. A read error or a
// cancelled context ends the transaction and writes nothing.
func importRows[T any](ctx context.Context, db *gorm.DB, cr *csvReader, res *CSVImport,
	parse func(csvRow) (T, *CSVRowError), write func(sp *gorm.DB, v T) error) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for {
			row, err := cr.next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			v, rerr := parse(row)
			if rerr != nil {
				cr.reject(*rerr)
				continue
			}
			if err := tx.Transaction(func(sp *gorm.DB) error { return write(sp, v) }); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				cr.reject(CSVRowError{Row: row.line, Column: "name", Reason: "refused by the database: " + oneLineErr(err)})
				continue
			}
			res.Imported++
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	})
}

// slackUserRE is a Slack user id: the only owner the bot will mention.
var slackUserRE = regexp.MustCompile(`^[UW][A-Z0-9]{1,30}$`)

func accountFromRow(row csvRow, opts CSVOptions) (Account, *CSVRowError) {
	acc := Account{Name: row.get("name"), Domain: NormalizeDomain(row.get("domain")), Industry: row.get("industry"),
		Region: row.get("region"), HQ: row.get("hq"), AdoptionNotes: row.get("adoption_notes"),
		OwnerUserID: row.get("owner_user_id"), Source: row.get("source"), Aliases: splitList(row.get("aliases"))}
	if acc.Name == "" {
		return acc, &CSVRowError{Row: row.line, Column: "name", Reason: "is empty"}
	}
	if AccountKey(acc.Name) == "" {
		return acc, &CSVRowError{Row: row.line, Column: "name", Reason: fmt.Sprintf("%q has no letters or digits", acc.Name)}
	}
	if acc.Domain != "" && !domainRE.MatchString(acc.Domain) {
		return acc, &CSVRowError{Row: row.line, Column: "domain", Reason: fmt.Sprintf("%q is not a domain", row.get("domain"))}
	}
	if acc.OwnerUserID != "" && !slackUserRE.MatchString(acc.OwnerUserID) {
		return acc, &CSVRowError{Row: row.line, Column: "owner_user_id", Reason: fmt.Sprintf("%q is not a Slack user id (U… or W…, as in the member's profile)", acc.OwnerUserID)}
	}
	if v := row.get("employees"); v != "" {
		n, err := strconv.Atoi(strings.NewReplacer(",", "", "_", "", " ", "").Replace(v))
		if err != nil || n < 0 {
			return acc, &CSVRowError{Row: row.line, Column: "employees", Reason: fmt.Sprintf("%q is not a whole number", v)}
		}
		acc.Employees = n
	}
	if v := row.get("stage"); v != "" {
		st, ok := ParseStage(v)
		if !ok {
			return acc, &CSVRowError{Row: row.line, Column: "stage", Reason: fmt.Sprintf("%q is not a stage (none, evaluating, initial, production, managed, churned)", v)}
		}
		acc.Stage = st
	}
	if acc.Source == "" {
		acc.Source = opts.Source
	}
	return acc, nil
}

var domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

// splitList reads "a; b | c" as a list.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// --- contacts ---------------------------------------------------------------

var emailRE = regexp.MustCompile(`^[^\s@<>(),;]+@[^\s@<>(),;]+\.[^\s@<>(),;]+$`)

func (s *Store) importContactsCSV(ctx context.Context, cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
	return importRows(ctx, s.db, cr, res, func(row csvRow) (Contact, *CSVRowError) { return contactFromRow(row, dir, opts) }, mergeContact)
}

func contactFromRow(row csvRow, dir *accountLookup, opts CSVOptions) (Contact, *CSVRowError) {
	c := Contact{Name: row.get("name"), Title: row.get("title"), Email: strings.ToLower(row.get("email")),
		DNCReason: row.get("dnc_reason"), Notes: row.get("notes"), Source: row.get("source"), DecisionRank: 99,
		Handles: splitList(row.get("handles")), SpokeAt: []string{}}
	if c.Name == "" {
		return c, &CSVRowError{Row: row.line, Column: "name", Reason: "is empty"}
	}
	id, rerr := dir.resolve(row)
	if rerr != nil {
		return c, rerr
	}
	if id == 0 {
		return c, &CSVRowError{Row: row.line, Column: "account", Reason: "is empty: a contact belongs to an account"}
	}
	c.AccountID = id
	if c.Email != "" && !emailRE.MatchString(c.Email) {
		return c, &CSVRowError{Row: row.line, Column: "email", Reason: fmt.Sprintf("%q is not an e-mail address", row.get("email"))}
	}
	if gh := strings.TrimPrefix(row.get("github"), "@"); gh != "" {
		if !strings.Contains(gh, "github.com/") {
			gh = "github.com/" + gh
		}
		c.Handles = appendUnique(c.Handles, gh)
	}
	if li := row.get("linkedin"); li != "" {
		c.Handles = appendUnique(c.Handles, li)
	}
	if c.Handles == nil {
		c.Handles = []string{}
	}
	if v := row.get("decision_rank"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 99 {
			return c, &CSVRowError{Row: row.line, Column: "decision_rank", Reason: fmt.Sprintf("%q is not a rank from 1 to 99", v)}
		}
		c.DecisionRank = n
	}
	if v := row.get("do_not_contact"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			return c, &CSVRowError{Row: row.line, Column: "do_not_contact", Reason: fmt.Sprintf("%q is not yes or no", v)}
		}
		c.DoNotContact = b
	}
	if c.Source == "" {
		c.Source = opts.Source
	}
	return c, nil
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "y", "x", "dnc", "t":
		return true, true
	case "0", "false", "no", "n", "", "f":
		return false, true
	}
	return false, false
}

// mergeContact adds a contact or fills in the one with the same name at the account. A
// do-not-contact flag, once set, stays set.
func mergeContact(tx *gorm.DB, c Contact) error {
	var existing Contact
	err := tx.Where("account_id = ? AND name = ?", c.AccountID, c.Name).Take(&existing).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return tx.Create(&c).Error
	}
	if err != nil {
		return err
	}
	setIf := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	setIf(&existing.Title, c.Title)
	setIf(&existing.Email, c.Email)
	setIf(&existing.Notes, c.Notes)
	setIf(&existing.DNCReason, c.DNCReason)
	setIf(&existing.Source, c.Source)
	existing.Handles = appendUnique(existing.Handles, c.Handles...)
	if c.DecisionRank != 99 {
		existing.DecisionRank = c.DecisionRank
	}
	existing.DoNotContact = existing.DoNotContact || c.DoNotContact
	return tx.Save(&existing).Error
}

// --- signals ----------------------------------------------------------------

// signalFromRow validates a row into a signal.
func signalFromRow(row csvRow, dir *accountLookup, opts CSVOptions) (Signal, *CSVRowError) {
	sig := Signal{Kind: strings.ToLower(row.get("kind")), Title: row.get("title"), Summary: row.get("summary"),
		URL: row.get("url"), Person: row.get("person"), Source: row.get("source"), DedupeKey: row.get("dedupe_key"),
		DiscoveredAt: opts.Now}
	if sig.Kind == "" {
		return sig, &CSVRowError{Row: row.line, Column: "kind", Reason: "is empty"}
	}
	if !IsSignalKind(sig.Kind) {
		return sig, &CSVRowError{Row: row.line, Column: "kind", Reason: fmt.Sprintf("%q is not a signal kind", sig.Kind)}
	}
	if sig.Title == "" {
		return sig, &CSVRowError{Row: row.line, Column: "title", Reason: "is empty"}
	}
	if utf8.RuneCountInString(sig.Title) > 1000 {
		return sig, &CSVRowError{Row: row.line, Column: "title", Reason: "is longer than 1,000 characters"}
	}
	if sig.URL != "" && !strings.HasPrefix(sig.URL, "https://") && !strings.HasPrefix(sig.URL, "http://") {
		return sig, &CSVRowError{Row: row.line, Column: "url", Reason: fmt.Sprintf("%q is not an http(s) URL", sig.URL)}
	}
	if v := row.get("occurred_at"); v != "" {
		t, ok := parseCSVTime(v)
		if !ok {
			return sig, &CSVRowError{Row: row.line, Column: "occurred_at", Reason: fmt.Sprintf("%q is not a date (2024-10-08 or 2024-10-08T15:04:05Z)", v)}
		}
		sig.OccurredAt = &t
	}
	id, rerr := dir.resolve(row)
	if rerr != nil {
		return sig, rerr
	}
	if id != 0 {
		sig.AccountID = &id
	}
	if sig.Source == "" {
		sig.Source = opts.Source
	}
	if sig.DedupeKey == "" {
		sig.DedupeKey = SignalDedupeKey(sig.URL, strconv.FormatInt(id, 10), sig.Kind, sig.Title)
	}
	return sig, nil
}

var csvTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "2006/01/02", "02.01.2006", "2006-01"}

func parseCSVTime(v string) (time.Time, bool) {
	for _, l := range csvTimeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// insertSignalsCSV writes signals in batches of INSERT … ON CONFLICT DO NOTHING (SQLite).
func (s *Store) insertSignalsCSV(ctx context.Context, cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
	const batchSize = 500
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		batch := make([]Signal, 0, batchSize)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			r := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(&batch)
			if r.Error != nil {
				return r.Error
			}
			res.Imported += int(r.RowsAffected)
			res.Unchanged += len(batch) - int(r.RowsAffected)
			batch = batch[:0]
			return ctx.Err()
		}
		for {
			row, err := cr.next()
			if err == io.EOF {
				return flush()
			}
			if err != nil {
				return err
			}
			sig, rerr := signalFromRow(row, dir, opts)
			if rerr != nil {
				cr.reject(*rerr)
				continue
			}
			batch = append(batch, sig)
			if len(batch) == batchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	})
}

// signalCopyColumns are the staging table's columns, in COPY order.
var signalCopyColumns = []string{"account_id", "kind", "title", "summary", "url", "person", "occurred_at", "discovered_at", "source", "dedupe_key"}

// copySignalsCSV streams valid rows through COPY into a temporary staging table and merges them
// into signals with one INSERT … ON CONFLICT (dedupe_key) DO NOTHING, all in one transaction.
func (s *Store) copySignalsCSV(ctx context.Context, cr *csvReader, dir *accountLookup, opts CSVOptions, res *CSVImport) error {
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
		pc := sc.Conn()
		return pgx.BeginFunc(ctx, pc, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `CREATE TEMP TABLE csv_signals (
				account_id BIGINT, kind TEXT, title TEXT, summary TEXT, url TEXT, person TEXT,
				occurred_at TIMESTAMPTZ, discovered_at TIMESTAMPTZ, source TEXT, dedupe_key TEXT
			) ON COMMIT DROP`); err != nil {
				return fmt.Errorf("staging table: %w", err)
			}
			src := &signalCopySource{cr: cr, dir: dir, opts: opts}
			n, err := tx.CopyFrom(ctx, pgx.Identifier{"csv_signals"}, signalCopyColumns, src)
			if err != nil {
				if src.err != nil {
					return src.err
				}
				return fmt.Errorf("COPY: %w", err)
			}
			tag, err := tx.Exec(ctx, `INSERT INTO signals (account_id, kind, title, summary, url, person, occurred_at, discovered_at, source, dedupe_key)
				SELECT account_id, kind, title, summary, url, person, occurred_at, discovered_at, source, dedupe_key FROM csv_signals
				ON CONFLICT (dedupe_key) DO NOTHING`)
			if err != nil {
				return fmt.Errorf("merge staged signals: %w", err)
			}
			res.Imported = int(tag.RowsAffected())
			res.Unchanged = int(n) - res.Imported
			return nil
		})
	})
}

// signalCopySource feeds COPY from the CSV reader, skipping (and reporting) bad rows.
type signalCopySource struct {
	cr   *csvReader
	dir  *accountLookup
	opts CSVOptions
	vals []any
	err  error
}

func (c *signalCopySource) Next() bool {
	for {
		row, err := c.cr.next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			c.err = err
			return false
		}
		sig, rerr := signalFromRow(row, c.dir, c.opts)
		if rerr != nil {
			c.cr.reject(*rerr)
			continue
		}
		var occurred any
		if sig.OccurredAt != nil {
			occurred = *sig.OccurredAt
		}
		var account any
		if sig.AccountID != nil {
			account = *sig.AccountID
		}
		c.vals = []any{account, sig.Kind, sig.Title, sig.Summary, sig.URL, sig.Person, occurred, sig.DiscoveredAt, sig.Source, sig.DedupeKey}
		return true
	}
}

func (c *signalCopySource) Values() ([]any, error) { return c.vals, nil }
func (c *signalCopySource) Err() error             { return c.err }

// --- export -----------------------------------------------------------------

// ExportCSV writes every account, contact or signal as CSV with the header ImportCSV reads back.
// It returns the number of data rows written.
func (s *Store) ExportCSV(ctx context.Context, kind string, out io.Writer) (int, error) {
	header, ok := csvHeaders[kind]
	if !ok {
		return 0, fmt.Errorf("unknown CSV kind %q; known: %s", kind, strings.Join(CSVKinds, ", "))
	}
	w := csv.NewWriter(out)
	if err := w.Write(header); err != nil {
		return 0, err
	}
	n := 0
	names := map[int64][2]string{}
	if kind != CSVAccounts {
		rows, err := s.AccountNames(ctx)
		if err != nil {
			return 0, err
		}
		for _, a := range rows {
			names[a.ID] = [2]string{a.Name, a.Domain}
		}
	}
	db := s.db.WithContext(ctx)
	var err error
	switch kind {
	case CSVAccounts:
		err = exportRows(db.Model(&Account{}).Order("id"), func(a *Account) []string {
			return []string{a.Name, a.Domain, strings.Join(a.Aliases, "; "), a.Industry, itoaOrEmpty(a.Employees), a.Region, a.HQ,
				string(a.Stage), a.AdoptionNotes, a.OwnerUserID, a.Source}
		}, w, &n)
	case CSVContacts:
		err = exportRows(db.Model(&Contact{}).Order("account_id, id"), func(c *Contact) []string {
			acc := names[c.AccountID]
			return []string{acc[0], acc[1], c.Name, c.Title, c.Email, strings.Join(c.Handles, "; "), strconv.Itoa(c.DecisionRank),
				strconv.FormatBool(c.DoNotContact), c.DNCReason, c.Notes, c.Source}
		}, w, &n)
	case CSVSignals:
		err = exportRows(db.Model(&Signal{}).Order("id"), func(sg *Signal) []string {
			var acc [2]string
			if sg.AccountID != nil {
				acc = names[*sg.AccountID]
			}
			occurred := ""
			if sg.OccurredAt != nil {
				occurred = sg.OccurredAt.UTC().Format(time.RFC3339)
			}
			return []string{acc[0], acc[1], sg.Kind, sg.Title, sg.Summary, sg.URL, sg.Person, occurred, sg.Source, sg.DedupeKey}
		}, w, &n)
	}
	if err != nil {
		return n, fmt.Errorf("export %s: %w", kind, err)
	}
	w.Flush()
	return n, w.Error()
}

// exportRows streams a query's rows through conv into w.
func exportRows[T any](q *gorm.DB, conv func(*T) []string, w *csv.Writer, n *int) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := q.ScanRows(rows, &v); err != nil {
			return err
		}
		rec := conv(&v)
		for i := range rec {
			rec[i] = SpreadsheetSafe(rec[i])
		}
		if err := w.Write(rec); err != nil {
			return err
		}
		*n++
	}
	return rows.Err()
}

func oneLineErr(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func itoaOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
