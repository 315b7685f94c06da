// Package instagram is the Instagram messaging adapter. Instagram runs on
// the Messenger Platform, so sends and webhooks are Messenger's (see
// messaging) with object "instagram", entry[].id the professional
// account's id and users known by IGSID. It serves delivery with retry
// classes and states (R17), idempotent inbound (R18) and linking through
// ig.me refs. Text limits (1,000 bytes of UTF-8) are the domain's to
// enforce; this adapter sends what it is given.
//
// Endpoint: Meta offers two ways in. The Instagram API with Instagram
// Login (no Facebook Page needed, the way Meta points new apps) sends with
// an Instagram User access token to graph.instagram.com at
// /{version}/{ig-id}/messages. The Messenger Platform for Instagram
// (Facebook Login) sends with the linked Page's token to
// graph.facebook.com at /{version}/me/messages. This adapter uses the
// first whenever Credentials.InstagramID is set, so Config.BaseURL must
// then be https://graph.instagram.com; with InstagramID empty it posts to
// me/messages, which is the second when given graph.facebook.com and a
// Page token. Both answer {"recipient_id","message_id"} and both accept
// messaging_type, the HUMAN_AGENT tag and text quick replies.
package instagram

import (
	"net/url"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/channel/internal/messaging"
	"github.com/linkline/linkline/internal/conversation"
)

// Adapter speaks Instagram messaging through the Messenger Platform.
type Adapter = messaging.Adapter

var _ channel.Adapter = (*Adapter)(nil)

var platform = messaging.Platform{
	Channel: conversation.ChannelInstagram,
	Object:  "instagram",
	Path:    path,
	// The user profile of Instagram messaging: GET /{version}/{IGSID}
	// on either endpoint.
	ProfileFields: "name,username,profile_pic",
}

// New returns an adapter reaching the Graph API through cfg.
func New(cfg channel.Config) *Adapter { return messaging.New(cfg, platform) }

func path(c channel.Credentials) string {
	if c.InstagramID == "" {
		return "me/messages"
	}
	return url.PathEscape(c.InstagramID) + "/messages"
}
