package messaging

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"net/url"
	"path"
	"strings"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
)

// attachment is one of message.attachments[], as the Messenger Platform's
// messages webhook reference describes it
// (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages):
// image, video, audio and file with payload.url (a CDN URL that expires),
// an image with payload.sticker_id for a sticker, fallback for a shared
// link, location with payload.coordinates. Instagram adds, in its
// messaging webhooks
// (https://developers.facebook.com/docs/instagram-platform/webhooks/examples):
// share and ig_post (a post shared), story_mention, and ig_reel or reel
// (a reel's video), all with payload.url and, for posts and reels, a
// title.
type attachment struct {
	Type    string `json:"type"`
	Payload struct {
		URL string `json:"url"`
		// StickerID marks an image that is a sticker (Messenger).
		StickerID any    `json:"sticker_id"`
		Title     string `json:"title"`
		// Coordinates are a shared location's (Messenger).
		Coordinates *struct {
			Lat  float64 `json:"lat"`
			Long float64 `json:"long"`
		} `json:"coordinates"`
	} `json:"payload"`
	// Title is a fallback's (a shared link) and URL its link.
	Title string `json:"title"`
	URL   string `json:"url"`
}

// files are the attachment types that carry a file, and its kind.
var files = map[string]conversation.AttachmentKind{
	"image": conversation.KindImage,
	"video": conversation.KindVideo,
	"audio": conversation.KindAudio,
	"file":  conversation.KindDocument,
	// A reel someone shared is its video.
	"ig_reel": conversation.KindVideo,
	"reel":    conversation.KindVideo,
}

// attach takes each attachment in as a file, a place, or, for what is not
// a file (a shared post or link, a story mention), a line of text with
// its title and link that an agent can open. in.Kind becomes the first
// attachment's type; in.Text keeps what the end user wrote.
func attach(in *channel.Inbound, ats []attachment) {
	var lines []string
	for _, at := range ats {
		kind := cmp.Or(at.Type, kindAttachment)
		if in.Kind == kindText {
			in.Kind = kind
		}
		if file, ok := files[at.Type]; ok && at.Payload.URL != "" {
			if at.Type == "image" && at.Payload.StickerID != nil {
				file = conversation.KindSticker
				if in.Kind == at.Type {
					in.Kind = kindSticker
				}
			}
			in.Media = append(in.Media, channel.InboundMedia{Kind: file, URL: at.Payload.URL, Name: name(at.Type, file, at.Payload.URL)})
			continue
		}
		if c := at.Payload.Coordinates; at.Type == "location" && c != nil && validPlace(c.Lat, c.Long) && in.Location == nil {
			in.Location = &conversation.Location{Latitude: c.Lat, Longitude: c.Long, Name: at.Title}
			continue
		}
		parts := []string{"[" + kind + "]"}
		for _, s := range []string{cmp.Or(at.Payload.Title, at.Title), cmp.Or(at.Payload.URL, at.URL)} {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, s)
			}
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	if len(in.Media) > conversation.MaxAttachments {
		in.Media = in.Media[:conversation.MaxAttachments]
	}
	if m := strings.TrimSpace(in.Text); m != "" {
		lines = append(lines, in.Text)
	}
	in.Text = strings.Join(lines, "\n")
}

// name is a file's name: a document's is the last part of its URL's path,
// where the CDN keeps it; other files have none.
func name(typ string, kind conversation.AttachmentKind, rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && typ == "file" {
		if base := path.Base(u.Path); path.Ext(base) != "" {
			return base
		}
	}
	return channel.MediaName(kind, "")
}

// validPlace reports whether a latitude and longitude are a place on
// Earth.
func validPlace(lat, long float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(long) && math.Abs(lat) <= 90 && math.Abs(long) <= 180
}

// Download fetches a file an end user sent from the URL its webhook gave
// (a signed CDN URL: no token goes with it). The URL expires after a
// while, and then answers 403 or 404: a permanent failure.
func (a *Adapter) Download(ctx context.Context, _ channel.Credentials, m channel.InboundMedia) (io.ReadCloser, error) {
	if m.URL == "" {
		return nil, fmt.Errorf("%s: media without a URL", a.platform.Channel)
	}
	return a.client.Open(ctx, m.URL, "")
}
