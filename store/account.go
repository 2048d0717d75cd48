package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"outreachbot/segment"
)

// Card is everything the account card shows, fetched by key.
type Card struct {
	Account     Account
	Facts       []Fact
	Pains       []CardPain
	Contacts    []Contact
	Signals     []Signal
	Competitors []Competitor
	// Products are the competing products the organization sells (for a competitor or vendor).
	Products []CompetitorWithFacts
	// Alternatives is what the report says of all commercial alternatives (for a competitor).
	Alternatives Alternatives
	SignalCount  int64
	// LastTouch is the latest outreach marked sent to anyone at the account; nil when none.
	LastTouch *Touch
}

// CardPain is a pain point an account shows, with the evidence.
type CardPain struct {
	Key      string
	Title    string
	Evidence string
	Source   string
}

// cardSignals is how many of the latest signals a card carries.
const cardSignals = 5

// AccountCard fetches an account and everything its card shows. On PostgreSQL that is one
// statement (cardSQL); SQLite, a single local connection, looks the parts up one by one. An
// organization that sells something (not a prospect) costs a query or two more for its products.
func (s *Store) AccountCard(ctx context.Context, id int64) (*Card, error) {
	var (
		c   *Card
		err error
	)
	if s.dialect == Postgres {
		c, err = s.cardInOneQuery(ctx, id)
	} else {
		c, err = s.cardByParts(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	if err := s.addProducts(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// cardByParts looks up each part of a card by the account's id, concurrently where the pool
// allows it.
func (s *Store) cardByParts(ctx context.Context, id int64) (*Card, error) {
	c := &Card{}
	g, gctx := errgroup.WithContext(ctx)
	db := s.db.WithContext(gctx)
	part := func(what string, f func() error) {
		g.Go(func() error {
			if err := f(); err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return fmt.Errorf("account %d: %w", id, ErrNotFound)
				}
				return fmt.Errorf("account %d %s: %w", id, what, err)
			}
			return nil
		})
	}
	part("", func() error { return db.Take(&c.Account, id).Error })
	part("facts", func() error {
		return db.Where("subject_type = ? AND subject_id = ?", FactAccount, id).Order("position, id").Find(&c.Facts).Error
	})
	part("pains", func() error {
		return db.Table("account_pains ap").Select("p.key, p.title, ap.evidence, ap.source").
			Joins("JOIN pain_points p ON p.id = ap.pain_point_id").Where("ap.account_id = ?", id).
			Order("p.key").Scan(&c.Pains).Error
	})
	part("contacts", func() error {
		return db.Where("account_id = ?", id).Order("decision_rank, name").Find(&c.Contacts).Error
	})
	part("signals", func() error {
		// The latest few and how many there are, in one round trip.
		var rows []struct {
			Signal `gorm:"embedded"`
			Total  int64
		}
		if err := db.Table("signals").Select("signals.*, (SELECT COUNT(*) FROM signals WHERE account_id = ?) AS total", id).
			Where("account_id = ?", id).Order("occurred_at DESC NULLS LAST, id DESC").Limit(cardSignals).Find(&rows).Error; err != nil {
			return err
		}
		c.Signals = make([]Signal, len(rows))
		for i, r := range rows {
			c.Signals[i] = r.Signal
			c.SignalCount = r.Total
		}
		return nil
	})
	part("competitors", func() error {
		return db.Table("competitors c").Select("c.*").
			Joins("JOIN account_competitors ac ON ac.competitor_id = c.id").Where("ac.account_id = ?", id).
			Order("c.name").Find(&c.Competitors).Error
	})
	part("last touch", func() (err error) {
		c.LastTouch, err = s.LastTouchOfAccount(gctx, id)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return c, nil
}

// addProducts fills what an organization that is not a prospect sells; a prospect's card (nearly
// all of them) costs no query for it.
func (s *Store) addProducts(ctx context.Context, c *Card) error {
	if c.Account.Role == RoleProspect || c.Account.Role == "" {
		return nil
	}
	var err error
	if c.Products, err = s.ProductsOf(ctx, c.Account.ID); err != nil {
		return err
	}
	for _, p := range c.Products {
		if p.Kind == "commercial_portal" { // what the report says of commercial portals as a group
			if c.Alternatives, err = s.CommercialAlternatives(ctx); err != nil {
				return err
			}
			break
		}
	}
	return nil
}

// AccountNames lists every account with only what a name lookup needs.
func (s *Store) AccountNames(ctx context.Context, ids ...int64) ([]Account, error) {
	q := s.db.WithContext(ctx).Select("id, name, aliases, domain")
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	return findAll[Account](q, "account names")
}

// eachAccountName calls f with every account, holding only what a name lookup needs of one row
// at a time (a reload of the name index must not hold every account twice). Rows are scanned by
// hand: gorm's per-row reflection was a fifth of a start's index build.
func (s *Store) eachAccountName(ctx context.Context, f func(Account)) error {
	rows, err := s.SQL().QueryContext(ctx, "SELECT id, name, aliases, domain FROM accounts")
	if err != nil {
		return fmt.Errorf("account names: %w", err)
	}
	defer rows.Close()
	var aliases []byte
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.ID, &a.Name, &aliases, &a.Domain); err != nil {
			return fmt.Errorf("account names: %w", err)
		}
		if a.Aliases, err = decodeAliases(aliases); err != nil {
			return fmt.Errorf("account %d names: %w", a.ID, err)
		}
		f(a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("account names: %w", err)
	}
	return nil
}

// decodeAliases reads the aliases column (a JSON array, as gorm's json serializer writes it).
func decodeAliases(raw []byte) ([]string, error) {
	if len(raw) == 0 || string(raw) == "[]" || string(raw) == "null" {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("aliases: %w", err)
	}
	return out, nil
}

// AccountsByID fetches accounts by id, in no particular order.
func (s *Store) AccountsByID(ctx context.Context, ids []int64) ([]Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return findAll[Account](s.db.WithContext(ctx).Where("id IN ?", ids), "accounts by id")
}

// AccountFilter narrows a segment query. Empty fields do not filter.
type AccountFilter struct {
	// Industries are canonical industry names (segment.IndustryQuery), stated or inferred;
	// Industry, when set instead, is matched as typed.
	Industries []string
	Industry   string
	// EmployeesMin/Max bound the size; an account with no employee count is judged on its
	// inferred engineering headcount (a floor for its size).
	EmployeesMin int
	EmployeesMax int
	// Place is a region, country or city filter (segment.PlaceQuery).
	Place    *segment.Where
	Stages   []Stage
	PainKeys []string
	// Roles keep only organizations of these roles (none: every role).
	Roles []Role
	Limit int
}

// AccountsMatching returns the accounts that pass every filter, and how many pass in all.
func (s *Store) AccountsMatching(ctx context.Context, f AccountFilter) ([]Account, int64, error) {
	q := s.db.WithContext(ctx).Model(&Account{})
	switch {
	case len(f.Industries) > 0:
		lower := make([]string, len(f.Industries))
		for i, v := range f.Industries {
			lower[i] = strings.ToLower(v)
		}
		q = q.Where("LOWER(industry) IN ?", lower)
	case f.Industry != "":
		q = q.Where("LOWER(industry) "+likeContains, containing(f.Industry))
	}
	if f.EmployeesMin > 0 || f.EmployeesMax > 0 {
		size := func(col string) string {
			c := col + " > 0"
			if f.EmployeesMin > 0 {
				c += fmt.Sprintf(" AND %s >= %d", col, f.EmployeesMin)
			}
			if f.EmployeesMax > 0 {
				c += fmt.Sprintf(" AND %s <= %d", col, f.EmployeesMax)
			}
			return c
		}
		q = q.Where("((" + size("employees") + ") OR (employees = 0 AND " + size("engineers") + "))")
	}
	if p := f.Place; p != nil {
		var ors []string
		var args []any
		if len(p.Countries) > 0 {
			ors, args = append(ors, "country IN ?"), append(args, p.Countries)
		}
		if len(p.Regions) > 0 {
			ors, args = append(ors, "region IN ?"), append(args, p.Regions)
		}
		if p.City != "" {
			r := containing(p.City)
			ors, args = append(ors, "LOWER(hq) "+likeContains, "LOWER(region) "+likeContains), append(args, r, r)
		}
		if len(ors) > 0 {
			q = q.Where("("+strings.Join(ors, " OR ")+")", args...)
		}
	}
	if len(f.Stages) > 0 {
		q = q.Where("stage IN ?", f.Stages)
	}
	if len(f.Roles) > 0 {
		q = q.Where("role IN ?", f.Roles)
	}
	for _, key := range f.PainKeys {
		q = q.Where("EXISTS (SELECT 1 FROM account_pains ap JOIN pain_points p ON p.id = ap.pain_point_id WHERE ap.account_id = accounts.id AND p.key = ?)", key)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count matching accounts: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	rows, err := findAll[Account](q.Order("name").Limit(limit), "matching accounts")
	if err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

// PainKeysOf returns the pain point keys of each given account.
func (s *Store) PainKeysOf(ctx context.Context, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		AccountID int64
		Key       string
	}
	if err := s.db.WithContext(ctx).Table("account_pains ap").Select("ap.account_id, p.key").
		Joins("JOIN pain_points p ON p.id = ap.pain_point_id").Where("ap.account_id IN ?", ids).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("pain keys: %w", err)
	}
	for _, r := range rows {
		out[r.AccountID] = append(out[r.AccountID], r.Key)
	}
	for id := range out {
		sort.Strings(out[id])
	}
	return out, nil
}

// SetAccountOwner records who owns an account.
func (s *Store) SetAccountOwner(ctx context.Context, id int64, userID string) error {
	res := s.db.WithContext(ctx).Model(&Account{}).Where("id = ?", id).Update("owner_user_id", userID)
	return changedOne(res, fmt.Sprintf("set owner of account %d", id))
}

// SetAccountRole records what an organization is to the team, and who said so; a role set by a
// person or a file is kept by later seeds.
func (s *Store) SetAccountRole(ctx context.Context, id int64, role Role, source string) error {
	res := s.db.WithContext(ctx).Model(&Account{}).Where("id = ?", id).
		Updates(map[string]any{"role": role, "role_source": source})
	return changedOne(res, fmt.Sprintf("set role of account %d", id))
}

// UpsertAccount creates an account or merges it into the one with the same domain or name.
func (s *Store) UpsertAccount(ctx context.Context, acc *Account) (int64, error) {
	var id int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		id, err = upsertAccount(tx, acc)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("upsert account %s: %w", acc.Name, err)
	}
	s.accountsChanged(id)
	return id, nil
}

// likeContains is a LIKE comparison with containing's pattern. The escape character is declared:
// PostgreSQL defaults to backslash but SQLite has no default, so without ESCAPE there `50%`,
// `ai_ml` and `back\slash` would find nothing.
const likeContains = `LIKE ? ESCAPE '\'`

// containing is the LIKE pattern for lower-case text containing s, with s's %, _ and \ literal.
func containing(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s)) + "%"
}
