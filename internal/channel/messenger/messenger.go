// Package messenger is the Facebook Messenger adapter: it replies to a
// person (PSID) through the Send API, POST /{version}/me/messages with the
// Page access token (Credentials.AccessToken), "me" being the Page that
// token belongs to; a reply after the 24-hour window is tagged HUMAN_AGENT
// (valid for 7 days). It reads webhooks of object "page": messages, quick
// replies, postbacks, m.me referrals, deliveries and reads. It serves
// delivery with retry classes and states (R17), idempotent inbound (R18)
// and linking through m.me refs. Messenger webhooks carry no names: the
// User Profile API (GET /{version}/{PSID}?fields=first_name,last_name,
// profile_pic with the Page token) gives them (R16, R27).
package messenger

import (
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/channel/internal/messaging"
	"github.com/linkline/linkline/internal/conversation"
)

// Adapter speaks Messenger through the Messenger Platform.
type Adapter = messaging.Adapter

var _ channel.Adapter = (*Adapter)(nil)

var platform = messaging.Platform{
	Channel: conversation.ChannelMessenger,
	Object:  "page",
	Path:    func(channel.Credentials) string { return "me/messages" },
	// The User Profile API's fields.
	ProfileFields: "first_name,last_name,profile_pic",
}

// New returns an adapter reaching the Graph API through cfg.
func New(cfg channel.Config) *Adapter { return messaging.New(cfg, platform) }
