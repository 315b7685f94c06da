package assignment

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/conversation"
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

// run runs a until the test ends.
func run(t *testing.T, a *Auto) {
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		a.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-ran
	})
}

// R29: a burst of new conversations past the queue's bound does not block
// the write path, and is logged twice, not once per conversation: as it
// begins, and with its count once the queue has caught up.
func TestAutoLogsABurstOnce(t *testing.T) {
	h := recorder{records: make(chan slog.Record, 64)}
	a := NewAuto(offStore{}, nil, time.Now, slog.New(h))
	a.limit = 10
	evs := make([]*feed.Event, a.limit+5)
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

	run(t, a)
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

// onStore has auto-assignment on in every account, with one agent and no
// cap in reach.
type onStore struct{ AutoStore }

func (onStore) Account(_ context.Context, id int64) (*account.Account, error) {
	return &account.Account{ID: id, AutoAssignCap: maxCap}, nil
}

func (onStore) Candidates(context.Context, int64) ([]account.Load, error) {
	return []account.Load{{AgentID: 9}}, nil
}

func (onStore) MarkAutoAssigned(context.Context, int64, int64, time.Time) error { return nil }

// assignments records the conversations assigned.
type assignments chan int64

func (w assignments) Write(_ context.Context, c conversation.Command) (*conversation.Written, error) {
	as, ok := c.(conversation.Assign)
	if !ok || as.Allowed(0) != nil {
		return nil, errors.New("not an assignment")
	}
	w <- as.ConversationID
	return &conversation.Written{}, nil
}

// R29: every conversation of a burst is auto-assigned, however many start
// before Run gets to them; none is left in the unassigned queue for
// having started in a busy second.
func TestAutoAssignsAWholeBurst(t *testing.T) {
	const burst = 5000
	w := make(assignments, burst)
	a := NewAuto(onStore{}, w, time.Now, slog.New(slog.DiscardHandler))
	for i := range burst {
		a.Committed([]*feed.Event{{Kind: feed.KindConversationStarted, AccountID: 1, ConversationID: int64(i + 1)}})
	}
	run(t, a)
	for want := int64(1); want <= burst; want++ {
		select {
		case got := <-w:
			if got != want {
				t.Fatalf("assigned conversation %d, want %d: in the order they started", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d conversations assigned", want-1, burst)
		}
	}
}
