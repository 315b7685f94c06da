// Package typing shows who is typing in a conversation (R31): the end user
// in the widget, to the agents; an agent in the workspace, to the widget
// and, where the platform shows it, in the end user's app. Typing is live
// only, like presence (R29): never stored, never replayed by cursor, and
// it lapses on its own (Typing.Until) unless the typist says so again, so
// that a closed tab never leaves anyone "typing" for ever.
package typing

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
)

// TTL is how long one typing signal shows. Clients repeat the signal
// every few seconds while keys are pressed; a few seconds without one and
// the indicator goes away.
const TTL = 6 * time.Second

// PlatformEvery is how often an agent's typing is shown in the end user's
// app at most, per conversation: the platforms' indicators last about 20
// seconds (or until the reply arrives), and every call counts against the
// integration's rate limits.
const PlatformEvery = 10 * time.Second

// Conversations finds the conversations an actor may see.
type Conversations interface {
	Get(ctx context.Context, actor *auth.Actor, id int64) (*conversation.Conversation, error)
	EndUser(ctx context.Context, c *conversation.Conversation) (*conversation.EndUser, error)
}

// Limiter holds end users to the abuse limits (R24).
type Limiter interface {
	Allow(ctx context.Context, a *auth.Actor, act auth.Action) error
}

// Presence passes live-only events to the feeds, on every instance.
type Presence interface {
	Present(ctx context.Context, e *feed.Event) error
}

// Platform shows an agent typing in the end user's app, on the
// conversation's reply route, where the platform supports it.
type Platform interface {
	ShowTyping(ctx context.Context, c *conversation.Conversation) error
}

// Service announces typing.
type Service struct {
	convs    Conversations
	limiter  Limiter
	presence Presence
	platform Platform
	log      *slog.Logger
	now      func() time.Time

	mu sync.Mutex
	// shown is when each conversation's typing was last shown on its
	// platform, by this instance.
	shown map[int64]time.Time
}

// NewService returns the typing service.
func NewService(convs Conversations, limiter Limiter, presence Presence, platform Platform, log *slog.Logger, now func() time.Time) *Service {
	return &Service{convs: convs, limiter: limiter, presence: presence, platform: platform, log: log, now: now, shown: map[int64]time.Time{}}
}

// EndUser tells the conversation's agents that its end user is typing in
// the widget. It is rate-limited per session and address, like sends (R24).
func (s *Service) EndUser(ctx context.Context, actor *auth.Actor, conversationID int64) (*conversation.Conversation, error) {
	if actor.Session == nil {
		return nil, apperr.NotFoundf("conversation")
	}
	c, err := s.convs.Get(ctx, actor, conversationID)
	if err != nil {
		return nil, err
	}
	if err := s.limiter.Allow(ctx, actor, auth.ActionTyping); err != nil {
		return nil, err
	}
	u, err := s.convs.EndUser(ctx, c)
	if err != nil {
		return nil, err
	}
	return c, s.present(ctx, c, feed.Typing{Role: conversation.AuthorEndUser, Name: u.Name})
}

// Agent tells the conversation's feeds, the widget's among them, that the
// agent is typing a reply, and shows it in the end user's app when the
// reply goes to a social channel. The platform call is best effort and
// not queued durably: an indicator is worth nothing a few seconds late, so
// one that fails, or is lost with the instance, is never retried.
func (s *Service) Agent(ctx context.Context, agent *account.Agent, c *conversation.Conversation) error {
	if err := s.present(ctx, c, feed.Typing{Role: conversation.AuthorAgent, Name: agent.Name}); err != nil {
		return err
	}
	if c.LastChannel == conversation.ChannelWebWidget || !s.due(c.ID) {
		return nil
	}
	if err := s.platform.ShowTyping(ctx, c); err != nil {
		s.log.WarnContext(ctx, "typing: not shown on the platform", "conversation", c.ID, "channel", c.LastChannel, "err", err)
	}
	return nil
}

func (s *Service) present(ctx context.Context, c *conversation.Conversation, t feed.Typing) error {
	now := s.now().UTC()
	t.Until = now.Add(TTL)
	return s.presence.Present(ctx, &feed.Event{
		AccountID: c.AccountID, ConversationID: c.ID, Kind: feed.KindTyping, At: now,
		Conversation: c, Typing: &t,
	})
}

// due reports whether the conversation's typing may be shown on its
// platform now (PlatformEvery), and counts it if so. Each instance keeps
// its own count: with several instances an indicator may be shown once
// per instance in a period, which the platforms take in their stride.
func (s *Service) due(conversationID int64) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.shown[conversationID]; ok && now.Sub(last) < PlatformEvery {
		return false
	}
	// Forget what no longer throttles, so that the map stays as small as
	// the set of conversations being answered.
	for id, last := range s.shown {
		if now.Sub(last) >= PlatformEvery {
			delete(s.shown, id)
		}
	}
	s.shown[conversationID] = now
	return true
}
