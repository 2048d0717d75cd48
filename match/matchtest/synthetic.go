// Package matchtest makes test data for the name index: realistic synthetic accounts. It is
// imported by tests and benchmarks only, so none of it reaches the production binary; it does
// not import match, so match's own tests can use it.
package matchtest

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"outreachbot/identity"
)

// Account is one synthetic account: what the name index and the store need of it.
type Account struct {
	ID      int64
	Name    string
	Aliases []string
	Domain  string
}

// Synthetic returns n made-up but realistic accounts ("Nordwind Logistics GmbH", "Müller & Okafor AG",
// "Bluepeak Analytics") with aliases and domains, for tests and benchmarks. The output depends only on
// n and seed; names and aliases are all distinct after identity.Normalize, domains are distinct, and IDs run from 1 to n.
func Synthetic(n int, seed int64) []Account {
	if n <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	names := make(map[string]bool, n)
	domains := make(map[string]bool, n)
	out := make([]Account, 0, n)
	for len(out) < n {
		stem := pick(synStemHeads) + pick(synStemTails)
		var name, alias, domainBase, tld string
		region := synRegions[rng.IntN(len(synRegions))]
		tld = region.tld
		legal := ""
		if rng.IntN(100) < 55 {
			legal = pick(region.legal)
		}
		industry := pick(synIndustries)
		switch p := rng.IntN(100); {
		case p < 50: // Nordwind Logistics GmbH
			name = join(stem, industry, legal)
			if rng.IntN(2) == 0 {
				alias = join(stem, industry)
				if alias == name {
					alias = stem
				}
			}
			domainBase = stem + strings.ToLower(strings.ReplaceAll(industry, " ", ""))
			if rng.IntN(3) == 0 {
				domainBase = stem
			}
		case p < 62: // Müller & Okafor AG
			a, b := pick(synSurnames), pick(synSurnames)
			if a == b {
				continue
			}
			name = join(a+" & "+b, legal)
			if rng.IntN(2) == 0 {
				alias = a + " " + b
			}
			domainBase = a + b
		case p < 72: // Lindqvist Brothers Shipping
			a := pick(synSurnames)
			name = join(a, pick(synFamily), industry)
			domainBase = a + strings.ToLower(strings.ReplaceAll(industry, " ", ""))
		case p < 84: // Oslo Harbour Freight AS
			place := pick(region.places)
			name = join(place, stem, industry, legal)
			alias = join(stem, industry)
			domainBase = stem + "-" + place
		case p < 92: // Nordwind (single word brands)
			name = join(stem, legal)
			if legal != "" && rng.IntN(2) == 0 {
				alias = stem
			}
			domainBase = stem
		default: // Bluepeak & Stonebridge Partners
			other := pick(synStemHeads) + pick(synStemTails)
			if other == stem {
				continue
			}
			name = join(stem+" & "+other, pick(synFirmWords))
			alias = stem + " " + other
			domainBase = stem + other
		}
		key := identity.Normalize(name)
		if key == "" || names[key] {
			continue
		}
		akey := identity.Normalize(alias)
		if names[akey] || akey == key {
			alias = ""
		}
		domain := ""
		if rng.IntN(100) < 85 {
			base := asciiFold(domainBase)
			domain = base + "." + tld
			for i := 2; domains[domain]; i++ {
				domain = base + strconv.Itoa(i) + "." + tld
			}
			domains[domain] = true
		}
		names[key] = true
		var aliases []string
		if alias != "" {
			names[akey] = true
			aliases = append(aliases, alias)
		}
		out = append(out, Account{ID: int64(len(out) + 1), Name: name, Aliases: aliases, Domain: domain})
	}
	return out
}

func join(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

// asciiFold turns a name fragment into a host label: "Müller-Søn" → "muller-son".
func asciiFold(s string) string {
	parts := strings.Split(s, "-")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(identity.Normalize(p), " ", "")
	}
	return strings.Join(parts, "-")
}

type synRegion struct {
	tld    string
	legal  []string
	places []string
}

var synRegions = []synRegion{
	{"de", []string{"GmbH", "AG", "GmbH & Co. KG", "SE"}, []string{"Hamburg", "München", "Köln", "Leipzig", "Bremen"}},
	{"se", []string{"AB", "AB (publ)"}, []string{"Göteborg", "Malmö", "Uppsala", "Stockholm"}},
	{"no", []string{"AS", "ASA"}, []string{"Oslo", "Bergen", "Trondheim", "Tromsø"}},
	{"fi", []string{"Oy", "Oyj"}, []string{"Helsinki", "Espoo", "Tampere"}},
	{"dk", []string{"A/S", "ApS"}, []string{"Aarhus", "Odense", "København"}},
	{"nl", []string{"B.V.", "N.V."}, []string{"Rotterdam", "Utrecht", "Eindhoven"}},
	{"fr", []string{"SAS", "S.A.", "SARL"}, []string{"Lyon", "Nantes", "Bordeaux", "Île-de-France"}},
	{"es", []string{"S.L.", "S.A."}, []string{"Valencia", "Sevilla", "Bilbao", "Málaga"}},
	{"it", []string{"S.p.A.", "S.r.l."}, []string{"Torino", "Bologna", "Napoli"}},
	{"co.uk", []string{"Ltd", "Limited", "PLC", "LLP"}, []string{"Leeds", "Bristol", "Glasgow", "Cardiff"}},
	{"com", []string{"Inc.", "LLC", "Corp.", "Co."}, []string{"Austin", "Denver", "Boston", "Portland", "Atlanta"}},
	{"io", []string{"Inc.", "Ltd"}, []string{"Berlin", "Dublin", "Tallinn"}},
	{"com.au", []string{"Pty Ltd"}, []string{"Sydney", "Perth", "Brisbane"}},
	{"ca", []string{"Inc.", "Ltd."}, []string{"Toronto", "Montréal", "Calgary"}},
	{"ch", []string{"AG", "SA", "GmbH"}, []string{"Zürich", "Basel", "Genève"}},
	{"jp", []string{"K.K."}, []string{"Osaka", "Nagoya", "Sapporo"}},
}

var synStemHeads = []string{
	"Nord", "Blue", "Silver", "Oak", "Iron", "Red", "Star", "Sun", "Green", "North", "Clear", "Bright",
	"Swift", "Stone", "River", "Hill", "Lake", "Cedar", "Maple", "Pine", "Frost", "Gold", "Falcon", "Eagle",
	"Wolf", "Bear", "Fox", "Hawk", "Sky", "Cloud", "Storm", "Sea", "Ocean", "Terra", "Vita", "Nova",
	"Astra", "Luma", "Zen", "Omni", "Apex", "Core", "Prime", "True", "Bold", "Quant", "Cyber", "Arc",
	"Birch", "Copper", "Crystal", "Delta", "Echo", "Ember", "Fjord", "Granite", "Harbor", "Indigo", "Juniper",
	"Kestrel", "Lumen", "Meadow", "Nimbus", "Onyx", "Polar", "Quartz", "Raven", "Sage", "Tidal", "Umber",
	"Velvet", "Willow", "Xeno", "Yarrow", "Zephyr", "Alder", "Basalt", "Cobalt", "Dune", "Elm", "Flint",
	"Glacier", "Heron", "Isle", "Jade", "Kelp", "Lark", "Moss", "Nectar", "Orbit", "Pebble", "Quill",
	"Rowan", "Slate", "Thorn", "Ursa", "Vale", "Wren", "Yew", "Amber", "Brook", "Coral", "Dawn",
	"Lynx", "Otter", "Solar", "Lunar", "Aurora", "Boreal", "Cirrus", "Halo", "Kairo", "Mistral", "Sterling",
}

var synStemTails = []string{
	"wind", "peak", "stone", "field", "gate", "bridge", "wave", "works", "line", "point", "path", "ridge",
	"brook", "vale", "wood", "light", "forge", "haven", "crest", "view", "mark", "scale", "shift", "sense",
	"mind", "leaf", "rock", "ford", "bay", "wise", "craft", "loop", "stack", "base", "flow", "spring",
	"land", "well", "ware", "sphere", "hub", "nest", "trail", "yard", "cove", "dale", "fall", "glen",
	"harbor", "lane", "mont", "row", "shore", "side", "ton", "vista", "wick", "bloom", "grid", "logic",
	"metric", "nova", "pulse", "signal", "tek", "vant", "vox", "axis", "byte", "cast", "dyn", "era",
}

var synIndustries = []string{
	"Logistics", "Analytics", "Systems", "Software", "Labs", "Consulting", "Partners", "Capital", "Health",
	"Energy", "Foods", "Media", "Robotics", "Pharma", "Biotech", "Networks", "Security", "Payments",
	"Insurance", "Retail", "Motors", "Aerospace", "Textiles", "Studios", "Games", "Data", "Solutions",
	"Technologies", "Holdings", "Ventures", "Industries", "Engineering", "Construction", "Marine", "Mining",
	"Telecom", "Hotels", "Brewing", "Dairy", "Freight", "Shipping", "Diagnostics", "Medical", "Clinics",
	"Learning", "Fintech", "Realty", "Properties", "Interactive", "Digital", "Design", "Architects",
	"Apparel", "Outdoor", "Sports", "Fitness", "Farms", "Organics", "Chemicals", "Materials",
	"Semiconductors", "Optics", "Instruments", "Devices", "Electric", "Power", "Solar Power", "Cyber Defense",
	"Asset Management", "Cloud Services", "Data Centers", "Supply Chain", "Wealth Management", "Home Care",
}

var synSurnames = []string{
	"Müller", "Hansen", "Dubois", "Lindqvist", "Okafor", "Tanaka", "Kowalski", "Schröder", "Sørensen",
	"García", "Rossi", "Novák", "Jansen", "Virtanen", "Nielsen", "Fischer", "Bergström", "O'Brien",
	"MacLeod", "Van der Berg", "Dupont", "Ferreira", "Papadopoulos", "Nakamura", "Kim", "Lefèvre",
	"Wagner", "Andersson", "Kovač", "Horvath", "Moreau", "Bianchi", "Yilmaz", "Petrov", "Håkansson",
	"Østergaard", "Łukasz", "Çelik", "Ibáñez", "Nguyen", "Whitfield", "Ashdown", "Carrow", "Delacroix",
}

var synFamily = []string{"Brothers", "& Sons", "& Daughters", "Family", "& Partners", "Group"}

var synFirmWords = []string{"Partners", "Advisors", "Associates", "Legal", "Capital", "Group"}
