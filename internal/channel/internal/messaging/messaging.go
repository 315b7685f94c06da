// Package messaging is what the Messenger and Instagram adapters share.
// Both channels run on Meta's Messenger Platform: they send through the
// same Send API body (recipient.id, messaging_type, message with quick
// replies, the HUMAN_AGENT tag) and receive the same webhook shape
// (entry[].messaging[] with message, postback, referral, delivery and
// read events). The adapters differ only in webhook object, endpoint and
// channel name. It serves delivery (R17), idempotent inbound (R18) and
// referrals from m.me / ig.me links.
package messaging

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
)

// Platform is what tells the two channels apart.
type Platform struct {
	Channel conversation.Channel
	// Object is the webhook's object field: "page" or "instagram".
	Object string
	// Path is the Send API path for an integration's credentials.
	Path func(channel.Credentials) string
	// ProfileFields are the user-profile fields read for a user's name
	// and picture.
	ProfileFields string
}

// Adapter implements channel.Adapter for a Messenger Platform channel;
// the channel packages name it as their own.
type Adapter struct {
	platform Platform
	client   *meta.Client
}

// New returns an adapter for p reaching the Graph API through cfg.
func New(cfg channel.Config, p Platform) *Adapter {
	return &Adapter{platform: p, client: meta.NewClient(cfg)}
}

// Channel is the platform's channel.
func (a *Adapter) Channel() conversation.Channel { return a.platform.Channel }

// Send API values.
const (
	// typeResponse answers a user within the 24-hour window.
	typeResponse = "RESPONSE"
	// typeTag sends outside the window under a tag.
	typeTag = "MESSAGE_TAG"
	// tagHumanAgent allows a person's reply up to 7 days after the
	// user's last message.
	tagHumanAgent = "HUMAN_AGENT"
	// contentText is a quick reply that posts its title.
	contentText = "text"
)

type request struct {
	Recipient struct {
		ID string `json:"id"`
	} `json:"recipient"`
	MessagingType string   `json:"messaging_type"`
	Tag           string   `json:"tag,omitempty"`
	Message       outbound `json:"message"`
}

type outbound struct {
	Text         string       `json:"text"`
	QuickReplies []quickReply `json:"quick_replies,omitempty"`
}

type quickReply struct {
	ContentType string `json:"content_type"`
	Title       string `json:"title"`
	Payload     string `json:"payload"`
}

// SendText sends a text as a response within the 24-hour window, or under
// the HUMAN_AGENT tag when t says a person is answering after it.
func (a *Adapter) SendText(ctx context.Context, c channel.Credentials, t channel.Text) (channel.Sent, error) {
	r := request{MessagingType: typeResponse, Message: outbound{Text: t.Body}}
	if t.HumanAgent {
		r.MessagingType, r.Tag = typeTag, tagHumanAgent
	}
	r.Recipient.ID = t.To
	return a.send(ctx, c, r)
}

// SendPrompt sends the choices as text quick replies. Their limits (13
// replies, titles cut at 20 characters) are Meta's: it truncates titles
// itself and rejects longer lists as a bad parameter.
func (a *Adapter) SendPrompt(ctx context.Context, c channel.Credentials, p channel.Prompt) (channel.Sent, error) {
	r := request{MessagingType: typeResponse, Message: outbound{Text: p.Body}}
	if p.HumanAgent {
		r.MessagingType, r.Tag = typeTag, tagHumanAgent
	}
	r.Recipient.ID = p.To
	for _, ch := range p.Choices {
		r.Message.QuickReplies = append(r.Message.QuickReplies,
			quickReply{ContentType: contentText, Title: ch.Title, Payload: ch.ID})
	}
	return a.send(ctx, c, r)
}

func (a *Adapter) send(ctx context.Context, c channel.Credentials, r any) (channel.Sent, error) {
	raw, err := a.client.Post(ctx, a.platform.Path(c), c.AccessToken, r)
	if err != nil {
		return channel.Sent{}, err
	}
	var answer struct {
		MessageID string `json:"message_id"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil || answer.MessageID == "" {
		return channel.Sent{}, fmt.Errorf("%s: no message_id in Meta's answer", a.platform.Channel)
	}
	return channel.Sent{ExternalID: answer.MessageID}, nil
}

// Profile reads a user's name and picture from the user-profile API, GET
// /{version}/{user-id}?fields=… with the integration's token. Failures are
// the client's, for meta.Classify, as a send's are.
func (a *Adapter) Profile(ctx context.Context, c channel.Credentials, userID string) (channel.Profile, error) {
	if userID == "" {
		// GET /{version}/ would read the Page or account itself.
		return channel.Profile{}, fmt.Errorf("%s: profile of no user", a.platform.Channel)
	}
	raw, err := a.client.Get(ctx, url.PathEscape(userID), url.Values{"fields": {a.platform.ProfileFields}}, c.AccessToken)
	if err != nil {
		return channel.Profile{}, err
	}
	var p struct {
		FirstName  string `json:"first_name"`
		LastName   string `json:"last_name"`
		Name       string `json:"name"`
		Username   string `json:"username"`
		ProfilePic string `json:"profile_pic"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return channel.Profile{}, fmt.Errorf("%s: unreadable profile: %w", a.platform.Channel, err)
	}
	name := cmp.Or(p.Name, strings.TrimSpace(p.FirstName+" "+p.LastName), p.Username)
	return channel.Profile{Name: name, PictureURL: p.ProfilePic}, nil
}
