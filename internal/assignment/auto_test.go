package assignment

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/feed"
)

// offStore has auto-assignment off in every account, so Run only reads
// the account of each conversation.
type offStore struct{ AutoStore }

func (offStore) Account(_ context.Context, id int64) (*account.Account, error) {
	return &account.Account{ID: id}, nil
}

// recorder keeps a logger's records.
type recorder struct{ records chan slog.Record }

func (h recorder) Enabled(context.Context, slog.Level) bool { return true }

func (h recorder) Handle(_ context.Context, r slog.Record) error {
	h.records <- r
	return nil
}

func (h recorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recorder) WithGroup(string) slog.Handler      { return h }

// R29: a burst of new conversations past the queue's room does not block
// the write path, and is logged twice, not once per conversation: as it
// begins, and with its count once the queue has caught up.
func TestAutoLogsABurstOnce(t *testing.T) {
	h := recorder{records: make(chan slog.Record, 64)}
	a := NewAuto(offStore{}, nil, time.Now, slog.New(h))
	evs := make([]*feed.Event, cap(a.started)+5)
	for i := range evs {
		evs[i] = &feed.Event{Kind: feed.KindConversationStarted, AccountID: 1, ConversationID: int64(i + 1)}
	}
	a.Committed(evs)
	if n := len(h.records); n != 1 {
		t.Fatalf("%d records as the burst began, want 1", n)
	}
	if r := <-h.records; !strings.Contains(r.Message, "queue full") {
		t.Errorf("first record: %q", r.Message)
	}

	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		a.Run(ctx)
	}()
	defer func() {
		cancel()
		<-ran
	}()
	select {
	case r := <-h.records:
		var n int64
		r.Attrs(func(at slog.Attr) bool {
			if at.Key == "conversations" {
				n = at.Value.Int64()
			}
			return true
		})
		if !strings.Contains(r.Message, "caught up") || n != 5 {
			t.Errorf("once caught up: %q, %d conversations, want 5", r.Message, n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the queue never said it caught up")
	}
}
