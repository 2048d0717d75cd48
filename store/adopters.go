package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"outreachbot/identity"
)

// AdoptersSource is the source key of facts taken from ADOPTERS.md.
const AdoptersSource = "adopters-md"

// Adopter is one organization of an ADOPTERS.md list, as the store keeps it. The list's parser
// (sources/adopters) knows nothing of the store; its callers map its entries to these rows
// (sources/adopterswatch.Rows), so the store imports nothing from sources.
type Adopter struct {
	Organization string   // the name as listed
	AlsoNamed    []string // other and former names, kept as aliases
	Domain       string   // the website's host (identity.Domain), or ""
	Description  string
	Stage        string // the Backstage stage the description states, or ""
	Key          string // the entry's identity across revisions of the list
	Row          int    // 1-based, for error messages
	Contacts     []AdopterContact
}

// AdopterContact is a person listed for an organization.
type AdopterContact struct {
	Name   string
	GitHub string // handle, or ""
	Email  string // kept only when importing with e-mail addresses
}

// AdoptersImport says what an ADOPTERS.md import changed.
type AdoptersImport struct {
	Rows        int
	NewAccounts int
	Merged      int
	NewSignals  int
	Contacts    int
	// Baseline is true when this was the first list imported: its signals are known, not new.
	Baseline bool
}

// ImportAdopters merges the organizations of an ADOPTERS.md list into the accounts (matching by
// domain, then by name, so "TELUS" and "Telus" are one account), keeps the listed contacts' public
// GitHub handles (e-mail addresses only when withEmails), derives the Backstage stage where the
// description says so, and records one adopters_entry signal per organization, once. Importing a
// newer list over an older one therefore yields exactly the added organizations as new signals.
// The whole list is written in one transaction.
func (s *Store) ImportAdopters(ctx context.Context, entries []Adopter, withEmails bool, now time.Time) (AdoptersImport, error) {
	var (
		res AdoptersImport
		ids []int64
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("key = ?", AdoptersSource).FirstOrCreate(&SourceRef{Key: AdoptersSource,
			Title: "backstage/backstage ADOPTERS.md", URL: "https://github.com/backstage/backstage/blob/master/ADOPTERS.md"}).Error; err != nil {
			return err
		}
		// The first list the store sees is a baseline: its rows were true before the bot looked,
		// so they are recorded as known, not announced as news.
		var listed int64
		if err := tx.Model(&Signal{}).Where("kind = ?", "adopters_entry").Limit(1).Count(&listed).Error; err != nil {
			return err
		}
		res.Baseline = listed == 0
		for _, e := range entries {
			id, created, err := importAdopter(tx, e, withEmails, now, &res)
			if err != nil {
				return fmt.Errorf("row %d (%s): %w", e.Row, e.Organization, err)
			}
			res.Rows++
			if created {
				res.NewAccounts++
			} else {
				res.Merged++
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return AdoptersImport{}, fmt.Errorf("import adopters: %w", err)
	}
	s.accountsChanged(ids...)
	return res, nil
}

func importAdopter(tx *gorm.DB, e Adopter, withEmails bool, now time.Time, res *AdoptersImport) (int64, bool, error) {
	name := accountName(e.Organization)
	acc := Account{Name: name, Aliases: nonNil(e.AlsoNamed), Domain: e.Domain, Source: AdoptersSource}
	existing, found, err := findAccount(tx, acc.Domain, append([]string{name, e.Organization}, e.AlsoNamed...))
	if err != nil {
		return 0, false, err
	}
	var id int64
	if found {
		id = existing.ID
		changed := false
		if existing.Stage == StageNone {
			existing.Stage, existing.StageSource, existing.StageEvidence = adopterStage(e)
			changed = true
		}
		if existing.AdoptionNotes == "" && e.Description != "" {
			existing.AdoptionNotes, changed = e.Description, true
		}
		if existing.Domain == "" && e.Domain != "" {
			existing.Domain, changed = e.Domain, true
		}
		if identity.Key(existing.Name) != identity.Key(name) && !containsFold(existing.Aliases, name) {
			existing.Aliases, changed = appendUnique(existing.Aliases, name), true
		}
		before := len(existing.Inferred)
		enrich(&existing)
		if changed || len(existing.Inferred) != before {
			if err := tx.Save(&existing).Error; err != nil {
				return 0, false, err
			}
		}
	} else {
		acc.Stage, acc.StageSource, acc.StageEvidence = adopterStage(e)
		acc.Role = RoleProspect
		acc.Inferred = map[string]string{}
		acc.AdoptionNotes = e.Description
		acc.Key = identity.Key(name)
		enrich(&acc)
		if err := tx.Create(&acc).Error; err != nil {
			return 0, false, err
		}
		id = acc.ID
	}
	if err := importAdopterContacts(tx, id, e, withEmails, res); err != nil {
		return 0, false, err
	}
	sig := Signal{
		AccountID: &id, Kind: "adopters_entry", Title: name + " is listed in Backstage ADOPTERS.md",
		Summary: e.Description, URL: "", Source: AdoptersSource, DiscoveredAt: now,
		DedupeKey: "adopters:" + e.Key, Baseline: res.Baseline,
	}
	r := tx.Where("dedupe_key = ?", sig.DedupeKey).FirstOrCreate(&sig)
	if r.Error != nil {
		return 0, false, r.Error
	}
	res.NewSignals += int(r.RowsAffected)
	return id, !found, nil
}

// adopterStage is what an ADOPTERS.md row says of the stage: being listed means the organization
// uses Backstage; its description decides whether it says how far along (production, initial,
// evaluating) or not (adopted, stage not stated). The evidence is the description itself.
func adopterStage(e Adopter) (Stage, string, string) {
	st := StageAdopted
	if e.Stage != "" {
		st = Stage(e.Stage)
	}
	evidence := e.Description
	if evidence == "" {
		evidence = "Listed in ADOPTERS.md without a description."
	}
	return st, AdoptersSource, evidence
}

// formerRE is a former name at the end of an organization cell: "Wise, formerly TransferWise".
var formerRE = regexp.MustCompile(`(?i)\s*[,(]\s*(?:formerly|previously|f\.?k\.?a\.?)\s+[^)]*\)?\s*$`)

// accountName is the name an organization goes by now: "Wise, formerly TransferWise" → "Wise" (the
// parser keeps "TransferWise" among the other names, which become aliases).
func accountName(org string) string {
	if n := strings.TrimSpace(formerRE.ReplaceAllString(org, "")); n != "" {
		return n
	}
	return org
}

// findAccount finds an account by domain, then by the key of any of the names.
func findAccount(tx *gorm.DB, domain string, names []string) (Account, bool, error) {
	var acc Account
	if domain != "" {
		err := tx.Where("domain = ?", domain).Take(&acc).Error
		if err == nil {
			return acc, true, nil
		}
		if err != gorm.ErrRecordNotFound {
			return acc, false, err
		}
	}
	for _, n := range names {
		err := tx.Where("key = ?", identity.Key(n)).Take(&acc).Error
		if err == nil {
			return acc, true, nil
		}
		if err != gorm.ErrRecordNotFound {
			return acc, false, err
		}
	}
	return acc, false, nil
}

func importAdopterContacts(tx *gorm.DB, accountID int64, e Adopter, withEmails bool, res *AdoptersImport) error {
	for _, c := range e.Contacts {
		if c.GitHub == "" && (!withEmails || c.Email == "") {
			continue // personal data published for the project, not for sales
		}
		name := c.Name
		if name == "" || strings.EqualFold(name, c.GitHub) {
			name = "@" + c.GitHub
		}
		var ct Contact
		err := tx.Where("account_id = ? AND name = ?", accountID, name).Take(&ct).Error
		if err != nil && err != gorm.ErrRecordNotFound {
			return err
		}
		if err == gorm.ErrRecordNotFound {
			ct = Contact{AccountID: accountID, Name: name, DecisionRank: 99, Handles: []string{}, SpokeAt: []string{},
				Notes: "Listed as a contact in Backstage ADOPTERS.md", Source: AdoptersSource}
		}
		if c.GitHub != "" {
			ct.Handles = appendUnique(ct.Handles, "github.com/"+c.GitHub)
		}
		if withEmails && c.Email != "" && ct.Email == "" {
			ct.Email = c.Email
		}
		if err := tx.Save(&ct).Error; err != nil {
			return err
		}
		res.Contacts++
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
