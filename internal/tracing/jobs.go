package tracing

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Jobs is River middleware that carries trace context in each job's
// metadata and runs every attempt in a span that is the child of the span
// that queued the job, so that a reply's mutation, its job's attempts and
// their Graph API calls make one trace. (rivercontrib/otelriver links the
// work span to the inserting one instead, which starts a new trace per
// attempt: an operator following one reply would have to hop.)
type Jobs struct {
	river.MiddlewareDefaults
	tracer trace.Tracer
}

var (
	_ rivertype.JobInsertMiddleware = (*Jobs)(nil)
	_ rivertype.WorkerMiddleware    = (*Jobs)(nil)
)

// NewJobs returns the middleware, starting spans on tp.
func NewJobs(tp trace.TracerProvider) *Jobs {
	return &Jobs{tracer: tp.Tracer(Name)}
}

// InsertMany adds ctx's trace context and request id to the jobs that
// carry neither of their own: a batch insert made for many requests sets
// each job's beforehand (JobMetadata).
func (j *Jobs) InsertMany(ctx context.Context, params []*rivertype.JobInsertParams, doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	carrier := carrierOf(ctx)
	if len(carrier) == 0 {
		return doInner(ctx)
	}
	for _, p := range params {
		fields := map[string]any{}
		if len(p.Metadata) > 0 && json.Unmarshal(p.Metadata, &fields) != nil {
			continue
		}
		_, traced := fields["traceparent"]
		_, requested := fields[requestIDField]
		if traced || requested {
			continue
		}
		for k, v := range carrier {
			fields[k] = v
		}
		if b, err := json.Marshal(fields); err == nil {
			p.Metadata = b
		}
	}
	return doInner(ctx)
}

// Work runs one attempt in a span under the trace its metadata carries.
func (j *Jobs) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	ctx = JobContext(ctx, job.Metadata)
	ctx, span := j.tracer.Start(ctx, "job "+job.Kind, trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
		attribute.String("job.kind", job.Kind),
		attribute.Int64("job.id", job.ID),
		attribute.Int("job.attempt", job.Attempt),
		attribute.String("job.queue", job.Queue),
	))
	defer span.End()
	err := doInner(ctx)
	if _, ok := errors.AsType[*river.JobSnoozeError](err); ok {
		span.SetAttributes(attribute.Bool("job.snoozed", true))
		return err
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}
