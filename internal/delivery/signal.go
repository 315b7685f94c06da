package delivery

import (
	"context"
	"errors"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
)

// errNoSignals: the channel's platform shows no typing or read marks.
var errNoSignals = errors.New("the platform has no typing indicator or read marks")

// ShowTyping shows an agent typing in the end user's app on the
// conversation's reply route (R31), at once and outside the durable queue.
// Nothing is shown where a reply could not go either: no identity, an
// unusable integration, a closed window.
//
// WhatsApp's indicator rides on a read receipt of the user's last message
// and marks it read: blue ticks read as a promise of an answer, so it is
// shown only where the account allows read marks.
func (s *Service) ShowTyping(ctx context.Context, c *conversation.Conversation) error {
	ch := c.LastChannel
	if ch == conversation.ChannelWebWidget {
		return nil
	}
	id, err := s.store.ConversationIdentity(ctx, c.AccountID, c.ID, ch)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if w := WindowOf(id, s.now()); !w.Open(s.now()) {
		return nil
	}
	var last string
	if ch == conversation.ChannelWhatsApp {
		acct, err := s.store.Account(ctx, c.AccountID)
		if err != nil || !acct.ReadMarks {
			return err
		}
		m, err := s.store.LastInbound(ctx, c.AccountID, id.ID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		last = m.ExternalID
	}
	sig, creds, err := s.signals(ctx, id)
	if err != nil {
		return err
	}
	return sig.ShowTyping(ctx, creds, id.ExternalID, last)
}

// MarkRead marks an end user's social message read on its platform, at
// once and outside the durable queue (R31). The caller decides whether
// the account allows it.
func (s *Service) MarkRead(ctx context.Context, m *conversation.Message) error {
	if m.AuthorRole != conversation.AuthorEndUser || m.IdentityID == 0 || m.ExternalID == "" {
		return apperr.Invalid("messageId", "is not a message the end user sent on a social channel")
	}
	id, err := s.store.Identity(ctx, m.AccountID, m.IdentityID)
	if err != nil {
		return err
	}
	sig, creds, err := s.signals(ctx, id)
	if err != nil {
		return err
	}
	return sig.MarkRead(ctx, creds, id.ExternalID, m.ExternalID)
}

// signals is the adapter and credentials that show signals to id.
func (s *Service) signals(ctx context.Context, id *conversation.Identity) (channel.Signals, channel.Credentials, error) {
	it, err := s.usable(ctx, id)
	if err != nil {
		return nil, channel.Credentials{}, err
	}
	adapter, creds, err := s.sender(ctx, it)
	if err != nil {
		return nil, channel.Credentials{}, err
	}
	sig, ok := adapter.(channel.Signals)
	if !ok {
		return nil, channel.Credentials{}, errNoSignals
	}
	return sig, creds, nil
}

// WidgetReceipt moves the conversation's widget replies up to position
// upTo to state: DELIVERED when the widget acknowledged them, READ when
// its end user read them (R31). Like the platforms' reports, it only moves
// them forward (R17, R18): a late acknowledgement never undoes a read.
func (s *Service) WidgetReceipt(ctx context.Context, c *conversation.Conversation, upTo int64, state conversation.DeliveryState) error {
	_, err := s.writer.Write(ctx, moving(conversation.DeliveryUpdate{
		AccountID: c.AccountID, ConversationID: c.ID, Channel: conversation.ChannelWebWidget, UpToSeq: upTo,
		Among: []conversation.DeliveryState{conversation.DeliverySent, conversation.DeliveryDelivered}, State: state,
	}))
	return err
}
