package store

import "outreachbot/segment"

// enrich fills what the public record supports and the account does not state: industry from
// its name and description, country and region from its HQ or domain, engineering headcount
// from its description. Each value is recorded in Inferred with the evidence, so cards and
// /account find can say it was inferred. A stated value is never replaced.
func enrich(a *Account) {
	v := segment.Default()
	if a.Inferred == nil {
		a.Inferred = map[string]string{}
	}
	if a.Industry == "" {
		if inf, ok := v.InferIndustry(a.Name, a.AdoptionNotes); ok {
			a.Industry, a.Inferred["industry"] = inf.Value, inf.Evidence
		}
	}
	if a.Country == "" {
		if p, ev, ok := v.InferPlace(a.Domain, a.HQ); ok {
			a.Country, a.Inferred["country"] = p.Country, ev
			if a.Region == "" {
				a.Region, a.Inferred["region"] = p.Region, ev
			}
		}
	}
	if a.Engineers == 0 {
		if n, ev, ok := segment.InferEngineers(a.AdoptionNotes); ok {
			a.Engineers, a.Inferred["engineers"] = n, ev
		}
	}
}

// stated records that a field now holds a stated value: it is no longer inferred.
func stated(a *Account, field string) {
	delete(a.Inferred, field)
}
