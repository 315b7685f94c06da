package feed

import (
	"context"
	"log/slog"
	"sync"
)

// BrokerConfig tunes the broker.
type BrokerConfig struct {
	// Buffer is how many events may wait for one subscriber before it is
	// judged too slow and disconnected (it resumes by cursor).
	Buffer int
	// CatchUpPage is how many events one replay query reads.
	CatchUpPage int
}

// DefaultBrokerConfig suits a dashboard following a busy account.
var DefaultBrokerConfig = BrokerConfig{Buffer: 256, CatchUpPage: 500}

// Metrics are the broker's counters; nil fields are not counted.
type Metrics struct {
	Subscribed   func(delta int)
	SlowConsumer func()
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

type subscriber struct {
	scope Scope
	ch    chan *Event
	// slow is closed, once, when ch overflowed.
	slow chan struct{}
}

// NewBroker returns a broker reading replays from store. Run must be running
// for re-reads to happen.
func NewBroker(cfg BrokerConfig, store Store, log *slog.Logger, m Metrics) *Broker {
	if cfg.Buffer <= 0 {
		cfg.Buffer = DefaultBrokerConfig.Buffer
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
			b.offer(h, s, e)
		}
		for s := range h.byConv[e.ConversationID] {
			b.offer(h, s, e)
		}
	}
}

func (b *Broker) offer(h *hub, s *subscriber, e *Event) {
	select {
	case s.ch <- e:
	default:
		b.removeLocked(h, s)
		close(s.slow)
		if b.metrics.SlowConsumer != nil {
			b.metrics.SlowConsumer()
		}
	}
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
	s := &subscriber{scope: scope, ch: make(chan *Event, b.cfg.Buffer), slow: make(chan struct{})}
	// Register before reading the scope's head so that nothing committed
	// in between is missed; duplicates are dropped by position below.
	b.add(s, acctHead)
	if cursor == nil {
		if last, err = b.store.Head(ctx, scope); err != nil {
			b.remove(s)
			return nil, err
		}
	}
	out := make(chan *Delivery)
	go func() {
		// Release before closing out: the transport acknowledges the end
		// once out closes, and the slot must be free by then.
		defer func() {
			b.remove(s)
			hooks.Done()
			close(out)
		}()
		send := func(e *Event) bool {
			select {
			case out <- &Delivery{Event: e, Cursor: scope.Cursor(scope.seq(e))}:
				last = scope.seq(e)
				return true
			case <-ctx.Done():
			case <-s.slow:
				hooks.Slow()
			}
			return false
		}
		// replay sends what the database holds after last, up to and
		// including upTo (0: everything there is).
		replay := func(upTo int64) bool {
			for {
				evs, err := b.store.Events(ctx, scope, last, b.cfg.CatchUpPage)
				if err != nil {
					if ctx.Err() == nil {
						b.log.Error("feed: replay failed", "err", err)
						hooks.Slow()
					}
					return false
				}
				for _, e := range evs {
					if upTo != 0 && scope.seq(e) > upTo {
						return true
					}
					if !send(e) {
						return false
					}
				}
				if len(evs) < b.cfg.CatchUpPage {
					return true
				}
			}
		}
		if !replay(0) {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.slow:
				hooks.Slow()
				return
			case e := <-s.ch:
				n := scope.seq(e)
				switch {
				case n <= last:
					continue
				case n > last+1:
					// The broker's first live event can run ahead of what
					// the replay saw: fill the hole from the database.
					if !replay(n) {
						return
					}
					if n <= last {
						continue
					}
				}
				if !send(e) {
					return
				}
			}
		}
	}()
	return out, nil
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
