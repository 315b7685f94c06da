package delivery

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

// announceStore knows one integration, in the status the test sets.
type announceStore struct {
	Store
	status integration.Status
}

func (s *announceStore) Integration(_ context.Context, _, id int64) (*integration.Integration, error) {
	if id != 7 {
		return nil, apperr.NotFoundf("integration")
	}
	return &integration.Integration{ID: 7, AccountID: 1, Channel: conversation.ChannelMessenger, Status: s.status}, nil
}

func (s *announceStore) IntegrationSecrets(context.Context, int64, int64) (integration.Secrets, error) {
	return integration.Secrets{}, nil
}

// recordingAdapter records what it sends.
type recordingAdapter struct {
	channel.Adapter
	sent []channel.Text
}

func (a *recordingAdapter) SendText(_ context.Context, _ channel.Credentials, t channel.Text) (channel.Sent, error) {
	a.sent = append(a.sent, t)
	return channel.Sent{ExternalID: "mid.1"}, nil
}

type oneAdapter struct{ a channel.Adapter }

func (o oneAdapter) For(*integration.Integration) channel.Adapter { return o.a }

// R3, R26: an admin's end of a link is announced where the platform takes
// it (open 24-hour window; the integration still there and not refused,
// even if disabled), and not tried where it would be refused.
func TestAnnounce(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { at := now.Add(-d); return &at }
	for _, tc := range []struct {
		name        string
		status      integration.Status
		integration int64
		lastInbound *time.Time
		sent        bool
	}{
		{"open window", integration.StatusActive, 7, ago(time.Hour), true},
		{"disabled integration", integration.StatusDisabled, 7, ago(time.Hour), true},
		{"failing integration", integration.StatusFailing, 7, ago(time.Hour), false},
		{"removed integration", integration.StatusActive, 0, ago(time.Hour), false},
		{"human-agent window only", integration.StatusActive, 7, ago(48 * time.Hour), false},
		{"never wrote", integration.StatusActive, 7, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &recordingAdapter{}
			s := NewService(&announceStore{status: tc.status}, nil, nil, oneAdapter{a}, slog.New(slog.DiscardHandler), func() time.Time { return now })
			to := &conversation.Identity{ID: 3, AccountID: 1, Channel: conversation.ChannelMessenger, ExternalID: "psid-1", IntegrationID: tc.integration, LastInboundAt: tc.lastInbound}
			s.Announce(t.Context(), to, "bye")
			if got := len(a.sent) == 1 && a.sent[0].To == "psid-1" && a.sent[0].Body == "bye"; got != tc.sent {
				t.Errorf("sent %+v, want sent=%v", a.sent, tc.sent)
			}
		})
	}
}
