package bot_test

import (
	"context"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"outreachbot/bot"
	"outreachbot/bot/bottest"
	"outreachbot/slacktest"
	"outreachbot/store/storetest"
)

// BenchmarkSocketPath measures the whole path of /account at 100,000 accounts on PostgreSQL:
// the envelope written to the websocket by the Slack test double, slack-go's client, the
// delivery claim, the index, the card fetched by key, the ack with the card written back. The
// latency is the double's, from envelope out to ack in. scripts/bench.sh checks the budgets:
// p99 ≤ 10 ms sequentially, ≥ 1,000 commands/s with 16 in flight.
func BenchmarkSocketPath(b *testing.B) {
	srv := bottest.NewServer(b)
	app := newStore(b)
	gen, err := storetest.GenerateAccounts(context.Background(), app.Store, 100_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := app.Directory.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	startBot(b, srv, app, &atomic.Int64{}, newGate(), func(d *bot.Deps) { d.Options.AckBudget = 2 * time.Second })
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 3))
	queries := make([]string, 2000)
	for i := range queries {
		e := gen.Accounts[rng.IntN(len(gen.Accounts))]
		queries[i] = e.Name
		if i%2 == 1 {
			queries[i] = strings.ToLower(e.Name)
		}
	}
	send := func(i int) time.Duration {
		ack, err := srv.SlashCommand(ctx, slacktest.SlashCommand{Command: "/account", Text: queries[i%len(queries)]})
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(string(ack.Payload), "Backstage") {
			b.Fatalf("no card in the ack: %.200s", ack.Payload)
		}
		return ack.Latency
	}
	for i := 0; i < 100; i++ { // warm up
		send(i)
	}

	b.Run("sequential", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			lat = append(lat, send(i))
		}
		report(b, lat)
	})
	b.Run("16-in-flight", func(b *testing.B) {
		var (
			mu  sync.Mutex
			lat = make([]time.Duration, 0, b.N)
			n   atomic.Int64
			wg  sync.WaitGroup
		)
		start := time.Now()
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(n.Add(1))
					if i > b.N {
						return
					}
					d := send(i)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cmds/s")
		report(b, lat)
	})
}

func report(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
