package store_test

import (
	"context"
	"strings"
	"testing"

	"outreachbot/store"
	"outreachbot/store/storetest"
)

// FuzzImportCSV: the CSV importer's public entry point takes any file: it is refused as a whole
// with a reason, or every row is either imported or listed as a row error, never both, never a
// panic. It runs on SQLite (one store per fuzz worker; rows accumulate, as in real use).
func FuzzImportCSV(f *testing.F) {
	for _, s := range []string{
		"name,domain,industry\nAcme,acme.example,software\n",
		"Company,Website,Employees\n\"Okafor, Health\",okafor.example,\"1,200\"\nBad,bad.example,lots\n",
		"name,owner_user_id\nX,<!channel>\n", "\ufeffname\n=HYPERLINK(\"x\")\n", "name\n\x00\n", "name\n\xff\xfe\n",
		"", "just,a,header\n", "name,domain\n\"unclosed,x\n", "name,employees\nBig,99999999999999999999\n",
	} {
		f.Add(s, 0)
	}
	st := storetest.Open(f, store.SQLite)
	f.Fuzz(func(t *testing.T, data string, kindN int) {
		kind := store.CSVKinds[(kindN%len(store.CSVKinds)+len(store.CSVKinds))%len(store.CSVKinds)]
		res, err := st.ImportCSV(context.Background(), kind, strings.NewReader(data), store.CSVOptions{})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("refused without a reason")
			}
			return
		}
		if res.Imported < 0 || res.Rejected < 0 || res.Rejected < len(res.Errors) && res.Rejected != 0 {
			t.Fatalf("imported %d, rejected %d, %d errors", res.Imported, res.Rejected, len(res.Errors))
		}
		for _, e := range res.Errors {
			if e.Row < 1 || e.Reason == "" {
				t.Fatalf("row error without a row or a reason: %+v", e)
			}
		}
	})
}
