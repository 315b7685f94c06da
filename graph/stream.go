package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/feed"
)

// codeSlowConsumer ends a subscription whose client fell too far behind; the
// client resubscribes with the cursor of the last event it received (R24).
const codeSlowConsumer = "SLOW_CONSUMER"

// subscribe follows scope on the broker, holding one of the socket's
// subscription slots for as long as the stream lives.
func (r *subscriptionResolver) subscribe(ctx context.Context, scope feed.Scope, after *string) (<-chan *feed.Delivery, error) {
	sock := requestFrom(ctx).sock
	if sock == nil {
		return nil, apperr.New(apperr.BadUserInput, "subscriptions need a websocket")
	}
	if !sock.acquire(r.maxSubscriptions) {
		return nil, &apperr.Error{Code: apperr.RateLimited, Message: "too many subscriptions on this socket"}
	}
	onSlow := func() {
		transport.AddSubscriptionError(ctx, &gqlerror.Error{
			Message:    "the subscriber fell behind; resubscribe with the last cursor received",
			Extensions: map[string]any{"code": codeSlowConsumer},
		})
	}
	ch, err := r.Broker.Subscribe(ctx, scope, after, feed.Hooks{Slow: onSlow, Done: sock.release})
	if err != nil {
		sock.release()
		return nil, err
	}
	return ch, nil
}
