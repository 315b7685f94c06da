package socket

import (
	"context"
	"sync"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// operation is one running subscription (or query) of a socket.
type operation struct {
	id string
	// idJSON is the id encoded once, for every message about it.
	idJSON []byte
	cancel context.CancelFunc
	// conn is the connection's context it started under: once that
	// ended, the socket is closing and the operation is not completed.
	conn context.Context

	mu sync.Mutex
	// errs are the errors the operation ends with (AddError).
	errs gqlerror.List
	// pushed is set by Pusher.Start: the stream tells of each value it
	// puts out, so the operation is pulled only while a value waits.
	pushed bool
	// waiting counts the values told of and not yet pulled; the stream's
	// end counts as one.
	waiting int
	// pull sends the next result and reports whether the operation goes
	// on; set once the operation was dispatched.
	pull func() bool
	// pulling is set while a goroutine pulls; ended once pull said no.
	pulling, ended bool
}

// operationKey finds a subscription's operation in its context.
type operationKey struct{}

func operationOf(ctx context.Context) *operation {
	op, _ := ctx.Value(operationKey{}).(*operation)
	return op
}

// AddError ends the subscription of ctx with err: once its channel closes,
// the client gets an error message instead of complete. The stream must
// close its channel after calling it.
func AddError(ctx context.Context, err *gqlerror.Error) {
	if op := operationOf(ctx); op != nil {
		op.mu.Lock()
		op.errs = append(op.errs, err)
		op.mu.Unlock()
	}
}

func (op *operation) errors() gqlerror.List {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.errs
}

// Pusher lets a subscription's stream tell the socket of each value it puts
// in its channel. A told subscription has no goroutine while it waits: one
// is started to pull when a value is there, and ends once none is. Idle
// subscriptions are most of what a server holds, and a goroutine parked on
// each cost about 4 of the 36 KiB one took. The zero Pusher, outside a
// socket, does nothing.
type Pusher struct{ op *operation }

// PusherOf returns the Pusher of the subscription of ctx.
func PusherOf(ctx context.Context) Pusher {
	return Pusher{op: operationOf(ctx)}
}

// Sent is called after each value the stream puts in its channel, and once
// after it closes the channel; from the start of the stream, before Start
// too. Every value must be told of: one that is not waits for the next.
func (p Pusher) Sent() {
	if p.op == nil {
		return
	}
	op := p.op
	op.mu.Lock()
	op.waiting++
	start := op.pull != nil && !op.pulling && !op.ended
	op.pulling = op.pulling || start
	op.mu.Unlock()
	if start {
		go op.drain()
	}
}

// Start says that the stream started, and tells of its values from now
// on; a stream that failed to start does not call it, and is pulled as
// any other.
func (p Pusher) Start() {
	if p.op != nil {
		p.op.mu.Lock()
		p.op.pushed = true
		p.op.mu.Unlock()
	}
}

// begin pulls the dispatched operation: on a goroutine of its own, or, if
// its stream is pushed, whenever the stream tells of a value.
func (op *operation) begin(pull func() bool) {
	op.mu.Lock()
	if !op.pushed {
		op.mu.Unlock()
		go func() {
			for pull() {
			}
		}()
		return
	}
	op.pull = pull
	start := op.waiting > 0
	op.pulling = start
	op.mu.Unlock()
	if start {
		go op.drain()
	}
}

// drain pulls as many times as values were told of, in order.
func (op *operation) drain() {
	for {
		more := op.pull()
		op.mu.Lock()
		op.waiting--
		if !more {
			op.ended = true
		}
		if !more || op.waiting == 0 {
			op.pulling = false
			op.mu.Unlock()
			return
		}
		op.mu.Unlock()
	}
}
