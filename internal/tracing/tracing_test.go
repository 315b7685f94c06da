package tracing

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"
)

func recorder(t *testing.T) (*tracetest.SpanRecorder, *sdktrace.TracerProvider) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return rec, tp
}

// R38: a line logged in a request names its trace and its request id.
func TestLogHandlerAddsTraceAndRequestIDs(t *testing.T) {
	_, tp := recorder(t)
	var out bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&out, nil))).With("part", "test")
	ctx, span := tp.Tracer("t").Start(WithRequestID(context.Background(), "abc123"), "op")
	log.InfoContext(ctx, "hello")
	span.End()
	line := out.String()
	for _, want := range []string{"part=test", "request_id=abc123", "trace_id=" + span.SpanContext().TraceID().String(), "span_id=" + span.SpanContext().SpanID().String()} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %s", line, want)
		}
	}
	out.Reset()
	log.Info("outside any request")
	if strings.Contains(out.String(), "trace_id") || strings.Contains(out.String(), "request_id") {
		t.Errorf("ids without a context: %q", out.String())
	}
}

// R38: a job inserted in a request runs each attempt as a child of the
// request's span, with the request id in its context; metadata the job
// brought (a batch's per-message origin) is kept.
func TestJobsContinueTheTrace(t *testing.T) {
	rec, tp := recorder(t)
	jobs := NewJobs(tp)
	ctx, parent := tp.Tracer("t").Start(WithRequestID(context.Background(), "req-1"), "mutation")
	plain := &rivertype.JobInsertParams{Kind: "k"}
	own := &rivertype.JobInsertParams{Kind: "k", Metadata: JobMetadata(WithRequestID(context.Background(), "other"))}
	_, err := jobs.InsertMany(ctx, []*rivertype.JobInsertParams{plain, own}, func(context.Context) ([]*rivertype.JobInsertResult, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	parent.End()
	if Traceparent(JobContext(context.Background(), plain.Metadata)) != Traceparent(ctx) {
		t.Errorf("the job's metadata does not carry the request's trace: %s", plain.Metadata)
	}
	if !bytes.Contains(own.Metadata, []byte(`"other"`)) || bytes.Contains(own.Metadata, []byte("traceparent")) {
		t.Errorf("a job's own metadata was overwritten: %s", own.Metadata)
	}

	for attempt, result := range []error{errors.New("503"), river.JobSnooze(0), nil} {
		row := &rivertype.JobRow{ID: 7, Kind: "deliver_message", Attempt: attempt + 1, Metadata: plain.Metadata}
		err := jobs.Work(context.Background(), row, func(ctx context.Context) error {
			if RequestID(ctx) != "req-1" {
				t.Errorf("attempt %d: request id %q", attempt+1, RequestID(ctx))
			}
			return result
		})
		if !errors.Is(err, result) {
			t.Errorf("attempt %d returned %v, want %v", attempt+1, err, result)
		}
	}
	var works []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "job deliver_message" {
			works = append(works, s)
		}
	}
	if len(works) != 3 {
		t.Fatalf("%d attempt spans, want 3", len(works))
	}
	for i, s := range works {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("attempt %d is not the child of the request's span", i+1)
		}
	}
	if works[0].Status().Code != codes.Error || works[1].Status().Code == codes.Error || works[2].Status().Code == codes.Error {
		t.Errorf("statuses: failed %v, snoozed %v, done %v", works[0].Status(), works[1].Status(), works[2].Status())
	}
}

// R38: a later span links to a stored traceparent; an empty one adds
// nothing.
func TestLinkTo(t *testing.T) {
	rec, tp := recorder(t)
	ctx, earlier := tp.Tracer("t").Start(context.Background(), "send")
	stored := Traceparent(ctx)
	earlier.End()
	_, later := tp.Tracer("t").Start(context.Background(), "status")
	lctx := oteltrace.ContextWithSpan(context.Background(), later)
	LinkTo(lctx, stored)
	LinkTo(lctx, "")
	later.End()
	links := rec.Ended()[1].Links()
	if len(links) != 1 || links[0].SpanContext.SpanID() != earlier.SpanContext().SpanID() {
		t.Errorf("links: %+v", links)
	}
}
