package cli

import (
	"outreachbot/handlers"
	"outreachbot/store"
	"outreachbot/store/seed"
)

// NewRegistry declares every command and interaction the bot answers.
func NewRegistry(st *store.Store, dir *store.Directory, k *seed.Knowledge) *handlers.Registry {
	return handlers.NewRegistry(Features(st, dir, k)...)
}

// Features lists every capability of the bot, in the order help shows them.
func Features(st *store.Store, dir *store.Directory, k *seed.Knowledge) []handlers.Feature {
	seg := handlers.Segment{
		EmployeesMin: k.Segments.EmployeesMin, EmployeesMax: k.Segments.EmployeesMax,
		Industries: k.Segments.Industries, Hubs: k.Segments.Hubs,
	}
	return []handlers.Feature{
		handlers.NewAccounts(st, dir, seg),
		handlers.NewPains(st),
		handlers.NewMarket(st),
	}
}
