package receipt

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
)

type fakes struct {
	conv      conversation.Conversation
	msgs      map[int64]*conversation.Message
	readMarks bool
	limited   bool
	moved     []string
	marked    []int64
	markErr   error
}

func (f *fakes) Get(_ context.Context, _ *auth.Actor, id int64) (*conversation.Conversation, error) {
	if id != f.conv.ID {
		return nil, apperr.NotFoundf("conversation")
	}
	c := f.conv
	return &c, nil
}

func (f *fakes) Message(_ context.Context, _, id int64) (*conversation.Message, error) {
	if m := f.msgs[id]; m != nil {
		return m, nil
	}
	return nil, apperr.NotFoundf("message")
}

func (f *fakes) Account(context.Context, int64) (*account.Account, error) {
	return &account.Account{ID: 1, ReadMarks: f.readMarks}, nil
}

func (f *fakes) SetReadMarks(_ context.Context, _ int64, on bool) error {
	f.readMarks = on
	return nil
}

func (f *fakes) WidgetReceipt(_ context.Context, _ *conversation.Conversation, upTo int64, state conversation.DeliveryState) error {
	f.moved = append(f.moved, string(state)+"@"+string(rune('0'+upTo)))
	return nil
}

func (f *fakes) MarkRead(_ context.Context, m *conversation.Message) error {
	f.marked = append(f.marked, m.ID)
	return f.markErr
}

func (f *fakes) Allow(context.Context, *auth.Actor, auth.Action) error {
	if f.limited {
		return apperr.New(apperr.RateLimited, "slow down")
	}
	return nil
}

func newFakes() *fakes {
	return &fakes{
		conv: conversation.Conversation{ID: 7, AccountID: 1},
		msgs: map[int64]*conversation.Message{
			10: {ID: 10, ConversationID: 7, Seq: 3, Channel: conversation.ChannelWebWidget, AuthorRole: conversation.AuthorAgent},
			11: {ID: 11, ConversationID: 7, Seq: 4, Channel: conversation.ChannelWhatsApp, AuthorRole: conversation.AuthorEndUser, ExternalID: "wamid.1", IdentityID: 5},
			12: {ID: 12, ConversationID: 8, Seq: 1, Channel: conversation.ChannelWebWidget, AuthorRole: conversation.AuthorAgent},
		},
	}
}

// R31: the widget moves its conversation's replies up to the message it
// names (DELIVERED, then READ); a message of another conversation is
// NOT_FOUND; over the limit it is RATE_LIMITED and nothing moves.
func TestWidgetReceipts(t *testing.T) {
	f := newFakes()
	s := NewService(f, f, f, f, slog.New(slog.DiscardHandler))
	user := &auth.Actor{Session: &auth.Session{ID: 1, AccountID: 1}}
	if _, err := s.Acknowledge(t.Context(), user, 7, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkRead(t.Context(), user, 7, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkRead(t.Context(), user, 7, 12); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another conversation's message: %v", err)
	}
	f.limited = true
	if _, err := s.Acknowledge(t.Context(), user, 7, 10); apperr.CodeOf(err) != apperr.RateLimited {
		t.Errorf("over the limit: %v", err)
	}
	if want := []string{"DELIVERED@3", "READ@3"}; len(f.moved) != 2 || f.moved[0] != want[0] || f.moved[1] != want[1] {
		t.Errorf("moved %v, want %v", f.moved, want)
	}
	agent := &auth.Actor{Agent: &account.Agent{ID: 2, AccountID: 1, Role: account.RoleAgent}}
	if _, err := s.Acknowledge(t.Context(), agent, 7, 10); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an agent acknowledging: %v", err)
	}
}

// R31: an agent's read reaches the platform only when the account allows
// read marks, only for the end user's social messages, and a platform
// failure does not fail the read.
func TestPlatformReadMarks(t *testing.T) {
	f := newFakes()
	s := NewService(f, f, f, f, slog.New(slog.DiscardHandler))
	agent := &auth.Actor{Agent: &account.Agent{ID: 2, AccountID: 1, Role: account.RoleAgent}}
	admin := &auth.Actor{Agent: &account.Agent{ID: 3, AccountID: 1, Role: account.RoleAdmin}}
	if _, err := s.MarkRead(t.Context(), agent, 7, 11); err != nil || len(f.marked) != 0 {
		t.Fatalf("read marks off: %v, marked %v", err, f.marked)
	}
	if _, err := s.SetReadMarks(t.Context(), agent, true); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an agent switching read marks: %v", err)
	}
	if a, err := s.SetReadMarks(t.Context(), admin, true); err != nil || !a.ReadMarks {
		t.Fatalf("switching on: %+v %v", a, err)
	}
	f.markErr = errors.New("meta is down")
	if _, err := s.MarkRead(t.Context(), agent, 7, 11); err != nil || len(f.marked) != 1 {
		t.Errorf("read marks on: %v, marked %v", err, f.marked)
	}
	if _, err := s.MarkRead(t.Context(), agent, 7, 10); apperr.CodeOf(err) != apperr.BadUserInput {
		t.Errorf("a widget reply: %v", err)
	}
}
