package bot

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// startOps serves /healthz (the process is up), /readyz (the socket is connected and the store
// answers) and /metrics (Prometheus).
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
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on OUTREACHBOT_HTTP_ADDR %s: %w", addr, err)
	}
	b.ops = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	b.opsAddr <- ln.Addr().String()
	go func() {
		if err := b.ops.Serve(ln); err != nil && err != http.ErrServerClosed {
			b.log.Error("ops listener stopped", "err", err)
		}
	}()
	return nil
}

func (b *Bot) shutdownOps() {
	if b.ops == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = b.ops.Shutdown(ctx)
}
