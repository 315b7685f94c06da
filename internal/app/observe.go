package app

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/metrics"
	"github.com/linkline/linkline/internal/tracing"
)

// traced runs GraphQL requests and webhooks in server spans, continuing a
// traceparent the caller sent. Websockets are left out (a span for a
// socket's hours says nothing), and so are probes, metrics and pages.
func traced(h http.Handler, tp trace.TracerProvider) http.Handler {
	return otelhttp.NewHandler(h, "http",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(tracing.Propagator),
		otelhttp.WithFilter(func(r *http.Request) bool {
			return r.Header.Get("Upgrade") == "" && (r.URL.Path == "/graphql" || strings.HasPrefix(r.URL.Path, "/webhooks/"))
		}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if strings.HasPrefix(r.URL.Path, "/webhooks/") {
				return r.Method + " " + webhookPath // the key stays out of span names
			}
			return r.Method + " " + r.URL.Path
		}),
	)
}

// graphAPITransport instruments the one client every adapter's Graph API
// calls go through: counted and timed by endpoint and status, each in a
// client span under the job's. Meta is sent no traceparent: it has no use
// for ours.
func graphAPITransport(next http.RoundTripper, m *metrics.Metrics, tp trace.TracerProvider) http.RoundTripper {
	return otelhttp.NewTransport(m.GraphAPI(next, meta.Endpoint),
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return "graph_api " + r.Method + " " + meta.Endpoint(r)
		}),
	)
}
