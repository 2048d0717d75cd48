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
	// An inferred place is read again, so a rule corrected since (SDA SE's .se is its legal form,
	// not Sweden) corrects it too; a stated one is left alone.
	if _, inferred := a.Inferred["country"]; a.Country == "" || inferred {
		p, ev, ok := v.InferPlace(a.Name, a.Domain, a.HQ)
		_, regionInferred := a.Inferred["region"]
		switch {
		case ok:
			a.Country, a.Inferred["country"] = p.Country, ev
			if a.Region == "" || regionInferred {
				a.Region, a.Inferred["region"] = p.Region, ev
			}
		case inferred:
			a.Country = ""
			delete(a.Inferred, "country")
			if regionInferred {
				a.Region = ""
				delete(a.Inferred, "region")
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
