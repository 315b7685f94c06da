package channel

import (
	"context"
	"io"
	"slices"
)

// Media is an outbound file, with the text that goes with it (R30).
type Media struct {
	To string
	// Caption is the reply's text; "" for none. Where the platform takes
	// no caption for the file, or none this long, the adapter sends it as
	// a text message of its own, after the file.
	Caption string
	File    File
	// HumanAgent tags an agent's reply after the 24-hour window, as on
	// Text (Messenger, Instagram).
	HumanAgent bool
	// Sent are the platform ids of the leading parts of this send that an
	// earlier attempt sent before it failed (see PartlySent): they are not
	// sent again.
	Sent []string
}

// File is a stored file as a platform's media API takes it: uploaded
// (WhatsApp reads Open) or fetched by the platform from URL (Messenger,
// Instagram).
type File struct {
	Name        string
	ContentType string
	Size        int64
	// Kind is the platform's kind for it, from delivery's table of what
	// each channel carries: "image", "video", "audio", "document" or
	// "file".
	Kind string
	// URL is a signed URL the platform can fetch the file from while the
	// send may still be retried.
	URL string
	// Open reads the file's bytes.
	Open func(ctx context.Context) (io.ReadCloser, error)
}

// MediaSender sends files.
type MediaSender interface {
	// SendMedia sends m's file, and its caption with it or after it. The
	// Sent is the last platform call's. A failure after some calls went
	// out is a *PartlySent.
	SendMedia(ctx context.Context, c Credentials, m Media) (Sent, error)
}

// PartlySent is a send of several platform calls (a file, then its text)
// that failed after the first went out. WhatsApp and the Send API take no
// idempotency key: a retry that sent everything again would show the end
// user the file twice, so the retry passes Sent on as Media.Sent.
type PartlySent struct {
	// Sent are the platform ids of the calls that went out, in order.
	Sent []string
	Err  error
}

func (e *PartlySent) Error() string { return e.Err.Error() }

func (e *PartlySent) Unwrap() error { return e.Err }

// SendParts makes a send's platform calls in order, skipping the first
// len(sent), which an earlier attempt made. It returns the last call's
// Sent, or a *PartlySent when a call fails after another went out.
func SendParts(ctx context.Context, sent []string, parts ...func(context.Context) (Sent, error)) (Sent, error) {
	ids := slices.Clone(sent)
	var last Sent
	for i, part := range parts {
		if i < len(sent) {
			last = Sent{ExternalID: sent[i]}
			continue
		}
		s, err := part(ctx)
		if err != nil {
			if len(ids) > 0 {
				return Sent{}, &PartlySent{Sent: ids, Err: err}
			}
			return Sent{}, err
		}
		ids, last = append(ids, s.ExternalID), s
	}
	return last, nil
}
