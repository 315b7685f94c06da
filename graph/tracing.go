package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/linkline/linkline/internal/tracing"
)

// operationSpans runs each query and mutation in a span, the child of the
// HTTP request's, so that what the resolvers do (a reply's write, and the
// delivery job it queues) belongs to the operation's trace (R38).
// Subscriptions get none: they live for hours, and each event they carry
// was caused by some other trace.
type operationSpans struct {
	tracer trace.Tracer
}

var (
	_ graphql.HandlerExtension     = operationSpans{}
	_ graphql.OperationInterceptor = operationSpans{}
)

func (operationSpans) ExtensionName() string                          { return "OperationSpans" }
func (operationSpans) Validate(schema graphql.ExecutableSchema) error { return nil }

func (o operationSpans) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	if op.Operation == nil || op.Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	kind := string(op.Operation.Operation)
	name := kind
	if op.OperationName != "" {
		name += " " + op.OperationName
	}
	ctx, span := o.tracer.Start(ctx, "graphql "+name, trace.WithAttributes(
		attribute.String("graphql.operation.type", kind),
		attribute.String("graphql.operation.name", op.OperationName),
		attribute.String("request.id", tracing.RequestID(ctx)),
	))
	responses := next(ctx)
	var end sync.Once
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		end.Do(func() {
			if resp != nil && len(resp.Errors) > 0 {
				span.SetStatus(codes.Error, resp.Errors.Error())
			}
			span.End()
		})
		return resp
	}
}
