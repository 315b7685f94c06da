package channel

import (
	"context"
	"io"
)

// Media is an outbound file, with the text that goes with it (R30).
type Media struct {
	To string
	// Caption is the reply's text; "" for none. Where the platform takes
	// no caption for the file, or one this long, the adapter sends it as
	// a text message of its own.
	Caption string
	File    File
	// HumanAgent tags an agent's reply after the 24-hour window, as on
	// Text (Messenger, Instagram).
	HumanAgent bool
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

// MediaSender sends files. Every adapter does; it is its own interface so
// that the delivery worker asks only for what a reply with a file needs.
type MediaSender interface {
	// SendMedia sends m's file and its caption. The Sent is that of the
	// file, the message status webhooks then report on.
	SendMedia(ctx context.Context, c Credentials, m Media) (Sent, error)
}
