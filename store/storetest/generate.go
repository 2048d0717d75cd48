package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"outreachbot/match"
	"outreachbot/match/matchtest"
	"outreachbot/store"
)

// Generated describes a generated data set.
type Generated struct {
	Accounts []match.Entry // names, aliases and domains as generated (IDs are the store's)
}

var (
	genIndustries = []string{"financial services", "healthcare", "manufacturing", "retail", "media", "software", "logistics", "energy"}
	genRegions    = []struct{ region, hq string }{
		{"Europe", "London, UK"}, {"Europe", "Berlin, Germany"}, {"North America", "Austin, TX"},
		{"Asia-Pacific", "Singapore"}, {"Middle East", "Tel Aviv, Israel"}, {"Asia-Pacific", "Bangalore, India"},
	}
	genTitles = []string{"Head of Platform Engineering", "VP of Engineering", "Director of Engineering",
		"Platform Engineering Manager", "Staff Engineer", "Senior SRE"}
	genKinds = []string{"conference_talk", "job_posting", "github_issue", "blog_post", "community_post"}
)

// GenerateAccounts fills a migrated store with n realistic accounts (names from matchtest.Synthetic),
// each with two contacts, two signals and a pain point link, so a lookup's card costs what a real
// one does. It is deterministic for a seed. The knowledge seed should be loaded first so pain
// points exist (OpenSeeded).
func GenerateAccounts(ctx context.Context, st *store.Store, n int, seed int64) (Generated, error) {
	var syn []match.Entry
	for _, a := range matchtest.Synthetic(n, seed) {
		syn = append(syn, match.Entry(a))
	}
	entries, err := freshEntries(ctx, st, syn)
	if err != nil {
		return Generated{}, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 42))
	var painIDs []int64
	if err := st.DB().WithContext(ctx).Model(&store.PainPoint{}).Pluck("id", &painIDs).Error; err != nil {
		return Generated{}, fmt.Errorf("pain points: %w", err)
	}
	const batch = 1000
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < len(entries); start += batch {
		chunk := entries[start:min(start+batch, len(entries))]
		accounts := make([]store.Account, len(chunk))
		for i, e := range chunk {
			r := genRegions[rng.IntN(len(genRegions))]
			accounts[i] = store.Account{
				Key: store.AccountKey(e.Name), Name: e.Name, Aliases: append([]string{}, e.Aliases...), Domain: e.Domain,
				Industry: genIndustries[rng.IntN(len(genIndustries))], Employees: 50 + rng.IntN(20000),
				Region: r.region, HQ: r.hq, Stage: store.Stages[rng.IntN(len(store.Stages))].Stage,
				AdoptionNotes: "Generated account for benchmarks.", Source: "generated", Inferred: map[string]string{},
			}
		}
		if err := st.DB().WithContext(ctx).CreateInBatches(accounts, batch).Error; err != nil {
			return Generated{}, fmt.Errorf("generate accounts: %w", err)
		}
		var contacts []store.Contact
		var signals []store.Signal
		var pains []store.AccountPain
		for i, a := range accounts {
			for j := 0; j < 2; j++ {
				title := genTitles[rng.IntN(len(genTitles))]
				contacts = append(contacts, store.Contact{AccountID: a.ID, Name: fmt.Sprintf("Person %d-%d", start+i, j), Title: title,
					DecisionRank: 1 + rng.IntN(6), Handles: []string{}, SpokeAt: []string{}, Source: "generated"})
				at := base.Add(time.Duration(rng.IntN(300*24)) * time.Hour)
				id := a.ID
				signals = append(signals, store.Signal{AccountID: &id, Kind: genKinds[rng.IntN(len(genKinds))],
					Title: fmt.Sprintf("%s signal %d", a.Name, j), URL: fmt.Sprintf("https://example.com/%d/%d", a.ID, j),
					OccurredAt: &at, DiscoveredAt: at, Source: "generated", DedupeKey: fmt.Sprintf("gen:%d:%d", a.ID, j)})
			}
			if len(painIDs) > 0 {
				pains = append(pains, store.AccountPain{AccountID: a.ID, PainPointID: painIDs[rng.IntN(len(painIDs))], Evidence: "generated", Source: "generated"})
			}
		}
		for _, rows := range []any{&contacts, &signals, &pains} {
			if err := st.DB().WithContext(ctx).CreateInBatches(rows, batch).Error; err != nil {
				return Generated{}, fmt.Errorf("generate account details: %w", err)
			}
		}
	}
	return Generated{Accounts: entries}, nil
}

// freshEntries drops generated accounts whose key or domain a stored account already has.
func freshEntries(ctx context.Context, st *store.Store, entries []match.Entry) ([]match.Entry, error) {
	var have []store.Account
	if err := st.DB().WithContext(ctx).Select("key, domain").Find(&have).Error; err != nil {
		return nil, fmt.Errorf("existing accounts: %w", err)
	}
	taken := map[string]bool{}
	for _, a := range have {
		taken["k:"+a.Key] = true
		if a.Domain != "" {
			taken["d:"+a.Domain] = true
		}
	}
	out := entries[:0]
	for _, e := range entries {
		if !taken["k:"+store.AccountKey(e.Name)] && !taken["d:"+e.Domain] {
			out = append(out, e)
		}
	}
	return out, nil
}
