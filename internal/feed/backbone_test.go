package feed

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// countingStore counts the re-reads the broker makes.
type countingStore struct {
	*memStore
	reads atomic.Int64
}

func (c *countingStore) Events(ctx context.Context, s Scope, after int64, limit int) ([]*Event, error) {
	c.reads.Add(1)
	return c.memStore.Events(ctx, s, after, limit)
}

// fakeOthers records what the other instances are told.
type fakeOthers struct {
	mu   sync.Mutex
	told []int64
}

func (f *fakeOthers) tell(_ context.Context, accountID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.told = append(f.told, accountID)
	return nil
}

func newTestBackbone(t *testing.T) (*Backbone, *countingStore, *fakeOthers) {
	st := &countingStore{memStore: &memStore{}}
	others := &fakeOthers{}
	b := NewBackbone(NewBroker(BrokerConfig{Buffer: 16, CatchUpPage: 3}, st, slog.New(slog.DiscardHandler), Metrics{}), others.tell, func(context.Context, *Event) error { return nil })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return b, st, others
}

func woken(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// R3: a change here wakes the account's watchers here and is told to the
// other instances once; a change heard from another instance wakes them
// and is not told back. Wake-ups coalesce: a watcher that does not read
// holds one, and nobody waits for it.
func TestBackboneWakesWatchers(t *testing.T) {
	b, _, others := newTestBackbone(t)
	w1, stop1 := b.Watch(1)
	defer stop1()
	w1b, stop1b := b.Watch(1)
	defer stop1b()
	w2, stop2 := b.Watch(2)
	defer stop2()

	for range 100 {
		if err := b.Change(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if !woken(w1) || !woken(w1b) || woken(w1) || woken(w2) {
		t.Error("a change of account 1 must wake its watchers once each, and no one else")
	}
	if len(others.told) != 100 || others.told[0] != 1 {
		t.Errorf("other instances told %v", others.told)
	}

	b.Changed(2)
	if !woken(w2) || woken(w1) {
		t.Error("a change heard from elsewhere must wake that account's watchers only")
	}
	if len(others.told) != 100 {
		t.Errorf("a change heard from elsewhere was told back: %d", len(others.told))
	}
	stop2()
	b.Changed(2) // nobody watches: nothing to do, nothing blocks
}

// R22: events committed here go out at once and are not re-read when this
// instance's own NOTIFY comes back; events announced from elsewhere are
// read from the database.
func TestBackboneEvents(t *testing.T) {
	b, st, _ := newTestBackbone(t)
	scope := Scope{AccountID: 1}
	ch, err := b.Subscribe(t.Context(), scope, nil, noHooks)
	if err != nil {
		t.Fatal(err)
	}
	b.Committed(st.add(2))
	for want := int64(1); want <= 2; want++ {
		if d := recv(t, ch); d.AccountSeq != want {
			t.Fatalf("committed here: got %d, want %d", d.AccountSeq, want)
		}
	}
	before := st.reads.Load()
	b.Announced(1, 2) // this instance's own NOTIFY
	more := st.add(2) // committed by another instance
	b.Announced(1, more[1].AccountSeq)
	for want := int64(3); want <= 4; want++ {
		if d := recv(t, ch); d.AccountSeq != want {
			t.Fatalf("announced elsewhere: got %d, want %d", d.AccountSeq, want)
		}
	}
	if n := st.reads.Load() - before; n != 1 {
		t.Errorf("%d re-reads, want one: the instance's own notification needs none", n)
	}
}

// R3, R22: after the listener reconnected, what was announced meanwhile
// is lost: every followed account's events are re-read and every watcher
// re-reads its state.
func TestBackboneReconnected(t *testing.T) {
	b, st, _ := newTestBackbone(t)
	ch, err := b.Subscribe(t.Context(), Scope{AccountID: 1, ConversationID: 7}, nil, noHooks)
	if err != nil {
		t.Fatal(err)
	}
	w1, stop1 := b.Watch(1)
	defer stop1()
	w3, stop3 := b.Watch(3)
	defer stop3()

	st.add(3) // committed elsewhere while the listener was down
	b.Reconnected()
	var got []int64
	for range 3 {
		got = append(got, recv(t, ch).ConversationSeq)
	}
	if !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("after reconnecting: %v", got)
	}
	if !woken(w1) || !woken(w3) {
		t.Error("every watcher must be woken after a reconnect")
	}
}
