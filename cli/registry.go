package cli

import (
	"time"

	"outreachbot/handlers"
	"outreachbot/sources/watch"
)

// Features lists every capability of the bot, in the order help shows them, over the app's
// store, account index and digest engine (the one the scheduler also runs).
func Features(a *App) []handlers.Feature {
	return FeaturesAt(a, a.Clock.Now)
}

// FeaturesAt is Features on a given clock (tests that live through days of a rep's week).
func FeaturesAt(a *App, now func() time.Time) []handlers.Feature {
	st, dir, seg := a.Store, a.Directory, a.Knowledge.Segments
	drafts := handlers.NewDrafts(st, dir, now)
	return []handlers.Feature{
		handlers.NewAccounts(st, dir, seg),
		handlers.NewPains(st),
		handlers.NewMarket(st),
		drafts,
		handlers.NewTemplates(st, drafts, now),
		handlers.NewSignals(st, dir).WithReader(messageReader{st}),
		handlers.NewSignalList(st, dir, a.Digests),
		handlers.NewDigests(a.Digests, seg),
		handlers.NewSources(st, watch.Checker{AllowPrivate: a.Options.AllowPrivateFetch}.Check, now),
		handlers.NewFollowups(st, a.Options.FollowupDays, now),
		handlers.NewHome(st, now),
		handlers.NewAccountMentions(st, messageReader{st}),
	}
}
