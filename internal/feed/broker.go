package feed

import (
	"context"
	"log/slog"
	"sync"

	"github.com/linkline/linkline/internal/conversation"
)

// BrokerConfig tunes the broker.
type BrokerConfig struct {
	// Buffer is how many events may wait for a subscriber of a whole
	// account before it is judged too slow and disconnected (it resumes by
	// cursor).
	Buffer int
	// ConversationBuffer is Buffer for a subscriber of one conversation,
	// such as a widget. Its queue is allocated whole with the subscription:
	// a conversation's events come at a person's pace, and a smaller queue
	// is most of what an idle widget's subscription costs.
	ConversationBuffer int
	// CatchUpPage is how many events one replay query reads.
	CatchUpPage int
}

// DefaultBrokerConfig suits a dashboard following a busy account.
var DefaultBrokerConfig = BrokerConfig{Buffer: 256, ConversationBuffer: 64, CatchUpPage: 500}

// Metrics are the broker's counters; nil fields are not counted.
type Metrics struct {
	Subscribed   func(delta int)
	SlowConsumer func()
	// Started, when set, observes each subscription as it starts, resumed
	// from a cursor or not.
	Started func(resumed bool)
	// CaughtUp, when set, observes how many events a resumed subscription
	// replayed before it went live: how far behind it was.
	CaughtUp func(events int)
}

// Broker fans committed events out to this process's subscribers. It keeps
// each account's events in order and gap-free: events published out of
// order (another instance committed in between) trigger a re-read from the
// database instead of a delivery.
type Broker struct {
	cfg     BrokerConfig
	store   Store
	log     *slog.Logger
	metrics Metrics

	mu       sync.Mutex
	accounts map[int64]*hub

	resync chan int64
}

type hub struct {
	// last is the newest account position delivered (or, for a new hub,
	// the account's head when it was created).
	last   int64
	all    map[*subscriber]struct{}
	byConv map[int64]map[*subscriber]struct{}
}

// subscriber is one subscription. Its stream has no goroutine of its own
// once live: the broker sends each event into out as it publishes it. Until
// then a replay goroutine reads what the database holds and owns out, and
// the events the broker publishes meanwhile wait in pending. Fields but
// scope, out and hooks are guarded by the broker's mutex.
type subscriber struct {
	scope Scope
	out   chan *Delivery
	hooks Hooks
	// last is the newest position delivered, once live.
	last    int64
	live    bool
	pending []*Event
	// gone is set once the subscriber left the hub: the stream is ending.
	// cut is closed then if the replay goroutine still runs, so that it
	// stops waiting for the client.
	gone bool
	cut  chan struct{}
	// slow tells that the stream ends because the subscriber fell behind.
	slow bool
	// closed is set once out is closed.
	closed bool
}

// NewBroker returns a broker reading replays from store. Run must be running
// for re-reads to happen.
func NewBroker(cfg BrokerConfig, store Store, log *slog.Logger, m Metrics) *Broker {
	if cfg.Buffer <= 0 {
		cfg.Buffer = DefaultBrokerConfig.Buffer
	}
	if cfg.ConversationBuffer <= 0 {
		cfg.ConversationBuffer = DefaultBrokerConfig.ConversationBuffer
	}
	if cfg.CatchUpPage <= 0 {
		cfg.CatchUpPage = DefaultBrokerConfig.CatchUpPage
	}
	return &Broker{
		cfg: cfg, store: store, log: log, metrics: m,
		accounts: map[int64]*hub{},
		resync:   make(chan int64, 1024),
	}
}

// Run re-reads accounts from the database when asked (Resync, gaps) until
// ctx ends.
func (b *Broker) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case acct := <-b.resync:
			b.catchUp(ctx, acct)
		}
	}
}

// Resync asks for the account's newest events to be read from the database
// and delivered: after a NOTIFY from another instance, or after the listener
// reconnected and may have missed some.
func (b *Broker) Resync(accountID int64) {
	select {
	case b.resync <- accountID:
	default:
		// The queue is full of pending re-reads, each of which reads
		// everything new: nothing is lost by dropping this one.
	}
}

// Announce says that the account's events up to seq have committed
// somewhere (a NOTIFY): they are read if this process has not seen them.
func (b *Broker) Announce(accountID, seq int64) {
	b.mu.Lock()
	h := b.accounts[accountID]
	behind := h != nil && h.last < seq
	b.mu.Unlock()
	if behind {
		b.Resync(accountID)
	}
}

// ResyncAll resyncs every account with subscribers.
func (b *Broker) ResyncAll() {
	b.mu.Lock()
	ids := make([]int64, 0, len(b.accounts))
	for id := range b.accounts {
		ids = append(ids, id)
	}
	b.mu.Unlock()
	for _, id := range ids {
		b.Resync(id)
	}
}

func (b *Broker) catchUp(ctx context.Context, acct int64) {
	for {
		b.mu.Lock()
		h := b.accounts[acct]
		var after int64
		if h != nil {
			after = h.last
		}
		b.mu.Unlock()
		if h == nil {
			return // nobody listens
		}
		evs, err := b.store.Events(ctx, Scope{AccountID: acct}, after, b.cfg.CatchUpPage)
		if err != nil {
			if ctx.Err() == nil {
				b.log.Error("feed: re-read failed", "account", acct, "err", err)
			}
			return
		}
		b.Publish(evs)
		if len(evs) < b.cfg.CatchUpPage {
			return
		}
	}
}

// Publish delivers committed events, ordered by account position, to the
// subscribers that follow them. It never blocks on a subscriber.
func (b *Broker) Publish(evs []*Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	gapped := map[int64]bool{}
	for _, e := range evs {
		h := b.accounts[e.AccountID]
		if h == nil || gapped[e.AccountID] || e.AccountSeq <= h.last {
			continue
		}
		if e.AccountSeq != h.last+1 {
			gapped[e.AccountID] = true
			b.Resync(e.AccountID)
			continue
		}
		h.last = e.AccountSeq
		for s := range h.all {
			b.offer(s, e)
		}
		for s := range h.byConv[e.ConversationID] {
			b.offer(s, e)
		}
	}
}

// Present gives a live-only event (PRESENCE, TYPING) to the subscribers
// that are live, with the cursor of the last event each received, so that
// resuming from it misses nothing. PRESENCE reaches the account-wide
// subscribers only; TYPING the conversation's subscribers, widgets among
// them (R31), and the account-wide ones when the end user types (they see
// an agent typing as PRESENCE already). A subscriber whose buffer is full
// misses it: presence is worth nothing late.
func (b *Broker) Present(e *Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.accounts[e.AccountID]
	if h == nil {
		return
	}
	give := func(s *subscriber) {
		if !s.live || s.gone || s.closed {
			return
		}
		select {
		case s.out <- &Delivery{Event: e, Cursor: s.scope.Cursor(s.last)}:
			s.hooks.sent()
		default:
		}
	}
	if e.Typing == nil || e.Typing.Role != conversation.AuthorAgent {
		for s := range h.all {
			give(s)
		}
	}
	if e.Typing != nil {
		for s := range h.byConv[e.ConversationID] {
			give(s)
		}
	}
}

// offer gives a published event to s; the broker's mutex is held.
func (b *Broker) offer(s *subscriber, e *Event) {
	if !s.live {
		if len(s.pending) < cap(s.out) {
			s.pending = append(s.pending, e)
			return
		}
		// The replay goroutine owns out: it ends the stream.
		b.fellBehind(s)
		return
	}
	if !b.deliver(s, e) {
		b.fellBehind(s)
		b.finish(s)
	}
}

// deliver sends e to a subscriber whose stream is caught up, without
// waiting; false: its buffer is full. The broker's mutex is held.
func (b *Broker) deliver(s *subscriber, e *Event) bool {
	n := s.scope.seq(e)
	if n <= s.last {
		return true
	}
	select {
	case s.out <- &Delivery{Event: e, Cursor: s.scope.Cursor(n)}:
		s.last = n
		s.hooks.sent()
		return true
	default:
		return false
	}
}

// fellBehind takes s off the hub for being too slow (R24).
func (b *Broker) fellBehind(s *subscriber) {
	s.slow = true
	b.leave(s)
	if b.metrics.SlowConsumer != nil {
		b.metrics.SlowConsumer()
	}
}

// leave takes s off the hub, once; the broker's mutex is held.
func (b *Broker) leave(s *subscriber) {
	if s.gone {
		return
	}
	if h := b.accounts[s.scope.AccountID]; h != nil {
		b.removeLocked(h, s)
	}
	s.gone = true
	if !s.live {
		close(s.cut)
	}
}

// finish ends s's stream, once: it leaves the hub, the transport is told
// why, and out closes. The broker's mutex is held, by the owner of out.
func (b *Broker) finish(s *subscriber) {
	if s.closed {
		return
	}
	b.leave(s)
	s.closed = true
	if s.slow {
		s.hooks.Slow()
	}
	// Release before closing out: the transport acknowledges the end once
	// out closes, and the slot must be free by then.
	s.hooks.Done()
	close(s.out)
	s.hooks.sent()
}

// add registers s; head is the account's newest position, read before, which
// a new hub starts from.
func (b *Broker) add(s *subscriber, head int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.accounts[s.scope.AccountID]
	if h == nil {
		h = &hub{last: head, all: map[*subscriber]struct{}{}, byConv: map[int64]map[*subscriber]struct{}{}}
		b.accounts[s.scope.AccountID] = h
	}
	if s.scope.ConversationID == 0 {
		h.all[s] = struct{}{}
	} else {
		m := h.byConv[s.scope.ConversationID]
		if m == nil {
			m = map[*subscriber]struct{}{}
			h.byConv[s.scope.ConversationID] = m
		}
		m[s] = struct{}{}
	}
	if b.metrics.Subscribed != nil {
		b.metrics.Subscribed(1)
	}
}

func (b *Broker) remove(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h := b.accounts[s.scope.AccountID]; h != nil {
		b.removeLocked(h, s)
	}
}

func (b *Broker) removeLocked(h *hub, s *subscriber) {
	if s.scope.ConversationID == 0 {
		if _, ok := h.all[s]; !ok {
			return
		}
		delete(h.all, s)
	} else {
		m := h.byConv[s.scope.ConversationID]
		if _, ok := m[s]; !ok {
			return
		}
		delete(m, s)
		if len(m) == 0 {
			delete(h.byConv, s.scope.ConversationID)
		}
	}
	if len(h.all) == 0 && len(h.byConv) == 0 {
		delete(b.accounts, s.scope.AccountID)
	}
	if b.metrics.Subscribed != nil {
		b.metrics.Subscribed(-1)
	}
}

// Hooks tell a subscriber's transport how its stream ends.
type Hooks struct {
	// Slow is called when the subscriber fell too far behind (or its
	// replay failed): the client should resume from its last cursor.
	Slow func()
	// Done is called once the stream has closed.
	Done func()
	// Sent, when set, is called after each event put in the channel, and
	// once after it closes: a transport can then pull exactly when a value
	// waits, instead of parking a goroutine on the channel.
	Sent func()
}

func (h Hooks) sent() {
	if h.Sent != nil {
		h.Sent()
	}
}

// Subscribe follows scope. With a cursor it first replays every event after
// it from the database, in order, then goes live with no gap and no
// duplicate (R21); without one it starts with the next event. The channel
// closes when ctx ends, or after hooks.Slow when the subscriber fell too
// far behind.
func (b *Broker) Subscribe(ctx context.Context, scope Scope, cursor *string, hooks Hooks) (<-chan *Delivery, error) {
	var last int64
	var err error
	if cursor != nil {
		if last, err = scope.parseCursor(*cursor); err != nil {
			return nil, err
		}
		if err := checkCursor(ctx, b.store, scope, last); err != nil {
			return nil, err
		}
	}
	acctHead, err := b.store.Head(ctx, Scope{AccountID: scope.AccountID})
	if err != nil {
		return nil, err
	}
	buffer := b.cfg.Buffer
	if scope.ConversationID != 0 {
		buffer = b.cfg.ConversationBuffer
	}
	s := &subscriber{scope: scope, out: make(chan *Delivery, buffer), hooks: hooks, cut: make(chan struct{})}
	// Register before reading the scope's head so that nothing committed
	// in between is missed; duplicates are dropped by position.
	b.add(s, acctHead)
	if cursor == nil {
		if last, err = b.store.Head(ctx, scope); err != nil {
			b.remove(s)
			return nil, err
		}
	}
	// The stream ends with ctx; the replay goroutine, while it runs, ends
	// it itself.
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if s.live {
			b.finish(s)
		} else {
			b.leave(s)
		}
	})
	if b.metrics.Started != nil {
		b.metrics.Started(cursor != nil)
	}
	go func() {
		if !b.replay(ctx, s, last, cursor != nil) {
			stop()
		}
	}()
	return s.out, nil
}

// replay sends s what the database holds after last, then the events the
// broker kept meanwhile, and makes s live. It reports whether s went live;
// otherwise it has ended the stream. A resumed subscription's catch-up is
// counted (Metrics.CaughtUp).
func (b *Broker) replay(ctx context.Context, s *subscriber, last int64, resumed bool) bool {
	from := last
	end := func(failed bool) bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		s.slow = s.slow || failed
		b.finish(s)
		return false
	}
	for {
		evs, err := b.store.Events(ctx, s.scope, last, b.cfg.CatchUpPage)
		if err != nil {
			if ctx.Err() != nil {
				return end(false)
			}
			b.log.Error("feed: replay failed", "err", err)
			return end(true)
		}
		for _, e := range evs {
			n := s.scope.seq(e)
			select {
			case s.out <- &Delivery{Event: e, Cursor: s.scope.Cursor(n)}:
				last = n
				s.hooks.sent()
			case <-s.cut:
				return end(false)
			}
		}
		if len(evs) == b.cfg.CatchUpPage {
			continue
		}
		b.mu.Lock()
		if s.gone {
			b.mu.Unlock()
			return end(false)
		}
		// The database is read: the events kept since follow, unless the
		// first of them runs ahead of it (committed after the read) and
		// leaves a hole to read again.
		s.last = last
		kept, hole := s.pending, false
		for i, e := range kept {
			if n := s.scope.seq(e); n > s.last+1 {
				s.pending, hole = kept[i:], true
				break
			}
			if !b.deliver(s, e) {
				b.fellBehind(s)
				b.finish(s)
				b.mu.Unlock()
				return false
			}
		}
		if !hole {
			s.pending, s.live = nil, true
		}
		last = s.last
		b.mu.Unlock()
		if !hole {
			if resumed && b.metrics.CaughtUp != nil {
				b.metrics.CaughtUp(int(last - from))
			}
			return true
		}
	}
}

// HeadCursor returns the cursor of the newest event of scope: subscribing
// after it misses nothing committed later.
func (b *Broker) HeadCursor(ctx context.Context, scope Scope) (string, error) {
	head, err := b.store.Head(ctx, scope)
	if err != nil {
		return "", err
	}
	return scope.Cursor(head), nil
}
