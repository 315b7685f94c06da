// Package metrics holds the service's Prometheus collectors, on a registry
// of their own (never the global one), served at /metrics.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the service's collectors.
type Metrics struct {
	Registry *prometheus.Registry

	Sockets             prometheus.Gauge
	SocketsRejected     prometheus.Counter
	Subscriptions       prometheus.Gauge
	SlowConsumers       prometheus.Counter
	Messages            prometheus.Counter
	WriteBatch          prometheus.Histogram
	RateLimited         *prometheus.CounterVec
	Requests            *prometheus.CounterVec
	InternalErrors      prometheus.Counter
	RejectedHTTPRequest *prometheus.CounterVec
	Webhooks            *prometheus.CounterVec
	DeliveryResends     *prometheus.CounterVec
}

// New returns the collectors, registered on a new registry with the Go and
// process collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { r.MustRegister(c) }
	m := &Metrics{
		Registry:        r,
		Sockets:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "linkline_websockets_open", Help: "Open websocket connections."}),
		SocketsRejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "linkline_websockets_rejected_total", Help: "Websocket upgrades refused because the client address had too many open."}),
		Subscriptions:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "linkline_subscriptions_active", Help: "Active GraphQL subscriptions."}),
		SlowConsumers:   prometheus.NewCounter(prometheus.CounterOpts{Name: "linkline_slow_consumer_disconnects_total", Help: "Subscriptions ended because the client did not keep up."}),
		Messages:        prometheus.NewCounter(prometheus.CounterOpts{Name: "linkline_writes_committed_total", Help: "Conversation writes (messages, starts, status changes) committed."}),
		WriteBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "linkline_write_batch_size", Help: "Writes grouped into one transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		RateLimited:         prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkline_rate_limited_total", Help: "Actions refused with RATE_LIMITED."}, []string{"action"}),
		Requests:            prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkline_graphql_operations_total", Help: "GraphQL operations by type and outcome."}, []string{"type", "outcome"}),
		InternalErrors:      prometheus.NewCounter(prometheus.CounterOpts{Name: "linkline_internal_errors_total", Help: "Errors masked as INTERNAL."}),
		RejectedHTTPRequest: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkline_http_rejected_total", Help: "HTTP requests refused before GraphQL ran."}, []string{"reason"}),
		Webhooks:            prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkline_webhook_requests_total", Help: "Webhook requests by result."}, []string{"result"}),
		DeliveryResends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "linkline_delivery_resends_total",
			Help: "Replies sent again that may have reached the phone twice (unknown_outcome: an earlier attempt's process died mid-send) or did (sent_twice: the platform gave two ids).",
		}, []string{"reason"}),
	}
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range []prometheus.Collector{m.Sockets, m.SocketsRejected, m.Subscriptions, m.SlowConsumers, m.Messages, m.WriteBatch, m.RateLimited, m.Requests, m.InternalErrors, m.RejectedHTTPRequest, m.Webhooks, m.DeliveryResends} {
		f(c)
	}
	return m
}

// Handler serves the registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
