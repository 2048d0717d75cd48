package handlers_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"outreachbot/cli"
	"outreachbot/config"
	"outreachbot/handlers"
	"outreachbot/match"
	"outreachbot/slackmsg"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// minRightCards is the share of the benchmark's queries (exact names, typos, lower case,
// domains of generated accounts) that must answer with the card of the account meant; the rest
// may be pick-lists. An index that answers "no match", or the wrong card,
// faster than the real one fails the benchmark instead of passing it.
const minRightCards = 0.85

// BenchmarkAccountLookup measures /account end to end in the handler — name resolution in the
// in-memory index, the card fetched from PostgreSQL by key, the message built — over 100,000
// generated accounts. It reports p50/p99 latency and cards/op, the share of queries answered
// with the card of the account meant, and fails below minRightCards; scripts/bench.sh checks
// p99 ≤ 5 ms.
func BenchmarkAccountLookup(b *testing.B) {
	ctx := context.Background()
	st := storetest.OpenSeeded(b, store.Postgres)
	gen, err := storetest.GenerateAccounts(ctx, st, 100_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	app, err := cli.Prepare(ctx, config.Options{}, st, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	queries, meant := lookupQueries(gen.Accounts, 2000)
	// Warm the prepared statements and the pool.
	for _, q := range queries[:50] {
		if _, err := app.Registry.Dispatch(ctx, handlers.Request{Command: "/account", Text: q}); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	cards := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		start := time.Now()
		resp, err := app.Registry.Dispatch(ctx, handlers.Request{Command: "/account", Text: q})
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasPrefix(resp.Text, slackmsg.Escape(meant[i%len(queries)].Name)+" — ") {
			cards++
		}
	}
	b.StopTimer()
	reportLatency(b, lat)
	share := float64(cards) / float64(b.N)
	b.ReportMetric(share, "cards/op")
	if share < minRightCards {
		b.Fatalf("only %.2f of the lookups answered with the card of the account meant (at least %.2f must)", share, minRightCards)
	}
}

// lookupQueries mixes exact names, typos, lower-case names and domains of generated accounts,
// and returns the account each query means.
func lookupQueries(entries []match.Entry, n int) ([]string, []match.Entry) {
	rng := rand.New(rand.NewPCG(7, 7))
	out := make([]string, n)
	meant := make([]match.Entry, n)
	for i := range out {
		e := entries[rng.IntN(len(entries))]
		meant[i] = e
		switch i % 4 {
		case 0:
			out[i] = e.Name
		case 1:
			out[i] = typo(e.Name, rng)
		case 2:
			out[i] = strings.ToLower(e.Name)
		default:
			out[i] = e.Domain
			if out[i] == "" {
				out[i] = e.Name
			}
		}
	}
	return out, meant
}

// typo swaps two adjacent letters in the longest word.
func typo(s string, rng *rand.Rand) string {
	r := []rune(s)
	if len(r) < 6 {
		return s
	}
	i := 1 + rng.IntN(len(r)-3)
	r[i], r[i+1] = r[i+1], r[i]
	return string(r)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
