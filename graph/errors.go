package graph

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/linkline/linkline/internal/apperr"
)

// presentError turns every error into one with extensions.code: coded
// domain errors keep their code and message; gqlgen's own (parse,
// validation, complexity) keep theirs; anything else is INTERNAL, logged
// with the request id and masked (SPEC §4).
func (h *Handler) presentError(ctx context.Context, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	if ae, ok := apperr.As(err); ok {
		gerr.Message = ae.Message
		gerr.Extensions = codedExtensions(ae)
		return gerr
	}
	if gerr.Err == nil {
		// gqlgen's own errors are about the request: parse, validation
		// and complexity errors carry their codes, the rest (a body
		// that is not JSON) get one.
		if _, ok := gerr.Extensions["code"]; !ok {
			gerr.Extensions = map[string]any{"code": string(apperr.BadRequest)}
		}
		return gerr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		gerr.Message = "the request was cancelled"
		gerr.Extensions = map[string]any{"code": "CANCELLED"}
		return gerr
	}
	id := requestFrom(ctx).id
	h.log.ErrorContext(ctx, "internal error", "request_id", id, "path", gerr.Path.String(), "err", err)
	h.metrics.InternalErrors.Inc()
	return &gqlerror.Error{
		Message:    "internal error",
		Path:       gerr.Path,
		Extensions: map[string]any{"code": string(apperr.Internal), "requestId": id},
	}
}

// codedError is err as a coded GraphQL error, for streams that report
// errors after the presenter's time; anything uncoded is INTERNAL.
func codedError(err error) *gqlerror.Error {
	if ae, ok := apperr.As(err); ok {
		return &gqlerror.Error{Message: ae.Message, Extensions: codedExtensions(ae)}
	}
	return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": string(apperr.Internal)}}
}

func codedExtensions(ae *apperr.Error) map[string]any {
	ext := map[string]any{"code": string(ae.Code)}
	if ae.Field != "" {
		ext["field"] = ae.Field
	}
	if ae.RetryAfter > 0 {
		ext["retryAfterSeconds"] = int(ae.RetryAfter.Seconds())
	}
	if len(ae.Missing) > 0 {
		ext["missing"] = ae.Missing
	}
	maps.Copy(ext, ae.Details)
	return ext
}

// recoverPanic keeps one resolver's panic from taking the process down; the
// error it returns is masked as INTERNAL by presentError.
func (h *Handler) recoverPanic(ctx context.Context, p any) error {
	h.log.ErrorContext(ctx, "panic in resolver", "request_id", requestFrom(ctx).id, "panic", p, "stack", string(debug.Stack()))
	return fmt.Errorf("panic: %v", p)
}
