// Package tracing follows a reply through the service with OpenTelemetry
// (R38): the tracer provider (OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set,
// off otherwise), the request id that pairs with a trace id, the trace
// context carried inside durable jobs so that a job's attempts continue
// the trace of the request that queued it, and the log handler that puts
// both ids on every line of a request or job.
package tracing

import (
	"context"
	"encoding/json"
	"log/slog"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Name is the instrumentation scope of the service's own spans.
const Name = "github.com/linkline/linkline"

// Propagator carries trace context in W3C traceparent headers and job
// metadata; it is passed explicitly, never installed globally.
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// Provider returns the tracer provider and the function that flushes and
// stops it. With endpoint empty, tracing is off: spans cost nothing and
// are not exported, but a traceparent that arrives is still carried on.
// Otherwise spans are exported over OTLP/HTTP, configured by the standard
// OTEL_EXPORTER_OTLP_* variables.
func Provider(ctx context.Context, endpoint string) (trace.TracerProvider, func(context.Context) error, error) {
	if endpoint == "" {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, nil, err
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "linkline"))),
	)
	return tp, tp.Shutdown, nil
}

type requestIDKey struct{}

// WithRequestID keeps the request id that errors and the X-Request-Id
// header show, so that logs and the request's span carry it too.
func WithRequestID(ctx context.Context, id string) context.Context {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attribute.String("request.id", id))
	}
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the request id in ctx, if any.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestIDField is the request id's key in job metadata.
const requestIDField = "request_id"

// JobMetadata is River job metadata carrying ctx's trace context and
// request id, or nil when ctx has neither.
func JobMetadata(ctx context.Context) []byte {
	carrier := carrierOf(ctx)
	if len(carrier) == 0 {
		return nil
	}
	b, _ := json.Marshal(carrier)
	return b
}

func carrierOf(ctx context.Context) propagation.MapCarrier {
	carrier := propagation.MapCarrier{}
	Propagator.Inject(ctx, carrier)
	if id := RequestID(ctx); id != "" {
		carrier[requestIDField] = id
	}
	return carrier
}

// JobContext is ctx with the trace context and request id that a job's
// metadata carries: for what is logged about a job outside its run (River's
// error handler).
func JobContext(ctx context.Context, metadata []byte) context.Context {
	var fields map[string]any
	if json.Unmarshal(metadata, &fields) != nil {
		return ctx
	}
	carrier := propagation.MapCarrier{}
	for k, v := range fields {
		if s, ok := v.(string); ok {
			carrier[k] = s
		}
	}
	ctx = Propagator.Extract(ctx, carrier)
	if id := carrier[requestIDField]; id != "" {
		ctx = context.WithValue(ctx, requestIDKey{}, id)
	}
	return ctx
}

// LogHandler wraps h so that every record logged with a context carries
// that context's trace_id and request_id: a support ticket's request id
// finds its log lines, and they find the trace.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(attrs)}
}

func (h logHandler) WithGroup(name string) slog.Handler {
	return logHandler{h.Handler.WithGroup(name)}
}

// Traceparent is the W3C traceparent of ctx's span, "" when it has none:
// what is stored to link to the span later (LinkTo).
func Traceparent(ctx context.Context) string {
	carrier := propagation.MapCarrier{}
	Propagator.Inject(ctx, carrier)
	return carrier.Get("traceparent")
}

// LinkTo links ctx's span to the span that traceparent names: a later
// event (a status webhook) that belongs to an earlier trace (the reply it
// reports on) without being its child. An empty or invalid traceparent
// adds nothing.
func LinkTo(ctx context.Context, traceparent string) {
	if traceparent == "" {
		return
	}
	linked := trace.SpanContextFromContext(Propagator.Extract(context.Background(), propagation.MapCarrier{"traceparent": traceparent}))
	if linked.IsValid() {
		trace.SpanFromContext(ctx).AddLink(trace.Link{SpanContext: linked})
	}
}
