// Package whatsapp is the WhatsApp Cloud API adapter. It sends text and
// reply-button messages through POST /{version}/{phone-number-id}/messages
// with the integration's access token, and reads webhooks of object
// "whatsapp_business_account": the messages and statuses of every change
// of field "messages". It serves delivery with retry classes and states
// (R17) and idempotent inbound keyed on wamids (R18).
//
// Users are known by phone number (wa_id) or, once they adopt a username,
// only by business-scoped user id (BSUID, e.g. "US.13491208655302741918"):
// identities are keyed on whichever id the payload gives, the phone
// number first, and sends address a BSUID through "recipient" instead of
// "to", as the Cloud API requires.
package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
)

// Adapter speaks the WhatsApp Cloud API.
type Adapter struct {
	client *meta.Client
}

var _ channel.Adapter = (*Adapter)(nil)

// New returns an adapter reaching the Graph API through cfg.
func New(cfg channel.Config) *Adapter {
	return &Adapter{client: meta.NewClient(cfg)}
}

// Channel is WhatsApp.
func (a *Adapter) Channel() conversation.Channel { return conversation.ChannelWhatsApp }

// Reply-button limits of the Cloud API.
const (
	MaxButtons     = 3
	MaxButtonTitle = 20
)

type request struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	// To is a phone number; Recipient a BSUID. Exactly one is set.
	To          string       `json:"to,omitempty"`
	Recipient   string       `json:"recipient,omitempty"`
	Type        string       `json:"type"`
	Text        *text        `json:"text,omitempty"`
	Interactive *interactive `json:"interactive,omitempty"`
}

type text struct {
	// PreviewURL is off: an agent's link should not unfurl on its own.
	PreviewURL bool   `json:"preview_url"`
	Body       string `json:"body"`
}

type interactive struct {
	Type string `json:"type"`
	Body struct {
		Text string `json:"text"`
	} `json:"body"`
	Action struct {
		Buttons []button `json:"buttons"`
	} `json:"action"`
}

type button struct {
	Type  string `json:"type"`
	Reply choice `json:"reply"`
}

type choice struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func newRequest(to, kind string) request {
	r := request{MessagingProduct: "whatsapp", RecipientType: "individual", Type: kind}
	// A BSUID is a country code, a dot and an id; phone numbers are digits.
	if strings.Contains(to, ".") {
		r.Recipient = to
	} else {
		r.To = to
	}
	return r
}

// SendText sends a text message.
func (a *Adapter) SendText(ctx context.Context, c channel.Credentials, t channel.Text) (channel.Sent, error) {
	r := newRequest(t.To, "text")
	r.Text = &text{Body: t.Body}
	return a.send(ctx, c, r)
}

// SendPrompt sends an interactive reply-button message. It needs 1 to
// MaxButtons choices: dropping choices would change the question, so more
// is an error. Titles longer than MaxButtonTitle characters, which the
// Cloud API rejects, are cut to that length; the reply reports the
// choice's id, so a cut title never changes which choice comes back.
func (a *Adapter) SendPrompt(ctx context.Context, c channel.Credentials, p channel.Prompt) (channel.Sent, error) {
	if n := len(p.Choices); n == 0 || n > MaxButtons {
		return channel.Sent{}, fmt.Errorf("whatsapp: a prompt needs 1 to %d choices, got %d", MaxButtons, n)
	}
	r := newRequest(p.To, "interactive")
	r.Interactive = &interactive{Type: "button"}
	r.Interactive.Body.Text = p.Body
	for _, ch := range p.Choices {
		r.Interactive.Action.Buttons = append(r.Interactive.Action.Buttons,
			button{Type: "reply", Reply: choice{ID: ch.ID, Title: truncate(ch.Title, MaxButtonTitle)}})
	}
	return a.send(ctx, c, r)
}

// truncate keeps the first n characters of s.
func truncate(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func (a *Adapter) send(ctx context.Context, c channel.Credentials, r any) (channel.Sent, error) {
	raw, err := a.client.Post(ctx, url.PathEscape(c.PhoneNumberID)+"/messages", c.AccessToken, r)
	if err != nil {
		return channel.Sent{}, err
	}
	var answer struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil || len(answer.Messages) == 0 || answer.Messages[0].ID == "" {
		return channel.Sent{}, fmt.Errorf("whatsapp: no message id in Meta's answer")
	}
	return channel.Sent{ExternalID: answer.Messages[0].ID}, nil
}
