package channel

import (
	"mime"
	"strings"

	"github.com/linkline/linkline/internal/conversation"
)

// InboundMedia is a file an end user sent on a social channel, as the
// webhook names it: the platform keeps the bytes until the service fetches
// them.
type InboundMedia struct {
	Kind conversation.AttachmentKind `json:"kind"`
	// MediaID is WhatsApp's media id, read through the Cloud API with the
	// integration's token; URL is Messenger's and Instagram's download
	// URL, which expires after a while. One of them is set.
	MediaID string `json:"mediaId,omitempty"`
	URL     string `json:"url,omitempty"`
	// ContentType is what the platform declared; the stored file's type
	// is sniffed from its bytes.
	ContentType string `json:"contentType,omitempty"`
	// Name is the document's file name, or one made of the kind and type
	// ("photo.jpg") for files that have none.
	Name string `json:"name"`
	// SHA256 and Size are WhatsApp's, when it gives them.
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
}

// stems name the files that come without a name, by kind.
var stems = map[conversation.AttachmentKind]string{
	conversation.KindImage:    "photo",
	conversation.KindVideo:    "video",
	conversation.KindAudio:    "audio",
	conversation.KindDocument: "document",
	conversation.KindSticker:  "sticker",
}

// extensions are the usual extensions of the types Meta's platforms
// declare; mime's own table answers for the others, where it knows one.
var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
	"video/mp4": ".mp4", "video/3gpp": ".3gp", "audio/ogg": ".ogg", "audio/mpeg": ".mp3",
	"audio/aac": ".aac", "audio/mp4": ".m4a", "audio/amr": ".amr", "application/pdf": ".pdf",
}

// MediaName is the name shown for a file of kind and declared content type
// ct that came without one: "photo.jpg", "audio.ogg", "video".
func MediaName(kind conversation.AttachmentKind, ct string) string {
	stem := stems[kind]
	if stem == "" {
		stem = "file"
	}
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(ct)), ";")
	ext := extensions[base]
	if ext == "" {
		if exts, err := mime.ExtensionsByType(base); err == nil && len(exts) > 0 {
			ext = exts[0]
		}
	}
	return stem + ext
}
