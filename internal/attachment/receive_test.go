package attachment

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/attachment/attachmenttest"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/meta"
)

// fakeReceiving is everything the Receiver needs, in memory.
type fakeReceiving struct {
	it       *integration.Integration
	download func() (io.ReadCloser, error)
	creds    []channel.Credentials
	records  []*Attachment
	written  []conversation.Attach
	inserted []*river.InsertOpts
	args     []ReceiveArgs
}

func (f *fakeReceiving) WebhookIntegration(_ context.Context, id int64) (*integration.Integration, error) {
	if f.it == nil || f.it.ID != id {
		return nil, apperr.NotFoundf("integration")
	}
	return f.it, nil
}

func (f *fakeReceiving) IntegrationSecrets(context.Context, int64, int64) (integration.Secrets, error) {
	return integration.Secrets{AccessToken: "token"}, nil
}

func (f *fakeReceiving) Downloader(*integration.Integration) Downloader { return f }

func (f *fakeReceiving) Download(_ context.Context, c channel.Credentials, _ channel.InboundMedia) (io.ReadCloser, error) {
	f.creds = append(f.creds, c)
	return f.download()
}

func (f *fakeReceiving) NewAttachment(_ context.Context, a *Attachment) error {
	a.ID = int64(len(f.records) + 100)
	f.records = append(f.records, a)
	return nil
}

func (f *fakeReceiving) Attachment(context.Context, int64, int64) (*Attachment, error) {
	return nil, apperr.NotFoundf("file")
}

func (f *fakeReceiving) Write(_ context.Context, c conversation.Command) (*conversation.Written, error) {
	f.written = append(f.written, c.(conversation.Attach))
	return &conversation.Written{}, nil
}

func (f *fakeReceiving) Insert(_ context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	f.args = append(f.args, args.(ReceiveArgs))
	f.inserted = append(f.inserted, opts)
	return &rivertype.JobInsertResult{}, nil
}

func newReceiving(t *testing.T) (*Receiver, *fakeReceiving) {
	t.Helper()
	f := &fakeReceiving{it: &integration.Integration{ID: 7, AccountID: 1, Channel: conversation.ChannelWhatsApp, BusinessID: "106540352242922"}}
	files := openFiles(t, LocalURL(filepath.Join(t.TempDir(), "files")))
	cfg := ReceiveConfig{MaxBytes: 1 << 20, MaxAttempts: 3}
	now := func() time.Time { return time.Unix(1764072000, 0) }
	return NewReceiver(cfg, files, f, f, f, f, f, meta.Gone, slog.New(slog.DiscardHandler), now), f
}

func receiveJob(attempt int) *river.Job[ReceiveArgs] {
	return &river.Job[ReceiveArgs]{
		JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 3},
		Args: ReceiveArgs{AccountID: 1, MessageID: 42, Index: 0, IntegrationID: 7, ConversationID: 9,
			Media: channel.InboundMedia{Kind: conversation.KindImage, MediaID: "1003383421387256", ContentType: "image/jpeg", Name: "photo.jpg"}},
	}
}

// R30: a fetched file is stored by content, recorded in its conversation,
// and settles the message's attachment as STORED, with the type sniffed
// from the bytes rather than the one the platform declared.
func TestReceiveStores(t *testing.T) {
	r, f := newReceiving(t)
	photo := attachmenttest.PNG(t, 3, 2)
	f.download = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(photo)), nil }
	if err := r.Work(t.Context(), receiveJob(1)); err != nil {
		t.Fatal(err)
	}
	if len(f.creds) != 1 || f.creds[0].PhoneNumberID != "106540352242922" || f.creds[0].AccessToken != "token" {
		t.Fatalf("credentials: %+v", f.creds)
	}
	if len(f.records) != 1 || f.records[0].ConversationID != 9 || f.records[0].Size != int64(len(photo)) {
		t.Fatalf("records: %+v", f.records)
	}
	want := conversation.Attach{AccountID: 1, MessageID: 42, Index: 0, Attachment: conversation.Attachment{ID: 100, Kind: conversation.KindImage,
		State: conversation.AttachmentStored, Name: "photo.jpg", ContentType: "image/png", Size: int64(len(photo)), Width: 3, Height: 2}}
	if len(f.written) != 1 || f.written[0] != want {
		t.Fatalf("written %+v, want %+v", f.written, want)
	}
}

// R30: a platform failing for a while is retried (the job errs, River
// waits and runs it again) until the attempts are spent; what the platform
// says is gone (an expired URL) or what the service does not keep fails
// at once; either way the attachment is settled FAILED, never left
// RECEIVING.
func TestReceiveFailures(t *testing.T) {
	transient := &meta.Error{HTTPStatus: 500, Code: 2, Message: "Service temporarily unavailable"}
	expired := &meta.Error{HTTPStatus: 403, Message: "URL signature expired"}
	for _, tc := range []struct {
		name    string
		attempt int
		err     error
		body    []byte
		retried bool
	}{
		{"outage", 1, transient, nil, true},
		{"unreachable", 2, errors.New("dial tcp: connection refused"), nil, true},
		{"outage, last attempt", 3, transient, nil, false},
		{"expired URL", 1, expired, nil, false},
		{"unknown media id", 1, &meta.Error{HTTPStatus: 400, Code: 100, Message: "Unsupported get request"}, nil, false},
		{"too large", 1, nil, bytes.Repeat([]byte{'a'}, 2<<20), false},
		{"empty", 1, nil, []byte{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, f := newReceiving(t)
			f.download = func() (io.ReadCloser, error) {
				if tc.err != nil {
					return nil, tc.err
				}
				return io.NopCloser(bytes.NewReader(tc.body)), nil
			}
			err := r.Work(t.Context(), receiveJob(tc.attempt))
			if tc.retried {
				if err == nil || len(f.written) != 0 {
					t.Fatalf("want a retry, got %v and %+v", err, f.written)
				}
				return
			}
			if err != nil || len(f.written) != 1 || f.written[0].Attachment.State != conversation.AttachmentFailed ||
				f.written[0].Attachment.Name != "photo.jpg" || f.written[0].Attachment.Kind != conversation.KindImage || len(f.records) != 0 {
				t.Fatalf("want FAILED, got %v and %+v", err, f.written)
			}
		})
	}

	// An integration removed meanwhile has nothing to fetch with.
	r, f := newReceiving(t)
	f.it = nil
	if err := r.Work(t.Context(), receiveJob(1)); err != nil || len(f.written) != 1 || f.written[0].Attachment.State != conversation.AttachmentFailed {
		t.Fatalf("integration gone: %v, %+v", err, f.written)
	}
}

// R18: Fetch queues one job per file still RECEIVING, unique by message
// and index so that queuing again (a webhook processed twice) adds none,
// and skips files settled before.
func TestFetchQueues(t *testing.T) {
	r, f := newReceiving(t)
	m := &conversation.Message{ID: 42, AccountID: 1, ConversationID: 9, Attachments: []conversation.Attachment{
		{Kind: conversation.KindImage, State: conversation.AttachmentStored},
		{Kind: conversation.KindVideo, State: conversation.AttachmentReceiving},
	}}
	media := []channel.InboundMedia{{Kind: conversation.KindImage, URL: "https://a"}, {Kind: conversation.KindVideo, URL: "https://b"}}
	if err := r.Fetch(t.Context(), f.it, m, media); err != nil {
		t.Fatal(err)
	}
	if len(f.args) != 1 || f.args[0].Index != 1 || f.args[0].Media.URL != "https://b" || f.args[0].IntegrationID != 7 || f.args[0].ConversationID != 9 {
		t.Fatalf("queued %+v", f.args)
	}
	if o := f.inserted[0]; !o.UniqueOpts.ByArgs || o.MaxAttempts != 3 {
		t.Fatalf("insert options %+v", o)
	}
}
