package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"outreachbot/identity"
	"outreachbot/sources/adopters"
	"outreachbot/sources/adopterswatch"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// The two published revisions of ADOPTERS.md shipped with the project.
const (
	adoptersDir     = "../../shared/data/backstage-adopters"
	adoptersOlder   = "ADOPTERS-a196ce90e60e.md" // 54 organizations
	adoptersNewer   = "ADOPTERS-0034d8d750ac.md" // 204 organizations
	adoptersOlderN  = 54
	adoptersNewerN  = 204
	adoptersAddedN  = 150 // organizations in the newer list and not in the older one
	adoptersSignals = "adopters_entry"
)

func loadAdopters(t *testing.T, name string) []adopters.Entry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(adoptersDir, name))
	if err != nil {
		t.Fatalf("test data missing: %v", err)
	}
	es, err := adopters.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return es
}

func count(t *testing.T, st *store.Store, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := st.DB().Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// adoptersSnapshot renders every account, contact and adopters signal, so that "re-import
// changes nothing" compares contents, not just counts.
func adoptersSnapshot(t *testing.T, st *store.Store) string {
	t.Helper()
	var b strings.Builder
	var accounts []store.Account
	if err := st.DB().Order("id").Find(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		a.UpdatedAt, a.CreatedAt = time.Time{}, time.Time{}
		fmt.Fprintf(&b, "%+v\n", a)
	}
	var contacts []store.Contact
	if err := st.DB().Order("id").Find(&contacts).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range contacts {
		fmt.Fprintf(&b, "%+v\n", c)
	}
	var signals []store.Signal
	if err := st.DB().Order("id").Find(&signals).Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range signals {
		fmt.Fprintf(&b, "%d %v %s %s %s\n", s.ID, *s.AccountID, s.Kind, s.DedupeKey, s.Title)
	}
	return b.String()
}

// accountOf returns the id of the account an adopters row landed in: by domain, else by name.
func accountOf(t *testing.T, st *store.Store, e adopters.Entry) []int64 {
	t.Helper()
	var ids []int64
	q := st.DB().Model(&store.Account{})
	if e.Domain != "" {
		q = q.Where("domain = ? OR key = ?", e.Domain, identity.Key(e.Organization))
	} else {
		q = q.Where("key = ?", identity.Key(e.Organization))
	}
	if err := q.Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestImportAdopters_bothSnapshotsOneAccountPerOrganization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		for _, tc := range []struct {
			file string
			want int
		}{{adoptersOlder, adoptersOlderN}, {adoptersNewer, adoptersNewerN}} {
			t.Run(tc.file, func(t *testing.T) {
				ctx := context.Background()
				st := storetest.Open(t, d)
				entries := loadAdopters(t, tc.file)
				if len(entries) != tc.want {
					t.Fatalf("parsed %d rows, want %d", len(entries), tc.want)
				}
				res, err := st.ImportAdopters(ctx, adopterswatch.Rows(entries), false, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				if res.Rows != tc.want || res.NewAccounts != tc.want || res.Merged != 0 || res.NewSignals != tc.want {
					t.Errorf("import = %+v, want %d rows, accounts and signals, none merged", res, tc.want)
				}
				if n := count(t, st, "accounts", ""); n != int64(tc.want) {
					t.Errorf("%d accounts, want %d", n, tc.want)
				}
				if n := count(t, st, "signals", "kind = ?", adoptersSignals); n != int64(tc.want) {
					t.Errorf("%d adopters_entry signals, want %d", n, tc.want)
				}
				seen := map[int64]string{}
				for _, e := range entries {
					ids := accountOf(t, st, e)
					if len(ids) != 1 {
						t.Errorf("row %d %q: in %d accounts, want exactly 1", e.Row, e.Organization, len(ids))
						continue
					}
					if prev, dup := seen[ids[0]]; dup {
						t.Errorf("rows %q and %q share one account", prev, e.Organization)
					}
					seen[ids[0]] = e.Organization
				}
				if n := count(t, st, "contacts", "email <> ''"); n != 0 {
					t.Errorf("%d contacts have an e-mail address without --with-emails", n)
				}
				if n := count(t, st, "contacts", "source = ? AND handles NOT LIKE ?", store.AdoptersSource, "%github.com/%"); n != 0 {
					t.Errorf("%d adopters contacts without a GitHub handle", n)
				}
			})
		}
	})
}

func TestImportAdopters_reimportChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		entries := loadAdopters(t, adoptersNewer)
		if _, err := st.ImportAdopters(ctx, adopterswatch.Rows(entries), false, time.Now()); err != nil {
			t.Fatal(err)
		}
		before := adoptersSnapshot(t, st)
		res, err := st.ImportAdopters(ctx, adopterswatch.Rows(entries), false, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if res.NewAccounts != 0 || res.NewSignals != 0 || res.Merged != adoptersNewerN {
			t.Errorf("re-import = %+v, want nothing new and %d merged", res, adoptersNewerN)
		}
		if after := adoptersSnapshot(t, st); after != before {
			t.Errorf("re-import changed the store:\n%s", firstDiff(before, after))
		}
	})
}

func TestImportAdopters_olderThenNewerYieldsExactlyTheAddedOrganizations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		older, newer := loadAdopters(t, adoptersOlder), loadAdopters(t, adoptersNewer)
		if _, err := st.ImportAdopters(ctx, adopterswatch.Rows(older), false, time.Now()); err != nil {
			t.Fatal(err)
		}
		var beforeIDs []int64
		if err := st.DB().Model(&store.Signal{}).Pluck("id", &beforeIDs).Error; err != nil {
			t.Fatal(err)
		}

		res, err := st.ImportAdopters(ctx, adopterswatch.Rows(newer), false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		added := adopters.Diff(older, newer)
		if len(added) != adoptersAddedN {
			t.Fatalf("Diff found %d added organizations, want %d", len(added), adoptersAddedN)
		}
		if res.NewSignals != adoptersAddedN || res.NewAccounts != adoptersAddedN {
			t.Errorf("import = %+v, want %d new signals and accounts", res, adoptersAddedN)
		}
		if n := count(t, st, "accounts", ""); n != adoptersNewerN {
			t.Errorf("%d accounts in all, want %d", n, adoptersNewerN)
		}
		var newSignals []store.Signal
		if err := st.DB().Where("id NOT IN ?", append(beforeIDs, 0)).Find(&newSignals).Error; err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, s := range newSignals {
			if s.Kind != adoptersSignals {
				t.Errorf("new signal of kind %q", s.Kind)
			}
			got[s.DedupeKey] = true
		}
		want := map[string]bool{}
		for _, e := range added {
			want["adopters:"+adopters.Key(e)] = true
		}
		if missing, extra := setDiff(want, got), setDiff(got, want); len(missing)+len(extra) > 0 {
			t.Errorf("new signals differ from the added organizations: missing %v, extra %v", missing, extra)
		}
		// And the newer list once more: nothing.
		again, err := st.ImportAdopters(ctx, adopterswatch.Rows(newer), false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if again.NewSignals != 0 || again.NewAccounts != 0 {
			t.Errorf("importing the newer list twice: %+v", again)
		}
	})
}

func TestImportAdopters_mergesIntoTheReportsAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.OpenSeeded(t, d)
		seeded := count(t, st, "accounts", "")
		entries := loadAdopters(t, adoptersNewer)
		res, err := st.ImportAdopters(ctx, adopterswatch.Rows(entries), false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if res.Merged == 0 || res.NewAccounts+res.Merged != adoptersNewerN {
			t.Errorf("import = %+v: every row is new or merged, some merged", res)
		}
		if n := count(t, st, "accounts", ""); n != seeded+int64(res.NewAccounts) {
			t.Errorf("%d accounts, want %d seeded + %d new", n, seeded, res.NewAccounts)
		}
		// The report's accounts absorb their adopters rows: one "American Airlines", and Paddle.com
		// (adopters) is the report's Paddle by domain.
		for _, c := range []struct{ name, domain string }{
			{"American Airlines", "aa.com"}, {"Expedia Group", "expediagroup.com"}, {"Spotify", "spotify.com"},
			{"Paddle", "paddle.com"}, {"Lunar", "lunar.app"}, {"Netflix", "netflix.com"}, {"Contentful", "contentful.com"},
		} {
			var accs []store.Account
			if err := st.DB().Where("domain = ? OR key = ?", c.domain, identity.Key(c.name)).Find(&accs).Error; err != nil {
				t.Fatal(err)
			}
			if len(accs) != 1 || accs[0].Name != c.name {
				t.Errorf("%s: %d accounts %v, want the report's one", c.name, len(accs), names(accs))
				continue
			}
			if accs[0].Source != "report" {
				t.Errorf("%s: source %q, want the report's account kept", c.name, accs[0].Source)
			}
			if n := count(t, st, "signals", "account_id = ? AND kind = ?", accs[0].ID, adoptersSignals); n != 1 {
				t.Errorf("%s: %d adopters_entry signals, want 1", c.name, n)
			}
		}
		var dups []struct {
			Key string
			N   int
		}
		if err := st.DB().Raw("SELECT key, COUNT(*) AS n FROM accounts GROUP BY key HAVING COUNT(*) > 1").Scan(&dups).Error; err != nil {
			t.Fatal(err)
		}
		if len(dups) > 0 {
			t.Errorf("duplicate account keys: %v", dups)
		}
		before := adoptersSnapshot(t, st)
		if res, err := st.ImportAdopters(ctx, adopterswatch.Rows(entries), false, time.Now()); err != nil || res.NewSignals != 0 || res.NewAccounts != 0 {
			t.Errorf("re-import over the seed: %+v, %v", res, err)
		}
		if after := adoptersSnapshot(t, st); after != before {
			t.Errorf("re-import over the seed changed the store:\n%s", firstDiff(before, after))
		}
	})
}

func TestImportAdopters_withEmailsKeepsAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		st := storetest.Open(t, d)
		if _, err := st.ImportAdopters(ctx, adopterswatch.Rows(loadAdopters(t, adoptersNewer)), true, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n := count(t, st, "contacts", "email <> ''"); n == 0 {
			t.Error("--with-emails stored no e-mail address")
		}
	})
}

func names(accs []store.Account) []string {
	out := make([]string, len(accs))
	for i, a := range accs {
		out[i] = a.Name
	}
	return out
}

func setDiff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "before: " + x + "\nafter:  " + y
		}
	}
	return ""
}
