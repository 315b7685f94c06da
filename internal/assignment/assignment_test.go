package assignment

import (
	"context"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
)

// R29: an agent changes the assignee only of a conversation nobody has or
// they have; an admin of any.
func TestAllowed(t *testing.T) {
	agent := &account.Agent{ID: 1, Role: account.RoleAgent}
	admin := &account.Agent{ID: 2, Role: account.RoleAdmin}
	for _, tc := range []struct {
		by      *account.Agent
		current int64
		ok      bool
	}{
		{agent, 0, true}, {agent, 1, true}, {agent, 3, false},
		{admin, 0, true}, {admin, 3, true},
	} {
		err := Allowed(tc.by, tc.current)
		if (err == nil) != tc.ok || err != nil && apperr.CodeOf(err) != apperr.AlreadyAssigned {
			t.Errorf("Allowed(%d, %d) = %v", tc.by.ID, tc.current, err)
		}
	}
}

type fakes struct {
	conv    conversation.Conversation
	agents  map[int64]*account.Agent
	written []conversation.Assign
}

func (f *fakes) Get(_ context.Context, _ *auth.Actor, id int64) (*conversation.Conversation, error) {
	if id != f.conv.ID {
		return nil, apperr.NotFoundf("conversation")
	}
	c := f.conv
	return &c, nil
}

func (f *fakes) Agent(_ context.Context, _ int64, id int64) (*account.Agent, error) {
	if a := f.agents[id]; a != nil {
		return a, nil
	}
	return nil, apperr.NotFoundf("agent")
}

func (f *fakes) Write(_ context.Context, c conversation.Command) (*conversation.Written, error) {
	a := c.(conversation.Assign)
	if err := a.Allowed(f.conv.AssigneeID); err != nil {
		return nil, err
	}
	f.written = append(f.written, a)
	f.conv.AssigneeID = a.To
	c2 := f.conv
	return &conversation.Written{Conversation: &c2}, nil
}

// R29: taking, assigning and releasing write one Assign command each, and
// nothing when the assignee would not change; a deactivated or unknown
// agent is refused before anything is written.
func TestService(t *testing.T) {
	ctx := context.Background()
	deactivated := time.Now()
	ana := &account.Agent{ID: 1, AccountID: 9, Role: account.RoleAgent}
	gone := &account.Agent{ID: 2, AccountID: 9, Role: account.RoleAgent, DeactivatedAt: &deactivated}
	f := &fakes{conv: conversation.Conversation{ID: 5, AccountID: 9}, agents: map[int64]*account.Agent{1: ana, 2: gone}}
	s := NewService(f, f, f)
	actor := &auth.Actor{Agent: ana}

	if c, err := s.Take(ctx, actor, 5); err != nil || c.AssigneeID != 1 {
		t.Fatalf("take: %+v %v", c, err)
	}
	if _, err := s.Take(ctx, actor, 5); err != nil || len(f.written) != 1 {
		t.Errorf("taking again wrote %d commands, %v", len(f.written), err)
	}
	if _, err := s.Assign(ctx, actor, 5, 2); apperr.CodeOf(err) != apperr.BadUserInput {
		t.Errorf("assigned to a deactivated agent: %v", err)
	}
	if _, err := s.Assign(ctx, actor, 5, 7); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("assigned to an unknown agent: %v", err)
	}
	if c, err := s.Release(ctx, actor, 5); err != nil || c.AssigneeID != 0 || len(f.written) != 2 {
		t.Errorf("release: %+v %v", c, err)
	}
	if _, err := s.Take(ctx, &auth.Actor{}, 5); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an end user took a conversation: %v", err)
	}
}

// R29: round-robin picks, among the agents under the cap, the one who
// waited longest since auto-assignment last gave them a conversation
// (never: first); past every cap, nobody.
func TestNext(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	for _, tc := range []struct {
		name  string
		cands []account.Load
		limit int
		want  int64
	}{
		{"nobody available", nil, 3, 0},
		{"never assigned first", []account.Load{{AgentID: 1, Open: 0, LastAssignedAt: &t0}, {AgentID: 2, Open: 2, LastAssignedAt: nil}}, 3, 2},
		{"longest waiting", []account.Load{{AgentID: 1, Open: 0, LastAssignedAt: &t1}, {AgentID: 2, Open: 1, LastAssignedAt: &t0}}, 3, 2},
		{"ties by id", []account.Load{{AgentID: 5, Open: 0, LastAssignedAt: nil}, {AgentID: 4, Open: 0, LastAssignedAt: nil}}, 3, 4},
		{"at the cap skipped", []account.Load{{AgentID: 1, Open: 3, LastAssignedAt: &t0}, {AgentID: 2, Open: 0, LastAssignedAt: &t1}}, 3, 2},
		{"everyone at the cap", []account.Load{{AgentID: 1, Open: 1, LastAssignedAt: nil}, {AgentID: 2, Open: 2, LastAssignedAt: &t0}}, 1, 0},
	} {
		if got := Next(tc.cands, tc.limit); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
