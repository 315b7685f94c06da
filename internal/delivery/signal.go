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
// WhatsApp is skipped: its typing indicator rides on a read receipt of
// the user's last message and marks it read, and blue ticks read as a
// promise of an answer, which an agent typing has not made.
func (s *Service) ShowTyping(ctx context.Context, c *conversation.Conversation) error {
	ch := c.LastChannel
	if ch == conversation.ChannelWebWidget || ch == conversation.ChannelWhatsApp {
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
	sig, creds, err := s.signals(ctx, id)
	if err != nil {
		return err
	}
	return sig.ShowTyping(ctx, creds, id.ExternalID, "")
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
