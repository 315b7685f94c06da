package app

import (
	"net/http"
	"slices"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// recordSpans makes the service's spans land in memory.
func recordSpans(t *testing.T) (*tracetest.InMemoryExporter, func(*Config)) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	return exp, func(c *Config) { c.tracer = tp }
}

// scrape reads /metrics as Prometheus does.
func (b *testBundle) scrape(t *testing.T) scraped {
	t.Helper()
	resp, err := http.Get(b.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

type scraped map[string]*dto.MetricFamily

// sample is the metric of family name whose labels include labels (pairs),
// nil when there is none.
func (s scraped) sample(name string, labels ...string) *dto.Metric {
	f := s[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool {
				return l.GetName() == labels[i] && l.GetValue() == labels[i+1]
			}) {
				continue next
			}
		}
		return m
	}
	return nil
}

// value is a counter's or gauge's value, or a histogram's count; -1 when
// the sample is missing.
func (s scraped) value(name string, labels ...string) float64 {
	m := s.sample(name, labels...)
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

// R38: a WhatsApp reply that Meta refuses twice with 503 and then takes is
// counted as an operator sees it — queued, retried twice, sent, delivered,
// Graph API calls by status, its latency — and traced as one trace: the
// mutation, each attempt of its job, and each attempt's Graph API call.
func TestReplyObserved(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		spans, traced := recordSpans(t)
		s := newSocialSetup(t, kind, traced)
		b := s.b
		s.dash.subscribe("d", deliveryEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
		unavailable := graphAnswer{http.StatusServiceUnavailable, `{"error":{"message":"Service unavailable","type":"OAuthException","code":2,"is_transient":true}}`}
		s.graph.answer(unavailable, unavailable)
		if r := b.reply(t, b.agent, s.conv, "third time lucky", "o1"); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		if state, _ := s.nextDelivery(t); state != "SENT" {
			t.Fatalf("after two 503s: %s", state)
		}
		postWebhook(t, s.hook, waStatus(phoneID, "wamid.OUT1", "delivered", "5511987654321", time.Now(), ""), s.secret)
		if state, _ := s.nextDelivery(t); state != "DELIVERED" {
			t.Fatalf("after the status webhook: %s", state)
		}
		b.waitForJobs(t)

		m := b.scrape(t)
		for _, c := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"linkline_replies_total", []string{"channel", "WHATSAPP", "outcome", "queued"}, 1},
			{"linkline_replies_total", []string{"channel", "WHATSAPP", "outcome", "sent"}, 1},
			{"linkline_replies_total", []string{"channel", "WHATSAPP", "outcome", "delivered"}, 1},
			{"linkline_replies_total", []string{"channel", "WHATSAPP", "outcome", "failed"}, -1},
			{"linkline_delivery_retries_total", []string{"reason", "transient"}, 2},
			{"linkline_delivery_latency_seconds", []string{"channel", "WHATSAPP"}, 1},
			{"linkline_graph_api_requests_total", []string{"endpoint", "messages", "status", "503"}, 2},
			{"linkline_graph_api_requests_total", []string{"endpoint", "messages", "status", "200"}, 1},
			{"linkline_graph_api_request_duration_seconds", []string{"endpoint", "messages"}, 3},
			{"linkline_webhook_requests_total", []string{"result", "accepted"}, 2}, // the inbound message and the status
			{"linkline_webhook_processing_seconds", []string{"channel", "WHATSAPP"}, 2},
		} {
			if got := m.value(c.name, c.labels...); got != c.want {
				t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
			}
		}
		// The reply's latency spans its retries: two backoffs at least.
		if h := m.sample("linkline_delivery_latency_seconds", "channel", "WHATSAPP").GetHistogram(); h.GetSampleSum() < 2*b.cfg.RetryBase.Seconds() {
			t.Errorf("delivery latency %vs, below two retry waits", h.GetSampleSum())
		}
		if m.value("go_sql_max_open_connections", "db_name", "linkline") <= 0 {
			t.Error("the database pool is not reported")
		}

		// One trace: mutation → job attempts → Graph API calls.
		byName := func(name string) []tracetest.SpanStub {
			var out []tracetest.SpanStub
			for _, s := range spans.GetSpans() {
				if s.Name == name {
					out = append(out, s)
				}
			}
			return out
		}
		waitFor(t, "the job's three attempts to end their spans", func() bool { return len(byName("job deliver_message")) == 3 })
		// The reply's mutation is the one whose trace the job continues
		// (setting up the integration was another).
		first := byName("job deliver_message")[0]
		i := slices.IndexFunc(byName("graphql mutation"), func(s tracetest.SpanStub) bool { return s.SpanContext.SpanID() == first.Parent.SpanID() })
		if i < 0 {
			t.Fatalf("the job's span is not the child of a mutation's")
		}
		op := byName("graphql mutation")[i]
		if !slices.ContainsFunc(op.Attributes, func(a attribute.KeyValue) bool { return a.Key == "request.id" && a.Value.AsString() != "" }) {
			t.Errorf("the mutation's span has no request id: %v", op.Attributes)
		}
		if servers := byName("POST /graphql"); !slices.ContainsFunc(servers, func(s tracetest.SpanStub) bool { return s.SpanContext.SpanID() == op.Parent.SpanID() }) {
			t.Errorf("the mutation's span is not the child of its HTTP request's")
		}
		tid := op.SpanContext.TraceID()
		jobs := map[trace.SpanID]int{}
		var attempts []int64
		for _, j := range byName("job deliver_message") {
			if j.SpanContext.TraceID() != tid || j.Parent.SpanID() != op.SpanContext.SpanID() {
				t.Errorf("job attempt outside the mutation's trace: %s, parent %s", j.SpanContext.TraceID(), j.Parent.SpanID())
			}
			for _, a := range j.Attributes {
				if a.Key == "job.attempt" {
					attempts = append(attempts, a.Value.AsInt64())
				}
			}
			jobs[j.SpanContext.SpanID()]++
		}
		slices.Sort(attempts)
		if !slices.Equal(attempts, []int64{1, 2, 3}) {
			t.Errorf("job attempts %v, want 1, 2, 3", attempts)
		}
		calls := byName("graph_api POST messages")
		if len(calls) != 3 {
			t.Fatalf("%d Graph API spans, want 3", len(calls))
		}
		for _, c := range calls {
			if c.SpanContext.TraceID() != tid || jobs[c.Parent.SpanID()] != 1 {
				t.Errorf("a Graph API call outside the job's attempts: parent %s", c.Parent.SpanID())
			}
			jobs[c.Parent.SpanID()]++
		}

		// The status webhook is a trace of its own (Meta sent it), whose
		// processing links to the attempt that sent the reply.
		var sent trace.SpanContext
		for _, j := range byName("job deliver_message") {
			if j.Status.Code != codes.Error {
				sent = j.SpanContext
			}
		}
		linked := slices.ContainsFunc(byName("job process_webhook"), func(s tracetest.SpanStub) bool {
			return slices.ContainsFunc(s.Links, func(l sdktrace.Link) bool {
				return l.SpanContext.TraceID() == sent.TraceID() && l.SpanContext.SpanID() == sent.SpanID()
			})
		})
		if !sent.IsValid() || !linked {
			t.Errorf("no webhook processing links to the attempt that sent the reply (%v)", sent)
		}
	})
}

// R38, R17: a reply held because Meta refused the integration's token is
// what the operator's gauges show: the integration FAILING (by id), the
// reply waiting in the queue with its age, counted held; and, on
// PostgreSQL, the NOTIFY listener connected, on SQLite its log's length.
func TestHeldReplyObserved(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		s := newSocialSetup(t, kind)
		b := s.b
		s.graph.answer(graphAnswer{http.StatusUnauthorized, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}`})
		if r := b.reply(t, b.agent, s.conv, "with a dead token", "held"); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		var m scraped
		waitFor(t, "the reply to be held", func() bool {
			m = b.scrape(t)
			return m.value("linkline_replies_total", "channel", "WHATSAPP", "outcome", "held") == 1
		})
		for _, c := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"linkline_integrations", []string{"channel", "WHATSAPP", "status", "FAILING"}, 1},
			{"linkline_delivery_snoozes_total", []string{"reason", "held"}, 1},
			{"linkline_queue_jobs", []string{"queue", "default", "kind", "deliver_message"}, 1},
			{"linkline_graph_api_requests_total", []string{"endpoint", "messages", "status", "401"}, 1},
		} {
			if got := m.value(c.name, c.labels...); got != c.want {
				t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
			}
		}
		if f := m["linkline_integration_failing"]; f == nil || len(f.GetMetric()) != 1 || f.GetMetric()[0].GetGauge().GetValue() != 1 {
			t.Errorf("failing integrations: %v", f)
		}
		if age := m.value("linkline_queue_oldest_job_age_seconds", "kind", "deliver_message"); age < 0 || age > 60 {
			t.Errorf("the held reply's age: %vs", age)
		}
		if want := map[storeKind]float64{postgres: 1, sqlite: -1}[kind]; m.value("linkline_listener_connected") != want {
			t.Errorf("listener connected: %v, want %v", m.value("linkline_listener_connected"), want)
		}
		// SQLite's log, whose length no test can foretell, is there.
		if pages := m.value("linkline_sqlite_log_pages"); (kind == sqlite) != (pages >= 0) {
			t.Errorf("sqlite log pages on %s: %v", kind, pages)
		}
	})
}
