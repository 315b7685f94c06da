package conversation

import (
	"context"
	"math"
	"strings"

	"github.com/linkline/linkline/internal/apperr"
)

// Attachment is a file a message carries (R30): one uploaded into the
// conversation and stored, or one an end user sent on a social channel,
// recorded at once and stored once fetched from the platform.
type Attachment struct {
	// ID is the stored file's record; 0 while it is received.
	ID    int64           `json:"id,omitempty"`
	Kind  AttachmentKind  `json:"kind"`
	State AttachmentState `json:"state"`
	Name  string          `json:"name"`
	// ContentType is sniffed from the bytes once stored; before, it is
	// what the platform declared.
	ContentType string `json:"contentType"`
	Size        int64  `json:"size,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	// AccountID and ConversationID scope its download URL; they are the
	// message's, so the message does not repeat them in its column.
	AccountID      int64 `json:"-"`
	ConversationID int64 `json:"-"`
}

// AttachmentKind is what a file is to the people who see it.
type AttachmentKind string

const (
	KindImage    AttachmentKind = "IMAGE"
	KindVideo    AttachmentKind = "VIDEO"
	KindAudio    AttachmentKind = "AUDIO"
	KindDocument AttachmentKind = "DOCUMENT"
	// KindSticker is an image sent as a sticker on a social channel.
	KindSticker AttachmentKind = "STICKER"
)

// KindOf is the kind of a file of content type ct.
func KindOf(ct string) AttachmentKind {
	major, _, _ := strings.Cut(strings.ToLower(ct), "/")
	switch major {
	case "image":
		return KindImage
	case "video":
		return KindVideo
	case "audio":
		return KindAudio
	}
	return KindDocument
}

// AttachmentState is how far an attachment got into the service.
type AttachmentState string

const (
	// AttachmentReceiving: sent on a social channel, being fetched from
	// the platform with retries.
	AttachmentReceiving AttachmentState = "RECEIVING"
	AttachmentStored    AttachmentState = "STORED"
	// AttachmentFailed: the platform no longer serves it.
	AttachmentFailed AttachmentState = "FAILED"
)

// Location is a place an end user shared on a social channel.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	// Name and Address are set for a named place.
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
}

// Valid reports whether l is a place on Earth.
func (l *Location) Valid() bool {
	return !math.IsNaN(l.Latitude) && !math.IsNaN(l.Longitude) && math.Abs(l.Latitude) <= 90 && math.Abs(l.Longitude) <= 180
}

// MaxAttachments bounds the files of one message: a widget message's
// list stays readable, and a social channel takes one per message anyway.
const MaxAttachments = 10

// attachments returns the files a message is to carry, uploaded into its
// conversation, in the order named: NOT_FOUND for one that is not (R20).
// It refuses a list no message may carry: too many, or a file named twice.
func (s *Service) attachments(ctx context.Context, accountID, conversationID int64, ids []int64) ([]Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if err := checkAttachmentIDs(ids); err != nil {
		return nil, err
	}
	return s.store.Attachments(ctx, accountID, conversationID, ids)
}

func checkAttachmentIDs(ids []int64) error {
	if len(ids) > MaxAttachments {
		return apperr.Invalid("attachmentIds", "may name at most %d files", MaxAttachments)
	}
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return apperr.Invalid("attachmentIds", "names a file twice")
		}
		seen[id] = true
	}
	return nil
}

// Attach records what became of attachment Index of an end user's social
// message MessageID once its file was fetched: stored as Attachment, or
// failed. A message whose attachment was settled before is left as it is,
// so that a fetch run twice changes nothing twice.
type Attach struct {
	AccountID  int64
	MessageID  int64
	Index      int
	Attachment Attachment
}

// Account is the account the command writes in.
func (c Attach) Account() int64 { return c.AccountID }

func (Attach) command() {}
