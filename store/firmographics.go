package store

import (
	"outreachbot/identity"
	"outreachbot/store/seed"
)

// firmographics fills, on each organization a public source describes, what that source states
// and the account does not (a value earlier inferred from weaker evidence, such as the name, gives
// way). Each value is recorded in Inferred with the source's words, who published them and where,
// so cards and /account find label it. The account is created when it is not there yet: a fresh
// store imports ADOPTERS.md after the seed and merges its rows into these by domain.
func (l *seeder) firmographics(k *seed.Knowledge) error {
	for _, f := range k.Firmographics {
		acc := Account{Name: f.Account, Domain: identity.Domain(f.Domain)}
		id, err := upsertAccount(l.tx, &acc)
		if err != nil {
			return err
		}
		ev := f.Evidence()
		fill := func(field string, empty bool, apply func()) {
			if _, inferred := acc.Inferred[field]; empty || inferred {
				apply()
				acc.Inferred[field] = ev
			}
		}
		if f.Employees > 0 {
			fill("employees", acc.Employees == 0, func() { acc.Employees = f.Employees })
		}
		if f.Engineers > 0 {
			fill("engineers", acc.Engineers == 0, func() { acc.Engineers = f.Engineers })
		}
		if f.HQ != "" {
			fill("hq", acc.HQ == "", func() { acc.HQ = f.HQ })
		}
		if f.Industry != "" {
			fill("industry", acc.Industry == "", func() { acc.Industry = f.Industry })
		}
		enrich(&acc)
		if err := l.tx.Save(&acc).Error; err != nil {
			return err
		}
		l.accountIDs = append(l.accountIDs, id)
	}
	return nil
}
