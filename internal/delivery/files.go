package delivery

import (
	"context"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
)

// Files are the stored files replies carry (R30).
type Files interface {
	// Attachment reads a stored file's record, scoped by account.
	Attachment(ctx context.Context, accountID, id int64) (*attachment.Attachment, error)
	// Open reads a stored file's bytes by their hash.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
	// URL is a signed URL from which a platform fetches a until ttl has
	// passed: outside the conversation's readers, so only for the send.
	URL(a *attachment.Attachment, ttl time.Duration) string
}

// Parts keeps what a send of several platform calls (a file, then its
// text) got through before it failed, so that its retry goes on from there
// rather than send the file twice (R30, R34).
type Parts interface {
	// PartsSent records the platform ids of the calls attempt made before
	// it failed.
	PartsSent(ctx context.Context, accountID, attempt int64, ids []string) error
	// SentParts returns those of the message's earlier attempts.
	SentParts(ctx context.Context, accountID, messageID int64) ([]string, error)
}

// platformURLTTL is how long a platform may take to fetch a file from the
// URL it is sent: Meta fetches at once, but a slow fetch must not find it
// expired. Every attempt signs a new one.
const platformURLTTL = time.Hour

// mediaOf reads m's file for its send: Route let through at most one per
// social message. A failure here is the service's own storage, not the
// platform's: it is returned as is, and the job retries. The caller closes
// the file once sent. The bytes are opened up front for the same reason,
// though only uploads (WhatsApp) read them.
func (w *Worker) mediaOf(ctx context.Context, id *conversation.Identity, m *conversation.Message, win Window) (channel.Media, io.Closer, error) {
	if w.Files == nil || w.Parts == nil {
		return channel.Media{}, nil, errors.New("delivery: no file storage to send files from")
	}
	a, err := w.Files.Attachment(ctx, m.AccountID, m.Attachments[0].ID)
	if err != nil {
		return channel.Media{}, nil, err
	}
	sent, err := w.Parts.SentParts(ctx, m.AccountID, m.ID)
	if err != nil {
		return channel.Media{}, nil, err
	}
	body, err := w.Files.Open(ctx, a.SHA256)
	if err != nil {
		return channel.Media{}, nil, err
	}
	ct := mediaType(a.ContentType, a.Name)
	f := channel.File{
		Name: a.Name, ContentType: ct, Size: a.Size, Kind: platformKind(m.Channel, ct),
		URL: w.Files.URL(a, platformURLTTL),
		Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(body), nil
		},
	}
	return channel.Media{To: id.ExternalID, Caption: sentText(m), File: f, HumanAgent: win.HumanAgent, Sent: sent}, body, nil
}

// partsSent records the calls a failed send made before it failed, if
// any. A crash before they are recorded leaves the attempt unfinished,
// and its retry may show the file twice: at most one duplicate per
// crash, as for any send (R34).
func (w *Worker) partsSent(ctx context.Context, accountID, attempt int64, err error) error {
	p, ok := errors.AsType[*channel.PartlySent](err)
	if !ok {
		return nil
	}
	return w.Parts.PartsSent(ctx, accountID, attempt, p.Sent)
}

// platformKind is the platform's kind for a file of content type ct on
// channel ch, as mediaLimits lists it; "" when none takes it (Route
// refused those).
func platformKind(ch conversation.Channel, ct string) string {
	for _, k := range mediaLimits[ch] {
		if k.Types == nil || slices.Contains(k.Types, ct) {
			return k.Kind
		}
	}
	return ""
}
