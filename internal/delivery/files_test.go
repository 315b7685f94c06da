package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
)

// fakeFiles holds stored files by id, with their bytes.
type fakeFiles struct {
	files   map[int64]*attachment.Attachment
	bytes   map[string]string
	openErr error
}

func (f *fakeFiles) Attachment(_ context.Context, _, id int64) (*attachment.Attachment, error) {
	a, ok := f.files[id]
	if !ok {
		return nil, apperr.NotFoundf("file")
	}
	return a, nil
}

func (f *fakeFiles) Open(_ context.Context, sha string) (io.ReadCloser, error) {
	if f.openErr != nil {
		return nil, f.openErr
	}
	return io.NopCloser(strings.NewReader(f.bytes[sha])), nil
}

func (f *fakeFiles) URL(a *attachment.Attachment, ttl time.Duration) string {
	return fmt.Sprintf("https://files.example/%d?ttl=%s", a.ID, ttl)
}

// fakeParts keeps the parts recorded per attempt of fakeSends.
type fakeParts struct {
	sends *fakeSends
	parts map[int64][]string
}

func (p *fakeParts) PartsSent(_ context.Context, _, attempt int64, ids []string) error {
	p.parts[attempt] = ids
	return nil
}

func (p *fakeParts) SentParts(_ context.Context, _, messageID int64) ([]string, error) {
	var most []string
	for attempt, ids := range p.parts {
		if p.sends.attempts[attempt-1].message == messageID && len(ids) > len(most) {
			most = ids
		}
	}
	return most, nil
}

// fileAdapter answers media sends from its script, and records them with
// the bytes each file opened to.
type fileAdapter struct {
	*scriptedAdapter
	answers []func(channel.Media) (channel.Sent, error)
	media   []channel.Media
	read    []string
}

func (a *fileAdapter) SendMedia(ctx context.Context, _ channel.Credentials, m channel.Media) (channel.Sent, error) {
	a.media = append(a.media, m)
	r, err := m.File.Open(ctx)
	if err != nil {
		return channel.Sent{}, err
	}
	b, _ := io.ReadAll(r)
	a.read = append(a.read, string(b))
	answer := a.answers[0]
	a.answers = a.answers[1:]
	return answer(m)
}

// newFileBench is a workBench whose adapter sends files, with one stored
// PDF (id 5).
func newFileBench() (*workBench, *fileAdapter, *fakeFiles) {
	b := newWorkBench()
	fa := &fileAdapter{scriptedAdapter: b.adapter}
	s := NewService(b.store, b.store, b.store, oneAdapter{fa}, slog.New(slog.DiscardHandler), func() time.Time { return workNow })
	b.worker = NewWorker(s, b.sends, b.queue, PairLimit{})
	files := &fakeFiles{
		files: map[int64]*attachment.Attachment{5: {ID: 5, AccountID: 1, ConversationID: 1, SHA256: "abc", Size: 14, ContentType: "application/pdf", Name: "invoice.pdf"}},
		bytes: map[string]string{"abc": "%PDF-1.7 test"},
	}
	b.worker.Files, b.worker.Parts = files, &fakeParts{sends: b.sends, parts: map[int64][]string{}}
	return b, fa, files
}

// replyWithFile queues a reply with text and the stored file id.
func (b *workBench) replyWithFile(text string, id int64, name string) int64 {
	m := b.reply(1, text, time.Minute)
	b.store.msgs[m].Attachments = []conversation.Attachment{{ID: id, Kind: conversation.KindDocument, Name: name}}
	return m
}

// R30: a reply's file goes to the adapter's media send with its bytes, a
// signed URL living an hour, the platform's kind for it and the text as
// its caption; R17, R34: when the text after the file failed, the retry
// passes on what went out, so that the file is not sent twice.
func TestFileReplies(t *testing.T) {
	b, fa, _ := newFileBench()
	id := b.replyWithFile("Your invoice", 5, "invoice.pdf")
	fa.answers = []func(channel.Media) (channel.Sent, error){
		func(channel.Media) (channel.Sent, error) {
			return channel.Sent{}, &channel.PartlySent{Sent: []string{"wamid.file"}, Err: unavailable}
		},
		func(m channel.Media) (channel.Sent, error) {
			if !slices.Equal(m.Sent, []string{"wamid.file"}) {
				return channel.Sent{}, fmt.Errorf("retry told %q went out", m.Sent)
			}
			return channel.Sent{ExternalID: "wamid.text"}, nil
		},
	}
	if err := b.work(id, 1, 0); err == nil || cancelled(err) || b.state(id) != conversation.DeliveryQueued {
		t.Fatalf("first attempt: %v, %s", err, b.state(id))
	}
	if err := b.work(id, 2, 0); err != nil || b.state(id) != conversation.DeliverySent {
		t.Fatalf("retry: %v, %s", err, b.state(id))
	}
	m := fa.media[0]
	f := m.File
	if m.To != "phone1" || m.Caption != "Your invoice" || len(m.Sent) != 0 || f.Name != "invoice.pdf" || f.ContentType != "application/pdf" ||
		f.Size != 14 || f.Kind != "document" || f.URL != "https://files.example/5?ttl=1h0m0s" {
		t.Errorf("media %+v", m)
	}
	if !slices.Equal(fa.read, []string{"%PDF-1.7 test", "%PDF-1.7 test"}) {
		t.Errorf("bytes read %q", fa.read)
	}
	if len(fa.sent) != 0 {
		t.Errorf("texts sent besides: %+v", fa.sent)
	}
}

// R17: Meta's refusal of a file fails the reply for good with a reason the
// agent reads; a file no longer stored fails it too; a failure of the
// service's own storage is retried, before any attempt is made.
func TestFileReplyFailures(t *testing.T) {
	b, fa, files := newFileBench()
	refused := b.replyWithFile("", 5, "invoice.pdf")
	fa.answers = []func(channel.Media) (channel.Sent, error){func(channel.Media) (channel.Sent, error) {
		return channel.Sent{}, &meta.Error{HTTPStatus: 400, Code: 131053, Message: "Media upload error"}
	}}
	if err := b.work(refused, 1, 0); !cancelled(err) || b.state(refused) != conversation.DeliveryFailed ||
		!strings.Contains(b.store.msgs[refused].DeliveryError, "WhatsApp could not take the file") {
		t.Fatalf("refused: %v, %s %q", err, b.state(refused), b.store.msgs[refused].DeliveryError)
	}

	gone := b.replyWithFile("", 6, "old.pdf")
	if err := b.work(gone, 1, 0); !cancelled(err) || b.state(gone) != conversation.DeliveryFailed ||
		!strings.Contains(b.store.msgs[gone].DeliveryError, "old.pdf is no longer stored") {
		t.Fatalf("gone: %v, %s %q", err, b.state(gone), b.store.msgs[gone].DeliveryError)
	}

	files.openErr = errors.New("storage: connection reset")
	down := b.replyWithFile("", 5, "invoice.pdf")
	attempts := len(b.sends.attempts)
	if err := b.work(down, 1, 0); err == nil || cancelled(err) || b.state(down) != conversation.DeliveryQueued || len(b.sends.attempts) != attempts {
		t.Fatalf("storage down: %v, %s, %d attempts", err, b.state(down), len(b.sends.attempts)-attempts)
	}
}
