package whatsapp

import (
	"context"
	"errors"
	"net/url"

	"github.com/linkline/linkline/internal/channel"
)

var _ channel.Signals = (*Adapter)(nil)

// readReceipt is the Cloud API's read receipt, with a typing indicator or not:
// POST /{phone-number-id}/messages naming the user's message.
type readReceipt struct {
	MessagingProduct string           `json:"messaging_product"`
	Status           string           `json:"status"`
	MessageID        string           `json:"message_id"`
	TypingIndicator  *typingIndicator `json:"typing_indicator,omitempty"`
}

type typingIndicator struct {
	Type string `json:"type"`
}

// ShowTyping shows the typing indicator for up to 25 seconds, or until the
// reply arrives. The Cloud API has no indicator of its own: it rides on a
// read receipt of the user's message lastInbound, which it marks read
// (blue ticks) as well, so callers send it only where read marks are
// allowed.
func (a *Adapter) ShowTyping(ctx context.Context, c channel.Credentials, _, lastInbound string) error {
	if lastInbound == "" {
		return errors.New("whatsapp: a typing indicator needs the user's last message")
	}
	return a.receipt(ctx, c, readReceipt{MessagingProduct: "whatsapp", Status: "read", MessageID: lastInbound,
		TypingIndicator: &typingIndicator{Type: "text"}})
}

// MarkRead marks the user's message, and those before it, read.
func (a *Adapter) MarkRead(ctx context.Context, c channel.Credentials, _, messageID string) error {
	return a.receipt(ctx, c, readReceipt{MessagingProduct: "whatsapp", Status: "read", MessageID: messageID})
}

func (a *Adapter) receipt(ctx context.Context, c channel.Credentials, r readReceipt) error {
	_, err := a.client.Post(ctx, url.PathEscape(c.PhoneNumberID)+"/messages", c.AccessToken, r)
	return err
}
