package digest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"outreachbot/segment"
	"outreachbot/store"
	"outreachbot/store/seed"
)

// Scorer rates a signal from 0 to 100 and says why in one line. The parts, at most:
//
//	kind 25 · recency 20 · the person's seniority 15 · fit with the report's target segment 20
//	(100–1000 employees 8, a target industry 7, a named hub 5) · pain points shown 10 ·
//	account stage 10
//
// and then Useful / Noise votes on signals of the same kind from the same source scale the sum
// by 0.5 to 1.5.
type Scorer struct {
	Segment seed.Segments
	Roles   []store.DecisionRole
	// Votes are the tallies by kind and source.
	Votes  map[voteKey]store.VoteTally
	Now    time.Time
	ranks  map[string]int // RankTitle by person text: digests repeat people
	target segment.Target
}

type voteKey struct{ kind, source string }

// NewScorer builds a scorer over the decision roles and vote tallies of the moment.
func NewScorer(seg seed.Segments, roles []store.DecisionRole, votes []store.VoteTally, now time.Time) *Scorer {
	m := make(map[voteKey]store.VoteTally, len(votes))
	for _, v := range votes {
		m[voteKey{v.Kind, v.Source}] = v
	}
	return &Scorer{Segment: seg, Roles: roles, Votes: m, Now: now, ranks: map[string]int{}, target: seg.Target()}
}

// kindPoints weighs kinds by how much they say about buying: someone comparing portals, hiring
// a platform team or filing an issue is further along than a news mention.
var kindPoints = map[string]int{
	"competitor_evaluation": 25,
	"job_posting":           20,
	"github_issue":          18,
	"conference_talk":       16,
	"adopters_entry":        15,
	"github_pr":             12,
	"blog_post":             12,
	"community_post":        10,
	"linkedin_post":         10,
	"news":                  8,
	"speaker_profile":       8,
}

// stagePoints favours accounts where a conversation can still change the outcome.
var stagePoints = map[store.Stage]int{
	store.StageEvaluating: 10,
	store.StageInitial:    8,
	store.StageChurned:    6,
	store.StageNone:       5,
	store.StageAdopted:    5,
	store.StageManaged:    4,
	store.StageProduction: 3,
}

// rankPoints gives decision rank 1 (Head of Platform Engineering) 15 points, down to 5.
func rankPoints(rank int) int {
	if rank < 1 || rank > 6 {
		return 0
	}
	return 17 - 2*rank
}

// CompetitiveNote is how a competitor's or vendor's signal is marked wherever it is listed.
func CompetitiveNote(r store.Role) string {
	return "competitive intelligence (" + string(r) + "), not an outreach prompt"
}

// Score rates one signal. A competitor's or vendor's signal is scored on what it is and how
// new it is only: fit, seniority, pains and stage measure a prospect, and it is not one.
func (sc *Scorer) Score(d store.SignalDetail) (int, string) {
	var why strings.Builder
	why.Grow(160)
	add := func(points int, label string) int {
		if points > 0 {
			if why.Len() > 0 {
				why.WriteString(" · ")
			}
			why.WriteString(label)
			why.WriteString(" +")
			why.WriteString(strconv.Itoa(points))
		}
		return points
	}
	total := 0
	kp, ok := kindPoints[d.Kind]
	if !ok {
		kp = 6
	}
	if d.AccountID != nil && !d.Role.Sells() {
		why.WriteString(CompetitiveNote(d.Role))
	}
	total += add(kp, kindWord(d.Kind))
	total += sc.recency(d, add)
	if d.Baseline {
		why.WriteString(" · known since the bot first looked, not news")
	}
	if d.AccountID != nil && !d.Role.Sells() {
		return max(0, min(100, total)), why.String()
	}
	total += sc.seniority(d, add)
	total += sc.fit(d, add)
	if n := len(d.Pains); n > 0 {
		names := make([]string, 0, 2)
		for i, p := range d.Pains {
			if i == 2 {
				names = append(names, fmt.Sprintf("+%d more", n-2))
				break
			}
			names = append(names, shortTitle(p))
		}
		total += add(min(10, 4*n), "pains ("+strings.Join(names, ", ")+")")
	}
	if d.AccountID != nil {
		total += add(stagePoints[d.Stage], store.StageLabel(d.Stage))
	}
	factor := 1.0
	if v, ok := sc.Votes[voteKey{d.Kind, d.Source}]; ok && v.Useful+v.Noise > 0 {
		factor = VoteWeight(v.Useful, v.Noise)
		fmt.Fprintf(&why, " · votes ×%.2f (%d useful, %d noise)", factor, v.Useful, v.Noise)
	}
	score := int(math.Round(float64(total) * factor))
	return max(0, min(100, score)), why.String()
}

// kindWords are the kinds as the why line says them.
var kindWords = func() map[string]string {
	m := map[string]string{}
	for _, k := range store.SignalKinds {
		m[k.Kind] = strings.ToLower(k.Label)
	}
	return m
}()

func kindWord(kind string) string {
	if w, ok := kindWords[kind]; ok {
		return w
	}
	return strings.ToLower(store.SignalKindLabel(kind))
}

// VoteWeight turns votes into a score factor from 0.5 (all noise) to 1.5 (all useful); with
// Laplace smoothing a single vote moves it only a little.
func VoteWeight(useful, noise int) float64 {
	w := 2 * float64(useful+1) / float64(useful+noise+2)
	return math.Max(0.5, math.Min(1.5, w))
}

func (sc *Scorer) recency(d store.SignalDetail, add func(int, string) int) int {
	if d.Baseline && d.OccurredAt == nil {
		// Known since the bot first looked: the day it was recorded says nothing of when it happened.
		return add(0, "")
	}
	at := d.DiscoveredAt
	if d.OccurredAt != nil {
		at = *d.OccurredAt
	}
	if at.IsZero() {
		return 0
	}
	age := sc.Now.Sub(at)
	if age < 0 {
		age = 0
	}
	days := age.Hours() / 24
	// Halves every week: 20 today, 10 a week ago, under 1 after a month.
	points := int(math.Round(20 * math.Pow(0.5, days/7)))
	return add(points, ageText(age))
}

func ageText(age time.Duration) string {
	days := int(age.Hours() / 24)
	switch {
	case days < 1:
		return "today"
	case days < 14:
		return strconv.Itoa(days) + "d old"
	case days < 60:
		return strconv.Itoa(days/7) + "w old"
	}
	return strconv.Itoa(days/30) + "mo old"
}

func (sc *Scorer) seniority(d store.SignalDetail, add func(int, string) int) int {
	if strings.TrimSpace(d.Person) == "" {
		return 0
	}
	rank := d.ContactRank
	if rank == 0 {
		r, ok := sc.ranks[d.Person]
		if !ok {
			r = store.RankTitle(d.Person, sc.Roles)
			if sc.ranks != nil {
				sc.ranks[d.Person] = r
			}
		}
		rank = r
	}
	if p := rankPoints(rank); p > 0 {
		return add(p, sc.roleTitle(rank))
	}
	return add(2, "named person")
}

func (sc *Scorer) roleTitle(rank int) string {
	for _, r := range sc.Roles {
		if r.Rank == rank {
			return r.Title
		}
	}
	return fmt.Sprintf("decision rank %d", rank)
}

// fit weighs the parts of the target segment an account meets (segment.FitOf, the same judgment
// /account find makes): size 8, industry 7, hub 5.
func (sc *Scorer) fit(d store.SignalDetail, add func(int, string) int) int {
	if d.AccountID == nil {
		return 0
	}
	f := sc.target.FitOf(segment.Profile{Industry: d.Industry, Employees: d.Employees, Engineers: d.Engineers,
		Country: d.Country, Region: d.Region, HQ: d.HQ})
	points := 0
	var why []string
	if f.Size != "" {
		points += 8
		why = append(why, f.Size)
	}
	if f.Industry != "" {
		points += 7
		why = append(why, f.Industry)
	}
	if f.Hub != "" {
		points += 5
		why = append(why, f.Hub)
	}
	if points == 0 {
		return 0
	}
	return add(points, "fit ("+strings.Join(why, ", ")+")")
}

// shortTitle keeps the first words of a pain point's title.
func shortTitle(t string) string {
	w := strings.Fields(t)
	if len(w) > 3 {
		return strings.Join(w[:3], " ") + "…"
	}
	return t
}
