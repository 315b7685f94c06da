package attachment

import (
	"context"
	"io"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
)

// Store keeps attachments' records. Every read is scoped by account.
type Store interface {
	NewAttachment(ctx context.Context, a *Attachment) error
	Attachment(ctx context.Context, accountID, id int64) (*Attachment, error)
}

// Conversations says whether an actor reads a conversation: NOT_FOUND
// when not, as for an unknown one (R20).
type Conversations interface {
	Readable(ctx context.Context, actor *auth.Actor, conversationID int64) error
}

// Limiter charges untrusted callers for what they do (R24).
type Limiter interface {
	Allow(ctx context.Context, a *auth.Actor, act auth.Action) error
}

// Config holds the service's limits.
type Config struct {
	// MaxBytes bounds one upload: the largest file any channel carries
	// (WhatsApp documents, 100 MB).
	MaxBytes int64
	// URLTTL is how long a download URL works once handed out.
	URLTTL time.Duration
}

// DefaultConfig holds the defaults.
var DefaultConfig = Config{MaxBytes: 100 << 20, URLTTL: 15 * time.Minute}

// Service takes uploads into conversations and serves them back to the
// conversations' readers.
type Service struct {
	cfg     Config
	files   *Files
	store   Store
	convs   Conversations
	limiter Limiter
	signer  *Signer
	now     func() time.Time
}

// NewService returns an attachment service.
func NewService(cfg Config, files *Files, store Store, convs Conversations, limiter Limiter, signer *Signer, now func() time.Time) *Service {
	return &Service{cfg: cfg, files: files, store: store, convs: convs, limiter: limiter, signer: signer, now: now}
}

// MaxBytes is the largest file Upload takes.
func (s *Service) MaxBytes() int64 { return s.cfg.MaxBytes }

// URLTTL is how long a download token works.
func (s *Service) URLTTL() time.Duration { return s.cfg.URLTTL }

// Upload stores a file the actor attaches in one of their conversations,
// for a message to carry later. An end user's uploads are rate-limited per
// session and address (R24); the content type is sniffed from the bytes.
func (s *Service) Upload(ctx context.Context, actor *auth.Actor, conversationID int64, name string, r io.Reader) (*Attachment, error) {
	if err := auth.Require(actor, auth.RoleEndUser, auth.RoleAgent); err != nil {
		return nil, err
	}
	if err := s.convs.Readable(ctx, actor, conversationID); err != nil {
		return nil, err
	}
	if err := s.limiter.Allow(ctx, actor, auth.ActionUpload); err != nil {
		return nil, err
	}
	c, err := s.files.Put(ctx, r, s.cfg.MaxBytes)
	if err != nil {
		return nil, err
	}
	a := &Attachment{AccountID: actor.AccountID(), ConversationID: conversationID, SHA256: c.SHA256, Size: c.Size,
		ContentType: c.ContentType, Name: CleanName(name), Width: c.Width, Height: c.Height, CreatedAt: s.now()}
	if err := s.store.NewAttachment(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Token returns a download token for a that works for ttl, to be handed
// only to a reader of its conversation (URLTTL), or to the platform that
// sends it.
func (s *Service) Token(a *Attachment, ttl time.Duration) string {
	return s.signer.Sign(Ticket{AccountID: a.AccountID, ConversationID: a.ConversationID, AttachmentID: a.ID, Expires: s.now().Add(ttl)})
}

// Download opens the attachment a token grants. A token not ours, altered,
// expired, or naming an attachment outside its conversation is NOT_FOUND.
func (s *Service) Download(ctx context.Context, token string) (*Attachment, io.ReadCloser, error) {
	t, err := s.signer.Check(token)
	if err != nil {
		return nil, nil, apperr.NotFoundf("file")
	}
	a, err := s.store.Attachment(ctx, t.AccountID, t.AttachmentID)
	if err != nil {
		return nil, nil, err
	}
	if a.ConversationID != t.ConversationID {
		return nil, nil, apperr.NotFoundf("file")
	}
	r, err := s.files.Open(ctx, a.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return a, r, nil
}
