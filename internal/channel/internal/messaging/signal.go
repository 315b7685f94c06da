package messaging

import (
	"context"

	"github.com/linkline/linkline/internal/channel"
)

var _ channel.Signals = (*Adapter)(nil)

// Sender actions of the Send API.
const (
	actionTypingOn = "typing_on"
	actionMarkSeen = "mark_seen"
)

// action is a Send API call carrying a sender action instead of a message.
type action struct {
	Recipient struct {
		ID string `json:"id"`
	} `json:"recipient"`
	SenderAction string `json:"sender_action"`
}

// ShowTyping shows the typing bubble, which lasts about 20 seconds or
// until the reply arrives.
func (a *Adapter) ShowTyping(ctx context.Context, c channel.Credentials, user, _ string) error {
	return a.act(ctx, c, user, actionTypingOn)
}

// MarkRead marks the conversation seen: the Send API marks everything the
// user sent, not one message.
func (a *Adapter) MarkRead(ctx context.Context, c channel.Credentials, user, _ string) error {
	return a.act(ctx, c, user, actionMarkSeen)
}

func (a *Adapter) act(ctx context.Context, c channel.Credentials, user, name string) error {
	r := action{SenderAction: name}
	r.Recipient.ID = user
	_, err := a.client.Post(ctx, a.platform.Path(c), c.AccessToken, r)
	return err
}
