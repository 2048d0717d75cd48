package cli

import (
	"time"

	"outreachbot/digest"
	"outreachbot/handlers"
	"outreachbot/sources/watch"
	"outreachbot/store"
	"outreachbot/store/seed"
)

// NewRegistry declares every command and interaction the bot answers.
func NewRegistry(st *store.Store, dir *store.Directory, k *seed.Knowledge) *handlers.Registry {
	return handlers.NewRegistry(Features(st, dir, k)...)
}

// Features lists every capability of the bot, in the order help shows them.
func Features(st *store.Store, dir *store.Directory, k *seed.Knowledge) []handlers.Feature {
	seg := Segment(k)
	digests := digest.New(st, digest.Options{Segment: seg})
	drafts := handlers.NewDrafts(st, dir, time.Now)
	return []handlers.Feature{
		handlers.NewAccounts(st, dir, seg),
		handlers.NewPains(st),
		handlers.NewMarket(st),
		drafts,
		handlers.NewTemplates(st, drafts, time.Now),
		handlers.NewSignals(st, dir).WithReader(messageReader{st}),
		handlers.NewSignalList(st, dir, digests),
		handlers.NewDigests(digests, seg),
		handlers.NewSources(st, watch.Validate, time.Now),
	}
}

// Segment is the report's target segment, which scoring and filters read.
func Segment(k *seed.Knowledge) handlers.Segment {
	return handlers.Segment{
		EmployeesMin: k.Segments.EmployeesMin, EmployeesMax: k.Segments.EmployeesMax,
		Industries: k.Segments.Industries, Hubs: k.Segments.Hubs,
	}
}
