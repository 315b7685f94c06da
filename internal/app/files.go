package app

import (
	"context"
	"io"
	"time"

	"github.com/linkline/linkline/graph"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/delivery"
)

// replyFiles gives the delivery worker the files replies carry: their
// bytes for uploads (WhatsApp), and signed URLs, on the route graph.Files
// serves under PUBLIC_URL, for the platforms that fetch them (Messenger,
// Instagram).
type replyFiles struct {
	store interface {
		Attachment(ctx context.Context, accountID, id int64) (*attachment.Attachment, error)
	}
	files     *attachment.Files
	svc       *attachment.Service
	publicURL string
}

var _ delivery.Files = replyFiles{}

func (f replyFiles) Attachment(ctx context.Context, accountID, id int64) (*attachment.Attachment, error) {
	return f.store.Attachment(ctx, accountID, id)
}

func (f replyFiles) Open(ctx context.Context, sha256 string) (io.ReadCloser, error) {
	return f.files.Open(ctx, sha256)
}

func (f replyFiles) URL(a *attachment.Attachment, ttl time.Duration) string {
	return graph.DownloadURL(f.publicURL, f.svc, a, ttl)
}
