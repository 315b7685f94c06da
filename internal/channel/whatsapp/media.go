package whatsapp

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
)

// media is the object of an image, video, audio, document or sticker
// message, as the Cloud API's messages webhook reference describes it
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/image,
// …/video, …/audio, …/document, …/sticker): the media id to fetch the
// file with, its declared type and digest, a caption (image, video,
// document), the file name (document), voice (audio) and animated
// (sticker).
type media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	FileSize int64  `json:"file_size"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Voice    bool   `json:"voice"`
	Animated bool   `json:"animated"`
}

// location is a location message's object (…/webhooks/reference/messages/location).
type location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name"`
	Address   string  `json:"address"`
}

// attached fills in the file or place of a media or location message and
// reports whether m is one. A media object without an id names no file:
// the message stays a note of its type.
func (m message) attached(in *channel.Inbound) bool {
	if m.Type == "location" {
		l := m.Location
		if l == nil || !validPlace(l.Latitude, l.Longitude) {
			return false
		}
		in.Location = &conversation.Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
		return true
	}
	kinds := map[string]struct {
		kind conversation.AttachmentKind
		obj  *media
	}{
		"image":    {conversation.KindImage, m.Image},
		"video":    {conversation.KindVideo, m.Video},
		"audio":    {conversation.KindAudio, m.Audio},
		"document": {conversation.KindDocument, m.Document},
		"sticker":  {conversation.KindSticker, m.Sticker},
	}
	k, ok := kinds[m.Type]
	if !ok || k.obj == nil || k.obj.ID == "" {
		return false
	}
	f := k.obj
	in.Text = f.Caption
	in.Media = []channel.InboundMedia{{
		Kind: k.kind, MediaID: f.ID, ContentType: f.MimeType,
		Name:   cmp.Or(f.Filename, channel.MediaName(k.kind, f.MimeType)),
		SHA256: f.SHA256, Size: max(f.FileSize, 0),
	}}
	return true
}

// validPlace reports whether a latitude and longitude are a place on
// Earth.
func validPlace(lat, long float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(long) && math.Abs(lat) <= 90 && math.Abs(long) <= 180
}

// Download fetches a file an end user sent, as the Cloud API's media
// reference describes
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media#download-media):
// GET /{version}/{media-id} with the integration's token answers the
// file's short-lived URL (and its mime_type, sha256, file_size), which
// is then read with the same token.
func (a *Adapter) Download(ctx context.Context, c channel.Credentials, m channel.InboundMedia) (io.ReadCloser, error) {
	if m.MediaID == "" {
		return nil, fmt.Errorf("whatsapp: media without an id")
	}
	raw, err := a.client.Get(ctx, url.PathEscape(m.MediaID), nil, c.AccessToken)
	if err != nil {
		return nil, err
	}
	var meta struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil || meta.URL == "" {
		return nil, fmt.Errorf("whatsapp: no url in Meta's answer for media %s", m.MediaID)
	}
	return a.client.Open(ctx, meta.URL, c.AccessToken)
}
