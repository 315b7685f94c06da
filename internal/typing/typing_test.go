package typing

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
)

type fakes struct {
	conv      conversation.Conversation
	limited   bool
	presented []*feed.Event
	shown     int
	showErr   error
}

func (f *fakes) Get(_ context.Context, _ *auth.Actor, id int64) (*conversation.Conversation, error) {
	if id != f.conv.ID {
		return nil, apperr.NotFoundf("conversation")
	}
	c := f.conv
	return &c, nil
}

func (f *fakes) EndUser(context.Context, *conversation.Conversation) (*conversation.EndUser, error) {
	return &conversation.EndUser{Name: "Maria", Email: "maria@example.com"}, nil
}

func (f *fakes) Allow(context.Context, *auth.Actor, auth.Action) error {
	if f.limited {
		return apperr.New(apperr.RateLimited, "slow down")
	}
	return nil
}

func (f *fakes) Present(_ context.Context, e *feed.Event) error {
	f.presented = append(f.presented, e)
	return nil
}

func (f *fakes) ShowTyping(context.Context, *conversation.Conversation) error {
	f.shown++
	return f.showErr
}

func newService(f *fakes, now *time.Time) *Service {
	return NewService(f, f, f, f, slog.New(slog.DiscardHandler), func() time.Time { return *now })
}

// R31: the end user's typing is a live TYPING event naming them, lasting
// TTL from now; over the limit it is RATE_LIMITED and nothing is shown;
// agents have no widget session to type with.
func TestEndUserTyping(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := &fakes{conv: conversation.Conversation{ID: 7, AccountID: 3}}
	s := newService(f, &now)
	user := &auth.Actor{Session: &auth.Session{ID: 1, AccountID: 3}}
	if _, err := s.EndUser(t.Context(), user, 7); err != nil {
		t.Fatal(err)
	}
	if len(f.presented) != 1 {
		t.Fatalf("presented %d events", len(f.presented))
	}
	e := f.presented[0]
	if e.Kind != feed.KindTyping || e.Typing == nil || e.Typing.Role != conversation.AuthorEndUser || e.Typing.Name != "Maria" ||
		!e.Typing.Until.Equal(now.Add(TTL)) || e.ConversationID != 7 || e.AccountID != 3 {
		t.Errorf("event: %+v %+v", e, e.Typing)
	}
	f.limited = true
	if _, err := s.EndUser(t.Context(), user, 7); apperr.CodeOf(err) != apperr.RateLimited || len(f.presented) != 1 {
		t.Errorf("over the limit: %v, %d events", err, len(f.presented))
	}
	f.limited = false
	if _, err := s.EndUser(t.Context(), user, 8); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another conversation: %v", err)
	}
	if _, err := s.EndUser(t.Context(), &auth.Actor{Agent: &account.Agent{ID: 1}}, 7); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an agent: %v", err)
	}
}

// R31: an agent's typing reaches the conversation's feeds by display name,
// and its platform at most once per PlatformEvery; a widget conversation
// has no platform, and a failed platform call does not fail the signal.
func TestAgentTyping(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := &fakes{conv: conversation.Conversation{ID: 7, AccountID: 3, LastChannel: conversation.ChannelMessenger}}
	s := newService(f, &now)
	agent := &account.Agent{ID: 2, Name: "Nikos", Email: "nikos@acme.test"}
	c := f.conv
	for range 3 {
		if err := s.Agent(t.Context(), agent, &c); err != nil {
			t.Fatal(err)
		}
		now = now.Add(4 * time.Second)
	}
	if len(f.presented) != 3 || f.shown != 1 {
		t.Fatalf("presented %d, shown %d", len(f.presented), f.shown)
	}
	if e := f.presented[0]; e.Typing.Role != conversation.AuthorAgent || e.Typing.Name != "Nikos" {
		t.Errorf("typing: %+v", e.Typing)
	}
	f.showErr = errors.New("meta is down")
	if err := s.Agent(t.Context(), agent, &c); err != nil || f.shown != 2 {
		t.Errorf("after %s: %v, shown %d", PlatformEvery, err, f.shown)
	}
	widget := conversation.Conversation{ID: 8, AccountID: 3, LastChannel: conversation.ChannelWebWidget}
	if err := s.Agent(t.Context(), agent, &widget); err != nil || f.shown != 2 {
		t.Errorf("widget conversation: %v, shown %d", err, f.shown)
	}
}
