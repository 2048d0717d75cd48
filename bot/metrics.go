package bot

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/slack-go/slack"
)

// Metrics are the bot's Prometheus series, registered on their own registry so several bots can
// run in one test process.
type Metrics struct {
	Registry    *prometheus.Registry
	envelopes   *prometheus.CounterVec
	ackLatency  prometheus.Histogram
	handlerErrs *prometheus.CounterVec
	reconnects  prometheus.Counter
	apiCalls    *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	duplicates  prometheus.Counter
}

// NewMetrics registers the bot's series.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outreachbot_envelopes_total", Help: "Socket Mode envelopes received, by type.",
		}, []string{"type"}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "outreachbot_ack_latency_seconds", Help: "Time from an envelope's arrival to its ack.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3},
		}),
		handlerErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outreachbot_handler_errors_total", Help: "Handler errors and panics, by command or action.",
		}, []string{"handler", "kind"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "outreachbot_reconnects_total", Help: "Socket Mode reconnections.",
		}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outreachbot_slack_api_calls_total", Help: "Slack Web API calls, by method and outcome.",
		}, []string{"method", "outcome"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outreachbot_slack_api_ratelimited_total", Help: "Slack Web API calls answered 429, by method.",
		}, []string{"method"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "outreachbot_envelopes_duplicate_total", Help: "Redelivered envelopes not acted on again.",
		}),
	}
	m.Registry.MustRegister(m.envelopes, m.ackLatency, m.handlerErrs, m.reconnects, m.apiCalls, m.rateLimited, m.duplicates,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) apiCall(method string, err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	var rl *slack.RateLimitedError
	switch {
	case err == nil:
	case errors.As(err, &rl):
		outcome = "ratelimited"
		m.rateLimited.WithLabelValues(method).Inc()
	default:
		outcome = "error"
	}
	m.apiCalls.WithLabelValues(method, outcome).Inc()
}
