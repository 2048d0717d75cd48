package store_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"outreachbot/store"
	"outreachbot/store/storetest"
)

// TestStore_stalledDatabaseAnswersByTheDeadline: with PostgreSQL stalled (connections open, no
// bytes), queries — more at once than the pool holds, so some wait for a connection — and the
// readiness ping all return by their context's deadline; when the database comes back the store
// answers again within seconds, on fresh connections.
func TestStore_stalledDatabaseAnswersByTheDeadline(t *testing.T) {
	ctx := context.Background()
	direct := storetest.NewDatabase(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy := storetest.NewStallProxy(t, u.Host)
	st, err := store.Open(ctx, store.Config{DatabaseURL: proxy.URL(direct)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertAccount(ctx, &store.Account{Name: "Acme", Domain: "acme.example", Industry: "software"}); err != nil {
		t.Fatal(err)
	}

	proxy.Stall()
	const deadline = 500 * time.Millisecond
	var wg sync.WaitGroup
	took := make([]time.Duration, 48) // more than the pool's 32 connections
	errs := make([]error, len(took))
	for i := range took {
		wg.Add(1)
		go func() {
			defer wg.Done()
			qctx, cancel := context.WithTimeout(ctx, deadline)
			defer cancel()
			start := time.Now()
			_, _, errs[i] = st.AccountsMatching(qctx, store.AccountFilter{Industry: "software", Limit: 5})
			took[i] = time.Since(start)
		}()
	}
	wg.Wait()
	for i := range took {
		if errs[i] == nil {
			t.Errorf("query %d answered during the stall", i)
		}
		if took[i] > deadline+1500*time.Millisecond {
			t.Errorf("query %d returned %s after its %s deadline", i, took[i]-deadline, deadline)
		}
	}
	pctx, cancel := context.WithTimeout(ctx, deadline)
	start := time.Now()
	if err := st.Ping(pctx); err == nil || time.Since(start) > deadline+1500*time.Millisecond {
		t.Errorf("ping during the stall: %v after %s", err, time.Since(start))
	}
	cancel()

	proxy.Resume()
	recovered := time.Now()
	for {
		qctx, cancel := context.WithTimeout(ctx, time.Second)
		accs, _, err := st.AccountsMatching(qctx, store.AccountFilter{Industry: "software", Limit: 5})
		cancel()
		if err == nil && len(accs) == 1 {
			break
		}
		if time.Since(recovered) > 5*time.Second {
			t.Fatalf("not answering 5 s after the stall ended: %v", err)
		}
	}
	t.Logf("recovered in %s", time.Since(recovered).Round(time.Millisecond))
}
