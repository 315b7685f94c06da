package graph

import (
	"context"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/linkline/linkline/graph/socket"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
	"github.com/linkline/linkline/internal/widget"
)

// codeSlowConsumer ends a subscription whose client fell too far behind; the
// client resubscribes with the cursor of the last event it received (R24).
const codeSlowConsumer = "SLOW_CONSUMER"

// slot takes one of the socket's subscription slots, for as long as a
// stream lives; release gives it back.
func (r *subscriptionResolver) slot(ctx context.Context) (release func(), err error) {
	sock := requestFrom(ctx).sock
	if sock == nil {
		return nil, apperr.New(apperr.BadUserInput, "subscriptions need a websocket")
	}
	if !sock.acquire(r.maxSubscriptions) {
		return nil, &apperr.Error{Code: apperr.RateLimited, Message: "too many subscriptions on this socket"}
	}
	return sock.release, nil
}

// subscribe follows scope's events.
func (r *subscriptionResolver) subscribe(ctx context.Context, scope feed.Scope, after *string) (<-chan *feed.Delivery, error) {
	release, err := r.slot(ctx)
	if err != nil {
		return nil, err
	}
	onSlow := func() {
		socket.AddError(ctx, &gqlerror.Error{
			Message:    "the subscriber fell behind; resubscribe with the last cursor received",
			Extensions: map[string]any{"code": codeSlowConsumer},
		})
	}
	push := socket.PusherOf(ctx)
	ch, err := r.Feed.Subscribe(ctx, scope, after, feed.Hooks{Slow: onSlow, Done: release, Sent: push.Sent})
	if err != nil {
		release()
		return nil, err
	}
	push.Start()
	return ch, nil
}

// widgetConfig sends the session's widget as it is now, then again each
// time its account's menus may have changed (R3).
func (r *subscriptionResolver) widgetConfig(ctx context.Context) (<-chan *widget.Widget, error) {
	actor := auth.FromContext(ctx)
	return watchState(ctx, r, actor.AccountID(), func() (*widget.Widget, error) {
		return r.Settings.Widget(ctx, actor, actor.Session.WidgetID)
	})
}

// widget sends a widget's configuration by its public key to a page that
// has no conversation yet (R4, R27), then again each time the widget's
// account's menus may have changed (R3). The caller is anonymous: the
// wake-ups followed are the widget's account's.
func (r *subscriptionResolver) widget(ctx context.Context, key string) (<-chan *widget.Widget, error) {
	origin := requestFrom(ctx).origin
	w, err := r.Menus.Follow(ctx, auth.FromContext(ctx), key, origin)
	if err != nil {
		return nil, err
	}
	// The first state is read again once the watch is set, so that no
	// change between the two reads is missed.
	return watchState(ctx, r, w.AccountID, func() (*widget.Widget, error) {
		return r.Menus.Widget(ctx, key, origin)
	})
}

// linkRequest sends a link request's state now and after each change (R6).
func (r *subscriptionResolver) linkRequest(ctx context.Context, id int64) (<-chan *conversation.LinkRequest, error) {
	actor := auth.FromContext(ctx)
	return watchState(ctx, r, actor.AccountID(), func() (*conversation.LinkRequest, error) {
		return r.Links.Get(ctx, actor, id)
	})
}

// watchState streams state, not events: read sends the current state, at
// once and again each time the account signals a change. A client that
// reconnects gets the current state first, so nothing is missed; it may be
// told the same state twice.
func watchState[T any](ctx context.Context, r *subscriptionResolver, accountID int64, read func() (*T, error)) (<-chan *T, error) {
	release, err := r.slot(ctx)
	if err != nil {
		return nil, err
	}
	wake, stop := r.Feed.Watch(accountID)
	out := make(chan *T)
	go func() {
		defer func() {
			stop()
			release()
			close(out)
		}()
		for {
			v, err := read()
			if err != nil {
				if ctx.Err() == nil {
					socket.AddError(ctx, codedError(err))
				}
				return
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
			select {
			case <-wake:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
