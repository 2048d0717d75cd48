package cli

import (
	"context"

	"time"

	"outreachbot/config"
	"outreachbot/digest"
	"outreachbot/handlers"
	"outreachbot/sources/understand"
	"outreachbot/sources/watch"
	"outreachbot/store"
	"outreachbot/store/seed"
)

// NewRegistry declares every command and interaction the bot answers.
func NewRegistry(st *store.Store, dir *store.Directory, k *seed.Knowledge, opts config.Options) *handlers.Registry {
	return handlers.NewRegistry(FeaturesWith(st, dir, k, opts)...)
}

// Features lists every capability of the bot with the default options.
func Features(st *store.Store, dir *store.Directory, k *seed.Knowledge) []handlers.Feature {
	return FeaturesWith(st, dir, k, config.Options{})
}

// FeaturesWith lists every capability of the bot, in the order help shows them.
func FeaturesWith(st *store.Store, dir *store.Directory, k *seed.Knowledge, opts config.Options) []handlers.Feature {
	return FeaturesAt(st, dir, k, opts, time.Now)
}

// FeaturesAt is FeaturesWith on a given clock (tests that live through days of a rep's week).
func FeaturesAt(st *store.Store, dir *store.Directory, k *seed.Knowledge, opts config.Options, now func() time.Time) []handlers.Feature {
	seg := Segment(k)
	digests := digest.New(st, digest.Options{Segment: seg})
	drafts := handlers.NewDrafts(st, dir, now)
	return []handlers.Feature{
		handlers.NewAccounts(st, dir, seg),
		handlers.NewPains(st),
		handlers.NewMarket(st),
		drafts,
		handlers.NewTemplates(st, drafts, now),
		handlers.NewSignals(st, dir),
		handlers.NewSignalList(st, dir, digests),
		handlers.NewDigests(digests, seg),
		handlers.NewSources(st, watch.Validate, now),
		handlers.NewFollowups(st, opts.FollowupDays, now),
		handlers.NewHome(st, now),
		handlers.NewAccountMentions(st, func(ctx context.Context) (*understand.Analyzer, error) { return watch.Analyzer(ctx, st) }, now),
	}
}

// Segment is the report's target segment, which scoring and filters read.
func Segment(k *seed.Knowledge) handlers.Segment {
	return handlers.Segment{
		EmployeesMin: k.Segments.EmployeesMin, EmployeesMax: k.Segments.EmployeesMax,
		Industries: k.Segments.Industries, Hubs: k.Segments.Hubs,
	}
}
