package feed

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
)

// memStore is an in-memory event log of one account.
type memStore struct {
	mu  sync.Mutex
	evs []*Event
}

func (m *memStore) add(n int) []*Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Event
	for range n {
		n := int64(1)
		if len(m.evs) > 0 {
			n = m.evs[len(m.evs)-1].AccountSeq + 1
		}
		e := &Event{AccountID: 1, AccountSeq: n, ConversationID: 7, ConversationSeq: n, Kind: KindMessageAdded}
		m.evs = append(m.evs, e)
		out = append(out, e)
	}
	return out
}

func (m *memStore) Events(_ context.Context, s Scope, after int64, limit int) ([]*Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Event
	for _, e := range m.evs {
		if s.seq(e) > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memStore) Head(context.Context, Scope) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.evs) == 0 {
		return 0, nil
	}
	return m.evs[len(m.evs)-1].AccountSeq, nil
}

func (m *memStore) HasEvent(_ context.Context, _ Scope, seq int64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.evs {
		if e.AccountSeq == seq {
			return true, nil
		}
	}
	return false, nil
}

func newTestBroker(t *testing.T, buffer int) (*Broker, *memStore) {
	return newBrokerWith(t, BrokerConfig{Buffer: buffer, ConversationBuffer: buffer, CatchUpPage: 3})
}

func newBrokerWith(t *testing.T, cfg BrokerConfig) (*Broker, *memStore) {
	st := &memStore{}
	b := NewBroker(cfg, st, slog.New(slog.DiscardHandler), Metrics{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return b, st
}

func recv(t *testing.T, ch <-chan *Delivery) *Delivery {
	t.Helper()
	select {
	case d, ok := <-ch:
		if !ok {
			t.Fatal("stream closed")
		}
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
	}
	return nil
}

var noHooks = Hooks{Slow: func() {}, Done: func() {}}

// R21: a subscriber with a cursor gets the backlog from the store in pages,
// then live events, each once.
func TestReplayThenLive(t *testing.T) {
	b, st := newTestBroker(t, 16)
	st.add(7)
	scope := Scope{AccountID: 1}
	cur := scope.Cursor(2)
	ch, err := b.Subscribe(t.Context(), scope, &cur, noHooks)
	if err != nil {
		t.Fatal(err)
	}
	for want := int64(3); want <= 7; want++ {
		if d := recv(t, ch); d.AccountSeq != want || d.Cursor != scope.Cursor(want) {
			t.Fatalf("got %d (%s), want %d", d.AccountSeq, d.Cursor, want)
		}
	}
	evs := st.add(2)
	b.Publish(evs)
	b.Publish(evs) // a duplicate publish is dropped
	for want := int64(8); want <= 9; want++ {
		if d := recv(t, ch); d.AccountSeq != want {
			t.Fatalf("live: got %d, want %d", d.AccountSeq, want)
		}
	}
}

// R22: an event published past a gap (another instance committed in
// between) makes the broker read the gap from the store instead.
func TestGapIsFilledFromStore(t *testing.T) {
	b, st := newTestBroker(t, 16)
	scope := Scope{AccountID: 1, ConversationID: 7}
	ch, err := b.Subscribe(t.Context(), scope, nil, noHooks)
	if err != nil {
		t.Fatal(err)
	}
	evs := st.add(4)
	b.Publish(evs[3:]) // 1..3 were written elsewhere and not announced yet
	for want := int64(1); want <= 4; want++ {
		if d := recv(t, ch); d.ConversationSeq != want {
			t.Fatalf("got %d, want %d", d.ConversationSeq, want)
		}
	}
	more := st.add(2)
	b.Announce(1, more[1].AccountSeq) // a NOTIFY from another instance
	for want := int64(5); want <= 6; want++ {
		if d := recv(t, ch); d.ConversationSeq != want {
			t.Fatalf("after announce: got %d, want %d", d.ConversationSeq, want)
		}
	}
}

// R24: a subscriber that stops reading is cut off when its queue is full;
// the others keep receiving.
func TestSlowSubscriberIsCutOff(t *testing.T) {
	b, st := newTestBroker(t, 2)
	scope := Scope{AccountID: 1}
	slow := make(chan struct{})
	done := make(chan struct{})
	stalled, err := b.Subscribe(t.Context(), scope, nil, Hooks{Slow: func() { close(slow) }, Done: func() { close(done) }})
	if err != nil {
		t.Fatal(err)
	}
	healthy, err := b.Subscribe(t.Context(), scope, nil, noHooks)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		b.Publish(st.add(1))
		if d := recv(t, healthy); d.AccountSeq != int64(i+1) {
			t.Fatalf("healthy subscriber got %d", d.AccountSeq)
		}
	}
	select {
	case <-slow:
	case <-time.After(5 * time.Second):
		t.Fatal("the stalled subscriber was not cut off")
	}
	for range stalled { // drains what was handed over, then closes
	}
	<-done
}

// R24: a subscriber of one conversation (a widget) has a queue of its own
// size: stalled, it is cut off after ConversationBuffer events, while a
// stalled subscriber of the account still has room for them.
func TestConversationSubscriberQueue(t *testing.T) {
	b, st := newBrokerWith(t, BrokerConfig{Buffer: 8, ConversationBuffer: 2, CatchUpPage: 3})
	slow := make(chan struct{})
	widget, err := b.Subscribe(t.Context(), Scope{AccountID: 1, ConversationID: 7}, nil, Hooks{Slow: func() { close(slow) }, Done: func() {}})
	if err != nil {
		t.Fatal(err)
	}
	dashboard, err := b.Subscribe(t.Context(), Scope{AccountID: 1}, nil, Hooks{Slow: func() { t.Error("the account's subscriber was cut off") }, Done: func() {}})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b.Publish(st.add(1))
	}
	select {
	case <-slow:
	case <-time.After(5 * time.Second):
		t.Fatal("the stalled widget was not cut off")
	}
	for range widget { // drains what was handed over, then closes
	}
	for i := range 5 {
		if d := recv(t, dashboard); d.AccountSeq != int64(i+1) {
			t.Fatalf("the account's subscriber got %d, want %d", d.AccountSeq, i+1)
		}
	}
}

// R21: cursors of another scope, malformed ones, ones ahead of the feed and
// ones whose next event was pruned are refused with codes.
func TestCursorChecks(t *testing.T) {
	b, st := newTestBroker(t, 4)
	st.add(5)
	scope := Scope{AccountID: 1, ConversationID: 7}
	for name, tc := range map[string]struct {
		cursor string
		code   apperr.Code
	}{
		"garbage":            {"!!", apperr.CursorInvalid},
		"other conversation": {Scope{AccountID: 1, ConversationID: 8}.Cursor(1), apperr.CursorInvalid},
		"account cursor":     {Scope{AccountID: 1}.Cursor(1), apperr.CursorInvalid},
		"ahead":              {scope.Cursor(6), apperr.CursorInvalid},
	} {
		if _, err := b.Subscribe(t.Context(), scope, &tc.cursor, noHooks); apperr.CodeOf(err) != tc.code {
			t.Errorf("%s: got %v, want %s", name, err, tc.code)
		}
	}
	st.mu.Lock()
	st.evs = st.evs[3:] // pruned 1..3
	st.mu.Unlock()
	pruned := scope.Cursor(1)
	if _, err := b.Subscribe(t.Context(), scope, &pruned, noHooks); apperr.CodeOf(err) != apperr.CursorExpired {
		t.Errorf("pruned: got %v", err)
	}
}

// Every event put in a stream is told of (Hooks.Sent), and its end once:
// replayed, live and live-only ones alike. A transport that pulls once per
// Sent finds a value each time, and the end last.
func TestSentTellsOfEachValue(t *testing.T) {
	b, st := newTestBroker(t, 16)
	st.add(3)
	scope := Scope{AccountID: 1}
	cur := scope.Cursor(0)
	told := make(chan struct{}, 100)
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := b.Subscribe(ctx, scope, &cur, Hooks{Slow: func() {}, Done: func() {}, Sent: func() { told <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	pull := func(what string) *Delivery {
		t.Helper()
		select {
		case <-told:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: not told", what)
		}
		select {
		case d, ok := <-ch:
			if !ok {
				return nil
			}
			return d
		default:
			t.Fatalf("%s: told, and nothing waits", what)
		}
		return nil
	}
	for want := int64(1); want <= 3; want++ {
		if d := pull("replayed"); d == nil || d.AccountSeq != want {
			t.Fatalf("replayed: got %+v, want %d", d, want)
		}
	}
	b.Publish(st.add(2))
	for want := int64(4); want <= 5; want++ {
		if d := pull("live"); d == nil || d.AccountSeq != want {
			t.Fatalf("live: got %+v, want %d", d, want)
		}
	}
	b.Present(&Event{AccountID: 1, ConversationID: 7, Kind: KindPresence})
	if d := pull("presence"); d == nil || d.Kind != KindPresence {
		t.Fatalf("presence: got %+v", d)
	}
	cancel()
	if d := pull("end"); d != nil {
		t.Fatalf("end: got %+v, want the channel closed", d)
	}
	if len(told) != 0 {
		t.Fatalf("told %d more times than values", len(told))
	}
}
