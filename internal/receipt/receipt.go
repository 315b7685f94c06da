// Package receipt carries read receipts both ways (R31). The widget
// acknowledges the agents' replies it received (they become DELIVERED) and
// marks those its end user read (READ); agents see both live as
// DELIVERY_STATE_CHANGED, and states only move forward (R17, R18). Agents
// reading a conversation mark the end user's social messages read on the
// platform, where the account allows it: off by default, since customers
// read blue ticks as a promise of an answer.
//
// DELIVERED comes from the widget's explicit acknowledgement, not from the
// server writing the event to a widget's socket: a frame written is not a
// message shown (the socket may be dying, the tab asleep), and the widget
// is the one that knows it has the message.
package receipt

import (
	"context"
	"log/slog"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
)

// Conversations finds the conversations an actor may see.
type Conversations interface {
	Get(ctx context.Context, actor *auth.Actor, id int64) (*conversation.Conversation, error)
}

// Store reads messages and keeps the account's read-marks setting.
type Store interface {
	Message(ctx context.Context, accountID, id int64) (*conversation.Message, error)
	Account(ctx context.Context, id int64) (*account.Account, error)
	SetReadMarks(ctx context.Context, accountID int64, on bool) error
}

// Deliveries moves widget replies and marks social messages read on the
// platforms.
type Deliveries interface {
	WidgetReceipt(ctx context.Context, c *conversation.Conversation, upTo int64, state conversation.DeliveryState) error
	MarkRead(ctx context.Context, m *conversation.Message) error
}

// Limiter holds end users to the abuse limits (R24).
type Limiter interface {
	Allow(ctx context.Context, a *auth.Actor, act auth.Action) error
}

// Service takes receipts.
type Service struct {
	convs      Conversations
	store      Store
	deliveries Deliveries
	limiter    Limiter
	log        *slog.Logger
}

// NewService returns the receipt service.
func NewService(convs Conversations, store Store, deliveries Deliveries, limiter Limiter, log *slog.Logger) *Service {
	return &Service{convs: convs, store: store, deliveries: deliveries, limiter: limiter, log: log}
}

// Acknowledge says that the end user's widget received the conversation's
// messages up to messageID: the agents' widget replies among them become
// DELIVERED.
func (s *Service) Acknowledge(ctx context.Context, actor *auth.Actor, conversationID, messageID int64) (*conversation.Conversation, error) {
	return s.widget(ctx, actor, conversationID, messageID, conversation.DeliveryDelivered)
}

// MarkRead says that the caller read the conversation up to messageID. From
// the widget, the agents' widget replies up to it become READ. From an
// agent, the end user's social message messageID is marked read on its
// platform, when the account allows read marks; the mark is best effort,
// sent at once and never queued, since a late one tells nothing.
func (s *Service) MarkRead(ctx context.Context, actor *auth.Actor, conversationID, messageID int64) (*conversation.Conversation, error) {
	if actor.Agent == nil {
		return s.widget(ctx, actor, conversationID, messageID, conversation.DeliveryRead)
	}
	c, m, err := s.message(ctx, actor, conversationID, messageID)
	if err != nil {
		return nil, err
	}
	if !Markable(m) {
		return nil, apperr.Invalid("messageId", "is not a message the end user sent on a social channel")
	}
	acct, err := s.store.Account(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	if !acct.ReadMarks {
		return c, nil
	}
	if err := s.deliveries.MarkRead(ctx, m); err != nil {
		s.log.WarnContext(ctx, "receipt: read mark not sent", "conversation", c.ID, "message", m.ID, "err", err)
	}
	return c, nil
}

// Markable reports whether m can be marked read on a platform: the end
// user sent it on a social channel, which gave it an id.
func Markable(m *conversation.Message) bool {
	return m.AuthorRole == conversation.AuthorEndUser && m.Channel != conversation.ChannelWebWidget && m.ExternalID != ""
}

// SetReadMarks switches read marks on the platforms on or off for the
// caller's account (admins).
func (s *Service) SetReadMarks(ctx context.Context, actor *auth.Actor, on bool) (*account.Account, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	if err := s.store.SetReadMarks(ctx, actor.Agent.AccountID, on); err != nil {
		return nil, err
	}
	return s.store.Account(ctx, actor.Agent.AccountID)
}

func (s *Service) widget(ctx context.Context, actor *auth.Actor, conversationID, messageID int64, state conversation.DeliveryState) (*conversation.Conversation, error) {
	if actor.Session == nil {
		return nil, apperr.NotFoundf("conversation")
	}
	c, m, err := s.message(ctx, actor, conversationID, messageID)
	if err != nil {
		return nil, err
	}
	if err := s.limiter.Allow(ctx, actor, auth.ActionReceipt); err != nil {
		return nil, err
	}
	if err := s.deliveries.WidgetReceipt(ctx, c, m.Seq, state); err != nil {
		return nil, err
	}
	return s.convs.Get(ctx, actor, c.ID)
}

// message finds a message of a conversation the actor sees; one of
// another conversation is NOT_FOUND, like an unknown one.
func (s *Service) message(ctx context.Context, actor *auth.Actor, conversationID, messageID int64) (*conversation.Conversation, *conversation.Message, error) {
	c, err := s.convs.Get(ctx, actor, conversationID)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.store.Message(ctx, c.AccountID, messageID)
	if err != nil {
		return nil, nil, err
	}
	if m.ConversationID != c.ID {
		return nil, nil, apperr.NotFoundf("message")
	}
	return c, m, nil
}
