package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/meta"
)

// MaxCaption is the longest caption the Cloud API takes on a media
// message, in characters.
const MaxCaption = 1024

// mediaRequest is a media message sending an uploaded file by its id.
// Cloud API reference, Messages, "media object"
// (developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#media-object):
// image, video and document take a caption, documents a filename; audio
// takes neither.
type mediaRequest struct {
	request
	Image    *mediaObject `json:"image,omitempty"`
	Video    *mediaObject `json:"video,omitempty"`
	Audio    *mediaObject `json:"audio,omitempty"`
	Document *mediaObject `json:"document,omitempty"`
}

type mediaObject struct {
	ID       string `json:"id"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// SendMedia uploads the file (POST /{phone-number-id}/media) and sends it
// by the media id Meta gives back (R30). Text the file cannot carry as its
// caption (audio takes none; captions end at MaxCaption) follows as a text
// message of its own: a failure of that text after the file went out is a
// *channel.PartlySent, whose retry sends the text only.
func (a *Adapter) SendMedia(ctx context.Context, c channel.Credentials, m channel.Media) (channel.Sent, error) {
	r := mediaRequest{request: newRequest(m.To, m.File.Kind)}
	obj := &mediaObject{}
	switch m.File.Kind {
	case "image":
		r.Image = obj
	case "video":
		r.Video = obj
	case "document":
		r.Document, obj.Filename = obj, m.File.Name
	case "audio":
		r.Audio = obj
	default:
		return channel.Sent{}, fmt.Errorf("whatsapp: sends no %q media", m.File.Kind)
	}
	file := func(ctx context.Context) (channel.Sent, error) {
		id, err := a.upload(ctx, c, m.File)
		if err != nil {
			return channel.Sent{}, err
		}
		obj.ID = id
		return a.send(ctx, c, r)
	}
	if m.Caption == "" {
		return channel.SendParts(ctx, m.Sent, file)
	}
	if r.Audio == nil && utf8.RuneCountInString(m.Caption) <= MaxCaption {
		obj.Caption = m.Caption
		return channel.SendParts(ctx, m.Sent, file)
	}
	return channel.SendParts(ctx, m.Sent, file, func(ctx context.Context) (channel.Sent, error) {
		return a.SendText(ctx, c, channel.Text{To: m.To, Body: m.Caption})
	})
}

// upload posts the file's bytes to the media endpoint and returns its
// media id. Cloud API reference, Media, "Upload media"
// (developers.facebook.com/docs/whatsapp/cloud-api/reference/media#upload-media):
// multipart fields messaging_product, type and file.
func (a *Adapter) upload(ctx context.Context, c channel.Credentials, f channel.File) (string, error) {
	if f.Open == nil {
		return "", fmt.Errorf("whatsapp: the file %q cannot be read", f.Name)
	}
	body, err := f.Open(ctx)
	if err != nil {
		return "", fmt.Errorf("whatsapp: open %q: %w", f.Name, err)
	}
	defer body.Close()
	raw, err := a.client.Upload(ctx, url.PathEscape(c.PhoneNumberID)+"/media", c.AccessToken,
		map[string]string{"messaging_product": "whatsapp", "type": f.ContentType},
		meta.FormFile{Field: "file", Name: f.Name, ContentType: f.ContentType, Body: body})
	if err != nil {
		return "", err
	}
	var answer struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil || answer.ID == "" {
		return "", fmt.Errorf("whatsapp: no media id in Meta's answer")
	}
	return answer.ID, nil
}
