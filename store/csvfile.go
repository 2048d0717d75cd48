package store

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"outreachbot/identity"
)

// This file owns the CSV file format: the kinds, the header names each field answers to, the
// checks every field passes before anything is written (encoding, length), and a reader that
// bounds the memory one record may take. Persistence lives in csv.go (rows → models),
// csvbatch.go (the merge of accounts and contacts), csvcopy.go (PostgreSQL) and csvlite.go (SQLite).

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

// ErrCSVHeader is returned (wrapped) when a file's header lacks a required column or fits
// another kind of file; nothing is written.
var ErrCSVHeader = errors.New("CSV header")

// csvField is one field a kind's file may fill, with the header names that map to it and the
// longest value it takes, in characters.
type csvField struct {
	name     string
	headers  []string
	required bool
	max      int
}

// Field length caps, in characters.
const (
	capShort = 200    // names, titles, industries, ids
	capURL   = 2048   // URLs and domains as typed
	capList  = 4000   // "a; b; c" lists
	capText  = 10_000 // notes, summaries, descriptions
)

// maxCSVRecordBytes bounds one record: well above the sum of every cap, far below what a
// runaway field (a 60 MB cell) would cost. A longer record is refused with its row and column
// and its bytes are skipped, never held.
const maxCSVRecordBytes = 256 << 10

var csvFields = map[string][]csvField{
	CSVAccounts: {
		{name: "name", headers: []string{"name", "account", "accountname", "company", "companyname", "organization", "organisation", "org"}, required: true, max: capShort},
		{name: "domain", headers: []string{"domain", "website", "url", "site", "web", "homepage"}, max: capURL},
		{name: "aliases", headers: []string{"aliases", "alias", "aka", "othernames"}, max: capList},
		{name: "industry", headers: []string{"industry", "sector", "vertical"}, max: capShort},
		{name: "employees", headers: []string{"employees", "employeecount", "headcount", "size", "companysize"}, max: 20},
		{name: "region", headers: []string{"region", "geo"}, max: capShort},
		{name: "hq", headers: []string{"hq", "headquarters", "location", "city"}, max: capShort},
		{name: "stage", headers: []string{"stage", "backstagestage", "status"}, max: capShort},
		{name: "adoption_notes", headers: []string{"adoptionnotes", "notes", "description"}, max: capText},
		{name: "owner_user_id", headers: []string{"owneruserid", "owner", "ownerslackid"}, max: capShort},
		{name: "source", headers: []string{"source"}, max: capShort},
		{name: "role", headers: []string{"role", "relationship", "accountrole", "orgrole"}, max: capShort},
	},
	CSVContacts: {
		{name: "account", headers: []string{"account", "accountname", "company", "companyname", "organization", "organisation", "org"}, max: capShort},
		{name: "account_domain", headers: []string{"accountdomain", "companydomain", "domain", "website"}, max: capURL},
		{name: "name", headers: []string{"name", "fullname", "contact", "contactname", "person"}, required: true, max: capShort},
		{name: "title", headers: []string{"title", "jobtitle", "role", "position"}, max: capShort},
		{name: "email", headers: []string{"email", "emailaddress", "mail"}, max: 320},
		{name: "handles", headers: []string{"handles", "handle", "profiles", "links"}, max: capList},
		{name: "github", headers: []string{"github", "githubhandle", "githubusername"}, max: capURL},
		{name: "linkedin", headers: []string{"linkedin", "linkedinurl", "linkedinprofile"}, max: capURL},
		{name: "decision_rank", headers: []string{"decisionrank", "rank"}, max: 20},
		{name: "do_not_contact", headers: []string{"donotcontact", "dnc", "optout", "optedout"}, max: 20},
		{name: "dnc_reason", headers: []string{"dncreason", "donotcontactreason", "optoutreason"}, max: capText},
		{name: "notes", headers: []string{"notes", "note", "comments"}, max: capText},
		{name: "source", headers: []string{"source"}, max: capShort},
	},
	CSVSignals: {
		{name: "account", headers: []string{"account", "accountname", "company", "companyname", "organization", "organisation", "org"}, max: capShort},
		{name: "account_domain", headers: []string{"accountdomain", "companydomain", "domain"}, max: capURL},
		{name: "kind", headers: []string{"kind", "type", "signaltype"}, required: true, max: capShort},
		{name: "title", headers: []string{"title", "headline", "subject"}, required: true, max: 1000},
		{name: "summary", headers: []string{"summary", "description", "body", "text"}, max: capText},
		{name: "url", headers: []string{"url", "link"}, max: capURL},
		{name: "person", headers: []string{"person", "author", "who"}, max: capShort},
		{name: "occurred_at", headers: []string{"occurredat", "occurred", "date", "publishedat", "published", "time", "when"}, max: 64},
		{name: "source", headers: []string{"source"}, max: capShort},
		{name: "dedupe_key", headers: []string{"dedupekey", "key", "externalid"}, max: capURL},
	},
}

// csvHeaders is the header ExportCSV writes, which ImportCSV reads back.
var csvHeaders = map[string][]string{
	CSVAccounts: {"name", "domain", "aliases", "industry", "employees", "region", "hq", "stage", "adoption_notes", "owner_user_id", "source", "role"},
	CSVContacts: {"account", "account_domain", "name", "title", "email", "handles", "decision_rank", "do_not_contact", "dnc_reason", "notes", "source"},
	CSVSignals:  {"account", "account_domain", "kind", "title", "summary", "url", "person", "occurred_at", "source", "dedupe_key"},
}

// csvRow is one data row, with its line number: vals holds the cell of each field of the kind
// (by index in csvFields[kind], "" when the file has no column for it), at names the index of
// each field name. vals is reused for the next row: take strings out of a row, not the row.
type csvRow struct {
	line int
	vals []string
	at   map[string]int
}

func (r csvRow) get(f string) string {
	i, ok := r.at[f]
	if !ok {
		return ""
	}
	return fromSpreadsheetSafe(strings.TrimSpace(r.vals[i]))
}

// csvFieldIndex maps each kind's field names to their index in csvFields[kind].
var csvFieldIndex = func() map[string]map[string]int {
	out := map[string]map[string]int{}
	for kind, fields := range csvFields {
		out[kind] = map[string]int{}
		for i, f := range fields {
			out[kind][f.name] = i
		}
	}
	return out
}()

// csvReader reads a file row by row, mapping its header to fields, checking every field and
// reporting bad rows.
type csvReader struct {
	r      *csv.Reader
	lim    *recordLimiter
	kind   string
	colOf  []int // index in fields of each column, -1 when ignored
	fields []csvField
	header []string
	res    *CSVImport
	max    int

	progress func(CSVProgress)
	vals     []string // the current row's cells (csvRow.vals)
}

// headerMapping maps each column of a header to a field of kind (-1 when none) and lists which
// fields are present.
func headerMapping(kind string, header []string) (colOf []int, taken map[string]bool) {
	fields := csvFields[kind]
	colOf = make([]int, len(header))
	taken = map[string]bool{}
	for i, h := range header {
		colOf[i] = -1
		key := headerKey(h)
		for fi, f := range fields {
			if taken[f.name] {
				continue
			}
			if containsString(f.headers, key) || key == headerKey(f.name) {
				colOf[i], taken[f.name] = fi, true
				break
			}
		}
	}
	return colOf, taken
}

// missingColumns lists the required fields of kind that a header lacks.
func missingColumns(kind string, taken map[string]bool) []string {
	var missing []string
	for _, f := range csvFields[kind] {
		if f.required && !taken[f.name] {
			missing = append(missing, f.name)
		}
	}
	if kind != CSVAccounts && !taken["account"] && !taken["account_domain"] && kind == CSVContacts {
		missing = append(missing, "account (or account_domain)")
	}
	return missing
}

// betterKind returns the kind whose fields the header fits, complete, with more columns than
// it fits kind (an accounts file offered as contacts: its "name" and "domain" would pass for a
// person and their company while industry, employees and region are dropped); "" when none.
func betterKind(kind string, header []string) (string, []string) {
	_, mine := headerMapping(kind, header)
	best, bestN, bestCols := "", len(mine), []string(nil)
	for _, other := range CSVKinds {
		if other == kind {
			continue
		}
		colOf, taken := headerMapping(other, header)
		if len(missingColumns(other, taken)) > 0 || len(taken) <= bestN {
			continue
		}
		var cols []string
		for i, fi := range colOf {
			if fi >= 0 {
				cols = append(cols, header[i])
			}
		}
		best, bestN, bestCols = other, len(taken), cols
	}
	return best, bestCols
}

func newCSVReader(kind string, in io.Reader, res *CSVImport, maxErrors int) (*csvReader, error) {
	fields, ok := csvFields[kind]
	if !ok {
		return nil, fmt.Errorf("unknown CSV kind %q; known: %s", kind, strings.Join(CSVKinds, ", "))
	}
	lim := newRecordLimiter(in, maxCSVRecordBytes)
	r := csv.NewReader(lim)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty", ErrCSVHeader)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCSVHeader, err)
	}
	if lim.over(1) {
		return nil, fmt.Errorf("%w: the header is longer than %d KB", ErrCSVHeader, maxCSVRecordBytes>>10)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // a spreadsheet's byte-order mark
	}
	for i, h := range header {
		if reason := badText(h, capShort); reason != "" {
			return nil, fmt.Errorf("%w: column %d %s", ErrCSVHeader, i+1, reason)
		}
	}
	colOf, taken := headerMapping(kind, header)
	missing := missingColumns(kind, taken)
	if other, cols := betterKind(kind, header); other != "" {
		what := "it has no column for " + strings.Join(missing, ", ")
		if len(missing) == 0 {
			what = fmt.Sprintf("only %d of its columns fill %s", len(taken), kind)
		}
		return nil, fmt.Errorf("%w: this looks like a file of %s, not %s: %s fill %s, and %s. Import it with --kind %s (the header is %q)",
			ErrCSVHeader, other, kind, strings.Join(cols, ", "), other, what, other, strings.Join(header, ","))
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: no column for %s (the header is %q)", ErrCSVHeader, strings.Join(missing, ", "), strings.Join(header, ","))
	}
	res.Columns = map[string]string{}
	for i, fi := range colOf {
		if fi >= 0 {
			res.Columns[header[i]] = fields[fi].name
		} else {
			res.Ignored = append(res.Ignored, header[i])
		}
	}
	return &csvReader{r: r, lim: lim, kind: kind, colOf: colOf, fields: fields, header: header, res: res, max: maxErrors}, nil
}

// next returns the next row whose every field is readable text within its cap, recording the
// others as errors; io.EOF at the end.
func (cr *csvReader) next() (csvRow, error) {
	for {
		rec, err := cr.r.Read()
		if err == io.EOF {
			if cr.progress != nil {
				cr.progress(CSVProgress{Rows: cr.res.Rows, Merging: true})
			}
			return csvRow{}, io.EOF
		}
		if cr.progress != nil && cr.res.Rows%csvProgressEvery == 0 && cr.res.Rows > 0 {
			cr.progress(CSVProgress{Rows: cr.res.Rows})
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				cr.res.Rows++
				cr.reject(CSVRowError{Row: cr.lim.fileLine(pe.StartLine), Reason: "not valid CSV: " + pe.Err.Error()})
				continue
			}
			return csvRow{}, fmt.Errorf("read CSV: %w", err)
		}
		csvLine, _ := cr.r.FieldPos(0)
		line := cr.lim.fileLine(csvLine)
		cr.res.Rows++
		if col, ok := cr.lim.overColumn(csvLine); ok {
			cr.reject(CSVRowError{Row: line, Column: cr.columnName(col), Reason: fmt.Sprintf("makes the row longer than %d KB; the row is skipped", maxCSVRecordBytes>>10)})
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			cr.res.Rows-- // a blank line
			continue
		}
		if len(rec) != len(cr.header) {
			cr.reject(CSVRowError{Row: line, Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(cr.header))})
			continue
		}
		if cr.vals == nil {
			cr.vals = make([]string, len(cr.fields))
		}
		clear(cr.vals)
		row := csvRow{line: line, vals: cr.vals, at: csvFieldIndex[cr.kind]}
		bad := false
		for i, v := range rec {
			fi := cr.colOf[i]
			if fi < 0 {
				continue
			}
			f := cr.fields[fi]
			if reason := badText(v, f.max); reason != "" {
				cr.reject(CSVRowError{Row: line, Column: f.name, Reason: reason})
				bad = true
				break
			}
			row.vals[fi] = v
		}
		if !bad {
			return row, nil
		}
	}
}

func (cr *csvReader) columnName(i int) string {
	if i >= 0 && i < len(cr.header) {
		if fi := cr.colOf[i]; fi >= 0 {
			return cr.fields[fi].name
		}
		return cr.header[i]
	}
	return ""
}

func (cr *csvReader) reject(e CSVRowError) {
	cr.res.Rejected++
	if len(cr.res.Errors) < cr.max {
		cr.res.Errors = append(cr.res.Errors, e)
	}
}

// badText says what is wrong with a field's text, "" when nothing: PostgreSQL refuses NUL bytes
// and invalid UTF-8 (one such row would abort a whole COPY), SQLite would store them as they
// are, and neither belongs in a Slack message.
func badText(v string, max int) string {
	if !utf8.ValidString(v) {
		return "is not valid UTF-8 text (save the file as UTF-8)"
	}
	if strings.IndexByte(v, 0) >= 0 {
		return "contains a NUL byte"
	}
	if max > 0 && len(v) > max && utf8.RuneCountInString(v) > max {
		return fmt.Sprintf("is longer than %s characters", groupThousands(max))
	}
	return ""
}

func groupThousands(n int) string { return english.Sprintf("%d", n) }

var english = message.NewPrinter(language.English)

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

// recordLimiter sits between the file and encoding/csv and keeps any one record under a byte
// budget without holding it: it follows CSV quoting just far enough to know where records and
// fields end, and once a record passes the budget it forwards only the bytes that give the
// record its shape (quotes, and commas and the ending newline outside quotes), so the CSV reader
// still sees one record with the same fields, a few bytes long. Newlines dropped inside quotes
// are counted so that later rows keep their real line numbers.
type recordLimiter struct {
	r     io.Reader
	limit int

	inQuotes    bool
	closedQuote bool // the previous byte closed a quoted section ("" inside quotes reopens it)
	fieldStart  bool
	recBytes    int
	field       int
	overField   int // the field in which the record went over the budget, -1 while within it
	csvLine     int // line as the CSV reader counts it (newlines forwarded + 1)
	recLine     int // csvLine where the current record started
	dropped     int // newlines dropped so far

	overs  map[int]int // csvLine where a too-long record starts → the column that made it so
	shifts []lineShift // where dropped newlines shift the file's line numbers
}

type lineShift struct{ fromCSVLine, dropped int }

func newRecordLimiter(r io.Reader, limit int) *recordLimiter {
	return &recordLimiter{r: r, limit: limit, fieldStart: true, overField: -1, csvLine: 1, recLine: 1, overs: map[int]int{}}
}

// Read implements io.Reader.
func (l *recordLimiter) Read(p []byte) (int, error) {
	for {
		n, err := l.r.Read(p)
		w := 0
		for i := 0; i < n; i++ {
			if c := p[i]; l.step(c) {
				p[w] = c
				w++
			}
		}
		if w > 0 || err != nil || n == 0 {
			return w, err
		}
	}
}

// step follows one byte and reports whether to forward it.
func (l *recordLimiter) step(c byte) bool {
	l.recBytes++
	if l.overField < 0 && l.recBytes > l.limit {
		l.overField = l.field
		l.overs[l.recLine] = l.field
	}
	over := l.overField >= 0
	switch {
	case c == '"':
		switch {
		case l.inQuotes:
			l.inQuotes, l.closedQuote = false, true
			return true
		case l.fieldStart || l.closedQuote:
			l.inQuotes, l.closedQuote, l.fieldStart = true, false, false
			return true
		}
		l.fieldStart = false
		return true
	case l.inQuotes:
		if c == '\n' {
			if over {
				l.dropped++
				return false
			}
			l.csvLine++
		}
		return !over
	}
	l.closedQuote = false
	switch c {
	case ',':
		l.field++
		l.fieldStart = true
		return true
	case '\n':
		if l.dropped > 0 && (len(l.shifts) == 0 || l.shifts[len(l.shifts)-1].dropped != l.dropped) {
			l.shifts = append(l.shifts, lineShift{fromCSVLine: l.csvLine + 1, dropped: l.dropped})
		}
		l.csvLine++
		l.recLine = l.csvLine
		l.recBytes, l.field, l.overField, l.fieldStart = 0, 0, -1, true
		return true
	}
	l.fieldStart = false
	return !over
}

// over reports whether the record starting at csvLine went over the budget.
func (l *recordLimiter) over(csvLine int) bool {
	_, ok := l.overs[csvLine]
	return ok
}

// overColumn returns the column that made the record starting at csvLine too long, and whether
// it was; the entry is forgotten once asked for.
func (l *recordLimiter) overColumn(csvLine int) (int, bool) {
	col, ok := l.overs[csvLine]
	if ok {
		delete(l.overs, csvLine)
	}
	return col, ok
}

// fileLine converts a line number as the CSV reader counts it to the file's.
func (l *recordLimiter) fileLine(csvLine int) int {
	i := sort.Search(len(l.shifts), func(i int) bool { return l.shifts[i].fromCSVLine > csvLine })
	if i == 0 {
		return csvLine
	}
	return csvLine + l.shifts[i-1].dropped
}
