package integration

import (
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
)

// R38: an integration's health is for the admins of its account: its
// failure ratio counts the window's finished attempts, and is 0 without
// any; an agent is refused, another account's admin finds nothing.
func TestHealth(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	fs := newFakeStore()
	s := NewService(fs, func() time.Time { return now }, nil)
	seen := now.Add(-3 * time.Minute)
	it := &Integration{ID: 7, AccountID: 1, LastWebhookAt: &seen}
	admin := &auth.Actor{Agent: &account.Agent{ID: 1, AccountID: 1, Role: account.RoleAdmin}}

	h, err := s.Health(t.Context(), admin, it)
	if err != nil {
		t.Fatal(err)
	}
	if h.FailureRatio() != 0 || h.LastWebhookAt != &seen || h.WindowSeconds() != 3600 {
		t.Errorf("no attempts: %+v ratio %v", h, h.FailureRatio())
	}
	if want := now.Add(-HealthWindow); !fs.since.Equal(want) {
		t.Errorf("window from %v, want %v", fs.since, want)
	}

	fs.sends = Sends{SentAttempts: 3, FailedAttempts: 1, WaitingReplies: 2}
	if h, _ = s.Health(t.Context(), admin, it); h.FailureRatio() != 0.25 || h.WaitingReplies != 2 {
		t.Errorf("3 sent, 1 failed: ratio %v, %+v", h.FailureRatio(), h)
	}

	agent := &auth.Actor{Agent: &account.Agent{ID: 2, AccountID: 1, Role: account.RoleAgent}}
	if _, err := s.Health(t.Context(), agent, it); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("agent: %v", err)
	}
	other := &auth.Actor{Agent: &account.Agent{ID: 3, AccountID: 2, Role: account.RoleAdmin}}
	if _, err := s.Health(t.Context(), other, it); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another account's admin: %v", err)
	}
}

// R38: a webhook's arrival is recorded when none was, or the last one
// recorded is WebhookEvery old.
func TestWebhookDue(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		last *time.Time
		want bool
	}{
		{nil, true},
		{new(now.Add(-time.Minute)), true},
		{new(now.Add(-time.Minute + time.Second)), false},
		{new(now), false},
	} {
		if got := WebhookDue(c.last, now); got != c.want {
			t.Errorf("last %v: %v, want %v", c.last, got, c.want)
		}
	}
}
