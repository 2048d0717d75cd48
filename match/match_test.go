package match

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"outreachbot/match/matchtest"
)

// IDs of the realistic accounts; synthetic IDs run from 1 to n, so these sit far above.
const (
	idExpedia int64 = 9_000_001 + iota
	idHM
	idBol
	idVolvoCars
	idVolvofinans
	idAmericanAirlines
	idToyota
	idZalando
	idKiwi
	idIKEA
	idTelus
	idSocGen
	idSpotify
	idRoadie
	idRoadieDemo
	idPort
	idNetflix
	idBooking
	idWayfair
	idSiemens
	idEpic
	idPalo
	idHP
	idBox
	idWise
	idATT
	idMcDonalds
	idLunar
	idDAZN
	idMercedes
	idAmericanExpress // only in ambiguity tests
	idVolvoGroup      // only in ambiguity tests
)

// realistic is a slice of the Backstage adopters list and the research report's accounts.
func realistic() []Entry {
	return []Entry{
		{ID: idExpedia, Name: "Expedia Group", Aliases: []string{"Expedia"}, Domain: "expediagroup.com"},
		{ID: idHM, Name: "H&M", Aliases: []string{"HM", "Hennes & Mauritz"}, Domain: "hm.com"},
		{ID: idBol, Name: "bol.com", Domain: "bol.com"},
		{ID: idVolvoCars, Name: "Volvo Cars", Domain: "volvocars.com"},
		{ID: idVolvofinans, Name: "Volvofinans Bank", Domain: "volvofinans.se"},
		{ID: idAmericanAirlines, Name: "American Airlines", Domain: "aa.com"},
		{ID: idToyota, Name: "Toyota", Aliases: []string{"Toyota Motor Corporation"}, Domain: "toyota.com"},
		{ID: idZalando, Name: "Zalando SE", Domain: "zalando.com"},
		{ID: idKiwi, Name: "Kiwi.com", Domain: "kiwi.com"},
		{ID: idIKEA, Name: "IKEA IT AB", Domain: "ingka.com"},
		{ID: idTelus, Name: "Telus", Domain: "telus.com"},
		{ID: idSocGen, Name: "Société Générale", Domain: "societegenerale.com"},
		{ID: idSpotify, Name: "Spotify", Domain: "spotify.com"},
		{ID: idRoadie, Name: "Roadie", Domain: "roadie.io"},
		{ID: idRoadieDemo, Name: "Roadie Demo"},
		{ID: idPort, Name: "Port", Domain: "getport.io"},
		{ID: idNetflix, Name: "Netflix", Domain: "netflix.com"},
		{ID: idBooking, Name: "Booking.com", Domain: "booking.com"},
		{ID: idWayfair, Name: "Wayfair", Domain: "wayfair.com"},
		{ID: idSiemens, Name: "Siemens AG", Aliases: []string{"Siemens"}, Domain: "siemens.com"},
		{ID: idEpic, Name: "Epic Games", Domain: "epicgames.com"},
		{ID: idPalo, Name: "Palo Alto Networks", Domain: "paloaltonetworks.com"},
		{ID: idHP, Name: "HP Inc.", Aliases: []string{"Hewlett-Packard"}, Domain: "hp.com"},
		{ID: idBox, Name: "Box", Domain: "box.com"},
		{ID: idWise, Name: "Wise", Aliases: []string{"TransferWise"}, Domain: "wise.com"},
		{ID: idATT, Name: "AT&T", Domain: "att.com"},
		{ID: idMcDonalds, Name: "McDonald's", Domain: "mcdonalds.com"},
		{ID: idLunar, Name: "Lunar", Domain: "lunar.app"},
		{ID: idDAZN, Name: "DAZN", Domain: "dazn.com"},
		{ID: idMercedes, Name: "Mercedes-Benz Tech Innovation", Aliases: []string{"MBTI"}, Domain: "mercedes-benz.io"},
	}
}

// buildIndex loads entries into an index sized for them, as a start loads every account (other
// tests grow an index from NewIndex, as refreshes do).
func buildIndex(entries ...[]Entry) *Index {
	n := 0
	for _, list := range entries {
		n += len(list)
	}
	ix := NewIndexFor(n)
	for _, list := range entries {
		for _, e := range list {
			ix.Upsert(e)
		}
	}
	return ix
}

var (
	bigOnce sync.Once
	bigIx   *Index
)

// bigIndex is the realistic list mixed into 100,000 synthetic accounts, built once per test binary.
func bigIndex() *Index {
	bigOnce.Do(func() {
		syn := Synthetic(100_000, 42)
		ix := NewIndex()
		real := realistic()
		for i, e := range syn {
			ix.Upsert(e)
			if i%3000 == 0 && len(real) > 0 {
				ix.Upsert(real[0])
				real = real[1:]
			}
		}
		for _, e := range real {
			ix.Upsert(e)
		}
		bigIx = ix
	})
	return bigIx
}

// anyOutcome in an acceptCase only checks notID.
const anyOutcome Outcome = -1

type acceptCase struct {
	query string
	want  Outcome
	id    int64 // the account Best must be (Unique), or must be among Candidates (None/Ambiguous); 0: any
	notID int64 // an account that must not be the Unique answer
}

var acceptance = []acceptCase{
	{query: "expdia", want: Unique, id: idExpedia},
	{query: "Expedia", want: Unique, id: idExpedia},
	{query: "expedia group", want: Unique, id: idExpedia},
	{query: "expediagroup.com", want: Unique, id: idExpedia},
	{query: "https://www.expediagroup.com/about/", want: Unique, id: idExpedia},
	{query: "h&m", want: Unique, id: idHM},
	{query: "H&M", want: Unique, id: idHM},
	{query: "hm", want: Unique, id: idHM},
	{query: "H & M", want: Unique, id: idHM},
	{query: "Hennes & Mauritz", want: Unique, id: idHM},
	{query: "hennes and mauritz", want: Unique, id: idHM},
	{query: "BOL.COM", want: Unique, id: idBol},
	{query: "bol.com", want: Unique, id: idBol},
	{query: "volvo", want: Unique, id: idVolvoCars},
	{query: "Volvo Cars", want: Unique, id: idVolvoCars},
	{query: "volvocars", want: Unique, id: idVolvoCars},
	{query: "volvofinans", want: Unique, id: idVolvofinans},
	{query: "american", want: Unique, id: idAmericanAirlines},
	{query: "americn airlines", want: Unique, id: idAmericanAirlines},
	{query: "aa.com", want: Unique, id: idAmericanAirlines},
	{query: "toyta", want: Unique, id: idToyota},
	{query: "Toyota Motor Corp", want: Unique, id: idToyota},
	{query: "zalando", want: Unique, id: idZalando},
	{query: "Zalando SE", want: Unique, id: idZalando},
	{query: "zalado", want: Unique, id: idZalando},
	{query: "kiwi", want: Unique, id: idKiwi},
	{query: "Kiwi.com", want: Unique, id: idKiwi},
	{query: "ikea", want: Unique, id: idIKEA},
	{query: "IKEA AB", want: Unique, id: idIKEA},
	{query: "ingka.com", want: Unique, id: idIKEA},
	{query: "telus.com", want: Unique, id: idTelus},
	{query: "<https://www.telus.com/en|telus.com>", want: Unique, id: idTelus},
	{query: "someone@telus.com", want: Unique, id: idTelus},
	{query: "Telus", want: Unique, id: idTelus},
	{query: "Societe Generale", want: Unique, id: idSocGen},
	{query: "société générale", want: Unique, id: idSocGen},
	{query: "SOCIÉTÉ  GÉNÉRALE!!", want: Unique, id: idSocGen},
	{query: "socite generale", want: Unique, id: idSocGen},
	{query: "Ñetflix", want: Unique, id: idNetflix},
	{query: "netflx", want: Unique, id: idNetflix},
	{query: "spotify", want: Unique, id: idSpotify},
	{query: "spotfy", want: Unique, id: idSpotify},
	{query: "Roadie", want: Unique, id: idRoadie},
	{query: "roadie demo", want: Unique, id: idRoadieDemo},
	{query: "port", want: Unique, id: idPort},
	{query: "Port", want: Unique, id: idPort},
	{query: "portal", want: anyOutcome, notID: idPort},
	{query: "booking", want: Unique, id: idBooking},
	{query: "palo alto", want: Unique, id: idPalo},
	{query: "palo networks", want: Unique, id: idPalo},
	{query: "hp", want: Unique, id: idHP},
	{query: "Hewlett Packard", want: Unique, id: idHP},
	{query: "att", want: Unique, id: idATT},
	{query: "AT&T", want: Unique, id: idATT},
	{query: "mcdonalds", want: Unique, id: idMcDonalds},
	{query: "McDonald’s", want: Unique, id: idMcDonalds},
	{query: "transferwise", want: Unique, id: idWise},
	{query: "epic", want: Unique, id: idEpic},
	{query: "dazn", want: Unique, id: idDAZN},
	{query: "mercedes benz", want: Unique, id: idMercedes},
	{query: "zzqx", want: None},
	{query: "expedition", want: None, notID: idExpedia},
	{query: "", want: None},
	{query: "   ", want: None},
	{query: "<!channel>", want: anyOutcome},
}

func checkCase(t *testing.T, ix *Index, c acceptCase, strictNone bool) {
	t.Helper()
	r := ix.Resolve(c.query)
	desc := describe(r)
	if c.notID != 0 && r.Outcome == Unique && r.Best.ID == c.notID {
		t.Errorf("Resolve(%q) = %s; must not resolve to %d", c.query, desc, c.notID)
	}
	switch c.want {
	case anyOutcome:
		return
	case Unique:
		if r.Outcome != Unique || (c.id != 0 && r.Best.ID != c.id) {
			t.Errorf("Resolve(%q) = %s; want unique %d", c.query, desc, c.id)
		}
	case None:
		if strictNone && r.Outcome != None {
			t.Errorf("Resolve(%q) = %s; want none", c.query, desc)
		}
		if r.Outcome == Unique && c.notID != 0 && r.Best.ID == c.notID {
			t.Errorf("Resolve(%q) = %s; want no confident match", c.query, desc)
		}
	case Ambiguous:
		if r.Outcome != Ambiguous {
			t.Errorf("Resolve(%q) = %s; want ambiguous", c.query, desc)
		}
	}
}

func describe(r Result) string {
	var b strings.Builder
	b.WriteString(r.Outcome.String())
	if r.Outcome == Unique {
		fmt.Fprintf(&b, " %d %q via %q %.3f", r.Best.ID, r.Best.Name, r.Best.Matched, r.Best.Score)
	}
	for _, c := range r.Candidates {
		fmt.Fprintf(&b, " [%d %q via %q %.3f]", c.ID, c.Name, c.Matched, c.Score)
	}
	return b.String()
}

func TestAcceptance(t *testing.T) {
	ix := buildIndex(realistic())
	for _, c := range acceptance {
		t.Run(c.query, func(t *testing.T) { checkCase(t, ix, c, true) })
	}
}

func TestAcceptanceAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 accounts")
	}
	ix := bigIndex()
	if got, want := ix.Len(), 100_000+len(realistic()); got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	for _, c := range acceptance {
		// At scale a synthetic account may legitimately match a query that finds nothing
		// among the realistic ones, so None cases only require that the wrong account is not chosen.
		t.Run(c.query, func(t *testing.T) { checkCase(t, ix, c, c.query == "zzqx" || c.query == "") })
	}
}

func TestAmbiguous(t *testing.T) {
	const idOtherTelus = 9_100_077
	tests := []struct {
		name  string
		extra []Entry
		query string
		want  []int64 // must all be in the pick-list
	}{
		{"american", []Entry{{ID: idAmericanExpress, Name: "American Express", Domain: "americanexpress.com"}}, "american", []int64{idAmericanAirlines, idAmericanExpress}},
		{"volvo", []Entry{{ID: idVolvoGroup, Name: "Volvo Group", Aliases: []string{"AB Volvo"}, Domain: "volvogroup.com"}}, "volvo", []int64{idVolvoCars, idVolvoGroup}},
		{"roadie prefix", nil, "road", []int64{idRoadie, idRoadieDemo}},
		{"same name twice", []Entry{{ID: idOtherTelus, Name: "Telus"}}, "telus", []int64{idTelus, idOtherTelus}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			small := buildIndex(realistic(), tt.extra)
			big, undo := withExtra(tt.extra)
			defer undo()
			for _, ix := range []*Index{small, big} {
				r := ix.Resolve(tt.query)
				if r.Outcome != Ambiguous {
					t.Fatalf("Resolve(%q) = %s; want ambiguous", tt.query, describe(r))
				}
				if len(r.Candidates) < 2 || len(r.Candidates) > MaxPickList {
					t.Fatalf("pick-list of %d: %s", len(r.Candidates), describe(r))
				}
				for _, id := range tt.want {
					if !slices.ContainsFunc(r.Candidates, func(c Candidate) bool { return c.ID == id }) {
						t.Errorf("Resolve(%q) = %s; pick-list lacks %d", tt.query, describe(r), id)
					}
				}
				if r.Best != (Candidate{}) {
					t.Errorf("Best set on an ambiguous result: %+v", r.Best)
				}
				// An exact full name still wins outright among close ones.
				switch tt.name {
				case "american":
					if r := ix.Resolve("american express"); r.Outcome != Unique || r.Best.ID != idAmericanExpress {
						t.Errorf("american express: %s", describe(r))
					}
					if r := ix.Resolve("American Airlines"); r.Outcome != Unique || r.Best.ID != idAmericanAirlines {
						t.Errorf("American Airlines: %s", describe(r))
					}
					if r := ix.Resolve("amex"); r.Outcome == Unique && r.Best.ID == idAmericanAirlines {
						t.Errorf("amex: %s", describe(r))
					}
				case "volvo":
					if r := ix.Resolve("volvo group"); r.Outcome != Unique || r.Best.ID != idVolvoGroup {
						t.Errorf("volvo group: %s", describe(r))
					}
					if r := ix.Resolve("volvo cars"); r.Outcome != Unique || r.Best.ID != idVolvoCars {
						t.Errorf("volvo cars: %s", describe(r))
					}
				}
			}
		})
	}
}

// withExtra adds extra to the 100,000-account index and returns it with a function undoing that
// (or, with -short, a small index).
func withExtra(extra []Entry) (*Index, func()) {
	if testing.Short() {
		return buildIndex(realistic(), extra), func() {}
	}
	ix := bigIndex()
	n := ix.Len()
	for _, e := range extra {
		ix.Upsert(e)
	}
	return ix, func() {
		for _, e := range extra {
			ix.Remove(e.ID)
		}
		if ix.Len() != n {
			panic("withExtra: extra IDs collided with indexed ones")
		}
	}
}

func TestThresholds(t *testing.T) {
	// Scores of the tiers the thresholds are set between (see score and MinConfidence/MinGap).
	ix := buildIndex(realistic(), []Entry{{ID: idVolvoGroup, Name: "Volvo Group"}})
	score := func(q string, id int64) float64 {
		for _, c := range ix.Search(q, 50) {
			if c.ID == id {
				return c.Score
			}
		}
		return 0
	}
	wholeWord := score("volvo", idVolvoCars)
	otherWhole := score("volvo", idVolvoGroup)
	prefixOfWord := score("volvo", idVolvofinans)
	typo := score("expdia", idExpedia)
	trigramOnly := score("expedition", idExpedia)
	portal := score("portal", idPort)
	t.Logf("whole word %.3f, other whole word %.3f, word prefix %.3f, typo %.3f, trigram only %.3f, portal→Port %.3f",
		wholeWord, otherWhole, prefixOfWord, typo, trigramOnly, portal)
	if wholeWord-prefixOfWord < MinGap {
		t.Errorf("whole word (%.3f) must lead word prefix (%.3f) by MinGap", wholeWord, prefixOfWord)
	}
	if d := wholeWord - otherWhole; d < -MinGap || d > MinGap {
		t.Errorf("two whole-word matches must be within MinGap: %.3f vs %.3f", wholeWord, otherWhole)
	}
	if typo < MinConfidence || prefixOfWord < MinConfidence {
		t.Errorf("typo %.3f and word prefix %.3f must be confident", typo, prefixOfWord)
	}
	if trigramOnly >= MinConfidence || trigramOnly < MinSuggestion {
		t.Errorf("trigram-only similarity %.3f must be a suggestion, not a match", trigramOnly)
	}
	if portal >= MinConfidence {
		t.Errorf("portal → Port scored %.3f", portal)
	}
	if s := score("Roadie", idRoadie); s != 1 {
		t.Errorf("exact score %.3f", s)
	}
	if s := score("Roadie", idRoadieDemo); s >= 1 || s < MinConfidence {
		t.Errorf("Roadie → Roadie Demo %.3f", s)
	}
	if got := []int{maxTypos(3), maxTypos(4), maxTypos(7), maxTypos(8), maxTypos(20)}; !slices.Equal(got, []int{0, 1, 1, 2, 2}) {
		t.Errorf("maxTypos = %v", got)
	}
}

func TestTypoBudget(t *testing.T) {
	ix := buildIndex(realistic(), []Entry{{ID: 1, Name: "Nordwind Logistics"}, {ID: 2, Name: "Acme"}})
	cases := []struct {
		q    string
		want Outcome
		id   int64
	}{
		{"nordwnd logistics", Unique, 1}, // 1 edit in an 8-letter word
		{"nordvind logstiks", Unique, 1}, // 1 edit in an 8-letter word, 2 in a 9-letter one
		{"nrdwnd logistics", Unique, 1},  // 2 edits in a 6-letter word, but only 2 in the 15-letter whole
		{"nrdwnd", None, 0},              // 2 edits in 6 letters
		{"nordwind logistisc", Unique, 1},
		{"nrdwnd lgstcs", None, 0}, // too many
		{"acme", Unique, 2},
		{"acne", Unique, 2}, // 1 edit, 4 letters
		{"acn", None, 0},    // 3 letters: exact or prefix only
		{"ac", Unique, 2},   // word prefix
		{"a", Ambiguous, 0},
		{"axne", None, 0}, // 2 edits in 4 letters
	}
	for _, c := range cases {
		r := ix.Resolve(c.q)
		if r.Outcome != c.want || (c.id != 0 && r.Best.ID != c.id) {
			t.Errorf("Resolve(%q) = %s; want %s %d", c.q, describe(r), c.want, c.id)
		}
	}
}

func TestShortQueries(t *testing.T) {
	ix := buildIndex(realistic())
	// One or two runes: exact or word prefix only, never typo or trigram similarity.
	for _, q := range []string{"h", "x", "z", "ø", "hq", "qz", "1", "&"} {
		for _, c := range ix.Search(q, 20) {
			ok := false
			nq := Normalize(q)
			for _, s := range []string{c.Name, c.Matched} {
				for _, w := range strings.Fields(Normalize(s)) {
					ok = ok || strings.HasPrefix(w, nq)
				}
			}
			if !ok {
				t.Errorf("Search(%q) returned %q via %q", q, c.Name, c.Matched)
			}
		}
	}
	if r := ix.Resolve("b"); r.Outcome == None {
		t.Errorf(`"b" should list the b-accounts: %s`, describe(r))
	}
}

func TestNoneSuggestions(t *testing.T) {
	ix := buildIndex(realistic())
	r := ix.Resolve("zzqx")
	if r.Outcome != None || len(r.Candidates) > MaxSuggestions {
		t.Fatalf("zzqx: %s", describe(r))
	}
	r = ix.Resolve("expedition")
	if r.Outcome != None {
		t.Fatalf("expedition: %s", describe(r))
	}
	if len(r.Candidates) == 0 || r.Candidates[0].ID != idExpedia {
		t.Errorf("expedition should suggest Expedia Group first: %s", describe(r))
	}
	r = ix.Resolve("portal")
	if r.Outcome != None || len(r.Candidates) == 0 || r.Candidates[0].ID != idPort {
		t.Errorf("portal should suggest Port without matching it: %s", describe(r))
	}
	r = ix.Resolve("hennes mauritius")
	if r.Outcome != None || len(r.Candidates) == 0 || r.Candidates[0].ID != idHM {
		t.Errorf("hennes mauritius should suggest H&M: %s", describe(r))
	}
	for _, c := range r.Candidates {
		if c.Score >= MinConfidence || c.Score < MinSuggestion {
			t.Errorf("suggestion score %.3f outside [MinSuggestion, MinConfidence)", c.Score)
		}
	}
}

func TestUpsertRemove(t *testing.T) {
	ix := buildIndex(realistic())
	n := ix.Len()
	if n != len(realistic()) {
		t.Fatalf("Len = %d", n)
	}
	// Rename: old name, alias and domain stop matching; the new ones match.
	ix.Upsert(Entry{ID: idExpedia, Name: "Trivago", Aliases: []string{"trv"}, Domain: "trivago.com"})
	if ix.Len() != n {
		t.Fatalf("Len after replace = %d", ix.Len())
	}
	if name, ok := ix.Name(idExpedia); !ok || name != "Trivago" {
		t.Fatalf("Name = %q %v", name, ok)
	}
	for _, q := range []string{"expedia", "expedia group", "expediagroup.com", "expdia"} {
		for _, c := range ix.Search(q, 10) {
			if c.ID == idExpedia {
				t.Errorf("old term %q still finds %+v", q, c)
			}
		}
	}
	for _, q := range []string{"trivago", "trv", "trivago.com", "trivgo"} {
		if r := ix.Resolve(q); r.Outcome != Unique || r.Best.ID != idExpedia || r.Best.Name != "Trivago" {
			t.Errorf("Resolve(%q) = %s", q, describe(r))
		}
	}
	// Replacing with a name shared by another account.
	ix.Upsert(Entry{ID: idExpedia, Name: "Spotify"})
	if r := ix.Resolve("spotify"); r.Outcome != Ambiguous {
		t.Errorf("two accounts named Spotify: %s", describe(r))
	}
	// Remove.
	ix.Remove(idExpedia)
	ix.Remove(idExpedia)
	ix.Remove(123456789)
	if ix.Len() != n-1 {
		t.Fatalf("Len after remove = %d", ix.Len())
	}
	if _, ok := ix.Name(idExpedia); ok {
		t.Fatal("Name of removed account")
	}
	if r := ix.Resolve("spotify"); r.Outcome != Unique || r.Best.ID != idSpotify {
		t.Errorf("after remove: %s", describe(r))
	}
	if r := ix.Resolve("trivago"); r.Outcome == Unique {
		t.Errorf("removed account still resolves: %s", describe(r))
	}
	// Remove everything, then add back: the index is reusable and consistent.
	for _, e := range realistic() {
		ix.Remove(e.ID)
	}
	if ix.Len() != 0 || ix.termCount != 0 {
		t.Fatalf("Len = %d, terms = %d after removing all", ix.Len(), ix.termCount)
	}
	if st := indexStats(ix); st != [6]int{} {
		t.Fatalf("emptied index holds [terms words postings grams deletions exact] = %v", st)
	}
	if r := ix.Resolve("spotify"); r.Outcome != None || len(r.Candidates) != 0 {
		t.Errorf("empty index: %s", describe(r))
	}
	for _, e := range realistic() {
		ix.Upsert(e)
	}
	for _, c := range acceptance {
		checkCase(t, ix, c, true)
	}
	// Entries with nothing searchable are counted and named but never matched.
	ix.Upsert(Entry{ID: 5, Name: "!!!"})
	if name, ok := ix.Name(5); !ok || name != "!!!" || ix.Len() != n+1 {
		t.Errorf("Name(5) = %q %v, Len %d", name, ok, ix.Len())
	}
	// The caller's alias slice is copied.
	aliases := []string{"Quux"}
	ix.Upsert(Entry{ID: 6, Name: "Foobar Labs", Aliases: aliases})
	aliases[0] = "Other"
	if r := ix.Resolve("quux"); r.Outcome != Unique || r.Best.Matched != "Quux" {
		t.Errorf("alias copy: %s", describe(r))
	}
}

func TestChurn(t *testing.T) {
	// Random upserts and removes against a reference map; every live account must find itself by name.
	rng := rand.New(rand.NewPCG(1, 2))
	pool := Synthetic(3000, 3)
	ix := NewIndex()
	live := map[int64]Entry{}
	for step := 0; step < 20000; step++ {
		e := pool[rng.IntN(len(pool))]
		switch rng.IntN(3) {
		case 0:
			ix.Remove(e.ID)
			delete(live, e.ID)
		default:
			if rng.IntN(4) == 0 { // replace with another pool member's strings
				o := pool[rng.IntN(len(pool))]
				e = Entry{ID: e.ID, Name: o.Name + " Renamed", Aliases: o.Aliases, Domain: ""}
			}
			ix.Upsert(e)
			live[e.ID] = e
		}
	}
	if ix.Len() != len(live) {
		t.Fatalf("Len %d, want %d", ix.Len(), len(live))
	}
	for id, e := range live {
		r := ix.Resolve(e.Name)
		found := r.Outcome == Unique && r.Best.ID == id || slices.ContainsFunc(r.Candidates, func(c Candidate) bool { return c.ID == id })
		if !found {
			t.Fatalf("%d %q: %s", id, e.Name, describe(r))
		}
	}
	// The churned index holds exactly what a fresh one built from the live accounts holds.
	fresh := NewIndex()
	for _, e := range live {
		fresh.Upsert(e)
	}
	if got, want := indexStats(ix), indexStats(fresh); got != want {
		t.Errorf("churned index [terms words postings grams deletions exact] = %v, fresh %v", got, want)
	}
	t.Logf("%d live accounts; [terms words postings grams deletions exact] = %v; %d term records", len(live), indexStats(ix), len(ix.terms))
}

// indexStats counts what ix holds: live terms, vocabulary words, postings, trigram entries,
// deletion variants and exact-text entries.
func indexStats(ix *Index) [6]int {
	postings, grams := 0, 0
	for w := range ix.words {
		postings += ix.df(int32(w))
	}
	for i := range ix.grams {
		grams += int(ix.grams[i].n)
	}
	return [6]int{ix.termCount, ix.wordID.n, postings, grams, ix.dels.n, ix.exact.n}
}

func TestSearch(t *testing.T) {
	ix := buildIndex(realistic(), []Entry{{ID: idVolvoGroup, Name: "Volvo Group"}})
	got := ix.Search("volvo", 10)
	if len(got) < 3 {
		t.Fatalf("Search(volvo) = %v", got)
	}
	if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i].Score > got[j].Score }) {
		t.Errorf("not sorted: %v", got)
	}
	ids := map[int64]bool{}
	for _, c := range got {
		if ids[c.ID] {
			t.Errorf("duplicate %d", c.ID)
		}
		ids[c.ID] = true
		if c.Score < MinSuggestion || c.Score > 1 {
			t.Errorf("score %v", c.Score)
		}
	}
	if got[2].ID != idVolvofinans {
		t.Errorf("third should be Volvofinans: %v", got)
	}
	if n := len(ix.Search("volvo", 1)); n != 1 {
		t.Errorf("limit 1 gave %d", n)
	}
	if n := len(ix.Search("a", 0)); n > 10 {
		t.Errorf("default limit gave %d", n)
	}
	if got := ix.Search("zzqx", 5); len(got) != 0 {
		t.Errorf("zzqx: %v", got)
	}
	if got := NewIndex().Search("volvo", 5); len(got) != 0 {
		t.Errorf("empty index: %v", got)
	}
	if got := ix.Search("kiwi.com", 3); len(got) == 0 || got[0].Matched != "Kiwi.com" || got[0].Score != 1 {
		t.Errorf("kiwi.com: %v", got)
	}
}

func TestSynthetic(t *testing.T) {
	a := Synthetic(5000, 1)
	b := Synthetic(5000, 1)
	c := Synthetic(5000, 2)
	if !slices.EqualFunc(a, b, entryEqual) {
		t.Fatal("not deterministic")
	}
	if slices.EqualFunc(a, c, entryEqual) {
		t.Fatal("seed ignored")
	}
	names, domains := map[string]bool{}, map[string]bool{}
	withAlias, withDomain := 0, 0
	for i, e := range a {
		if e.ID != int64(i+1) {
			t.Fatalf("ID %d at %d", e.ID, i)
		}
		k := Normalize(e.Name)
		if names[k] {
			t.Fatalf("duplicate name %q", e.Name)
		}
		names[k] = true
		if e.Domain != "" {
			if domains[e.Domain] {
				t.Fatalf("duplicate domain %q", e.Domain)
			}
			domains[e.Domain] = true
			withDomain++
			if _, ok := hostOf(e.Domain); !ok {
				t.Errorf("bad domain %q", e.Domain)
			}
		}
		if len(e.Aliases) > 0 {
			withAlias++
		}
	}
	t.Logf("sample: %v", a[:8])
	t.Logf("%d with alias, %d with domain of %d", withAlias, withDomain, len(a))
	if withAlias < len(a)/5 || withDomain < len(a)/2 {
		t.Errorf("too few aliases (%d) or domains (%d)", withAlias, withDomain)
	}
	if Synthetic(0, 1) != nil {
		t.Error("Synthetic(0)")
	}
}

// Synthetic is matchtest.Synthetic as index entries.
func Synthetic(n int, seed int64) []Entry {
	var out []Entry
	for _, a := range matchtest.Synthetic(n, seed) {
		out = append(out, Entry(a))
	}
	return out
}

func entryEqual(a, b Entry) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Domain == b.Domain && slices.Equal(a.Aliases, b.Aliases)
}

// TestSyntheticFindsItself checks that synthetic accounts resolve by their own names, aliases and
// domains and by a typo'd name, at 100,000 accounts.
func TestSyntheticFindsItself(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 accounts")
	}
	ix := bigIndex()
	syn := Synthetic(100_000, 42)
	rng := rand.New(rand.NewPCG(5, 6))
	var exactMiss, typoMiss, typoWrong, typoTotal int
	for i := 0; i < 2000; i++ {
		e := syn[rng.IntN(len(syn))]
		for _, q := range append([]string{e.Name, e.Domain}, e.Aliases...) {
			if q == "" {
				continue
			}
			r := ix.Resolve(q)
			if !(r.Outcome == Unique && r.Best.ID == e.ID) && !slices.ContainsFunc(r.Candidates, func(c Candidate) bool { return c.ID == e.ID }) {
				exactMiss++
				if exactMiss < 5 {
					t.Errorf("Resolve(%q) = %s; want %d", q, describe(r), e.ID)
				}
			}
		}
		q := typo(rng, e.Name)
		if q == e.Name {
			continue
		}
		typoTotal++
		r := ix.Resolve(q)
		switch {
		case r.Outcome == Unique && r.Best.ID == e.ID:
		case r.Outcome == Unique:
			typoWrong++
		case !slices.ContainsFunc(r.Candidates, func(c Candidate) bool { return c.ID == e.ID }):
			typoMiss++
			if typoMiss <= 10 {
				t.Logf("typo %q for %q: %s", q, e.Name, describe(r))
			}
		}
	}
	t.Logf("typo queries: %d, wrong unique %d, target not offered %d", typoTotal, typoWrong, typoMiss)
	if typoMiss+typoWrong > typoTotal/20 {
		t.Errorf("too many typo failures: %d wrong, %d missing of %d", typoWrong, typoMiss, typoTotal)
	}
}

// typo makes one edit (delete, swap, substitute) inside the longest word of s.
func typo(rng *rand.Rand, s string) string {
	words := strings.Fields(s)
	w := 0
	for i := range words {
		if utf8.RuneCountInString(words[i]) > utf8.RuneCountInString(words[w]) {
			w = i
		}
	}
	r := []rune(words[w])
	if len(r) < 5 {
		return s
	}
	i := 1 + rng.IntN(len(r)-2)
	switch rng.IntN(3) {
	case 0:
		r = append(r[:i], r[i+1:]...)
	case 1:
		r[i], r[i+1] = r[i+1], r[i]
	default:
		r[i] = 'a' + rune(rng.IntN(26))
	}
	words[w] = string(r)
	return strings.Join(words, " ")
}

func TestNeverPanics(t *testing.T) {
	ix := buildIndex(realistic())
	inputs := []string{
		"", " ", "\x00", "\xff", "\xc3", "<!channel>", "<@U123|bob>", "<>", "<|>", "<", ">", "|",
		strings.Repeat("a", 10_000), strings.Repeat("expedia ", 1300), strings.Repeat("é", 5000),
		strings.Repeat("\xff", 10_000), strings.Repeat("& ", 5000), strings.Repeat("a b ", 3000),
		"https://", "http://.", "mailto:", "@", "www.", "..", "a.b", "x://y", ":", "a:1",
		"🦄🦄🦄", "\u0301\u0301", "ǅ", "ﬁ", "Ⅻ", "\u200b\u200b", "a\u0000b", "\u202eevil",
	}
	for _, in := range inputs {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic on %q: %v", trunc(in), p)
				}
			}()
			r := ix.Resolve(in)
			if len(r.Candidates) > MaxPickList {
				t.Errorf("%d candidates", len(r.Candidates))
			}
			ix.Search(in, 5)
			ix.Upsert(Entry{ID: 424242, Name: in, Aliases: []string{in, ""}, Domain: in})
			ix.Resolve(in)
			ix.Remove(424242)
		}()
	}
	// 10 KB queries stay fast.
	start := time.Now()
	ix.Resolve(strings.Repeat("volvo cars ", 1000))
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("10 KB query took %v", d)
	}
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func FuzzResolve(f *testing.F) {
	for _, c := range acceptance {
		f.Add(c.query)
	}
	for _, s := range []string{"\xff", "<!channel>", strings.Repeat("x", 10_000), "a&b", "www.", "http://a.b/c", strings.Repeat("0", 129), strings.Repeat("ab ", 60)} {
		f.Add(s)
	}
	ix := buildIndex(realistic(), Synthetic(2000, 9))
	self := NewIndex() // one account, renamed to each input
	f.Fuzz(func(t *testing.T, q string) {
		r := ix.Resolve(q)
		switch r.Outcome {
		case Unique:
			if r.Best.Score < MinConfidence || r.Best.Score > 1 {
				t.Fatalf("unique with score %v", r.Best.Score)
			}
			if _, ok := ix.Name(r.Best.ID); !ok {
				t.Fatalf("unknown id %d", r.Best.ID)
			}
		case Ambiguous:
			if len(r.Candidates) < 2 || len(r.Candidates) > MaxPickList {
				t.Fatalf("ambiguous with %d candidates", len(r.Candidates))
			}
		case None:
			if len(r.Candidates) > MaxSuggestions {
				t.Fatalf("%d suggestions", len(r.Candidates))
			}
		default:
			t.Fatalf("outcome %d", r.Outcome)
		}
		n := Normalize(q)
		if !utf8.ValidString(n) || Normalize(n) != n || strings.Contains(n, "  ") || strings.TrimSpace(n) != n {
			t.Fatalf("Normalize(%q) = %q", q, n)
		}
		// Every indexed name finds its account exactly.
		if n != "" && len(q) <= maxQueryBytes {
			self.Upsert(Entry{ID: 1, Name: q})
			if r := self.Resolve(q); r.Outcome != Unique || r.Best.ID != 1 || r.Best.Score != 1 {
				t.Fatalf("self lookup of %q (%q): %s", q, n, describe(r))
			}
		}
	})
}

func TestConcurrent(t *testing.T) {
	ix := buildIndex(realistic(), Synthetic(5000, 11))
	extra := Synthetic(2000, 12)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 16)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			qs := []string{"volvo", "expdia", "h&m", "telus.com", "zzqx", "nordwind", "kiwi"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := qs[(i+g)%len(qs)]
				r := ix.Resolve(q)
				if q == "h&m" && (r.Outcome != Unique || r.Best.ID != idHM) {
					select {
					case errs <- describe(r):
					default:
					}
				}
				ix.Search(q, 5)
				ix.Len()
				ix.Name(idHM)
			}
		}(g)
	}
	for round := 0; round < 3; round++ {
		for i, e := range extra {
			e.ID += 1_000_000
			if i%2 == 0 {
				ix.Upsert(e)
			} else {
				ix.Remove(e.ID - 1)
			}
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("h&m during writes: %s", e)
	}
}

func TestMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 accounts twice")
	}
	// A guard against gross regressions; scripts/bench.sh checks the budget (150 B/account).
	for _, c := range []struct {
		name    string
		entries func(int) []Entry
	}{{"synthetic", func(n int) []Entry { return Synthetic(n, 42) }}, {"peer-shaped", peerShaped}} {
		bytes, ix := measureBuild(c.entries, 100_000)
		t.Logf("%s: 100,000 accounts, %d terms, %d words: %.1f MB live heap (%.0f B/account)",
			c.name, ix.termCount, ix.wordID.n, float64(bytes)/(1<<20), float64(bytes)/100_000)
		if bytes > 300*100_000 {
			t.Errorf("%s: the index uses %.0f B/account", c.name, float64(bytes)/100_000)
		}
	}
}

// peerShaped returns n accounts shaped like the side-by-side benchmark's (a domain word each).
func peerShaped(n int) []Entry {
	var out []Entry
	for _, a := range matchtest.PeerShaped(n) {
		out = append(out, Entry(a))
	}
	return out
}

// measureBuild returns the live heap retained by an index of n accounts made by entries,
// including the name, alias and domain strings it keeps (the caller's Entry values are dropped).
// It loads them as the store does (store.Directory's load: NewIndexFor, Upsert, Settle), so it
// measures the index that serves.
func measureBuild(entries func(int) []Entry, n int) (uint64, *Index) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix := NewIndexFor(n)
	for _, e := range entries(n) {
		ix.Upsert(e)
	}
	ix.Settle()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return after.HeapAlloc - before.HeapAlloc, ix
}

var benchQueries struct {
	once        sync.Once
	ix          *Index
	exact, typo []string
}

func benchSetup(b *testing.B) {
	benchQueries.once.Do(func() {
		syn := Synthetic(100_000, 42)
		ix := buildIndex(syn, realistic())
		rng := rand.New(rand.NewPCG(9, 9))
		var exact, typos []string
		for i := 0; i < 1000; i++ {
			e := syn[rng.IntN(len(syn))]
			switch i % 4 {
			case 0, 1:
				exact = append(exact, e.Name)
			case 2:
				if len(e.Aliases) > 0 {
					exact = append(exact, e.Aliases[0])
				} else {
					exact = append(exact, strings.Fields(e.Name)[0])
				}
			case 3:
				if e.Domain != "" {
					exact = append(exact, e.Domain)
				}
			}
			typos = append(typos, typo(rng, e.Name))
		}
		for _, c := range acceptance {
			exact = append(exact, c.query)
		}
		benchQueries.ix, benchQueries.exact, benchQueries.typo = ix, exact, typos
	})
	b.ResetTimer()
}

// benchResolve resolves qs round-robin and reports the median and 99th percentile latency.
func benchResolve(b *testing.B, ix *Index, qs []string) {
	lat := make([]time.Duration, 1<<20) // a ring: reallocation would disturb the timings
	i := 0
	for b.Loop() {
		start := time.Now()
		ix.Resolve(qs[i%len(qs)])
		lat[i&(len(lat)-1)] = time.Since(start)
		i++
	}
	lat = lat[:min(i, len(lat))]
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*50/100].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
}

// BenchmarkResolve runs Resolve against 100,000 synthetic plus the realistic accounts.
func BenchmarkResolve(b *testing.B) {
	b.Run("exact", func(b *testing.B) { benchSetup(b); benchResolve(b, benchQueries.ix, benchQueries.exact) })
	b.Run("typo", func(b *testing.B) { benchSetup(b); benchResolve(b, benchQueries.ix, benchQueries.typo) })
	b.Run("short", func(b *testing.B) {
		benchSetup(b)
		benchResolve(b, benchQueries.ix, []string{"a", "b", "no", "hm", "ab", "gmbh", "inc", "com", "logistics", "nord"})
	})
	b.Run("parallel", func(b *testing.B) {
		benchSetup(b)
		qs := append(slices.Clone(benchQueries.exact), benchQueries.typo...)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				benchQueries.ix.Resolve(qs[i%len(qs)])
				i++
			}
		})
	})
}

// BenchmarkBuild indexes 100,000 accounts and reports the index's live heap size, on synthetic
// accounts and (B/account-peer) on accounts shaped like the side-by-side benchmark's.
func BenchmarkBuild(b *testing.B) {
	entries := Synthetic(100_000, 42)
	for b.Loop() {
		ix := NewIndexFor(len(entries))
		for _, e := range entries {
			ix.Upsert(e)
		}
	}
	b.StopTimer()
	bytes, _ := measureBuild(func(n int) []Entry { return Synthetic(n, 42) }, len(entries))
	b.ReportMetric(float64(bytes)/(1<<20), "MB-heap")
	b.ReportMetric(float64(bytes)/float64(len(entries)), "B/account")
	bytes, _ = measureBuild(peerShaped, len(entries))
	b.ReportMetric(float64(bytes)/float64(len(entries)), "B/account-peer")
}

// osaRef is the textbook optimal-string-alignment distance.
func osaRef(a, b []rune) int {
	la, lb := len(a), len(b)
	d := make([][]int, la+1)
	for i := range d {
		d[i] = make([]int, lb+1)
		d[i][0] = i
	}
	for j := 0; j <= lb; j++ {
		d[0][j] = j
	}
	for i := 1; i <= la; i++ {
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[la][lb]
}

func TestOSAMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var buf []int
	for n := 0; n < 200000; n++ {
		a := make([]rune, rng.IntN(9))
		b := make([]rune, rng.IntN(9))
		for i := range a {
			a[i] = 'a' + rune(rng.IntN(3))
		}
		for i := range b {
			b[i] = 'a' + rune(rng.IntN(3))
		}
		k := rng.IntN(4)
		want := min(osaRef(a, b), k+1)
		if got := osa(a, b, k, &buf); got != want {
			t.Fatalf("osa(%q, %q, %d) = %d, want %d", string(a), string(b), k, got, want)
		}
	}
}

func TestBagDistanceLowerBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	var bag [256]int16
	var buf []int
	for n := 0; n < 100000; n++ {
		a := make([]byte, 1+rng.IntN(8))
		b := make([]byte, 1+rng.IntN(8))
		for i := range a {
			a[i] = 'a' + byte(rng.IntN(4))
		}
		for i := range b {
			b[i] = 'a' + byte(rng.IntN(4))
		}
		for _, c := range a {
			bag[c]++
		}
		bd := bagDistance(&bag, len(a), string(b))
		for _, c := range a {
			bag[c]--
		}
		if d := osa(a, b, 20, &buf); bd > d {
			t.Fatalf("bag %d > osa %d for %q %q", bd, d, a, b)
		}
	}
	for i, v := range bag {
		if v != 0 {
			t.Fatalf("bag[%d] = %d", i, v)
		}
	}
}

// TestSpellingKept checks that names, aliases and domains come back exactly as given, however
// the index stores them.
func TestSpellingKept(t *testing.T) {
	long := strings.Repeat("Verylongword ", 20) + "GmbH"
	tricky := []Entry{
		{ID: 1, Name: "Nordwind Logistics GmbH", Aliases: []string{"nordwind logistics", "NORDWIND"}, Domain: "nordwind-logistics.de"},
		{ID: 2, Name: "IKEA IT AB", Aliases: []string{"iKEA"}, Domain: "WWW.Ikea.COM"},
		{ID: 3, Name: "Müller & Okafor AG", Aliases: []string{"Müller Okafor"}, Domain: "https://mueller-okafor.de/about"},
		{ID: 4, Name: "x_y_z Labs", Aliases: []string{"X_Y"}, Domain: "xyz.io"},
		{ID: 5, Name: long, Aliases: []string{"Very Long"}},
		{ID: 6, Name: "H&M", Aliases: []string{"hm", "Hennes & Mauritz"}, Domain: "hm.com"},
		{ID: 7, Name: "  Padded  Name  ", Domain: "padded.example"},
		{ID: 8, Name: "deLorean Motor Company", Aliases: []string{"DeLorean"}},
	}
	entries := append(tricky, Synthetic(3000, 7)[1000:]...)
	ix := buildIndex(entries)
	for _, e := range entries {
		if got, ok := ix.Name(e.ID); !ok || got != e.Name {
			t.Errorf("Name(%d) = %q, want %q", e.ID, got, e.Name)
		}
		for _, s := range append(slices.Clone(e.Aliases), e.Domain) {
			if Normalize(s) == "" || Normalize(s) == Normalize(e.Name) {
				continue
			}
			found := false
			for _, c := range ix.Search(s, 20) {
				found = found || c.ID == e.ID && c.Matched == s
			}
			if !found {
				t.Errorf("Search(%q) does not list account %d with that spelling: %+v", s, e.ID, ix.Search(s, 5))
			}
		}
	}
}

// BenchmarkMillion builds the index over 1,000,000 peer-shaped accounts (as the side-by-side
// benchmark's data at that size), then resolves the benchmark's four query forms (the name, lower
// case, a dropped letter, the first word), reporting the build time, the live heap and the
// lookup latency. It checks that it measured lookups that find something: a broken index that
// answers "no match" fast must fail it. Run it alone: go test -run '^$' -bench Million ./match
func BenchmarkMillion(b *testing.B) {
	const n = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	entries := peerShaped(n)
	start, cpu0 := time.Now(), cpuTime()
	ix := NewIndexFor(n)
	for _, e := range entries {
		ix.Upsert(e)
	}
	ix.Settle()
	build, buildCPU := time.Since(start), cpuTime()-cpu0
	rng := rand.New(rand.NewPCG(5, 5))
	qs := make([]string, 2000)
	for k := range qs {
		name := entries[rng.IntN(n)].Name
		switch k % 4 {
		case 0:
			qs[k] = name
		case 1:
			qs[k] = strings.ToLower(name)
		case 2:
			p := 1 + rng.IntN(len(name)-2)
			qs[k] = name[:p] + name[p+1:]
		default:
			qs[k] = strings.Fields(name)[0]
		}
	}
	entries = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	found := 0
	b.ResetTimer()
	benchResolve(b, ix, qs)
	b.StopTimer()
	for _, q := range qs[:400] {
		if r := ix.Resolve(q); r.Outcome != None || len(r.Candidates) > 0 {
			found++
		}
	}
	if found < 360 {
		b.Fatalf("only %d of 400 lookups found anything", found)
	}
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(buildCPU.Seconds(), "build-cpu-s")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/account")
}

// cpuTime returns the CPU time the process has used (user and system, every thread): unlike the
// wall clock, it does not grow when other processes take the machine's cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestDomainWords: a domain's own word (one its name does not have) is found as typed, by its
// start and with its suffix; once a name brings the same word, a misspelling of the name finds
// that account. Edits after a Settle (which packs the lists) keep every account findable.
func TestDomainWords(t *testing.T) {
	ix := buildIndex(realistic(), []Entry{{ID: 900, Name: "Acme Shoes", Domain: "nordwind.de"}})
	ix.Settle()
	unique := func(q string, id int64) {
		t.Helper()
		if r := ix.Resolve(q); r.Outcome != Unique || r.Best.ID != id {
			t.Errorf("Resolve(%q) = %s, want %d", q, describe(r), id)
		}
	}
	for _, q := range []string{"nordwind.de", "nordwind", "nordwi", "https://www.nordwind.de/kontakt", "acme shoes", "nordwidn.de", "nordwnd.de"} {
		unique(q, 900)
	}
	ix.Upsert(Entry{ID: 901, Name: "Nordwind Logistics", Aliases: []string{"Nordwind Freight"}})
	for _, q := range []string{"nordwnd logistics", "nordwind logistcs", "nordwind freight"} {
		unique(q, 901)
	}
	// Two edits: found through the word's trigrams, which the name brought.
	if got := ix.Search("nrodwindd", 5); !slices.ContainsFunc(got, func(c Candidate) bool { return c.ID == 901 }) {
		t.Errorf("Search(nrodwindd) = %+v, want account 901 listed", got)
	}
	unique("nordwind.de", 900)
	for _, c := range acceptance {
		checkCase(t, ix, c, true)
	}
	ix.Remove(901)
	unique("nordwind.de", 900)
	if r := ix.Resolve("nordwind logistics"); r.Outcome == Unique && r.Best.ID == 901 {
		t.Errorf("removed account still resolves: %s", describe(r))
	}
	ix.Remove(900)
	ix.Upsert(Entry{ID: 902, Name: "Zephyra Labs", Domain: "qxorbit.io"})
	unique("qxorbit.io", 902)
	unique("qxorbit", 902)
	ix.Remove(902)
	for _, q := range []string{"nordwind", "nordwind.de", "qxorbit.io"} {
		if r := ix.Resolve(q); r.Outcome != None || len(r.Candidates) != 0 {
			t.Errorf("removed domain still found: %s", describe(r))
		}
	}
	for _, c := range acceptance {
		checkCase(t, ix, c, true)
	}
}

func TestPackLists(t *testing.T) {
	lists := make([]plist, 3)
	for i := range lists {
		for id := int32(0); id < 50; id += int32(i + 1) {
			lists[i].add(id * 300)
		}
	}
	want := make([][]int32, len(lists))
	read := func(l *plist) []int32 {
		var ids []int32
		for c := l.cursor(); ; {
			id, ok := c.next()
			if !ok {
				return ids
			}
			ids = append(ids, id)
		}
	}
	for i := range lists {
		want[i] = read(&lists[i])
	}
	packLists(lists)
	lists[0].add(1 << 20)
	lists[1].remove(300 * 2)
	want[0] = append(want[0], 1<<20)
	want[1] = slices.DeleteFunc(want[1], func(id int32) bool { return id == 600 })
	for i := range lists {
		if got := read(&lists[i]); !slices.Equal(got, want[i]) {
			t.Errorf("list %d after packing and edits = %v, want %v", i, got, want[i])
		}
	}
}

func TestFirstGram(t *testing.T) {
	for _, w := range []string{"a", "ab", "ingka", "é", "éa", "aé", "müller", "東京", "7"} {
		if got, want := firstGram(w), appendGrams(nil, w)[0]; got != want {
			t.Errorf("firstGram(%q) = %d, want %d", w, got, want)
		}
	}
}
