package adopters

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// dataDir holds two published revisions of ADOPTERS.md (see SOURCE.md there).
const dataDir = "../../../shared/data/backstage-adopters"

const (
	oldFile = "ADOPTERS-a196ce90e60e.md" // 54 rows, no "# Adopters" heading
	newFile = "ADOPTERS-0034d8d750ac.md" // 204 rows
)

type testingT interface {
	Helper()
	Fatalf(format string, args ...any)
}

func readData(t testingT, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, name))
	if err != nil {
		t.Fatalf("test data missing: %v", err)
	}
	return b
}

func parseFile(t *testing.T, name string) []Entry {
	t.Helper()
	es, err := Parse(bytes.NewReader(readData(t, name)))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return es
}

func byOrg(t *testing.T, es []Entry, org string) Entry {
	t.Helper()
	for _, e := range es {
		if e.Organization == org {
			return e
		}
	}
	t.Fatalf("no entry %q", org)
	return Entry{}
}

func TestParseFiles(t *testing.T) {
	for _, tc := range []struct {
		file string
		want int
	}{
		{oldFile, 54},
		{newFile, 204},
	} {
		t.Run(tc.file, func(t *testing.T) {
			es := parseFile(t, tc.file)
			if len(es) != tc.want {
				t.Fatalf("got %d entries, want %d", len(es), tc.want)
			}
			for i, e := range es {
				if e.Row != i+1 {
					t.Errorf("entry %d: Row = %d, want %d", i, e.Row, i+1)
				}
				if strings.TrimSpace(e.Organization) == "" {
					t.Errorf("row %d: empty Organization", e.Row)
				}
				if e.Website != "" && e.Domain == "" {
					t.Errorf("row %d (%s): link %q but no Domain", e.Row, e.Organization, e.Website)
				}
				if e.Website == "" {
					t.Errorf("row %d (%s): no website link", e.Row, e.Organization)
				}
				if strings.Contains(e.Domain, "/") || strings.HasPrefix(e.Domain, "www.") || e.Domain != strings.ToLower(e.Domain) {
					t.Errorf("row %d: Domain %q not normalized", e.Row, e.Domain)
				}
				if strings.Contains(e.Description, "  ") || strings.Contains(e.Description, "<br") || strings.Contains(e.Description, "|") {
					t.Errorf("row %d: Description not clean: %q", e.Row, e.Description)
				}
				if e.Stage != DeriveStage(e.Description) {
					t.Errorf("row %d: Stage %q != DeriveStage %q", e.Row, e.Stage, DeriveStage(e.Description))
				}
				if len(e.Contacts) == 0 {
					t.Errorf("row %d (%s): no contacts", e.Row, e.Organization)
				}
				for _, c := range e.Contacts {
					if c.Name == "" || c.DisplayName == "" {
						t.Errorf("row %d: contact without a name: %+v", e.Row, c)
					}
					if strings.HasPrefix(c.Name, "@") {
						t.Errorf("row %d: Name keeps @: %+v", e.Row, c)
					}
					if c.GitHub == "" && c.Email == "" && c.URL == "" {
						t.Errorf("row %d: contact with no handle, address or link: %+v", e.Row, c)
					}
					if c.Email != "" && !strings.Contains(c.Email, "@") {
						t.Errorf("row %d: bad Email: %+v", e.Row, c)
					}
				}
			}
		})
	}
}

func TestKeysAndDiff(t *testing.T) {
	old, cur := parseFile(t, oldFile), parseFile(t, newFile)

	newKeys := map[string]Entry{}
	for _, e := range cur {
		k := Key(e)
		if k == "" {
			t.Errorf("row %d: empty Key", e.Row)
		}
		if prev, dup := newKeys[k]; dup {
			t.Errorf("Key %q shared by row %d (%s) and row %d (%s)", k, prev.Row, prev.Organization, e.Row, e.Organization)
		}
		newKeys[k] = e
	}
	oldKeys := map[string]bool{}
	for _, e := range old {
		k := Key(e)
		if oldKeys[k] {
			t.Errorf("old list: Key %q twice", k)
		}
		oldKeys[k] = true
		if _, ok := newKeys[k]; !ok {
			t.Errorf("old row %d (%s): Key %q not in newer list", e.Row, e.Organization, k)
		}
	}

	// TELUS (https://telus.com) and Telus (https://www.telus.com/en/) are one
	// organization.
	oldTelus, newTelus := byOrg(t, old, "TELUS"), byOrg(t, cur, "Telus")
	if Key(oldTelus) != "telus.com" || Key(newTelus) != "telus.com" {
		t.Errorf("TELUS keys: %q, %q; want telus.com", Key(oldTelus), Key(newTelus))
	}

	added := Diff(old, cur)
	if len(added) != 150 {
		t.Fatalf("Diff: %d entries, want 150", len(added))
	}
	for _, e := range added {
		if oldKeys[Key(e)] {
			t.Errorf("Diff returned %s, which is in the old list", e.Organization)
		}
		if e.Organization == "Telus" || e.Organization == "Spotify" {
			t.Errorf("Diff returned %s", e.Organization)
		}
	}
	if len(Diff(cur, cur)) != 0 || len(Diff(cur, old)) != 0 {
		t.Error("Diff of a list against itself or a superset is not empty")
	}
	if got := Diff(nil, old); len(got) != len(old) {
		t.Errorf("Diff(nil, old) = %d entries, want %d", len(got), len(old))
	}
}

func TestDiffByName(t *testing.T) {
	old := []Entry{{Organization: "Acme Corp.", Domain: "acme.com"}, {Organization: "No Site"}}
	cur := []Entry{
		{Organization: "ACME corp", Domain: "acme.io"},     // same name, new site: not new
		{Organization: "Acme", Domain: "www2.acme.com"},    // different key and name: new
		{Organization: "no-site"},                          // same normalized name, no domain: not new
		{Organization: "Other", Domain: "acme.com"},        // same domain: not new
		{Organization: "Brand New", Domain: "brandnew.io"}, // new
	}
	var got []string
	for _, e := range Diff(old, cur) {
		got = append(got, e.Organization)
	}
	if want := []string{"Acme", "Brand New"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Diff = %q, want %q", got, want)
	}
}

func TestSpecificRows(t *testing.T) {
	old, cur := parseFile(t, oldFile), parseFile(t, newFile)

	t.Run("Expedia contacts", func(t *testing.T) {
		e := byOrg(t, cur, "Expedia Group")
		if e.Domain != "expediagroup.com" || e.Website != "https://www.expediagroup.com" {
			t.Errorf("Website %q Domain %q", e.Website, e.Domain)
		}
		want := []Contact{
			{Name: "guillermomanzo", DisplayName: "@guillermomanzo", GitHub: "guillermomanzo"},
			{Name: "Sheena Sharma", DisplayName: "Sheena Sharma", Email: "shesharma@expediagroup.com"},
			{Name: "ajbw", DisplayName: "@ajbw", GitHub: "ajbw"},
		}
		if !reflect.DeepEqual(e.Contacts, want) {
			t.Errorf("Contacts = %+v\nwant %+v", e.Contacts, want)
		}
		// The older revision lists four contacts, two by e-mail.
		if o := byOrg(t, old, "Expedia Group"); len(o.Contacts) != 4 || o.Contacts[0].Email != "miturner@expediagroup.com" || o.Contacts[3].GitHub != "lindgren" {
			t.Errorf("old Expedia contacts = %+v", o.Contacts)
		}
	})

	for _, tc := range []struct {
		name  string
		list  []Entry
		row   int
		check func(t *testing.T, e Entry)
	}{
		{"bol.com domain", cur, 2, func(t *testing.T, e Entry) {
			if e.Organization != "bol.com" || e.Domain != "bol.com" || e.Website != "https://www.bol.com" || e.Stage != StageInitial {
				t.Errorf("%+v", e)
			}
		}},
		{"missing description cell", cur, 185, func(t *testing.T, e Entry) {
			// "| [CRV](https://crv4all.com) | [Pepijn Schildkamp](mailto:...) |"
			if e.Organization != "CRV" || e.Domain != "crv4all.com" || e.Description != "" || e.Stage != "" ||
				len(e.Contacts) != 1 || e.Contacts[0].Email != "pepijn.schildkamp@crv4all.com" {
				t.Errorf("%+v", e)
			}
		}},
		{"empty description", cur, 167, func(t *testing.T, e Entry) {
			if e.Organization != "Frontside" || e.Description != "" || len(e.Contacts) != 1 || e.Contacts[0].Email != "taras@frontside.com" {
				t.Errorf("%+v", e)
			}
		}},
		{"two organizations with slash, old", old, 42, func(t *testing.T, e Entry) {
			if e.Organization != "Prisjakt / PriceSpy" || !reflect.DeepEqual(e.AlsoNamed, []string{"PriceSpy"}) ||
				e.Website != "https://www.prisjakt.nu" || e.Domain != "prisjakt.nu" {
				t.Errorf("%+v", e)
			}
		}},
		{"two organizations with slash, new", cur, 41, func(t *testing.T, e Entry) {
			if e.Organization != "Prisjakt / PriceSpy" || !reflect.DeepEqual(e.AlsoNamed, []string{"PriceSpy"}) || e.Domain != "prisjakt.nu" {
				t.Errorf("%+v", e)
			}
		}},
		{"two organizations with ampersand", cur, 85, func(t *testing.T, e Entry) {
			if e.Organization != "RCHLO & MIDWAY" || !reflect.DeepEqual(e.AlsoNamed, []string{"MIDWAY"}) || e.Domain != "riachuelo.com.br" {
				t.Errorf("%+v", e)
			}
		}},
		{"former name", cur, 121, func(t *testing.T, e Entry) {
			if e.Organization != "Wise, formerly TransferWise" || !reflect.DeepEqual(e.AlsoNamed, []string{"TransferWise"}) || e.Domain != "wise.com" {
				t.Errorf("%+v", e)
			}
		}},
		{"emoji", cur, 30, func(t *testing.T, e Entry) {
			if e.Organization != "MoonShiner" || !strings.HasSuffix(e.Description, "improve our development process 🌕🚀🧑‍🚀") {
				t.Errorf("%q", e.Description)
			}
		}},
		{"br in description", cur, 72, func(t *testing.T, e Entry) {
			want := "Primary usage: software catalog and templates\nEmerging usage : TechDocs, Explore Ecosystem, TechRadar, etc"
			if e.Organization != "Telstra" || e.Description != want {
				t.Errorf("Description = %q, want %q", e.Description, want)
			}
		}},
		{"code span and link in description", cur, 9, func(t *testing.T, e Entry) {
			if e.Description != "Replacing the frontend of The Zoo, their service registry." {
				t.Errorf("%q", e.Description)
			}
		}},
		{"contacts joined with 'and'", cur, 180, func(t *testing.T, e Entry) {
			var names []string
			for _, c := range e.Contacts {
				names = append(names, c.Name)
			}
			if want := []string{"Pat Mills", "Nathan Flynn", "Nishkarsh Raj"}; !reflect.DeepEqual(names, want) {
				t.Errorf("names %q, want %q", names, want)
			}
		}},
		{"contacts without comma; trailing comma", cur, 40, func(t *testing.T, e Entry) {
			if len(e.Contacts) != 2 || e.Contacts[1].GitHub != "creditas" || e.Contacts[1].DisplayName != "@Creditas" {
				t.Errorf("%+v", e.Contacts)
			}
		}},
		{"trailing comma", cur, 69, func(t *testing.T, e Entry) {
			if e.Organization != "Globo" || len(e.Contacts) != 4 {
				t.Errorf("%+v", e.Contacts)
			}
		}},
		{"link text handle differs from GitHub URL", cur, 73, func(t *testing.T, e Entry) {
			want := Contact{Name: "tino.milton", DisplayName: "@tino.milton", GitHub: "miltonjacomini"}
			if len(e.Contacts) != 2 || e.Contacts[1] != want {
				t.Errorf("%+v", e.Contacts)
			}
		}},
		{"twitter link", old, 33, func(t *testing.T, e Entry) {
			want := Contact{Name: "Lou Bichard", DisplayName: "Lou Bichard", URL: "https://twitter.com/loujaybee"}
			if e.Organization != "DAZN" || len(e.Contacts) != 3 || e.Contacts[0] != want || e.Contacts[2].Email != "alex.hollerith@dazn.com" {
				t.Errorf("%+v", e.Contacts)
			}
		}},
		{"plus in mailto", cur, 144, func(t *testing.T, e Entry) {
			if len(e.Contacts) != 1 || e.Contacts[0].Email != "robots+swag@syndetic.io" {
				t.Errorf("%+v", e.Contacts)
			}
		}},
		{"non-www subdomain", cur, 129, func(t *testing.T, e Entry) {
			if e.Organization != "Sendinblue" || e.Domain != "engineering.sendinblue.com" {
				t.Errorf("%+v", e)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.row < 1 || tc.row > len(tc.list) {
				t.Fatalf("no row %d", tc.row)
			}
			e := tc.list[tc.row-1]
			if e.Row != tc.row {
				t.Fatalf("entry %d has Row %d", tc.row, e.Row)
			}
			tc.check(t, e)
		})
	}
}

func TestParseSynthetic(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    []Entry
		wantErr bool
	}{
		{name: "empty", in: "", wantErr: true},
		{name: "no table", in: "# Adopters\n\nNobody yet.\n", wantErr: true},
		{name: "other table", in: "| a | b |\n|---|---|\n| 1 | 2 |\n", wantErr: true},
		{name: "pipes without delimiter row", in: "| Organization | Contact |\n| [A](https://a.com) | x |\n", wantErr: true},
		{name: "header only", in: "| Organization | Contact | Description of Use |\n| --- | --- | --- |\n", want: nil},
		{
			name: "plain-text contacts and reordered columns",
			in: "| Description of Use | Organisation | Contact |\n|:--|:-:|--:|\n" +
				"| Evaluating it &amp; *more*<BR>next line | **[Foo Inc](HTTPS://WWW.Foo.COM:8443/x?y#z)** | @alice, Bob Smith; carol@foo.com and https://github.com/dave @erin @frank |\n" +
				"|  | | |\n" +
				"| x | Plain Org | |\n",
			want: []Entry{
				{
					Organization: "Foo Inc", Website: "HTTPS://WWW.Foo.COM:8443/x?y#z", Domain: "foo.com",
					Description: "Evaluating it & more\nnext line", Stage: StageEvaluating, Row: 1,
					Contacts: []Contact{
						{Name: "alice", DisplayName: "@alice", GitHub: "alice"},
						{Name: "Bob Smith", DisplayName: "Bob Smith"},
						{Name: "carol@foo.com", DisplayName: "carol@foo.com", Email: "carol@foo.com"},
						{Name: "https://github.com/dave", DisplayName: "https://github.com/dave", GitHub: "dave"},
						{Name: "erin", DisplayName: "@erin", GitHub: "erin"},
						{Name: "frank", DisplayName: "@frank", GitHub: "frank"},
					},
				},
				{Organization: "Plain Org", Description: "x", Row: 3},
			},
		},
		{
			name: "name with handle in plain text",
			in:   "| Organization | Contact |\n|---|---|\n| Acme | Bob Smith (@bob) / Ann Lee: ann@acme.io |\n",
			want: []Entry{{
				Organization: "Acme", Row: 1,
				Contacts: []Contact{
					{Name: "Bob Smith", DisplayName: "Bob Smith (@bob)", GitHub: "bob"},
					{Name: "Ann Lee", DisplayName: "Ann Lee: ann@acme.io", Email: "ann@acme.io"},
				},
			}},
		},
		{
			name: "link without text, autolinks",
			in: "| Organization | Contact | Description |\n| - | - | - |\n" +
				"| [](https://empty.example.org/) | <a@b.io> <https://linkedin.com/in/x> [](https://github.com/orgs/acme/people) | |\n",
			want: []Entry{{
				Organization: "empty.example.org", Website: "https://empty.example.org/", Domain: "empty.example.org", Row: 1,
				Contacts: []Contact{
					{Name: "a@b.io", DisplayName: "a@b.io", Email: "a@b.io"},
					{Name: "https://linkedin.com/in/x", DisplayName: "https://linkedin.com/in/x", URL: "https://linkedin.com/in/x"},
					{Name: "acme", DisplayName: "acme", GitHub: "acme"},
				},
			}},
		},
		{
			name: "table inside other markdown, extra cells",
			in:   "intro\n\n> | Company | Contact | Use | Extra |\n> |---|---|---|---|\n> | [X](x.io) | [Y](mailto:y@x.io?subject=hi) | Used by all teams | z |\n",
			want: []Entry{{
				Organization: "X", Website: "x.io", Domain: "x.io", Description: "Used by all teams", Stage: StageProduction, Row: 1,
				Contacts: []Contact{{Name: "Y", DisplayName: "Y", Email: "y@x.io"}},
			}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tc.in))
			if tc.wantErr {
				if !errors.Is(err, ErrNoTable) {
					t.Fatalf("err = %v, want ErrNoTable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestKey(t *testing.T) {
	for _, tc := range []struct {
		e    Entry
		want string
	}{
		{Entry{Organization: "TELUS", Domain: "telus.com"}, "telus.com"},
		{Entry{Organization: "Expedia Group"}, "expediagroup"},
		{Entry{Organization: "Grupo Boticário"}, "grupoboticario"}, // accents folded, as the store keys accounts
		{Entry{Organization: "Nestlé"}, "nestle"},
		{Entry{Organization: "H-E-B"}, "heb"},
		{Entry{Organization: "🚀"}, "🚀"},
	} {
		if got := Key(tc.e); got != tc.want {
			t.Errorf("Key(%+v) = %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestDeriveStage(t *testing.T) {
	for _, tc := range []struct{ desc, want string }{
		// initial (real descriptions)
		{"Initial work being done to unify platform tooling.", StageInitial},
		{"Initial Work Developer Portal with TechRadar, Service Catalogue, TechDocs, anything about platform & infrastructure resources.", StageInitial},
		{"Getting started with the adoption for Monorepo projects", StageInitial},
		{"We are in early stages, but using it to get overview of our repositories and ownership of these. We want among many things to use it for compliance and easier access to key metrics for our repos.", StageInitial},
		{"It's early days for us, we're trying to start small with catalog, tech docs and unified search.", StageInitial},
		{"We're starting to use Backstage as the central hub for service discovery, documentation, and develop experience.", StageInitial},
		{"Creating our first developer portal and tech-docs. Exploring Service Catalog, Tech Insights and Cost Insights as well.", StageInitial},

		// evaluating (real descriptions)
		{"In PoC stage, planning to land it for cloud platform dev team.", StageEvaluating},
		{"Still in a experimental phase/assessing the organisational fit. We will be using it mostly a developer portal -- pretty standard use case.", StageEvaluating},
		{"Centralize our multiple UI in a single portal. Simplify onbording, new features and harmonize how people search information. Core features (catalog,api,docs,scafolder) are good to start the adoption. status: internal beta.", StageEvaluating},
		// evaluating (phrases from the rule table)
		{"Evaluating Backstage against Port.", StageEvaluating},
		{"Proof of concept for the platform team", StageEvaluating},
		{"Pilot with two teams, then in production", StageEvaluating},
		{"Exploring the catalog", StageEvaluating},

		// production (real descriptions)
		{"Main interface towards all of Spotify's infrastructure and technical documentation.", StageProduction},
		{"Developer portal, main gateway to our infrastructure, documentation and internal tooling.", StageProduction},
		{"Our developer portal at HelloFresh - Spread across an organisation of 500+ engineers globally.", StageProduction},
		// production (phrases from the rule table)
		{"In production since 2021.", StageProduction},
		{"Used daily by the platform team", StageProduction},
		{"Rolled out to every squad", StageProduction},
		{"Serving 1,200 engineers", StageProduction},
		{"Used by all engineering teams", StageProduction},

		// unknown (real descriptions that say what, not how far)
		{"V2 self-service platform.", ""},
		{"EG Common Developer Toolkit", ""},
		{"Developer portal, initially focused on software templates and tech-docs.", ""},
		{"We are building our developer portal. Software catalog, Tech Radar and Scaffolding are among the initial features.", ""},
		{"Developer portal for software catalog, discovery and a view of the technologies we are using across the organisation, we are looking to explore how we can enrich our entities in Backstage by integrating a software bill of materials.", ""},
		{"Services exploration, documentation and project generator", ""},
		{"Centralization of all services, standards, documentation, etc. We started the deployment process.", ""},
		{"At Mercedes-Benz we use it as a developer portal with software catalog, TechDocs, Scaffolding and custom plugins. It provides an overview of our tech ecosystem to our product development teams.", ""},
		{"Improving developer experience by centralizing documentation and internal APIs. Goal: Foster InnerSource collaboration and speed up onboarding time in our 500+ people Product & Engineering org.", ""},
		{"Innersource, software analytics, knowledge base for 360 software assessments, collaborative applications, hub for tracking and sharing IP assets.", ""},
		{"We are using the Software Catalog, Software Templates, API documentation, and Techdocs to try and centralize service information.", ""},
		{"", ""},
		// unknown: production negated or in the future
		{"Not yet in production.", ""},
		{"We are planning to go to production next quarter", ""},
		{"Running in our pre-production cluster", ""},
	} {
		if got := DeriveStage(tc.desc); got != tc.want {
			t.Errorf("DeriveStage(%q) = %q, want %q", tc.desc, got, tc.want)
		}
	}
}

// firstLines returns the first n lines of b.
func firstLines(b []byte, n int) []byte {
	i := 0
	for ; n > 0 && i < len(b); n-- {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return b
		}
		i += j + 1
	}
	return b[:i]
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{oldFile, newFile} {
		b := readData(f, name)
		for _, n := range []int{1, 2, 3, 4, 8, 12} {
			f.Add(firstLines(b, n))
		}
	}
	f.Add([]byte("| Organization |\n|-|\n| |\n"))
	f.Add([]byte("| Organization | Contact | Description |\n|---|---|---|\n| [a](<>) | [](mailto:) [@](https://github.com/) , and & | <br><br/> |\n"))
	f.Add([]byte("|Organization|\n|:-:|\n|`a|b`|\\|[x](http://[::1)|\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		es, err := Parse(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrNoTable) || es != nil {
				t.Fatalf("unexpected result: %v, %d entries", err, len(es))
			}
			return
		}
		last := 0
		for _, e := range es {
			if e.Organization == "" || e.Row <= last || Key(e) == "" {
				t.Fatalf("bad entry %+v", e)
			}
			last = e.Row
			for _, c := range e.Contacts {
				if c.Name == "" {
					t.Fatalf("contact without name in %+v", e)
				}
			}
		}
		_ = Diff(es, es)
	})
}
