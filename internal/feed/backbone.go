package feed

import "context"

// Backbone is where news of a change arrives on this instance, whoever
// made it: what this instance committed, and what the PostgreSQL listener
// hears of the other instances (R3, R22). Two kinds of stream follow it:
//
//   - event subscriptions (Subscribe) get every event of their scope, in
//     order and gap-free, resumable by cursor; the Broker holds them to
//     bounded queues and cuts off a slow consumer, and re-reads from the
//     database what it did not see committed here;
//   - state watchers (Watch: a widget's menu, a link request) get
//     wake-ups that carry no data and coalesce, so they never queue behind
//     a slow reader: the watcher re-reads the state.
//
// The writer and the listener talk to the backbone only.
type Backbone struct {
	events *Broker
	state  *wakes
	// tell tells the other instances that an account's state changed;
	// their listeners bring it back to them as Changed.
	tell func(ctx context.Context, accountID int64) error
	// shout passes a live-only event to the other instances; their
	// listeners bring it back to them as Presented.
	shout func(ctx context.Context, e *Event) error
}

// NewBackbone returns a backbone fanning events out through events; tell
// and shout reach the other instances (a NOTIFY; nothing with one
// instance).
func NewBackbone(events *Broker, tell func(ctx context.Context, accountID int64) error, shout func(ctx context.Context, e *Event) error) *Backbone {
	return &Backbone{events: events, state: newWakes(), tell: tell, shout: shout}
}

// Present passes a live-only event (PRESENCE, TYPING) to its subscribers
// here and on every instance (R29, R31).
func (b *Backbone) Present(ctx context.Context, e *Event) error {
	b.events.Present(e)
	return b.shout(ctx, e)
}

// Presented passes on a live-only event another instance made.
func (b *Backbone) Presented(e *Event) { b.events.Present(e) }

// Run re-reads events from the database when the broker asks, until ctx
// ends.
func (b *Backbone) Run(ctx context.Context) { b.events.Run(ctx) }

// Committed passes on events this instance committed, in commit order.
func (b *Backbone) Committed(evs []*Event) { b.events.Publish(evs) }

// Change says that this instance changed an account's state (after
// commit): its watchers here wake at once, and the other instances' are
// told.
func (b *Backbone) Change(ctx context.Context, accountID int64) error {
	b.state.wake(accountID)
	return b.tell(ctx, accountID)
}

// Announced says that another instance committed the account's events up
// to seq; those not seen here are read from the database.
func (b *Backbone) Announced(accountID, seq int64) { b.events.Announce(accountID, seq) }

// Changed says that another instance changed an account's state.
func (b *Backbone) Changed(accountID int64) { b.state.wake(accountID) }

// Reconnected says that the listener reconnected: whatever was announced
// meanwhile is lost, so every followed account's events are re-read and
// every watcher re-reads its state.
func (b *Backbone) Reconnected() {
	b.events.ResyncAll()
	b.state.wakeAll()
}

// Subscribe follows scope's events; see Broker.Subscribe.
func (b *Backbone) Subscribe(ctx context.Context, scope Scope, cursor *string, hooks Hooks) (<-chan *Delivery, error) {
	return b.events.Subscribe(ctx, scope, cursor, hooks)
}

// HeadCursor returns the cursor of the newest event of scope.
func (b *Backbone) HeadCursor(ctx context.Context, scope Scope) (string, error) {
	return b.events.HeadCursor(ctx, scope)
}

// Watch returns a channel woken each time the account's state may have
// changed, and a function to stop watching.
func (b *Backbone) Watch(accountID int64) (<-chan struct{}, func()) {
	return b.state.watch(accountID)
}
