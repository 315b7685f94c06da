// Package channel is the contract between the service and its social
// channel adapters (WhatsApp, Messenger, Instagram): what an adapter sends,
// what it parses out of a webhook, and the credentials it works with. The
// adapters live in subpackages, one per channel, and speak Meta's Graph API.
package channel

import (
	"context"
	"net/http"
	"time"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

// Credentials are one integration's settings and secrets, as an adapter
// needs them. Only the fields of the integration's channel are set.
type Credentials struct {
	// WhatsApp: the business phone number's id (the messages endpoint's
	// path), its display number (for wa.me links) and the WABA id.
	PhoneNumberID string
	DisplayNumber string
	WABAID        string
	// Messenger: the Facebook Page's id and its username (for m.me links).
	PageID   string
	PageName string
	// Instagram: the professional account's id and username (for ig.me).
	InstagramID string
	Username    string
	// AccessToken authorises sends (Bearer). Secret.
	AccessToken string
}

// CredentialsFor is what an integration's adapter works with: the fields
// of its channel, and its access token.
func CredentialsFor(it *integration.Integration, s integration.Secrets) Credentials {
	c := Credentials{AccessToken: s.AccessToken}
	switch it.Channel {
	case conversation.ChannelWhatsApp:
		c.PhoneNumberID, c.DisplayNumber, c.WABAID = it.BusinessID, it.Handle, it.WABAID
	case conversation.ChannelMessenger:
		c.PageID, c.PageName = it.BusinessID, it.Handle
	case conversation.ChannelInstagram:
		c.InstagramID, c.Username = it.BusinessID, it.Handle
	}
	return c
}

// Choice is one of the reply choices of a prompt (R6): a button on
// WhatsApp, a quick reply on Messenger and Instagram.
type Choice struct {
	// ID comes back in the end user's reply (button id, quick reply
	// payload).
	ID string
	// Title is what the end user sees (WhatsApp: at most 20 characters).
	Title string
}

// Text is an outbound text message.
type Text struct {
	// To is the end user's id on the channel: a WhatsApp id (wa_id) or
	// business-scoped user id, a Messenger PSID, an Instagram IGSID.
	To   string
	Body string
	// HumanAgent marks a Messenger/Instagram reply sent after the 24-hour
	// window and within 7 days (the HUMAN_AGENT tag).
	HumanAgent bool
}

// Prompt is an outbound question with reply choices.
type Prompt struct {
	To      string
	Body    string
	Choices []Choice
	// HumanAgent tags an agent's reply after the 24-hour window, as on
	// Text (Messenger, Instagram).
	HumanAgent bool
}

// Sent is what the platform answered to a send.
type Sent struct {
	// ExternalID is the platform's id of the message (wamid…, mid…);
	// status webhooks refer to it.
	ExternalID string
}

// Adapter speaks one channel's API.
type Adapter interface {
	Channel() conversation.Channel
	SendText(ctx context.Context, c Credentials, t Text) (Sent, error)
	SendPrompt(ctx context.Context, c Credentials, p Prompt) (Sent, error)
	MediaSender
	// Parse reads a webhook body (already authenticated) into events.
	// Entries it does not understand are skipped, never an error; an error
	// means the body is not a webhook of this channel at all.
	Parse(body []byte) ([]Event, error)
}

// Profile is what a platform's user-profile API tells of an end user, so
// that agents and the widget show a name people recognise (R16, R27).
type Profile struct {
	// Name is the profile name: Messenger's first and last name,
	// Instagram's name or else its username. Empty when the platform
	// gives none.
	Name string
	// PictureURL is the profile picture. Meta's picture URLs expire
	// after a while: it is read again with the name.
	PictureURL string
}

// Event is one thing a webhook reported.
type Event struct {
	// Business is the business side that received it: the phone number
	// id (WhatsApp), Page id (Messenger) or Instagram account id. It
	// selects the integration.
	Business string
	// Exactly one of the following is set.
	Message *Inbound
	Status  *Status
}

// Identity is an end user on a channel.
type Identity struct {
	// ID is the user's id on the channel (wa_id or business-scoped user
	// id, PSID, IGSID): identities are keyed on it.
	ID string
	// Name is the profile name when the payload carries one.
	Name string
}

// Inbound is a message (or a button tap, or a referral) from an end user.
type Inbound struct {
	// ExternalID is the platform's message id; equal ids are the same
	// message, delivered again (R18). Referrals without a message have
	// a synthetic id derived from the payload, stable across retries.
	ExternalID string
	From       Identity
	// Kind is "text", "button" (a reply choice), "referral", or what
	// else arrived ("image", "sticker", "location", …).
	Kind string
	// Text is the message text; for a button, what the end user sees on
	// it; for a kind the service does not take in, a short description
	// ("[contacts]").
	Text string
	// ChoiceID is the chosen reply's id (button reply id, quick reply or
	// postback payload).
	ChoiceID string
	// Ref is the ref of an m.me / ig.me link the conversation came
	// through.
	Ref string
	// Media are the files the message carries, fetched after it is
	// stored; Text is then their caption, possibly empty.
	Media []InboundMedia
	// Location is a place the end user shared.
	Location  *conversation.Location
	Timestamp time.Time
}

// DeliveryState is how far an outbound message got; see
// conversation.DeliveryState.
type DeliveryState = conversation.DeliveryState

// The delivery states a report can carry.
const (
	StateQueued    = conversation.DeliveryQueued
	StateSent      = conversation.DeliverySent
	StateDelivered = conversation.DeliveryDelivered
	StateRead      = conversation.DeliveryRead
	StateFailed    = conversation.DeliveryFailed
)

// Status is a delivery report about an outbound message.
type Status struct {
	// ExternalID is the outbound message's id, when the report names
	// it (WhatsApp statuses, Messenger delivery mids).
	ExternalID string
	// Recipient and Watermark are set instead for reports that cover
	// every message sent to Recipient up to Watermark (Messenger and
	// Instagram delivery/read).
	Recipient string
	Watermark time.Time
	State     DeliveryState
	// ErrorCode and ErrorTitle explain a failed state.
	ErrorCode  int
	ErrorTitle string
	Timestamp  time.Time
}

// Config is how adapters reach the Graph API: configuration, so that tests
// and the sandbox point the real adapters elsewhere.
type Config struct {
	// BaseURL is the Graph API's root, e.g. https://graph.facebook.com.
	BaseURL string
	// Version is the API version path segment, e.g. v21.0.
	Version string
	// Client makes the requests; its timeout must stay below the
	// delivery job's timeout.
	Client *http.Client
}
