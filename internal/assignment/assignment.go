// Package assignment decides who answers a conversation (R29): agents take
// unassigned conversations, assign them and release their own; admins
// reassign any; agents' presence (viewing, replying) shows live. Changes
// are events of the conversation, written through the conversation
// Writer, so that every agent's feed shows them live and in order.
package assignment

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
)

// Conversations finds the conversations an actor may see.
type Conversations interface {
	Get(ctx context.Context, actor *auth.Actor, id int64) (*conversation.Conversation, error)
}

// Agents finds the account's agents.
type Agents interface {
	Agent(ctx context.Context, accountID, id int64) (*account.Agent, error)
}

// Service assigns conversations.
type Service struct {
	convs  Conversations
	agents Agents
	writer conversation.Writer
}

// NewService returns the assignment service.
func NewService(convs Conversations, agents Agents, writer conversation.Writer) *Service {
	return &Service{convs: convs, agents: agents, writer: writer}
}

// Take gives the conversation to the calling agent.
func (s *Service) Take(ctx context.Context, actor *auth.Actor, conversationID int64) (*conversation.Conversation, error) {
	if actor.Agent == nil {
		return nil, apperr.NotFoundf("conversation")
	}
	return s.change(ctx, actor, conversationID, actor.Agent.ID)
}

// Assign gives the conversation to agentID, an active member of the
// caller's account; another account's agent is NOT_FOUND, like an unknown
// one.
func (s *Service) Assign(ctx context.Context, actor *auth.Actor, conversationID, agentID int64) (*conversation.Conversation, error) {
	if actor.Agent == nil {
		return nil, apperr.NotFoundf("conversation")
	}
	to, err := s.agents.Agent(ctx, actor.Agent.AccountID, agentID)
	if err != nil {
		return nil, err
	}
	if !to.Active() {
		return nil, apperr.Invalid("agentId", "is deactivated")
	}
	return s.change(ctx, actor, conversationID, to.ID)
}

// Release returns the conversation to the unassigned queue.
func (s *Service) Release(ctx context.Context, actor *auth.Actor, conversationID int64) (*conversation.Conversation, error) {
	if actor.Agent == nil {
		return nil, apperr.NotFoundf("conversation")
	}
	return s.change(ctx, actor, conversationID, 0)
}

func (s *Service) change(ctx context.Context, actor *auth.Actor, conversationID, to int64) (*conversation.Conversation, error) {
	c, err := s.convs.Get(ctx, actor, conversationID)
	if err != nil {
		return nil, err
	}
	if c.AssigneeID == to {
		return c, nil
	}
	res, err := s.writer.Write(ctx, conversation.Assign{
		AccountID: c.AccountID, ConversationID: c.ID, To: to,
		Allowed: func(current int64) error { return Allowed(actor.Agent, current) },
	})
	if err != nil {
		return nil, err
	}
	return res.Conversation, nil
}

// Allowed decides whether by may change the assignee of a conversation
// that current has (0: nobody): an agent only while it is nobody's or
// theirs, so that two agents never answer the same customer; an admin
// always (R29).
func Allowed(by *account.Agent, current int64) error {
	if current == 0 || current == by.ID || by.Role == account.RoleAdmin {
		return nil
	}
	return apperr.New(apperr.AlreadyAssigned, "another agent has this conversation; an admin can reassign it")
}

// Presence passes live-only events to the account's dashboards, on every
// instance.
type Presence interface {
	Present(ctx context.Context, e *feed.Event) error
}

// Present tells the account's dashboards what the calling agent is doing in
// a conversation: viewing it, typing a reply, or leaving it (R29).
func (p *Presenter) Present(ctx context.Context, actor *auth.Actor, conversationID int64, a feed.Activity) (*conversation.Conversation, error) {
	if !a.Valid() {
		return nil, apperr.Invalid("activity", "is not a known activity")
	}
	if actor.Agent == nil {
		return nil, apperr.NotFoundf("conversation")
	}
	c, err := p.convs.Get(ctx, actor, conversationID)
	if err != nil {
		return nil, err
	}
	err = p.presence.Present(ctx, &feed.Event{
		AccountID: c.AccountID, ConversationID: c.ID, Kind: feed.KindPresence, At: p.now().UTC(),
		Conversation: c, Presence: &feed.Presence{AgentID: actor.Agent.ID, Activity: a},
	})
	if err == nil && a == feed.ActivityTyping {
		err = p.typist.Agent(ctx, actor.Agent, c)
	}
	return c, err
}

// Typist shows an agent typing beyond the dashboards: to the end user, in
// the widget and in the channel's app (R31).
type Typist interface {
	Agent(ctx context.Context, agent *account.Agent, c *conversation.Conversation) error
}

// Presenter announces agents' presence.
type Presenter struct {
	convs    Conversations
	presence Presence
	typist   Typist
	now      func() time.Time
}

// NewPresenter returns the presence service.
func NewPresenter(convs Conversations, presence Presence, typist Typist, now func() time.Time) *Presenter {
	return &Presenter{convs: convs, presence: presence, typist: typist, now: now}
}
