package store

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"outreachbot/identity"
)

// CSVImport says what an import did.
type CSVImport struct {
	Kind string
	// Rows counts the data rows read; Imported those that changed the store (new or merged),
	// Unchanged those already stored as they were (importing a file twice changes nothing the
	// second time), Rejected those with errors.
	Rows, Imported, Unchanged, Rejected int
	// Errors lists the rejected rows' problems in file order, at most MaxErrors of them.
	Errors []CSVRowError
	// Columns maps each header the file used to the field it fills; Ignored lists the others.
	Columns map[string]string
	Ignored []string
	// Bulk is true when the rows were written with PostgreSQL COPY and set-wise statements.
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
	// Progress, when set, hears how far the import is: every few thousand rows read, and once
	// when the rows are read and the merge starts.
	Progress func(CSVProgress)
}

// CSVProgress is how far an import is.
type CSVProgress struct {
	Rows    int  // data rows read so far
	Merging bool // every row is read; the database is merging them
}

// csvProgressEvery is how many rows pass between two Progress calls.
const csvProgressEvery = 4096

// ImportCSV loads a CSV file of accounts, contacts or signals. The header is mapped to fields by
// name (with common synonyms: "Company" is the account, "Website" its domain); a header that
// fits another kind of file better is refused before anything is written. Every field is checked
// (UTF-8 without NUL bytes, a length cap) and each bad row is reported with its line, column and
// reason while the good rows are kept. The whole file is one transaction: a file that fails
// part-way (a read error, a database error, a cancelled context) writes nothing.
//
// Accounts and contacts are merged in Go the same way on both engines (csvbatch.go): the stored
// records the file names are read with one query per batch of rows while the next batch is
// parsed, and only what differs is written, on PostgreSQL with COPY and one UPDATE (csvcopy.go),
// on SQLite row by row (csvlite.go). Signals are written in batches on both engines, by COPY on
// PostgreSQL. No statement runs per row on PostgreSQL, and every lookup goes through an index,
// so the time grows linearly with the file.
//
// Rows name the same account when they share a domain or a name key; an account in the file
// merges into the stored one with its domain, else its name. Contacts are one per account and
// name. A field filled later in the file wins over an earlier one; empty fields never erase.
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
	cr.progress = opts.Progress
	var dir *accountLookup
	if kind != CSVAccounts {
		if dir, err = s.accountLookup(ctx); err != nil {
			return res, err
		}
	}
	var ids []int64
	bulk := s.dialect == Postgres
	switch {
	case kind == CSVAccounts && bulk:
		ids, err = s.copyAccountsCSV(ctx, cr, opts, &res)
	case kind == CSVAccounts:
		ids, err = s.insertAccountsCSV(ctx, cr, opts, &res)
	case kind == CSVContacts && bulk:
		err = s.copyContactsCSV(ctx, cr, dir, opts, &res)
	case kind == CSVContacts:
		err = s.insertContactsCSV(ctx, cr, dir, opts, &res)
	case kind == CSVSignals && bulk:
		err = s.copySignalsCSV(ctx, cr, dir, opts, &res)
	default:
		err = s.insertSignalsCSV(ctx, cr, dir, opts, &res)
	}
	if err != nil {
		res.Imported, res.Unchanged = 0, 0
		return res, fmt.Errorf("import %s CSV: %w", kind, err)
	}
	res.Bulk = bulk
	slices.SortStableFunc(res.Errors, func(a, b CSVRowError) int { return a.Row - b.Row })
	s.accountsChanged(ids...)
	return res, nil
}

// accountLookup resolves a row's account by name or domain.
type accountLookup struct {
	byKey, byDomain map[string]int64
}

// accountLookup reads every account's names (a row at a time, scanned by hand: through gorm
// this was a tenth of a contacts import).
func (s *Store) accountLookup(ctx context.Context) (*accountLookup, error) {
	l := &accountLookup{byKey: map[string]int64{}, byDomain: map[string]int64{}}
	err := s.eachAccountName(ctx, func(a Account) {
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			if k := identity.Key(n); k != "" {
				if _, dup := l.byKey[k]; !dup {
					l.byKey[k] = a.ID
				}
			}
		}
		if a.Domain != "" {
			l.byDomain[a.Domain] = a.ID
		}
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// resolve finds the account a row names; 0 with a row error when it names one that is unknown.
func (l *accountLookup) resolve(row csvRow) (int64, *CSVRowError) {
	if d := identity.Domain(row.get("account_domain")); d != "" {
		if id, ok := l.byDomain[d]; ok {
			return id, nil
		}
		if row.get("account") == "" {
			return 0, &CSVRowError{Row: row.line, Column: "account_domain", Reason: fmt.Sprintf("no account has the domain %q", d)}
		}
	}
	if n := row.get("account"); n != "" {
		if id, ok := l.byKey[identity.Key(n)]; ok {
			return id, nil
		}
		return 0, &CSVRowError{Row: row.line, Column: "account", Reason: fmt.Sprintf("no account named %q (import the accounts first)", n)}
	}
	return 0, nil
}

// eachValid calls f with every row that converts, reporting the others.
func eachValid[T any](ctx context.Context, cr *csvReader, parse func(csvRow) (T, *CSVRowError), f func(line int, v T) error) error {
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
		if err := f(row.line, v); err != nil {
			return err
		}
		if cr.res.Rows%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
}

// readBatches reads the file's valid rows in another goroutine and hands them to use in file
// order, at most n at a time, so that the database works on one batch while the next is read.
// use runs in the caller's goroutine (inside its transaction); when it fails, reading stops.
func readBatches[T any](ctx context.Context, cr *csvReader, parse func(csvRow) (T, *CSVRowError), n int, use func([]T) error) error {
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	batches := make(chan []T, 2)
	var readErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(batches)
		batch := make([]T, 0, n)
		send := func() error {
			select {
			case batches <- batch:
				batch = make([]T, 0, n)
				return nil
			case <-readCtx.Done():
				return readCtx.Err()
			}
		}
		readErr = eachValid(readCtx, cr, parse, func(_ int, v T) error {
			if batch = append(batch, v); len(batch) < n {
				return nil
			}
			return send()
		})
		if readErr == nil && len(batch) > 0 {
			readErr = send()
		}
	}()
	var err error
	for b := range batches {
		if err = use(b); err != nil {
			break
		}
	}
	stop()
	<-done
	if err != nil {
		return err
	}
	return readErr
}

// memoParse remembers what parse made of each cell it saw: stage and role columns hold a handful
// of values, and parsing a stage folds every stage's label (a fifth of an accounts file's CPU).
func memoParse[T any](parse func(string) (T, bool)) func(string) (T, bool) {
	type parsed struct {
		v  T
		ok bool
	}
	seen := map[string]parsed{}
	return func(cell string) (T, bool) {
		if p, ok := seen[cell]; ok {
			return p.v, p.ok
		}
		v, ok := parse(cell)
		if len(seen) < 256 {
			seen[cell] = parsed{v, ok}
		}
		return v, ok
	}
}

// --- accounts ---------------------------------------------------------------

// slackUserRE is a Slack user id: the only owner the bot will mention.
var slackUserRE = regexp.MustCompile(`^[UW][A-Z0-9]{1,30}$`)

// accountParser converts accounts rows; one per import (it remembers the stages and roles seen).
type accountParser struct {
	opts  CSVOptions
	stage func(string) (Stage, bool)
	role  func(string) (Role, bool)
}

func newAccountParser(opts CSVOptions) *accountParser {
	return &accountParser{opts: opts, stage: memoParse(ParseStage), role: memoParse(ParseRole)}
}

// staged converts a row into a stagedAccount.
func (p *accountParser) staged(row csvRow) (stagedAccount, *CSVRowError) {
	acc, rerr := p.account(row)
	return stagedAccount{line: row.line, acc: acc}, rerr
}

func (p *accountParser) account(row csvRow) (Account, *CSVRowError) {
	opts := p.opts
	acc := Account{Name: row.get("name"), Domain: identity.Domain(row.get("domain")), Industry: row.get("industry"),
		Region: row.get("region"), HQ: row.get("hq"), AdoptionNotes: row.get("adoption_notes"),
		OwnerUserID: row.get("owner_user_id"), Source: row.get("source"), Aliases: splitList(row.get("aliases"))}
	if acc.Name == "" {
		return acc, &CSVRowError{Row: row.line, Column: "name", Reason: "is empty"}
	}
	if acc.Key = identity.Key(acc.Name); acc.Key == "" {
		return acc, &CSVRowError{Row: row.line, Column: "name", Reason: fmt.Sprintf("%q has no letters or digits", acc.Name)}
	}
	if acc.Domain != "" && !isDomain(acc.Domain) {
		return acc, &CSVRowError{Row: row.line, Column: "domain", Reason: fmt.Sprintf("%q is not a domain", row.get("domain"))}
	}
	if acc.OwnerUserID != "" && !slackUserRE.MatchString(acc.OwnerUserID) {
		return acc, &CSVRowError{Row: row.line, Column: "owner_user_id", Reason: fmt.Sprintf("%q is not a Slack user id (U… or W…, as in the member's profile)", acc.OwnerUserID)}
	}
	if _, rerr := optionalColumn(row, "employees", "a whole number", parseEmployees, &acc.Employees); rerr != nil {
		return acc, rerr
	}
	staged, rerr := optionalColumn(row, "stage", "a stage (none, evaluating, initial, production, managed, churned)", p.stage, &acc.Stage)
	if rerr != nil {
		return acc, rerr
	}
	if staged {
		acc.StageSource, acc.StageEvidence = RoleFromCSV, "the stage column of an imported CSV file"
	}
	roled, rerr := optionalColumn(row, "role", "a role (prospect, customer, competitor, vendor, partner)", p.role, &acc.Role)
	if rerr != nil {
		return acc, rerr
	}
	if roled {
		// A role from a file is kept by later seeds, like one set by hand.
		acc.RoleSource = RoleFromCSV
	}
	if acc.Source == "" {
		acc.Source = opts.Source
	}
	return acc, nil
}

// isDomain reports whether s is a host name: two or more dot-separated labels of a-z, 0-9 and
// inner hyphens (the language of ^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$,
// checked without a regular expression, which cost more than the rest of a row's checks).
func isDomain(s string) bool {
	labels := 0
	for {
		label, rest, more := strings.Cut(s, ".")
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
		labels++
		if !more {
			return labels >= 2
		}
		s = rest
	}
}

// optionalColumn parses the cell of column name into *dst when the cell is not empty and reports
// whether it did; a cell parse refuses is the row's error: "<cell> is not <want>".
func optionalColumn[T any](row csvRow, name, want string, parse func(string) (T, bool), dst *T) (bool, *CSVRowError) {
	v := row.get(name)
	if v == "" {
		return false, nil
	}
	t, ok := parse(v)
	if !ok {
		return false, &CSVRowError{Row: row.line, Column: name, Reason: fmt.Sprintf("%q is not %s", v, want)}
	}
	*dst = t
	return true, nil
}

// parseEmployees reads a head count, allowing thousands separators ("12,000", "12 000").
func parseEmployees(v string) (int, bool) {
	n, err := strconv.Atoi(thousandsSeparators.Replace(v))
	return n, err == nil && n >= 0
}

// thousandsSeparators drops the separators people type in numbers. It is built once: a Replacer
// builds its tables on first use, and building them for every row was a tenth of an accounts
// import's CPU.
var thousandsSeparators = strings.NewReplacer(",", "", "_", "", " ", "")

// parseDecisionRank reads a contact's rank from 1 (decides) to 99.
func parseDecisionRank(v string) (int, bool) {
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 1 && n <= 99
}

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

// isEmail reports whether s looks like an e-mail address: one @ with text before it and a dotted
// domain after it (a dot with text on both sides), and no white space or <>(),; anywhere (the
// language of ^[^\s@<>(),;]+@[^\s@<>(),;]+\.[^\s@<>(),;]+$, without a regular expression).
func isEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(domain) < 3 || strings.ContainsAny(local, emailForbidden) ||
		strings.ContainsAny(domain, emailForbidden+"@") {
		return false
	}
	return strings.Contains(domain[1:len(domain)-1], ".")
}

// emailForbidden are the bytes an e-mail address may not hold (\s is these five white spaces).
const emailForbidden = " \t\n\f\r<>(),;"

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
	if c.Email != "" && !isEmail(c.Email) {
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
	if _, rerr := optionalColumn(row, "decision_rank", "a rank from 1 to 99", parseDecisionRank, &c.DecisionRank); rerr != nil {
		return c, rerr
	}
	if _, rerr := optionalColumn(row, "do_not_contact", "yes or no", parseBool, &c.DoNotContact); rerr != nil {
		return c, rerr
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
	if sig.URL != "" && !strings.HasPrefix(sig.URL, "https://") && !strings.HasPrefix(sig.URL, "http://") {
		return sig, &CSVRowError{Row: row.line, Column: "url", Reason: fmt.Sprintf("%q is not an http(s) URL", sig.URL)}
	}
	var occurred time.Time
	dated, rerr := optionalColumn(row, "occurred_at", "a date (2024-10-08 or 2024-10-08T15:04:05Z)", parseCSVTime, &occurred)
	if rerr != nil {
		return sig, rerr
	}
	if dated {
		sig.OccurredAt = &occurred
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
		err := eachValid(ctx, cr, func(row csvRow) (Signal, *CSVRowError) { return signalFromRow(row, dir, opts) },
			func(_ int, sig Signal) error {
				batch = append(batch, sig)
				if len(batch) == batchSize {
					return flush()
				}
				return nil
			})
		if err != nil {
			return err
		}
		return flush()
	})
}
