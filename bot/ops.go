package bot

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// startOps serves /healthz (the process is up), /readyz (the socket is connected and the store
// answers), /metrics (Prometheus) and /debug/pprof/ (heap, CPU and goroutine profiles; only to
// clients on the loopback interface, whatever address the listener has, since a heap profile
// holds the data the bot keeps in memory).
func (b *Bot) startOps() error {
	addr := b.deps.Options.HTTPAddr
	if addr == "" || addr == "off" {
		b.opsAddr <- ""
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !b.online.Load() {
			http.Error(w, b.notReadyReason(), http.StatusServiceUnavailable)
			return
		}
		if b.deps.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := b.deps.Ready(ctx); err != nil {
				http.Error(w, "store unreachable", http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.Registry, promhttp.HandlerOpts{}))
	mux.Handle("/debug/pprof/", loopbackOnly(http.HandlerFunc(pprof.Index)))
	mux.Handle("/debug/pprof/cmdline", loopbackOnly(http.HandlerFunc(pprof.Cmdline)))
	mux.Handle("/debug/pprof/profile", loopbackOnly(http.HandlerFunc(pprof.Profile)))
	mux.Handle("/debug/pprof/symbol", loopbackOnly(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("/debug/pprof/trace", loopbackOnly(http.HandlerFunc(pprof.Trace)))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on OUTREACHBOT_HTTP_ADDR %s: %w", addr, err)
	}
	b.ops = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	b.opsAddr <- ln.Addr().String()
	b.log.Info("ops listener", "addr", ln.Addr().String())
	go func() {
		if err := b.ops.Serve(ln); err != nil && err != http.ErrServerClosed {
			b.log.Error("ops listener stopped", "err", err)
		}
	}()
	return nil
}

// loopbackOnly answers 403 to clients that are not on this machine's loopback interface.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			http.Error(w, "profiles are served to loopback clients only", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (b *Bot) shutdownOps() {
	if b.ops == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = b.ops.Shutdown(ctx)
}
