package delivery

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// CodeNotCarried: an attachment its destination does not take, by type or
// by size; extensions say what it would take instead (R30).
const CodeNotCarried apperr.Code = "ATTACHMENT_NOT_CARRIED"

// mediaKind is one kind of attachment a platform's API sends: the types
// it takes and its size limit.
type mediaKind struct {
	// Kind is the platform's name for it: the WhatsApp message type or
	// the Send API attachment type.
	Kind     string
	Types    []string
	MaxBytes int64
}

const mb = 1 << 20

// Office documents, as their extensions name them.
const (
	typeDoc  = "application/msword"
	typeDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXls  = "application/vnd.ms-excel"
	typeXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typePpt  = "application/vnd.ms-powerpoint"
	typePptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)

// mediaLimits is what each channel carries, in one place. Checked against
// Meta's documentation on 2026-12-02; platforms change these, so this is
// the table to update:
//   - WhatsApp: Cloud API reference, Media, "Supported media types"
//     (developers.facebook.com/docs/whatsapp/cloud-api/reference/media).
//     Stickers (image/webp, 100 KB static, 500 KB animated) arrive but are
//     not something agents send.
//   - Messenger: Send API and Attachment Upload API ("saving assets"):
//     image, audio, video and file attachments up to 25 MB each, images
//     sent by URL (as ours are) up to 8 MB
//     (developers.facebook.com/docs/messenger-platform/send-messages/saving-assets).
//   - Instagram: Instagram messaging Send API, attachment types: image
//     png/jpeg/gif up to 8 MB, audio aac/m4a/wav/mp4 and video
//     mp4/ogg/avi/mov/webm up to 25 MB, files as PDF only, up to 25 MB
//     (developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api).
//
// The widget carries whatever was uploaded (MAX_UPLOAD_BYTES bounds it).
var mediaLimits = map[conversation.Channel][]mediaKind{
	conversation.ChannelWhatsApp: {
		{"image", []string{"image/jpeg", "image/png"}, 5 * mb},
		{"video", []string{"video/mp4", "video/3gpp"}, 16 * mb},
		{"audio", []string{"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, 16 * mb},
		{"document", []string{"text/plain", "application/pdf", typeDoc, typeDocx, typeXls, typeXlsx, typePpt, typePptx}, 100 * mb},
	},
	conversation.ChannelMessenger: {
		{"image", []string{"image/jpeg", "image/png", "image/gif"}, 8 * mb},
		{"video", []string{"video/mp4", "video/quicktime", "video/webm"}, 25 * mb},
		{"audio", []string{"audio/aac", "audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav", "audio/wave"}, 25 * mb},
		// Any file: the person saves it.
		{"file", nil, 25 * mb},
	},
	conversation.ChannelInstagram: {
		{"image", []string{"image/jpeg", "image/png", "image/gif"}, 8 * mb},
		{"audio", []string{"audio/aac", "audio/mp4", "audio/wav", "audio/wave"}, 25 * mb},
		{"video", []string{"video/mp4", "video/ogg", "video/x-msvideo", "video/quicktime", "video/webm"}, 25 * mb},
		{"file", []string{"application/pdf"}, 25 * mb},
	},
}

// CheckAttachment refuses, before anything is queued, an attachment that
// channel ch does not carry: a type it does not take, or a size over its
// limit for that type. The error says what the channel takes.
func CheckAttachment(ch conversation.Channel, a *conversation.Attachment) error {
	kinds, ok := mediaLimits[ch]
	if !ok {
		return nil
	}
	ct := mediaType(a.ContentType, a.Name)
	for _, k := range kinds {
		if k.Types != nil && !slices.Contains(k.Types, ct) {
			continue
		}
		if a.Size <= k.MaxBytes {
			return nil
		}
		return notCarried(ch, a, ct, kinds, fmt.Sprintf("%s carries %s up to %s; %q is %s: send a smaller one, or through the widget",
			ch, ct, size(k.MaxBytes), a.Name, size(a.Size)), k.MaxBytes)
	}
	return notCarried(ch, a, ct, kinds, fmt.Sprintf("%s does not carry %s (%q); it takes %s, or send it through the widget",
		ch, ct, a.Name, carried(kinds)), 0)
}

func notCarried(ch conversation.Channel, a *conversation.Attachment, ct string, kinds []mediaKind, msg string, maxBytes int64) error {
	accepted := make([]map[string]any, len(kinds))
	for i, k := range kinds {
		accepted[i] = map[string]any{"kind": k.Kind, "contentTypes": k.Types, "maxBytes": k.MaxBytes}
	}
	details := map[string]any{"channel": string(ch), "contentType": ct, "size": a.Size, "accepted": accepted}
	if maxBytes > 0 {
		details["maxBytes"] = maxBytes
	}
	return &apperr.Error{Code: CodeNotCarried, Field: "attachmentIds", Message: msg, Details: details}
}

// checkAttachments refuses, before anything is queued, files that social
// channel ch does not carry: more than one per message (each platform's
// message takes one), or one CheckAttachment refuses.
func checkAttachments(ch conversation.Channel, files []conversation.Attachment) error {
	if len(files) > 1 {
		return &apperr.Error{Code: CodeNotCarried, Field: "attachmentIds",
			Message: fmt.Sprintf("%s carries one file per message: send the files one by one, or through the widget", ch),
			Details: map[string]any{"channel": string(ch), "maxFiles": 1}}
	}
	for i := range files {
		if err := CheckAttachment(ch, &files[i]); err != nil {
			return err
		}
	}
	return nil
}

// mediaType names a file's type as the platforms do. Sniffing tells a
// PDF or a picture by its bytes, but sees an Office document only as a ZIP
// (or nothing): for those, the extension names the format.
func mediaType(sniffed, name string) string {
	ct, _, _ := strings.Cut(sniffed, ";")
	ext := strings.ToLower(path.Ext(name))
	switch ct {
	case "application/zip":
		switch ext {
		case ".docx":
			return typeDocx
		case ".xlsx":
			return typeXlsx
		case ".pptx":
			return typePptx
		}
	case "application/octet-stream":
		switch ext {
		case ".doc":
			return typeDoc
		case ".xls":
			return typeXls
		case ".ppt":
			return typePpt
		case ".aac":
			return "audio/aac"
		}
	}
	return ct
}

// carried lists what a channel takes, for people.
func carried(kinds []mediaKind) string {
	var parts []string
	for _, k := range kinds {
		what := k.Kind
		if k.Types != nil {
			what += " (" + strings.Join(k.Types, ", ") + ")"
		}
		parts = append(parts, what+" up to "+size(k.MaxBytes))
	}
	return strings.Join(parts, "; ")
}

func size(n int64) string {
	if n >= mb {
		return fmt.Sprintf("%.4g MB", float64(n)/mb)
	}
	return fmt.Sprintf("%d KB", n>>10)
}
