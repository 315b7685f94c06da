package integration

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
)

// HealthWindow is the trailing window of an integration's failure ratio:
// long enough that a few replies make a figure, short enough that an
// outage fixed an hour ago no longer shows.
const HealthWindow = time.Hour

// WebhookEvery is how often a webhook's arrival is recorded at most, per
// integration: a minute is precise enough for "last webhook received",
// and spares a busy webhook path a write per request.
const WebhookEvery = time.Minute

// Sends is what the send attempts through an integration say (R38).
type Sends struct {
	// SentAttempts and FailedAttempts count the attempts since the start of the window
	// that the platform accepted, or that failed (refused, no answer).
	// Attempts still under way are in neither.
	SentAttempts, FailedAttempts int
	// LastSentAt is when the platform last accepted a reply, at any time.
	LastSentAt *time.Time
	// WaitingReplies counts the replies still queued through the integration, and
	// OldestWaitingAt is when the oldest of them was written.
	WaitingReplies  int
	OldestWaitingAt *time.Time
}

// Health is how an integration is doing, for its account's admins (R38).
type Health struct {
	Sends
	// LastWebhookAt is when a signed webhook last arrived, to within
	// WebhookEvery.
	LastWebhookAt *time.Time
	// Window is the trailing window SentAttempts and FailedAttempts count.
	Window time.Duration
}

// FailureRatio is the failed share of the window's finished attempts: 0
// with none.
func (h Health) FailureRatio() float64 {
	if n := h.SentAttempts + h.FailedAttempts; n > 0 {
		return float64(h.FailedAttempts) / float64(n)
	}
	return 0
}

// WindowSeconds is Window in seconds.
func (h Health) WindowSeconds() int { return int(h.Window / time.Second) }

// Health returns an integration's health (admins of its account only).
func (s *Service) Health(ctx context.Context, actor *auth.Actor, it *Integration) (*Health, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	if it.AccountID != actor.AccountID() {
		return nil, apperr.NotFoundf("integration")
	}
	sends, err := s.store.IntegrationSends(ctx, it.AccountID, it.ID, s.now().Add(-HealthWindow))
	if err != nil {
		return nil, err
	}
	return &Health{Sends: sends, LastWebhookAt: it.LastWebhookAt, Window: HealthWindow}, nil
}

// WebhookDue reports whether a webhook arriving at now should be recorded
// for an integration last recorded at last (nil: never).
func WebhookDue(last *time.Time, now time.Time) bool {
	return last == nil || now.Sub(*last) >= WebhookEvery
}
