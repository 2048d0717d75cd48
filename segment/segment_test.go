package segment

import (
	"strings"
	"testing"
)

func TestInferIndustry_fromNameThenDescription(t *testing.T) {
	v := Default()
	cases := []struct {
		name, desc, want, evidence string
	}{
		{"Volvofinans Bank", "", "financial services", "contains “bank”"},
		{"Paraná Banco", "", "financial services", "contains “banco”"},
		{"PicPay", "", "financial services", "“pay”"},
		{"CVS Health", "", "healthcare", "contains “health”"},
		{"American Airlines", "", "airline", "contains “airlines”"},
		{"SDA SE", "Our insurance developer portal", "financial services", "description says “insurance”"},
		{"Stone", "We're using Backstage as our Credit Team Developer Portal", "", ""},
		{"Spotify", "", "", ""},                              // "pay" inside a word is not a word
		{"DAZN", "developer marketplace of plugins", "", ""}, // Backstage words are not industries
	}
	for _, c := range cases {
		got, ok := v.InferIndustry(c.name, c.desc)
		if got.Value != c.want || ok != (c.want != "") {
			t.Errorf("InferIndustry(%q, %q) = %q, %v; want %q", c.name, c.desc, got.Value, ok, c.want)
		}
		if !strings.Contains(got.Evidence, c.evidence) {
			t.Errorf("InferIndustry(%q): evidence %q lacks %q", c.name, got.Evidence, c.evidence)
		}
	}
}

func TestInferPlace_fromHQThenCountryDomain(t *testing.T) {
	v := Default()
	cases := []struct {
		name, domain, hq, country, region string
	}{
		{"Stone", "stone.com.br", "", "Brazil", "Latin America"},
		{"Initech", "initech.se", "", "Sweden", "Europe"},
		{"Example", "example.co.uk", "", "United Kingdom", "Europe"},
		{"Expedia Group", "expediagroup.com", "Seattle, WA", "United States", "North America"},
		{"Spotify", "spotify.com", "Stockholm, Sweden", "Sweden", "Europe"},
		{"Paddle", "paddle.com", "London, UK", "United Kingdom", "Europe"},
		{"Roadie", "roadie.io", "", "", ""},
		{"Lunar", "lunar.app", "", "", ""},
		{"Example", "example.co", "", "", ""},
		// The ending is the name's legal form, not a country: SE is a European company (Societas
		// Europaea), AG a German or Swiss one; an HQ still decides.
		{"SDA SE", "sda.se", "", "", ""},
		{"Acme AG", "acme.ag", "", "", ""},
		{"SDA SE", "sda.se", "Cologne, Germany", "Germany", "Europe"},
		// A name that merely ends in a word is not a legal form: Telenor Sweden at a .se domain.
		{"Telenor Sweden", "telenor.se", "", "Sweden", "Europe"},
	}
	for _, c := range cases {
		p, ev, ok := v.InferPlace(c.name, c.domain, c.hq)
		if p.Country != c.country || p.Region != c.region || ok != (c.country != "") {
			t.Errorf("InferPlace(%q, %q, %q) = %+v %v, want %s/%s", c.name, c.domain, c.hq, p, ok, c.country, c.region)
		}
		if ok && ev == "" {
			t.Errorf("InferPlace(%q, %q, %q): no evidence", c.name, c.domain, c.hq)
		}
	}
}

func TestInferEngineers_readsTheLargestHeadcountPhrase(t *testing.T) {
	cases := []struct {
		desc string
		want int
	}{
		{"Our developer portal at HelloFresh - Spread across an organisation of 500+ engineers globally.", 500},
		{"Used by over 2,000 developers and 900 engineers", 2000},
		{"Backstage used across 5,000+ developers.", 5000},
		{"1.5k engineers use it daily", 1500},
		{"We are a team of engineers", 0},
		{"Initial work on 3 plugins", 0},
	}
	for _, c := range cases {
		got, ev, ok := InferEngineers(c.desc)
		if got != c.want || ok != (c.want > 0) {
			t.Errorf("InferEngineers(%q) = %d, want %d", c.desc, got, c.want)
		}
		if ok && !strings.Contains(ev, "engineers") && !strings.Contains(ev, "developers") {
			t.Errorf("InferEngineers(%q): evidence %q does not quote the phrase", c.desc, ev)
		}
	}
}

func TestIndustryQuery_understandsTheWordsPeopleUse(t *testing.T) {
	v := Default()
	cases := map[string]string{
		"tech": "software", "technology": "software", "Software": "software", "fintech": "financial services",
		"bank": "financial services", "Financial Services": "financial services", "health": "healthcare",
	}
	for q, want := range cases {
		got, ok := v.IndustryQuery(q)
		if !ok || len(got) != 1 || got[0] != want {
			t.Errorf("IndustryQuery(%q) = %v, want %s", q, got, want)
		}
	}
	if got, ok := v.IndustryQuery("widgets"); ok {
		t.Errorf("IndustryQuery(widgets) = %v, want none", got)
	}
}

func TestPlaceQuery_countriesRegionsGroupsAndCities(t *testing.T) {
	v := Default()
	cases := []struct {
		q                  string
		countries, regions string
		city               string
	}{
		{"UK", "United Kingdom", "", ""},
		{"brazil", "Brazil", "", ""},
		{"Europe", "", "Europe", ""},
		{"apac", "", "Asia-Pacific", ""},
		{"EMEA", "", "Europe,Middle East,Africa", ""},
		{"nordics", "Sweden,Norway,Denmark,Finland,Iceland", "", ""},
		{"london", "", "", "london"},
	}
	for _, c := range cases {
		w := v.PlaceQuery(c.q)
		if strings.Join(w.Countries, ",") != c.countries || strings.Join(w.Regions, ",") != c.regions || w.City != c.city {
			t.Errorf("PlaceQuery(%q) = %+v", c.q, w)
		}
	}
}

func TestFitOf_oneJudgmentForFindAndScoring(t *testing.T) {
	tg := Target{EmployeesMin: 100, EmployeesMax: 1000, Industries: []string{"financial services"}, Hubs: []string{"London"}}
	cases := []struct {
		name string
		p    Profile
		want Fit
	}{
		{"all three", Profile{Industry: "Financial Services", Employees: 450, HQ: "London, UK"},
			Fit{Size: "450 employees", Industry: "financial services", Hub: "London"}},
		{"over the range", Profile{Employees: 5000}, Fit{}},
		{"no max means no upper bound is not assumed", Profile{Employees: 1001}, Fit{}},
		{"inferred engineers stand in for unknown employees", Profile{Engineers: 250}, Fit{Size: "250+ engineers (inferred)"}},
		{"engineers above the range are out", Profile{Engineers: 5000}, Fit{}},
		{"a substring is not the industry", Profile{Industry: "non-financial services"}, Fit{}},
		{"a hub is matched as whole words of the HQ", Profile{HQ: "Londonderry"}, Fit{}},
	}
	for _, c := range cases {
		if got := tg.FitOf(c.p); got != c.want {
			t.Errorf("%s: FitOf = %+v, want %+v", c.name, got, c.want)
		}
	}
}
