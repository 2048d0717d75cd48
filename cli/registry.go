package cli

import (
	"outreachbot/handlers"
	"outreachbot/sources/watch"
)

// Features lists every capability of the bot, in the order help shows them, over the app's
// store, account index and digest engine (the one the scheduler also runs).
func Features(a *App) []handlers.Feature {
	st, dir, seg := a.Store, a.Directory, a.Knowledge.Segments
	drafts := handlers.NewDrafts(st, dir, a.Clock.Now)
	return []handlers.Feature{
		handlers.NewAccounts(st, dir, seg),
		handlers.NewPains(st),
		handlers.NewMarket(st),
		drafts,
		handlers.NewTemplates(st, drafts, a.Clock.Now),
		handlers.NewSignals(st, dir).WithReader(messageReader{st}),
		handlers.NewSignalList(st, dir, a.Digests),
		handlers.NewDigests(a.Digests, seg),
		handlers.NewSources(st, watch.Validate, a.Clock.Now),
	}
}
