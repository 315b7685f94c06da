package messaging

import (
	"context"
	"fmt"

	"github.com/linkline/linkline/internal/channel"
)

// mediaRequest is a Send API call with an attachment the platform fetches
// from a URL. Messenger Platform, "Saving assets", save from URL
// (developers.facebook.com/docs/messenger-platform/send-messages/saving-assets:
// image, audio, video and file up to 25 MB, images fetched from a URL up
// to 8 MB, a 75-second fetch timeout for video) and Instagram messaging,
// "Send a media message"
// (developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api#send-a-media-message):
// message.outAttachment {type: image|video|audio|file, payload: {url,
// is_reusable}}; the message takes no text beside it.
type mediaRequest struct {
	Recipient struct {
		ID string `json:"id"`
	} `json:"recipient"`
	MessagingType string `json:"messaging_type"`
	Tag           string `json:"tag,omitempty"`
	Message       struct {
		Attachment outAttachment `json:"attachment"`
	} `json:"message"`
}

type outAttachment struct {
	Type    string `json:"type"`
	Payload struct {
		URL string `json:"url"`
		// IsReusable is off: the URL is signed for this one send, and
		// an agent's file is not a Page asset.
		IsReusable bool `json:"is_reusable"`
	} `json:"payload"`
}

// SendMedia sends the file as an attachment Meta fetches from its signed
// URL (R30), tagged HUMAN_AGENT as a text would be. Neither platform
// takes a caption: the text follows as a text message of its own, and a
// failure of it after the file went out is a *channel.PartlySent, whose
// retry sends the text only.
func (a *Adapter) SendMedia(ctx context.Context, c channel.Credentials, m channel.Media) (channel.Sent, error) {
	switch m.File.Kind {
	case "image", "video", "audio", "file":
	default:
		return channel.Sent{}, fmt.Errorf("%s: sends no %q attachments", a.platform.Channel, m.File.Kind)
	}
	if m.File.URL == "" {
		return channel.Sent{}, fmt.Errorf("%s: the file %q has no URL to fetch it from", a.platform.Channel, m.File.Name)
	}
	r := mediaRequest{MessagingType: typeResponse}
	if m.HumanAgent {
		r.MessagingType, r.Tag = typeTag, tagHumanAgent
	}
	r.Recipient.ID = m.To
	r.Message.Attachment.Type = m.File.Kind
	r.Message.Attachment.Payload.URL = m.File.URL
	file := func(ctx context.Context) (channel.Sent, error) { return a.send(ctx, c, r) }
	if m.Caption == "" {
		return channel.SendParts(ctx, m.Sent, file)
	}
	return channel.SendParts(ctx, m.Sent, file, func(ctx context.Context) (channel.Sent, error) {
		return a.SendText(ctx, c, channel.Text{To: m.To, Body: m.Caption, HumanAgent: m.HumanAgent})
	})
}
