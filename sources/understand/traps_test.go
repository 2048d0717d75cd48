package understand_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"outreachbot/sources/understand"
)

// trapAccounts are names that are also ordinary words, next to distinctive ones.
var trapAccounts = []understand.Account{
	{ID: 1, Name: "Port", Aliases: []string{"getport", "Port.io"}, Domain: "port.io"},
	{ID: 2, Name: "Paddle", Aliases: []string{"Paddle.com"}, Domain: "paddle.com"},
	{ID: 3, Name: "Lunar", Domain: "lunar.app"},
	{ID: 4, Name: "Adobe", Domain: "adobe.com"},
	{ID: 5, Name: "Ford", Aliases: []string{"Ford Motor Company"}, Domain: "ford.com"},
	{ID: 6, Name: "Box", Domain: "box.com"},
	{ID: 7, Name: "Contentful", Domain: "contentful.com"},
	{ID: 8, Name: "Okay", Domain: "okayhq.com"},
	{ID: 9, Name: "American Airlines", Domain: "aa.com"},
	{ID: 10, Name: "Red Hat", Aliases: []string{"RedHat"}, Domain: "redhat.com"},
	{ID: 11, Name: "Zalando SE", Domain: "zalando.com"},
	{ID: 12, Name: "Spotify", Domain: "spotify.com"},
	{ID: 13, Name: "DAZN", Domain: "dazn.com"},
	{ID: 14, Name: "Unity", Domain: "unity.com"},
	{ID: 15, Name: "Baillie Gifford", Domain: "bailliegifford.com"},
	{ID: 16, Name: "H&M", Aliases: []string{"HM", "H and M"}, Domain: "hm.com"},
	{ID: 17, Name: "Netflix", Domain: "netflix.com"},
}

func TestAccounts_ordinaryWordsAreNotCompanies(t *testing.T) {
	an := understand.New(trapAccounts, nil)
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"adobe brick", "The walls are adobe brick, and Adobe bricks keep the house cool.", nil},
		{"port number", "The backend listens on port 7007; expose Port 8080 in the container.", nil},
		{"port of call", "The ship left Port Said at dawn and reached the port by night.", nil},
		{"paddle boarding", "Paddle boarding on the lake, then a paddle back to shore.", nil},
		{"lunar eclipse", "The Lunar New Year parade and a lunar eclipse in one week.", nil},
		{"ford a river", "Ford the river where it is widest. Harrison Ford was not there.", nil},
		{"box verb", "Box up the old laptops. Put them in a box.", nil},
		{"okay interjection", "Okay, so we tried Backstage last year.", nil},
		{"unity version", "Unity 2022 LTS builds fail on the runner.", nil},
		{"red hat lower", "She wore a red hat to the conference.", nil},
		{"npm scope", "Install @spotify/backstage-plugin-insights and restart.", nil},
		{"product she owns", "She edits her Netflix videos at night and posts them.", nil},
		{"product I own", "I shared my Spotify playlist for the offsite.", nil},
		{"watching", "We were watching Netflix after the release party.", nil},
		{"listening", "Listening to Spotify while the build runs.", nil},
		{"licence", "Their Adobe licences expire in May.", nil},

		{"at company", "I lead the platform team at Paddle and we run Backstage.", []string{"Paddle"}},
		{"possessive", "Lunar's platform team wrote about their portal.", []string{"Lunar"}},
		{"list", "Roadie's clients include Baillie Gifford, Contentful, Paddle and Lunar.", []string{"Baillie Gifford", "Contentful", "Paddle", "Lunar"}},
		{"company verb", "Adobe won the CNCF Top End User Award.", []string{"Adobe"}},
		{"evaluated", "We evaluated Port before building our own.", []string{"Port"}},
		{"domain", "Questions to jane@paddle.com or see https://www.port.io/pricing.", []string{"Paddle", "Port"}},
		{"is hiring", "Box is hiring a platform engineer.", []string{"Box"}},
		{"title line", "Engineering Manager, Platform — Unity\nLead our portal team.", []string{"Unity"}},
		{"confirmed elsewhere", "Port.io raised a round. Port says its portal is live in days.", []string{"Port"}},
		{"ex-employee", "Ex-Lunar here: adoption was the hard part.", []string{"Lunar"}},
		{"distinctive any case", "we use backstage at spotify and zalando", []string{"Spotify", "Zalando SE"}},
		{"titled", "American Airlines and Red Hat presented.", []string{"American Airlines", "Red Hat"}},
		{"acronym", "At DAZN we run Backstage; dazn is not shouting.", []string{"DAZN"}},
		{"ampersand", "H&M shared its story.", []string{"H&M"}},
		{"our colleagues at", "Our Netflix colleagues shared their portal.", []string{"Netflix"}},
		{"her team", "Her Spotify team runs Backstage.", []string{"Spotify"}},
		{"possessive company", "Netflix's platform team wrote about paved roads.", []string{"Netflix"}},
		{"works at", "She works at Netflix on the developer portal.", []string{"Netflix"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, m := range an.Accounts(tc.text) {
				got = append(got, m.Key)
			}
			if !sameSet(got, tc.want) {
				t.Errorf("Accounts(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestOrganization_companyFields(t *testing.T) {
	an := understand.New(trapAccounts, nil)
	for _, tc := range []struct {
		field string
		want  string
	}{
		{"@spotify", "Spotify"},
		{"Spotify AB", "Spotify"},
		{"Red Hat, Inc.", "Red Hat"},
		{"Port", "Port"},
		{"@getport", "Port"},
		{"Platform team @ Paddle", "Paddle"},
		{"paddle.com", "Paddle"},
		{"Zalando", "Zalando SE"},
		{"@backstage @spotify", "Spotify"},
		{"Freelance", ""},
		{"", ""},
	} {
		id, ok := an.Organization(tc.field)
		got := ""
		if ok {
			a, _ := an.Account(id)
			got = a.Name
		}
		if got != tc.want {
			t.Errorf("Organization(%q) = %q, want %q", tc.field, got, tc.want)
		}
	}
}

func TestPains_phraseIsReported(t *testing.T) {
	an := understand.New(nil, map[string]int64{"implementation-complexity": 7})
	ms := an.Pains("Honestly? It's a ton of setup and I don't recommend it.")
	if len(ms) != 1 || ms[0].Key != "implementation-complexity" || ms[0].Phrase != "ton of setup" || ms[0].ID != 7 {
		t.Fatalf("Pains = %+v, want implementation-complexity ← \"ton of setup\" (id 7)", ms)
	}
	ms = an.Pains("We keep hundreds of catalog-info.yaml files by hand.")
	if len(ms) == 0 || ms[0].Key != "yaml" || ms[0].Phrase != "catalog-info.yaml" {
		t.Fatalf("Pains = %+v, want yaml ← \"catalog-info.yaml\"", ms)
	}
	if ms := an.Pains("Set baseUrl in app-config.yaml and restart."); len(ms) != 0 {
		t.Errorf("app-config.yaml is configuration, not catalog YAML: %+v", ms)
	}
	if ms := an.Pains("Teams react to incidents faster now."); len(ms) != 0 {
		t.Errorf("\"react to\" is not React: %+v", ms)
	}
}

func TestRelevant(t *testing.T) {
	for text, want := range map[string]bool{
		"How we run Backstage for 2,000 engineers":       true,
		"Our internal developer portal, one year later":  true,
		"Platform engineering at a mid-size fintech":     true,
		"Ten recipes for sourdough bread":                false,
		"Q3 earnings call: revenue up 12% year on year.": false,
	} {
		if got := understand.Relevant(text); got != want {
			t.Errorf("Relevant(%q) = %v, want %v", text, got, want)
		}
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return len(a) == len(b) || reflect.DeepEqual(a, b)
}

// An issue body anyone can write may be one long list of ambiguous names; accepting them along
// the list must stay linear, or one issue stalls the watcher (it took minutes at 5 KB before).
func TestAccounts_longListOfAmbiguousNamesStaysFast(t *testing.T) {
	an := understand.New(trapAccounts, nil)
	text := strings.Repeat("Port, Paddle, ", 3000) + "Contentful"
	start := time.Now()
	var got []string
	for _, m := range an.Accounts(text) {
		got = append(got, m.Key)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a 40 KB list took %s", took)
	}
	if want := []string{"Port", "Paddle", "Contentful"}; !sameSet(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
