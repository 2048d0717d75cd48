package store

import (
	"strings"
	"time"
)

// Stage is an account's Backstage status.
type Stage string

// The Backstage stages, in the order a prospect usually moves through them.
const (
	StageNone       Stage = "none"
	StageAdopted    Stage = "adopted"
	StageEvaluating Stage = "evaluating"
	StageInitial    Stage = "initial"
	StageProduction Stage = "production"
	StageManaged    Stage = "managed"
	StageChurned    Stage = "churned"
)

// Stages lists every stage with the words a person uses for it.
var Stages = []struct {
	Stage Stage
	Label string
}{
	{StageNone, "no Backstage use known"},
	{StageAdopted, "uses Backstage (stage not stated)"},
	{StageEvaluating, "evaluating"},
	{StageInitial, "initial roll-out"},
	{StageProduction, "in production"},
	{StageManaged, "managed Backstage"},
	{StageChurned, "churned to a competitor"},
}

// StageLabel is the human wording of a stage.
func StageLabel(s Stage) string {
	for _, st := range Stages {
		if st.Stage == s {
			return st.Label
		}
	}
	return string(s)
}

// ParseStage reads a stage as people write it: its name or label in any case and punctuation
// ("Production", "in production", "churned-to-competitor") or a common synonym (prod, pilot,
// POC, eval). Empty or "no" means no Backstage.
func ParseStage(v string) (Stage, bool) {
	k := headerKey(v)
	for _, st := range Stages {
		if k == headerKey(string(st.Stage)) || k == headerKey(st.Label) {
			return st.Stage, true
		}
	}
	switch k {
	case "inproduction", "prod":
		return StageProduction, true
	case "evaluation", "eval", "pilot", "poc":
		return StageEvaluating, true
	case "churnedtocompetitor":
		return StageChurned, true
	case "", "no", "nobackstage", "unknown":
		return StageNone, true
	case "adopter", "uses", "usesbackstage", "listed":
		return StageAdopted, true
	}
	return "", false
}

// Role is what an organization is to the team: someone to sell to, or not.
type Role string

// The roles an organization can have; prospect unless someone said otherwise.
const (
	RoleProspect   Role = "prospect"
	RoleCustomer   Role = "customer"
	RoleCompetitor Role = "competitor"
	RoleVendor     Role = "vendor"
	RolePartner    Role = "partner"
)

// Roles lists every role with what it means, in the order help shows them.
var Roles = []struct {
	Role    Role
	Meaning string
}{
	{RoleProspect, "a company we may sell to"},
	{RoleCustomer, "already buys from us"},
	{RoleCompetitor, "sells a competing developer portal"},
	{RoleVendor, "sells or hosts Backstage itself (Spotify Portal, Roadie)"},
	{RolePartner, "works with us"},
}

// ParseRole reads a role as people write it ("Competitor", "vendors"); empty is no role given.
func ParseRole(v string) (Role, bool) {
	k := strings.TrimSuffix(headerKey(v), "s")
	for _, r := range Roles {
		if k == string(r.Role) {
			return r.Role, true
		}
	}
	return "", false
}

// Sells reports whether the team may pitch to an organization of this role.
func (r Role) Sells() bool {
	return r == "" || r == RoleProspect || r == RoleCustomer || r == RolePartner
}

// Who set a role or a stage.
const (
	RoleFromReport = "report"
	RoleFromUser   = "user"
	RoleFromCSV    = "csv"
)

// Account is a company the team may sell to, or a competitor or vendor it watches.
type Account struct {
	ID            int64
	Key           string
	Name          string
	Aliases       []string `gorm:"serializer:json"`
	Domain        string
	Industry      string
	Employees     int
	Region        string
	HQ            string `gorm:"column:hq"`
	Stage         Stage
	AdoptionNotes string
	// Role is what the organization is to the team; RoleSource who said so.
	Role       Role `gorm:"default:prospect"`
	RoleSource string
	// StageSource is the source key the stage came from; StageEvidence the words that show it.
	StageSource   string
	StageEvidence string
	// Country and Engineers are filled from the public record; Inferred holds, for each field
	// that was inferred rather than stated (industry, country, region, engineers), the evidence.
	Country     string
	Engineers   int
	Inferred    map[string]string `gorm:"serializer:json"`
	OwnerUserID string
	Source      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Fact is one statement about a subject (an account, a pain point, a competitor, the market),
// with its figure and where it comes from.
type Fact struct {
	ID          int64
	SubjectType string
	SubjectID   int64
	Text        string
	Figure      string
	Source      string
	Position    int
}

// Subject types of facts.
const (
	FactAccount    = "account"
	FactCompetitor = "competitor"
	// FactCompetitorTalk is a talking point that answers one competitor.
	FactCompetitorTalk = "competitor_talk"
	// FactAlternatives is what the report says of all commercial alternatives at once.
	FactAlternatives = "alternatives"
	// FactAlternativesTalk is a talking point that answers any commercial alternative.
	FactAlternativesTalk = "alternatives_talk"
	FactMarket           = "market"
	FactSegment          = "segment"
	FactPainNumber       = "pain_number"
	FactPainEvidence     = "pain_evidence"
)

// Contact is a person at an account.
type Contact struct {
	ID           int64
	AccountID    int64
	Name         string
	Title        string
	DecisionRank int
	Handles      []string `gorm:"serializer:json"`
	SpokeAt      []string `gorm:"serializer:json"`
	Email        string
	DoNotContact bool
	DNCReason    string `gorm:"column:dnc_reason"`
	Notes        string
	Source       string
}

// DecisionRole is a title and its decision power (1 = most).
type DecisionRole struct {
	Title   string `gorm:"primaryKey"`
	Rank    int
	Aliases []string `gorm:"serializer:json"`
	Why     string
	Source  string
}

// PainPoint is a recurring problem prospects have with Backstage.
type PainPoint struct {
	ID            int64
	Key           string
	Title         string
	Keywords      []string `gorm:"serializer:json"`
	Summary       string
	TalkingPoints []string `gorm:"serializer:json"`
}

// AccountPain says an account shows a pain point, with the evidence.
type AccountPain struct {
	AccountID   int64 `gorm:"primaryKey"`
	PainPointID int64 `gorm:"primaryKey"`
	Evidence    string
	Source      string
}

// Signal is a dated public event about an account.
type Signal struct {
	ID           int64
	AccountID    *int64
	Kind         string
	Title        string
	Summary      string
	URL          string `gorm:"column:url"`
	Person       string
	OccurredAt   *time.Time
	DiscoveredAt time.Time
	Source       string
	DedupeKey    string
	// Baseline marks a signal that was already true when the bot first looked (at seed or the
	// first import): known, not news.
	Baseline bool
}

// Competitor is a rival developer portal or managed Backstage.
type Competitor struct {
	ID int64
	// AccountID is the organization that sells it (Port, Roadie; Spotify for Spotify Portal).
	AccountID *int64
	Name      string
	Kind      string
	Aliases   []string `gorm:"serializer:json"`
	Domain    string
	Summary   string
	Source    string
}

// AccountCompetitor says a competitor is in play at an account.
type AccountCompetitor struct {
	AccountID    int64 `gorm:"primaryKey"`
	CompetitorID int64 `gorm:"primaryKey"`
	Source       string
}

// Event is a conference.
type Event struct {
	ID         int64
	Name       string
	Year       int
	Location   string
	Attendance string
	Companies  []string `gorm:"serializer:json"`
	Notes      string
	Source     string
}

// Community is a professional network.
type Community struct {
	ID       int64
	Name     string
	Platform string
	Members  string
	Notes    string
	Source   string
}

// Guidance is an outreach channel or positioning rule.
type Guidance struct {
	Kind   string `gorm:"primaryKey"`
	Key    string `gorm:"primaryKey"`
	Name   string
	Text   string
	Source string
}

// Guidance kinds.
const (
	GuidanceChannel     = "channel"
	GuidancePositioning = "positioning"
)

// SourceRef is where facts come from.
type SourceRef struct {
	Key   string `gorm:"primaryKey"`
	Title string
	URL   string `gorm:"column:url"`
}

// TableName maps SourceRef to its table.
func (SourceRef) TableName() string { return "sources" }

// TableName keeps the guidance table's name singular.
func (Guidance) TableName() string { return "guidance" }

// TableName maps Community to its table.
func (Community) TableName() string { return "communities" }

// SignalMention says a signal's text mentions an account or a pain point, and with which phrase.
type SignalMention struct {
	SignalID int64  `gorm:"primaryKey"`
	Kind     string `gorm:"primaryKey"` // "account" or "pain"
	RefID    int64  `gorm:"primaryKey"`
	Phrase   string
}
