package faults_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"outreachbot/bot/bottest"
	"outreachbot/digest/digesttest"
	"outreachbot/slacktest"
	"outreachbot/store"
	"outreachbot/store/storetest"
)

// report prints a scenario's result line, the one scripts/faults.sh shows.
func report(t *testing.T, format string, args ...any) {
	t.Helper()
	fmt.Printf("FAULTS "+format+"\n", args...)
}

// rig runs the real binary against the Slack double and a fresh PostgreSQL database, reached
// through a proxy that can stall.
type rig struct {
	t     *testing.T
	bin   string
	srv   *slacktest.Server
	st    *store.Store
	proxy *storetest.StallProxy
	env   []string
	ops   string
	procs []*exec.Cmd
}

func newRig(t *testing.T, extraEnv ...string) *rig {
	t.Helper()
	if os.Getenv("OUTREACHBOT_FAULTS") == "" {
		t.Skip("the fault suite runs from scripts/faults.sh (OUTREACHBOT_FAULTS=1)")
	}
	direct := storetest.NewDatabase(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy := storetest.NewStallProxy(t, u.Host)
	bin, st := bottest.Deploy(t, direct)
	srv := bottest.NewServer(t)
	ops := freeAddr(t)
	r := &rig{t: t, bin: bin, srv: srv, st: st, proxy: proxy, ops: ops, env: bottest.ServeEnv(srv, proxy.URL(direct),
		append([]string{"OUTREACHBOT_HTTP_ADDR=" + ops, "OUTREACHBOT_LOG_LEVEL=error"}, extraEnv...)...)}
	t.Cleanup(r.stopAll)
	return r
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs `outreachbot serve` and waits for it to connect.
func (r *rig) start() {
	r.t.Helper()
	cmd := exec.Command(r.bin, "serve")
	cmd.Env = r.env
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.procs = append(r.procs, cmd)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.srv.WaitConnected(ctx, 1); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) stopAll() {
	for _, c := range r.procs {
		_ = c.Process.Signal(syscall.SIGTERM)
		_ = c.Wait()
	}
	r.procs = nil
}

// command sends a slash command as Slack would: again with the same trigger and retry_attempt+1
// when no ack came back (the socket went away), until acked. It returns the ack.
func (r *rig) command(ctx context.Context, cmd slacktest.SlashCommand, perTry time.Duration) (slacktest.Ack, int, error) {
	if cmd.TriggerID == "" {
		cmd.TriggerID = r.srv.NewTriggerID()
	}
	if cmd.ResponseURL == "" {
		cmd.ResponseURL = r.srv.NewResponseURL()
	}
	for try := 0; ; try++ {
		cmd.RetryAttempt = try
		cmd.EnvelopeID = ""
		tctx, cancel := context.WithTimeout(ctx, perTry)
		ack, err := r.srv.SlashCommand(tctx, cmd)
		cancel()
		if err == nil {
			return ack, try, nil
		}
		if ctx.Err() != nil {
			return ack, try, err
		}
	}
}

// answers maps each response_url to what was posted there.
func (r *rig) answers() map[string][]string {
	out := map[string][]string{}
	for _, p := range r.srv.ResponseURLPosts() {
		out[p.ResponseURL] = append(out[p.ResponseURL], string(p.Body))
	}
	return out
}

func ackBody(a slacktest.Ack) string {
	if len(a.Payload) == 0 || string(a.Payload) == "null" {
		return ""
	}
	return string(a.Payload)
}

// TestFaults_commandsThroughDisconnects: 10,000 /signal add commands from 16 senders while the
// socket is recycled or dropped 100 times. Every command is answered exactly once and stored
// exactly once.
func TestFaults_commandsThroughDisconnects(t *testing.T) {
	r := newRig(t)
	r.start()
	n := envInt("FAULTS_COMMANDS", 10000)
	drops := envInt("FAULTS_DISCONNECTS", 100)
	ctx := context.Background()
	type sent struct {
		ack   slacktest.Ack
		url   string
		tries int
		err   error
	}
	results := make([]sent, n)
	var next atomic.Int64
	var done atomic.Int64
	began := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				cmd := slacktest.SlashCommand{Command: "/signal", Text: fmt.Sprintf("add expedia https://faults.example.com/cmd/%d fault run", i)}
				cmd.ResponseURL = r.srv.NewResponseURL()
				cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
				ack, tries, err := r.command(cctx, cmd, 5*time.Second)
				cancel()
				results[i] = sent{ack: ack, url: cmd.ResponseURL, tries: tries, err: err}
				done.Add(1)
			}
		}()
	}
	// A disconnect every n/drops commands, alternating Slack's refresh with an abrupt close.
	for d := 0; d < drops; d++ {
		for done.Load() < int64((d+1)*n/(drops+1)) {
			time.Sleep(2 * time.Millisecond) // pacing the fault injector, not synchronising a result
		}
		if d%2 == 0 {
			r.srv.Disconnect("refresh_requested")
		} else {
			r.srv.DropAll()
		}
	}
	wg.Wait()
	// Late answers through response_url.
	time.Sleep(3 * time.Second) // answers still in flight after the last ack; counted below either way
	answers := r.answers()
	lost, doubled, retried := 0, 0, 0
	for i, s := range results {
		got := 0
		if ackBody(s.ack) != "" {
			got++
		}
		got += len(answers[s.url])
		if s.tries > 0 {
			retried++
		}
		switch {
		case s.err != nil || got == 0:
			lost++
			if lost <= 3 {
				t.Errorf("command %d: no answer (%v, %d tries)", i, s.err, s.tries)
			}
		case got > 1:
			doubled++
			if doubled <= 3 {
				t.Errorf("command %d answered %d times", i, got)
			}
		}
	}
	var stored, distinct int64
	if err := r.st.DB().Raw("SELECT COUNT(*), COUNT(DISTINCT url) FROM signals WHERE url LIKE 'https://faults.example.com/cmd/%'").Row().Scan(&stored, &distinct); err != nil {
		t.Fatalf("count the stored signals: %v", err)
	}
	if stored != int64(n) || distinct != int64(n) {
		t.Errorf("%d signals stored (%d distinct) for %d commands", stored, distinct, n)
	}
	report(t, "commands+disconnects: %d commands, %d disconnects (%d reconnects seen), %d resent after a lost ack: lost %d, doubled %d, stored %d of %d, %s",
		n, drops, r.srv.ConnectionsOpened()-1, retried, lost, doubled, stored, n, time.Since(began).Round(time.Second))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestFaults_rateLimitedDigests: 30% of chat.postMessage and chat.update calls answer 429 while
// three channels get a digest of 300 new signals each (a message and its thread pages). Every
// page arrives once and in order, and every signal is shown once per channel.
func TestFaults_rateLimitedDigests(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	channels := []string{"CRATE1", "CRATE2", "CRATE3"}
	var subs []int64
	for _, ch := range channels {
		sub := store.Subscription{ChannelID: ch, Schedule: "@every 2s", ScheduleLabel: "every 2 s", Timezone: "UTC", CreatedAt: time.Now()}
		if err := r.st.CreateSubscription(ctx, &sub); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub.ID)
	}
	ids := digesttest.Ingest(t, r.st, 300, "rate")
	r.srv.RateLimitShare("chat.postMessage", 0.3, 0)
	r.srv.RateLimitShare("chat.update", 0.3, 0)
	began := time.Now()
	r.start()
	waitPosted(t, r.st, subs, ids, 3*time.Minute)
	r.srv.RateLimitShare("chat.postMessage", 0, 0)
	r.srv.RateLimitShare("chat.update", 0, 0)
	limited := 0
	for _, m := range []string{"chat.postMessage", "chat.update"} {
		for _, c := range r.srv.Calls(m) {
			if c.RateLimited {
				limited++
			}
		}
	}
	total := len(r.srv.Calls("chat.postMessage")) + len(r.srv.Calls("chat.update"))
	pages, bad := 0, 0
	for _, ch := range channels {
		shown := map[int64]int{}
		var tss []string
		for _, m := range r.srv.Messages(ch) {
			for _, id := range digesttest.SignalIDsInJSON(m.Blocks) {
				shown[id]++
			}
			tss = append(tss, m.TS)
		}
		for _, id := range ids {
			if shown[id] != 1 {
				bad++
				if bad <= 3 {
					t.Errorf("%s: signal %d shown %d times", ch, id, shown[id])
				}
			}
		}
		// Pages in the order the run laid them out: their Slack timestamps increase with the page number.
		var rows []struct {
			Page int
			TS   string `gorm:"column:ts"`
		}
		if err := r.st.DB().Raw("SELECT p.page, p.ts FROM digest_pages p JOIN digest_runs r ON r.id = p.run_id JOIN digest_subscriptions s ON s.id = r.subscription_id WHERE s.channel_id = ? ORDER BY r.id, p.page", ch).Scan(&rows).Error; err != nil {
			t.Fatalf("%s: read the posted pages: %v", ch, err)
		}
		pages += len(rows)
		for i := 1; i < len(rows); i++ {
			if rows[i].Page > rows[i-1].Page && rows[i].TS <= rows[i-1].TS {
				bad++
				t.Errorf("%s: page %d (ts %s) before page %d (ts %s)", ch, rows[i].Page, rows[i].TS, rows[i-1].Page, rows[i-1].TS)
			}
		}
		_ = tss
	}
	report(t, "429 during digests: %d of %d posts and updates answered 429 (%.0f%%); %d pages in 3 channels, each once and in order: %v; %d signals × 3 channels shown once: %v; %s",
		limited, total, 100*float64(limited)/float64(max(total, 1)), pages, bad == 0, len(ids), bad == 0, time.Since(began).Round(time.Second))
}

// TestFaults_databaseStalled: PostgreSQL stops answering for 30 s (a proxy holds every byte).
// Commands sent meanwhile are answered within their deadline with a clear message, /readyz says
// 503, and once the database is back commands succeed within 5 s; no write the bot said it
// saved is lost (the one that shows recovery and a burst of 10 at once after it), and no write it
// said was stopped lands later, when the bytes the stall held reach the database.
func TestFaults_databaseStalled(t *testing.T) {
	const deadline = 5 * time.Second
	r := newRig(t, "OUTREACHBOT_HANDLER_TIMEOUT="+deadline.String())
	r.start()
	ctx := context.Background()
	stall := time.Duration(envInt("FAULTS_STALL_SECONDS", 30)) * time.Second
	send := func(text string) (string, time.Duration) {
		cmd := slacktest.SlashCommand{Command: "/signal", Text: text, ResponseURL: r.srv.NewResponseURL()}
		start := time.Now()
		ack, _, err := r.command(ctx, cmd, 10*time.Second)
		if err != nil {
			return "", time.Since(start)
		}
		if body := ackBody(ack); body != "" {
			return body, time.Since(start)
		}
		for time.Since(start) < 3*deadline {
			if a := r.answers()[cmd.ResponseURL]; len(a) > 0 {
				return a[0], time.Since(start)
			}
			time.Sleep(20 * time.Millisecond) // polling the double's record of response_url posts
		}
		return "", time.Since(start)
	}
	if body, _ := send("add expedia https://faults.example.com/stall/warm"); !strings.Contains(body, "Saved") && !strings.Contains(body, "saved") {
		t.Fatalf("before the stall: %s", body)
	}
	r.proxy.Stall()
	stalledAt := time.Now()
	var (
		mu               sync.Mutex
		answered, clear  int
		slowest          time.Duration
		saved, stopped   []string
		readyzDuringCode = map[int]int{}
	)
	var wg sync.WaitGroup
	stopReadyz := make(chan struct{})
	readyzDone := make(chan struct{})
	go func() {
		defer close(readyzDone)
		for {
			code := httpStatus("http://" + r.ops + "/readyz")
			mu.Lock()
			readyzDuringCode[code]++
			mu.Unlock()
			select {
			case <-stopReadyz:
				return
			case <-time.After(time.Second):
			}
		}
	}()
	sentN := 0
	for i := 0; time.Since(stalledAt) < stall; i++ {
		sentN++
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			u := fmt.Sprintf("https://faults.example.com/stall/%d", i)
			body, took := send("add expedia " + u + " during the stall")
			mu.Lock()
			defer mu.Unlock()
			if body != "" {
				answered++
			}
			if strings.Contains(body, "took too long") {
				stopped = append(stopped, u)
			}
			if strings.Contains(body, "took too long") || strings.Contains(strings.ToLower(body), "saved") {
				clear++
			} else {
				t.Logf("not a clear answer after %s: %.300s", took, body)
			}
			if strings.Contains(strings.ToLower(body), "saved") {
				saved = append(saved, u)
			}
			slowest = max(slowest, took)
		}(i)
		time.Sleep(time.Second) // one command a second while the database is stalled
	}
	wg.Wait()
	close(stopReadyz)
	<-readyzDone
	sentDuring := answered
	r.proxy.Resume()
	resumed := time.Now()
	var recovery time.Duration
	for i := 0; ; i++ {
		body, _ := send(fmt.Sprintf("add expedia https://faults.example.com/after/%d", i))
		if strings.Contains(strings.ToLower(body), "saved") {
			recovery = time.Since(resumed)
			saved = append(saved, fmt.Sprintf("https://faults.example.com/after/%d", i))
			break
		}
		if time.Since(resumed) > time.Minute {
			t.Fatalf("no command succeeded a minute after the database came back: %s", body)
		}
	}
	// Then a burst of writes at once on the recovered pool: each said saved is stored once.
	var burst sync.WaitGroup
	for i := range 10 {
		burst.Add(1)
		go func() {
			defer burst.Done()
			u := fmt.Sprintf("https://faults.example.com/burst/%d", i)
			if body, _ := send("add expedia " + u); strings.Contains(strings.ToLower(body), "saved") {
				mu.Lock()
				saved = append(saved, u)
				mu.Unlock()
			} else {
				t.Errorf("after recovery, %s: %.200s", u, body)
			}
		}()
	}
	burst.Wait()
	lostWrites, landedAfterStop := 0, 0
	for _, u := range stopped {
		// "That took too long and was stopped": the write must not land later, when the held
		// bytes reach the database.
		if n := count(t, r.st, "SELECT COUNT(*) FROM signals WHERE url = ?", u); n != 0 {
			landedAfterStop++
			t.Errorf("%s: the user heard it was stopped, yet it was stored %d times", u, n)
		}
	}
	for _, u := range saved {
		if n := count(t, r.st, "SELECT COUNT(*) FROM signals WHERE url = ?", u); n != 1 {
			lostWrites++
			t.Errorf("%s: said saved, stored %d times", u, n)
		}
	}
	total := sentN
	if answered < total || clear < answered || slowest > deadline+2*time.Second || readyzDuringCode[503] == 0 || recovery > 5*time.Second {
		t.Errorf("answered %d of %d, %d clear, slowest %v (deadline %v), /readyz %v, recovery %v", answered, total, clear, slowest, deadline, readyzDuringCode, recovery)
	}
	report(t, "database stalled %s: %d commands answered of %d sent, %d with a clear message, slowest answer %s (deadline %s); /readyz %s; recovery %s after the database came back; writes said saved %d, lost %d; said stopped %d, stored anyway %d",
		stall, sentDuring, total, clear, slowest.Round(10*time.Millisecond), deadline, codes(readyzDuringCode), recovery.Round(10*time.Millisecond), len(saved), lostWrites, len(stopped), landedAfterStop)
}

func httpStatus(u string) int {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func codes(m map[int]int) string {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%d×%d", m[k], k))
	}
	return strings.Join(parts, " ")
}

// count runs a COUNT query; a query that fails stops the test rather than reading as zero, so
// a "nothing was stored" check cannot pass because the database did not answer.
func count(t *testing.T, st *store.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.DB().Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func waitPosted(t *testing.T, st *store.Store, subs, ids []int64, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		open := count(t, st, "SELECT COUNT(*) FROM digest_runs WHERE state = 'posting'")
		given := count(t, st, "SELECT COUNT(*) FROM digest_items WHERE subscription_id IN ? AND signal_id IN ?", subs, ids)
		if open == 0 && given == int64(len(subs)*len(ids)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not all posted after %v: %d open runs, %d of %d given", limit, open, given, len(subs)*len(ids))
		}
		time.Sleep(200 * time.Millisecond) // polling the database for the binary's progress
	}
}
