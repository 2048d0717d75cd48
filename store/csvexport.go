package store

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

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
				string(a.Stage), a.AdoptionNotes, a.OwnerUserID, a.Source, string(a.Role)}
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

func itoaOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
