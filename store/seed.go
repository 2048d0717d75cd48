package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"outreachbot/identity"
	"outreachbot/store/seed"
)

// SeedStats counts what a seed run wrote.
type SeedStats struct {
	Accounts, Contacts, PainPoints, Signals, Facts, Competitors int
}

// seedLockID is the advisory lock that keeps replicas from seeding at the same time.
const seedLockID = 0x6f7574726561 // "outrea"

// Seed loads the knowledge file into the store idempotently: running it twice leaves the same rows.
// Rows are matched by natural key (account key or domain, contact name, pain key, ...), updated in
// place, and never duplicated. It runs in one transaction.
func (s *Store) Seed(ctx context.Context, k *seed.Knowledge) (SeedStats, error) {
	var (
		st SeedStats
		l  seeder
	)
	err := s.seedTx(ctx, func(tx *gorm.DB) error {
		l = seeder{tx: tx, st: &st}
		return l.loadAndRecord(k)
	})
	if err != nil {
		return SeedStats{}, fmt.Errorf("seed: %w", err)
	}
	s.accountsChanged(l.accountIDs...)
	return st, nil
}

// SeedIfChanged seeds the store again when it was last seeded from another knowledge file (or
// from one before the store recorded which), so a store made before the file gained organizations
// or roles gets them at the next start or migrate. It reports whether it seeded. Idempotent: a
// second call with the same file does nothing; replicas starting together take turns.
func (s *Store) SeedIfChanged(ctx context.Context, k *seed.Knowledge) (bool, SeedStats, error) {
	var (
		st     SeedStats
		l      seeder
		seeded bool
	)
	err := s.seedTx(ctx, func(tx *gorm.DB) error {
		var rows []seedState
		if err := tx.Where("id = 1").Find(&rows).Error; err != nil {
			return fmt.Errorf("seed state: %w", err)
		}
		if len(rows) == 1 && rows[0].KnowledgeDigest == k.Digest {
			return nil
		}
		seeded = true
		l = seeder{tx: tx, st: &st}
		return l.loadAndRecord(k)
	})
	if err != nil {
		return false, SeedStats{}, fmt.Errorf("seed again: %w", err)
	}
	s.accountsChanged(l.accountIDs...)
	return seeded, st, nil
}

// seedTx runs f in one transaction that holds the seed lock (on PostgreSQL), so replicas seeding
// at the same time take turns.
func (s *Store) seedTx(ctx context.Context, f func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", seedLockID).Error; err != nil {
				return fmt.Errorf("seed lock: %w", err)
			}
		}
		return f(tx)
	})
}

// seedState records the knowledge file the store was last seeded from.
type seedState struct {
	ID              int64
	KnowledgeDigest string
	SeededAt        time.Time
}

// TableName maps seedState to its table.
func (seedState) TableName() string { return "seed_state" }

// IsEmpty reports whether no account has been stored yet (a fresh database).
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Account{}).Limit(1).Count(&n).Error; err != nil {
		return false, fmt.Errorf("count accounts: %w", err)
	}
	return n == 0, nil
}

type seeder struct {
	tx         *gorm.DB
	st         *SeedStats
	roles      []DecisionRole
	accountIDs []int64
}

// loadAndRecord loads the knowledge and records which file it was.
func (l *seeder) loadAndRecord(k *seed.Knowledge) error {
	if err := l.load(k); err != nil {
		return err
	}
	row := seedState{ID: 1, KnowledgeDigest: k.Digest, SeededAt: time.Now().UTC()}
	return l.upsert(&row, []string{"id"}, "knowledge_digest", "seeded_at")
}

func (l *seeder) load(k *seed.Knowledge) error {
	steps := []func(*seed.Knowledge) error{
		l.sources, l.market, l.decisionRoles, l.painPoints, l.competitors,
		l.accounts, l.competitorAccounts, l.firmographics, l.events, l.communities, l.guidance,
	}
	for _, step := range steps {
		if err := step(k); err != nil {
			return err
		}
	}
	return nil
}

func (l *seeder) sources(k *seed.Knowledge) error {
	for _, s := range k.Sources {
		row := SourceRef{Key: s.Key, Title: s.Title, URL: s.URL}
		if err := l.upsert(&row, []string{"key"}, "title", "url"); err != nil {
			return fmt.Errorf("source %s: %w", s.Key, err)
		}
	}
	return nil
}

func (l *seeder) market(k *seed.Knowledge) error {
	if err := l.facts(FactMarket, 0, k.Market); err != nil {
		return err
	}
	seg := k.Segments
	notes := append([]seed.Fact{
		{Text: fmt.Sprintf("Target company size: %d–%d employees", seg.EmployeesMin, seg.EmployeesMax),
			Figure: fmt.Sprintf("%d–%d", seg.EmployeesMin, seg.EmployeesMax), Source: "report"},
		{Text: "Target industries: " + strings.Join(seg.Industries, ", "), Source: "report"},
		{Text: "Tech hubs: " + strings.Join(seg.Hubs, ", "), Source: "report"},
	}, seg.Notes...)
	return l.facts(FactSegment, 0, notes)
}

func (l *seeder) decisionRoles(k *seed.Knowledge) error {
	for _, r := range k.Roles {
		row := DecisionRole{Title: r.Title, Rank: r.Rank, Aliases: nonNil(r.Aliases), Why: r.Why, Source: r.Source}
		if err := l.upsert(&row, []string{"title"}, "rank", "aliases", "why", "source"); err != nil {
			return fmt.Errorf("role %s: %w", r.Title, err)
		}
		l.roles = append(l.roles, row)
	}
	return nil
}

func (l *seeder) painPoints(k *seed.Knowledge) error {
	for _, p := range k.PainPoints {
		row := PainPoint{Key: p.Key, Title: p.Title, Keywords: nonNil(p.Keywords), Summary: p.Summary, TalkingPoints: nonNil(p.TalkingPoints)}
		if err := l.upsert(&row, []string{"key"}, "title", "keywords", "summary", "talking_points"); err != nil {
			return fmt.Errorf("pain point %s: %w", p.Key, err)
		}
		if err := l.tx.Where("key = ?", p.Key).Take(&row).Error; err != nil {
			return fmt.Errorf("pain point %s: %w", p.Key, err)
		}
		if err := l.facts(FactPainNumber, row.ID, p.Numbers); err != nil {
			return err
		}
		if err := l.facts(FactPainEvidence, row.ID, p.Evidence); err != nil {
			return err
		}
		l.st.PainPoints++
	}
	return nil
}

func (l *seeder) competitors(k *seed.Knowledge) error {
	for _, c := range k.Competitors {
		row := Competitor{Name: c.Name, Kind: c.Kind, Aliases: nonNil(c.Aliases), Domain: c.Domain, Summary: c.Summary, Source: c.Source}
		if err := l.upsert(&row, []string{"name"}, "kind", "aliases", "domain", "summary", "source"); err != nil {
			return fmt.Errorf("competitor %s: %w", c.Name, err)
		}
		if err := l.tx.Where("name = ?", c.Name).Take(&row).Error; err != nil {
			return fmt.Errorf("competitor %s: %w", c.Name, err)
		}
		if err := l.facts(FactCompetitor, row.ID, c.Facts); err != nil {
			return err
		}
		if err := l.facts(FactCompetitorTalk, row.ID, talkFacts(c.TalkingPoints, c.Source)); err != nil {
			return err
		}
		l.st.Competitors++
	}
	if err := l.facts(FactAlternatives, 0, k.Alternatives.Facts); err != nil {
		return err
	}
	return l.facts(FactAlternativesTalk, 0, talkFacts(k.Alternatives.TalkingPoints, "report"))
}

// talkFacts keeps talking points as facts of their own subject type, in order.
func talkFacts(points []string, source string) []seed.Fact {
	out := make([]seed.Fact, len(points))
	for i, p := range points {
		out[i] = seed.Fact{Text: p, Source: source}
	}
	return out
}

// competitorAccounts makes sure the organization behind every competitor is an account with the
// role its product gives it (Port a competitor, Roadie and Spotify vendors), so that /account port
// answers, and links the competitor to it.
func (l *seeder) competitorAccounts(k *seed.Knowledge) error {
	for _, c := range k.Competitors {
		acc := Account{Name: c.Name, Domain: identity.Domain(c.Domain), Source: c.Source,
			Role: Role(seed.CompetitorRoles[c.Kind]), RoleSource: RoleFromReport}
		if c.Vendor != "" {
			acc = Account{Name: c.Vendor, Aliases: []string{c.Name}, Role: acc.Role, RoleSource: RoleFromReport}
		} else {
			acc.Aliases = c.Aliases
		}
		id, err := upsertAccount(l.tx, &acc)
		if err != nil {
			return fmt.Errorf("organization behind %s: %w", c.Name, err)
		}
		l.accountIDs = append(l.accountIDs, id)
		if err := l.tx.Model(&Competitor{}).Where("name = ?", c.Name).Update("account_id", id).Error; err != nil {
			return fmt.Errorf("competitor %s: %w", c.Name, err)
		}
	}
	return nil
}

func (l *seeder) accounts(k *seed.Knowledge) error {
	for _, a := range k.Accounts {
		acc := Account{
			Name: a.Name, Aliases: a.Aliases, Domain: identity.Domain(a.Domain), Industry: a.Industry,
			Employees: a.Employees, Region: a.Region, HQ: a.HQ, Stage: Stage(a.Stage),
			AdoptionNotes: a.AdoptionNotes, Source: a.Source, Role: Role(a.Role),
			StageSource: a.Source, StageEvidence: a.AdoptionNotes,
		}
		if a.StageSource != "" {
			acc.StageSource = a.StageSource
		}
		if acc.Role != "" {
			acc.RoleSource = RoleFromReport
		}
		id, err := upsertAccount(l.tx, &acc)
		if err != nil {
			return fmt.Errorf("account %s: %w", a.Name, err)
		}
		l.st.Accounts++
		l.accountIDs = append(l.accountIDs, id)
		if err := l.facts(FactAccount, id, a.Facts); err != nil {
			return err
		}
		if err := l.accountLinks(id, a); err != nil {
			return fmt.Errorf("account %s: %w", a.Name, err)
		}
	}
	return nil
}

func (l *seeder) accountLinks(id int64, a seed.Account) error {
	for _, p := range a.Pains {
		var pain PainPoint
		if err := l.tx.Where("key = ?", p.Key).Take(&pain).Error; err != nil {
			return fmt.Errorf("pain %s: %w", p.Key, err)
		}
		link := AccountPain{AccountID: id, PainPointID: pain.ID, Evidence: p.Evidence, Source: p.Source}
		if err := l.upsert(&link, []string{"account_id", "pain_point_id"}, "evidence", "source"); err != nil {
			return err
		}
	}
	for _, name := range a.Competitors {
		var c Competitor
		if err := l.tx.Where("name = ?", name).Take(&c).Error; err != nil {
			return fmt.Errorf("competitor %s: %w", name, err)
		}
		link := AccountCompetitor{AccountID: id, CompetitorID: c.ID, Source: a.Source}
		if err := l.upsert(&link, []string{"account_id", "competitor_id"}, "source"); err != nil {
			return err
		}
	}
	for _, c := range a.Contacts {
		row := Contact{
			AccountID: id, Name: c.Name, Title: c.Title, DecisionRank: RankTitle(c.Title, l.roles),
			Handles: nonNil(c.Handles), SpokeAt: nonNil(c.SpokeAt), DoNotContact: c.DoNotContact,
			Notes: c.Notes, Source: c.Source,
		}
		if err := l.upsert(&row, []string{"account_id", "name"}, "title", "decision_rank", "handles", "spoke_at", "do_not_contact", "notes", "source"); err != nil {
			return fmt.Errorf("contact %s: %w", c.Name, err)
		}
		l.st.Contacts++
	}
	for _, sg := range a.Signals {
		row := Signal{
			AccountID: &id, Kind: sg.Kind, Title: sg.Title, Summary: sg.Summary, URL: sg.URL,
			Person: sg.Person, OccurredAt: parseLooseDate(sg.OccurredAt), DiscoveredAt: seedEpoch,
			Source: sg.Source, DedupeKey: SignalDedupeKey(sg.URL, identity.Key(a.Name), sg.Kind, sg.Title),
			Baseline: true,
		}
		if err := l.upsert(&row, []string{"dedupe_key"}, "account_id", "kind", "title", "summary", "url", "person", "occurred_at", "source", "baseline"); err != nil {
			return fmt.Errorf("signal %s: %w", sg.Title, err)
		}
		l.st.Signals++
	}
	return nil
}

// seedEpoch is the discovery time of the report's own signals: they are known from the start and
// must never show up in a digest of "new" signals.
var seedEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func (l *seeder) events(k *seed.Knowledge) error {
	for _, e := range k.Events {
		row := Event{Name: e.Name, Year: e.Year, Location: e.Location, Attendance: e.Attendance,
			Companies: nonNil(e.Companies), Notes: e.Notes, Source: e.Source}
		if err := l.upsert(&row, []string{"name"}, "year", "location", "attendance", "companies", "notes", "source"); err != nil {
			return fmt.Errorf("event %s: %w", e.Name, err)
		}
	}
	return nil
}

func (l *seeder) communities(k *seed.Knowledge) error {
	for _, c := range k.Communities {
		row := Community{Name: c.Name, Platform: c.Platform, Members: c.Members, Notes: c.Notes, Source: c.Source}
		if err := l.upsert(&row, []string{"name"}, "platform", "members", "notes", "source"); err != nil {
			return fmt.Errorf("community %s: %w", c.Name, err)
		}
	}
	return nil
}

func (l *seeder) guidance(k *seed.Knowledge) error {
	for _, c := range k.Channels {
		row := Guidance{Kind: GuidanceChannel, Key: c.Key, Name: c.Name, Text: c.Guidance, Source: c.Source}
		if err := l.upsert(&row, []string{"kind", "key"}, "name", "text", "source"); err != nil {
			return fmt.Errorf("channel %s: %w", c.Key, err)
		}
	}
	for _, r := range k.Positioning {
		row := Guidance{Kind: GuidancePositioning, Key: r.Key, Text: r.Text, Source: r.Source}
		if err := l.upsert(&row, []string{"kind", "key"}, "name", "text", "source"); err != nil {
			return fmt.Errorf("positioning %s: %w", r.Key, err)
		}
	}
	return nil
}

func (l *seeder) facts(subjectType string, subjectID int64, facts []seed.Fact) error {
	for i, f := range facts {
		row := Fact{SubjectType: subjectType, SubjectID: subjectID, Text: f.Text, Figure: f.Figure, Source: f.Source, Position: i}
		if err := l.upsert(&row, []string{"subject_type", "subject_id", "text"}, "figure", "source", "position"); err != nil {
			return fmt.Errorf("fact %q: %w", f.Text, err)
		}
		l.st.Facts++
	}
	return nil
}

// upsert inserts row or, on a conflict over the natural key, updates the named columns.
func (l *seeder) upsert(row any, key []string, update ...string) error {
	cols := make([]clause.Column, len(key))
	for i, k := range key {
		cols[i] = clause.Column{Name: k}
	}
	return l.tx.Clauses(clause.OnConflict{Columns: cols, DoUpdates: clause.AssignmentColumns(update)}).Create(row).Error
}

// upsertAccount finds an account by domain or key and updates it with the non-empty fields of acc,
// or creates it. It returns the account's id.
func upsertAccount(tx *gorm.DB, acc *Account) (int64, error) {
	acc.Key = identity.Key(acc.Name)
	if acc.Stage == "" {
		acc.Stage = StageNone
	}
	if acc.Role == "" {
		acc.Role = RoleProspect
	}
	if acc.Inferred == nil {
		acc.Inferred = map[string]string{}
	}
	acc.Aliases = nonNil(acc.Aliases)
	var existing Account
	q := tx.Where("key = ?", acc.Key)
	if acc.Domain != "" {
		q = tx.Where("domain = ? OR key = ?", acc.Domain, acc.Key)
	}
	err := q.Order("id").Take(&existing).Error
	switch {
	case err == gorm.ErrRecordNotFound:
		enrich(acc)
		if err := tx.Create(acc).Error; err != nil {
			return 0, err
		}
		return acc.ID, nil
	case err != nil:
		return 0, err
	}
	mergeAccount(&existing, acc)
	enrich(&existing)
	if err := tx.Save(&existing).Error; err != nil {
		return 0, err
	}
	*acc = existing
	return existing.ID, nil
}

// mergeAccount copies the fields acc knows into existing, keeping what existing knows otherwise.
func mergeAccount(existing, acc *Account) {
	if acc.Name != "" && existing.Key != acc.Key {
		// Another spelling of the same company (found by domain): keep the first name, remember this one.
		existing.Aliases = appendUnique(existing.Aliases, acc.Name)
	}
	existing.Aliases = appendUnique(existing.Aliases, acc.Aliases...)
	setIf := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	if existing.Inferred == nil {
		existing.Inferred = map[string]string{}
	}
	// A stated value replaces an inferred one, and is no longer labelled inferred.
	for field, v := range map[string]string{"industry": acc.Industry, "region": acc.Region, "hq": acc.HQ} {
		if _, inferred := acc.Inferred[field]; v != "" && !inferred {
			stated(existing, field)
		}
	}
	if _, inferred := acc.Inferred["employees"]; acc.Employees > 0 && !inferred {
		stated(existing, "employees")
	}
	setIf(&existing.Domain, acc.Domain)
	setIf(&existing.Industry, acc.Industry)
	setIf(&existing.Region, acc.Region)
	setIf(&existing.HQ, acc.HQ)
	setIf(&existing.AdoptionNotes, acc.AdoptionNotes)
	setIf(&existing.Source, acc.Source)
	if acc.Employees > 0 {
		existing.Employees = acc.Employees
	}

	if acc.Stage != "" && acc.Stage != StageNone {
		existing.Stage, existing.StageSource, existing.StageEvidence = acc.Stage, acc.StageSource, acc.StageEvidence
	}
	if acc.RoleSource != "" && acc.Role != "" && (acc.RoleSource != RoleFromReport ||
		existing.RoleSource == "" || existing.RoleSource == RoleFromReport) {
		// A role someone chose (by hand or in a file) outlives the next seed.
		existing.Role, existing.RoleSource = acc.Role, acc.RoleSource
	}
}

// SignalDedupeKey identifies a signal: its URL when it has one, else account, kind and title.
func SignalDedupeKey(url, accountKey, kind, title string) string {
	if u := strings.TrimSpace(url); u != "" {
		return "url:" + strings.TrimSuffix(strings.ToLower(u), "/")
	}
	return "sig:" + accountKey + ":" + kind + ":" + strings.ReplaceAll(identity.Normalize(title), " ", "-")
}

// RankTitle gives a job title the decision rank of the best role it names (1 = most decision
// power); titles that name no known role rank after all of them.
func RankTitle(title string, roles []DecisionRole) int {
	t := " " + identity.Normalize(title) + " "
	best, bestLen := 99, 0
	for _, r := range roles {
		for _, name := range append([]string{r.Title}, r.Aliases...) {
			n := identity.Normalize(name)
			if n == "" || !strings.Contains(t, " "+n+" ") {
				continue
			}
			// The longest role named wins: "Platform Engineering Manager" over "Engineering Manager".
			if len(n) > bestLen || (len(n) == bestLen && r.Rank < best) {
				best, bestLen = r.Rank, len(n)
			}
		}
	}
	return best
}

func parseLooseDate(s string) *time.Time {
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return &t
		}
	}
	return nil
}

func appendUnique(list []string, vals ...string) []string {
	for _, v := range vals {
		dup := false
		for _, have := range list {
			if strings.EqualFold(have, v) {
				dup = true
				break
			}
		}
		if !dup && v != "" {
			list = append(list, v)
		}
	}
	return list
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
