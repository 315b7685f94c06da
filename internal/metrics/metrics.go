// Package metrics holds the service's Prometheus collectors, on a registry
// of their own (never the global one), served at /metrics. It is a leaf:
// the domain never imports it, but is handed small observer functions that
// app wires to these collectors. Labels are bounded: a channel, an
// integration, an outcome or reason from a fixed list, never a user (R38).
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"time"

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

	// Replies counts replies to social channels by what became of them:
	// queued, sent, delivered, read, held, failed.
	Replies *prometheus.CounterVec
	// ReplyFailures counts failed replies by class of failure.
	ReplyFailures *prometheus.CounterVec
	// DeliveryLatency is from the reply's commit to the platform taking it.
	DeliveryLatency *prometheus.HistogramVec
	// SendAttempts counts the attempts to send a reply by integration and
	// outcome: what an integration's health (R38) counts over its window.
	SendAttempts *prometheus.CounterVec
	// DeliveryRetries and DeliverySnoozes are the job attempts that will run
	// again, by reason.
	DeliveryRetries *prometheus.CounterVec
	DeliverySnoozes *prometheus.CounterVec
	// WebhookProcessing is from a webhook's receipt to its events stored.
	WebhookProcessing *prometheus.HistogramVec
	// GraphAPIRequests and GraphAPILatency are the calls to Meta's Graph API.
	GraphAPIRequests *prometheus.CounterVec
	GraphAPILatency  *prometheus.HistogramVec
	// LinkRequests counts link requests by outcome.
	LinkRequests *prometheus.CounterVec
	// SubscriptionResumes counts subscriptions started from a cursor (or
	// not), and SubscriptionLag the events a resumed one had to catch up.
	SubscriptionResumes *prometheus.CounterVec
	SubscriptionLag     prometheus.Histogram
	// ListenerReconnects counts the NOTIFY listener's connections after the
	// first.
	ListenerReconnects prometheus.Counter
}

// latencyBuckets span a fast Graph API answer to a reply that waited out
// several retries.
var latencyBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200}

// New returns the collectors, registered on a new registry with the Go and
// process collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { r.MustRegister(c) }
	counters := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	histograms := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	}
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
		RateLimited:         counters("linkline_rate_limited_total", "Actions refused with RATE_LIMITED.", "action"),
		Requests:            counters("linkline_graphql_operations_total", "GraphQL operations by type and outcome.", "type", "outcome"),
		InternalErrors:      prometheus.NewCounter(prometheus.CounterOpts{Name: "linkline_internal_errors_total", Help: "Errors masked as INTERNAL."}),
		RejectedHTTPRequest: counters("linkline_http_rejected_total", "HTTP requests refused before GraphQL ran.", "reason"),
		Webhooks:            counters("linkline_webhook_requests_total", "Webhook requests by result.", "result"),
		DeliveryResends: counters("linkline_delivery_resends_total",
			"Replies sent again that may have reached the phone twice (unknown_outcome: an earlier attempt's process died mid-send) or did (sent_twice: the platform gave two ids).", "reason"),

		Replies:         counters("linkline_replies_total", "Replies to social channels by outcome: queued, sent (the platform took it), delivered, read (status webhooks), held (credentials refused), failed.", "channel", "outcome"),
		ReplyFailures:   counters("linkline_reply_failures_total", "Failed replies by class: permanent (the platform refused it), exhausted (retries spent), window_closed, integration (disabled or removed), recipient (unlinked or gone), reported (a status webhook).", "channel", "class"),
		DeliveryLatency: histograms("linkline_delivery_latency_seconds", "From a reply's commit to the platform accepting it, retries included.", latencyBuckets, "channel"),
		SendAttempts: counters("linkline_send_attempts_total",
			"Attempts to send a reply to the platform, retries included, by integration and outcome: sent (the platform took it) or failed (refused, or no answer). An integration's health shows the failed share over the last hour.", "channel", "integration", "outcome"),
		DeliveryRetries: counters("linkline_delivery_retries_total", "Delivery attempts that failed and will be retried with backoff, by failure class.", "reason"),
		DeliverySnoozes: counters("linkline_delivery_snoozes_total", "Delivery attempts put off: behind (an earlier reply of the conversation is unsent), pair_limit, rate_limited, held.", "reason"),
		WebhookProcessing: histograms("linkline_webhook_processing_seconds", "From a webhook's receipt to its events stored.",
			[]float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}, "channel"),
		GraphAPIRequests: counters("linkline_graph_api_requests_total", "Calls to Meta's Graph API by endpoint and HTTP status (error: no answer).", "endpoint", "status"),
		GraphAPILatency: histograms("linkline_graph_api_request_duration_seconds", "Duration of calls to Meta's Graph API.",
			[]float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30}, "endpoint"),
		LinkRequests:        counters("linkline_link_requests_total", "Link requests by outcome: requested, cancelled, confirmed, declined, expired (found so when the end user came back to it).", "channel", "outcome"),
		SubscriptionResumes: counters("linkline_subscription_starts_total", "Subscriptions started, by whether they resumed from a cursor.", "cursor"),
		SubscriptionLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "linkline_subscription_resume_lag_events", Help: "Events a resumed subscription had to catch up on before going live.",
			Buckets: []float64{0, 1, 5, 20, 100, 500, 2000, 10000},
		}),
		ListenerReconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "linkline_listener_reconnects_total", Help: "Times the PostgreSQL NOTIFY listener connected again after losing its connection."}),
	}
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range []prometheus.Collector{m.Sockets, m.SocketsRejected, m.Subscriptions, m.SlowConsumers, m.Messages, m.WriteBatch, m.RateLimited, m.Requests, m.InternalErrors, m.RejectedHTTPRequest, m.Webhooks, m.DeliveryResends,
		m.Replies, m.ReplyFailures, m.SendAttempts, m.DeliveryLatency, m.DeliveryRetries, m.DeliverySnoozes, m.WebhookProcessing, m.GraphAPIRequests, m.GraphAPILatency, m.LinkRequests, m.SubscriptionResumes, m.SubscriptionLag, m.ListenerReconnects} {
		f(c)
	}
	return m
}

// Handler serves the registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// WatchPool reports the database pool's use (open, in use, waits): a pool
// whose wait count climbs is saturated.
func (m *Metrics) WatchPool(db *sql.DB) {
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, "linkline"))
}

// WatchListener reports whether the NOTIFY listener is connected.
func (m *Metrics) WatchListener(connected func() bool) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "linkline_listener_connected", Help: "1 while the PostgreSQL NOTIFY listener is connected: without it, other instances' events reach subscribers only by polling.",
	}, func() float64 {
		if connected() {
			return 1
		}
		return 0
	}))
}

// WatchSQLiteLog reports the length of SQLite's write-ahead log, in pages,
// at the last checkpoint pass.
func (m *Metrics) WatchSQLiteLog(pages func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "linkline_sqlite_log_pages", Help: "Pages in SQLite's write-ahead log at the last checkpoint pass: low while checkpoints keep up; a log that only grows means they fail (see the WARN logs).",
	}, pages))
}

// Waiting is the unfinished jobs of one kind in one queue.
type Waiting struct {
	Queue, Kind string
	Jobs        int
	// OldestAge is how long ago the oldest of them was created.
	OldestAge time.Duration
}

var (
	queueDepth = prometheus.NewDesc("linkline_queue_jobs", "Jobs not yet finished (available, scheduled, retrying, running) per queue and kind.", []string{"queue", "kind"}, nil)
	queueAge   = prometheus.NewDesc("linkline_queue_oldest_job_age_seconds", "Age of the oldest unfinished job per queue and kind.", []string{"queue", "kind"}, nil)
)

// WatchQueues reports queue depth and the age of the oldest waiting job,
// read from the job table at each scrape: the figures are the database's,
// so every instance reports the same ones, and nothing is kept between
// scrapes. A queue and kind with nothing waiting has no sample.
func (m *Metrics) WatchQueues(read func(context.Context) ([]Waiting, error), log *slog.Logger) {
	m.Registry.MustRegister(&atScrape[Waiting]{descs: []*prometheus.Desc{queueDepth, queueAge}, read: read, log: log,
		emit: func(ch chan<- prometheus.Metric, w Waiting) {
			ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(w.Jobs), w.Queue, w.Kind)
			ch <- prometheus.MustNewConstMetric(queueAge, prometheus.GaugeValue, max(w.OldestAge.Seconds(), 0), w.Queue, w.Kind)
		}})
}

// Integrations is the number of integrations of one channel in one status;
// Failing lists the ids of those whose credentials Meta refused.
type Integrations struct {
	Channel, Status string
	Count           int
	Failing         []int64
}

var (
	integrationCount   = prometheus.NewDesc("linkline_integrations", "Integrations per channel and status (ACTIVE, DISABLED, FAILING).", []string{"channel", "status"}, nil)
	integrationFailing = prometheus.NewDesc("linkline_integration_failing", "1 for each integration whose credentials Meta refused: its replies are held until an admin updates them.", []string{"channel", "integration"}, nil)
)

// WatchIntegrations reports integrations by status, read at each scrape.
func (m *Metrics) WatchIntegrations(read func(context.Context) ([]Integrations, error), log *slog.Logger) {
	m.Registry.MustRegister(&atScrape[Integrations]{descs: []*prometheus.Desc{integrationCount, integrationFailing}, read: read, log: log,
		emit: func(ch chan<- prometheus.Metric, n Integrations) {
			ch <- prometheus.MustNewConstMetric(integrationCount, prometheus.GaugeValue, float64(n.Count), n.Channel, n.Status)
			for _, id := range n.Failing {
				ch <- prometheus.MustNewConstMetric(integrationFailing, prometheus.GaugeValue, 1, n.Channel, strconv.FormatInt(id, 10))
			}
		}})
}

// atScrape is a collector that reads its figures from the database when
// Prometheus scrapes.
type atScrape[T any] struct {
	descs []*prometheus.Desc
	read  func(context.Context) ([]T, error)
	emit  func(chan<- prometheus.Metric, T)
	log   *slog.Logger
}

func (c *atScrape[T]) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect reads with a bound of its own: a scrape must answer even when
// the database is slow. A failed read fails the scrape's samples.
func (c *atScrape[T]) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := c.read(ctx)
	if err != nil {
		c.log.Warn("metrics: reading the database", "err", err)
		ch <- prometheus.NewInvalidMetric(c.descs[0], err)
		return
	}
	for _, r := range rows {
		c.emit(ch, r)
	}
}

// GraphAPI counts and times the calls that go through next; endpoint names
// a request by what it does (messages, media, profile), never by the ids
// in its path.
func (m *Metrics) GraphAPI(next http.RoundTripper, endpoint func(*http.Request) string) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := next.RoundTrip(r)
		ep := endpoint(r)
		status := "error"
		if err == nil {
			status = strconv.Itoa(resp.StatusCode)
		}
		m.GraphAPIRequests.WithLabelValues(ep, status).Inc()
		m.GraphAPILatency.WithLabelValues(ep).Observe(time.Since(start).Seconds())
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
