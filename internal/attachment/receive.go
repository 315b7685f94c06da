package attachment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

// ReceiveArgs is the job that fetches file Index of an end user's social
// message from its platform. River keeps one such job per file (unique by
// the tagged fields), so a webhook delivered twice, or processed again
// after a crash, fetches the file once (R18).
type ReceiveArgs struct {
	AccountID      int64                `json:"account_id" river:"unique"`
	MessageID      int64                `json:"message_id" river:"unique"`
	Index          int                  `json:"index" river:"unique"`
	IntegrationID  int64                `json:"integration_id"`
	ConversationID int64                `json:"conversation_id"`
	Media          channel.InboundMedia `json:"media"`
}

// Kind names the job in River.
func (ReceiveArgs) Kind() string { return "receive_attachment" }

// Downloader fetches the bytes of a file an end user sent: the adapter of
// the channel it came on.
type Downloader interface {
	Download(ctx context.Context, c channel.Credentials, m channel.InboundMedia) (io.ReadCloser, error)
}

// Downloaders gives the adapter that serves an integration; nil when it
// fetches no files.
type Downloaders interface {
	Downloader(it *integration.Integration) Downloader
}

// Integrations finds the integration a file came through, and the
// credentials to fetch it with.
type Integrations interface {
	WebhookIntegration(ctx context.Context, integrationID int64) (*integration.Integration, error)
	IntegrationSecrets(ctx context.Context, accountID, id int64) (integration.Secrets, error)
}

// Jobs inserts durable jobs.
type Jobs interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// ReceiveConfig holds how files are fetched.
type ReceiveConfig struct {
	// MaxBytes bounds one file; a larger one fails.
	MaxBytes int64
	// MaxAttempts bounds the fetches of one file: a platform that keeps
	// failing for that long has lost it. The waits between attempts are
	// the job client's retry policy.
	MaxAttempts int
}

// DefaultReceiveConfig holds the defaults: with the delivery retry policy
// (2 s doubling up to an hour), 20 attempts span about 14 hours, within
// the time WhatsApp keeps a media id (30 days); Messenger's and
// Instagram's URLs expire sooner, and then fail at once.
var DefaultReceiveConfig = ReceiveConfig{MaxBytes: DefaultConfig.MaxBytes, MaxAttempts: 20}

// Receiver takes the files end users send on social channels into their
// conversations (R30): the message is stored at once, its files
// RECEIVING, and a durable job per file fetches it from the platform,
// retried with backoff while the platform fails, until it is STORED, or
// FAILED when the platform answers that it no longer has it. Each outcome
// reaches the conversation's readers as ATTACHMENT_RECEIVED.
type Receiver struct {
	river.WorkerDefaults[ReceiveArgs]
	cfg          ReceiveConfig
	files        *Files
	store        Store
	integrations Integrations
	downloaders  Downloaders
	writer       conversation.Writer
	jobs         Jobs
	// gone tells a download's failures that no retry can change (the
	// platform's answer that the file is no longer there).
	gone func(error) bool
	log  *slog.Logger
	now  func() time.Time
}

// NewReceiver returns the file-fetching worker, which also queues its
// jobs; gone tells the downloaders' final failures (meta.Gone).
func NewReceiver(cfg ReceiveConfig, files *Files, store Store, integrations Integrations, downloaders Downloaders,
	writer conversation.Writer, jobs Jobs, gone func(error) bool, log *slog.Logger, now func() time.Time) *Receiver {
	return &Receiver{cfg: cfg, files: files, store: store, integrations: integrations, downloaders: downloaders,
		writer: writer, jobs: jobs, gone: gone, log: log, now: now}
}

// Fetch queues the fetch of each file of m, a stored message of an end user
// on integration it, still RECEIVING; media are the files as the webhook
// named them, in the order of m's attachments. It is safe to call again
// for the same message: a file queued before is not queued twice.
func (r *Receiver) Fetch(ctx context.Context, it *integration.Integration, m *conversation.Message, media []channel.InboundMedia) error {
	for i, a := range m.Attachments {
		if a.State != conversation.AttachmentReceiving || i >= len(media) {
			continue
		}
		args := ReceiveArgs{AccountID: m.AccountID, MessageID: m.ID, Index: i, IntegrationID: it.ID,
			ConversationID: m.ConversationID, Media: media[i]}
		opts := &river.InsertOpts{MaxAttempts: r.cfg.MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
		if _, err := r.jobs.Insert(ctx, args, opts); err != nil {
			return fmt.Errorf("attachment: queue fetch of message %d file %d: %w", m.ID, i, err)
		}
	}
	return nil
}

// Work fetches one file and records what became of it.
func (r *Receiver) Work(ctx context.Context, job *river.Job[ReceiveArgs]) error {
	a := job.Args
	got, err := r.fetch(ctx, a)
	if err != nil {
		if !r.lost(job, err) {
			return err
		}
		r.log.WarnContext(ctx, "attachment: file lost", "message", a.MessageID, "index", a.Index, "attempt", job.Attempt, "err", err)
		got = conversation.Attachment{Kind: a.Media.Kind, State: conversation.AttachmentFailed,
			Name: CleanName(a.Media.Name), ContentType: a.Media.ContentType}
	}
	_, err = r.writer.Write(ctx, conversation.Attach{AccountID: a.AccountID, MessageID: a.MessageID, Index: a.Index, Attachment: got})
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil // the message is gone: nothing to settle
	}
	return err
}

// fetch downloads the file into Files and records it in the conversation.
func (r *Receiver) fetch(ctx context.Context, a ReceiveArgs) (conversation.Attachment, error) {
	it, err := r.integrations.WebhookIntegration(ctx, a.IntegrationID)
	if err != nil {
		return conversation.Attachment{}, err
	}
	d := r.downloaders.Downloader(it)
	if d == nil {
		return conversation.Attachment{}, errNoDownloader
	}
	sec, err := r.integrations.IntegrationSecrets(ctx, it.AccountID, it.ID)
	if err != nil {
		return conversation.Attachment{}, err
	}
	body, err := d.Download(ctx, channel.CredentialsFor(it, sec), a.Media)
	if err != nil {
		return conversation.Attachment{}, err
	}
	defer body.Close()
	c, err := r.files.Put(ctx, body, r.cfg.MaxBytes)
	if err != nil {
		return conversation.Attachment{}, err
	}
	f := &Attachment{AccountID: a.AccountID, ConversationID: a.ConversationID, SHA256: c.SHA256, Size: c.Size,
		ContentType: c.ContentType, Name: CleanName(a.Media.Name), Width: c.Width, Height: c.Height, CreatedAt: r.now()}
	if err := r.store.NewAttachment(ctx, f); err != nil {
		return conversation.Attachment{}, err
	}
	return conversation.Attachment{ID: f.ID, Kind: a.Media.Kind, State: conversation.AttachmentStored, Name: f.Name,
		ContentType: f.ContentType, Size: f.Size, Width: f.Width, Height: f.Height}, nil
}

var errNoDownloader = errors.New("attachment: the integration's channel fetches no files")

// lost reports whether a failed fetch is final: the platform answered that
// the file is gone (an expired URL, an unknown media id), the file is not
// one the service keeps (too large, a picture too big to decode), the
// integration is gone, or the attempts are spent. Anything else (the
// platform failing, a refused token an admin may renew, the database) is
// tried again later.
func (r *Receiver) lost(job *river.Job[ReceiveArgs], err error) bool {
	if job.Attempt >= job.MaxAttempts || errors.Is(err, errNoDownloader) {
		return true
	}
	switch apperr.CodeOf(err) {
	case apperr.NotFound, apperr.BadUserInput, apperr.RequestTooLarge:
		return true
	}
	return r.gone(err)
}
