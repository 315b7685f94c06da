package socket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// conn is one socket. Its messages are read by serve, on the socket's
// goroutine, and each is handled on a short-lived one; timers ping it and
// enforce the init timeout; each operation's results are pulled as
// operation.begin says. mu serializes writes and guards the state below it.
type conn struct {
	t     *Transport
	ws    *websocket.Conn
	raw   *timedConn
	exec  graphql.GraphExecutor
	proto *protocol
	// ctx is the connection's: the request's values, ended by cancel (the
	// InitFunc's end) or the transport's Shutdown, until connection_init;
	// then the one the InitFunc returned from it. It ends every operation.
	ctx    context.Context
	cancel context.CancelCauseFunc
	// stopShutdown unregisters the cancel on Shutdown.
	stopShutdown func() bool
	// pulls counts the operations not yet ended, waited for before serve
	// returns.
	pulls sync.WaitGroup

	mu sync.Mutex
	// initialising is set by the first connection_init, acked once it
	// was accepted.
	initialising, acked bool
	// closing is set once the socket is being closed: nothing more is
	// written and no timer is armed again.
	closing bool
	// ops are the operations running, by id.
	ops map[string]*operation
	// timer is the init timeout, then the ping (or keep-alive) clock.
	timer *time.Timer
	// unanswered counts pings sent since the last pong.
	unanswered int
	// stopCtx unregisters the close on the end of ctx.
	stopCtx func() bool
}

// newConn starts a socket's state. The request's context ends when its
// handler returns, so the socket keeps only its values.
func newConn(t *Transport, ws *websocket.Conn, raw *timedConn, exec graphql.GraphExecutor, r *http.Request) *conn {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(r.Context()))
	c := &conn{t: t, ws: ws, raw: raw, exec: exec, ctx: ctx, cancel: cancel, ops: map[string]*operation{}}
	c.stopShutdown = context.AfterFunc(t.stop, func() { cancel(nil) })
	return c
}

// serve reads the socket's messages until it closes, then ends its
// operations and waits for them.
func (c *conn) serve() {
	defer c.finish()
	c.proto = protocolNamed(c.ws.Subprotocol())
	if c.proto == nil {
		c.close(closeSubprotocol, "Subprotocol not acceptable")
		return
	}
	if c.t.cfg.ReadLimit > 0 {
		c.ws.SetReadLimit(c.t.cfg.ReadLimit)
	}
	c.mu.Lock()
	ended := c.ctx
	c.stopCtx = context.AfterFunc(ended, func() { c.ended(ended) })
	if c.t.cfg.InitTimeout > 0 {
		c.timer = time.AfterFunc(c.t.cfg.InitTimeout, c.initTimedOut)
	}
	c.mu.Unlock()
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				// The library sent 1009; the handshake reads the rest of
				// the message, which closing at once would answer with a
				// reset the client may see before the close frame.
				c.close(websocket.StatusMessageTooBig, "Message too big")
			} else if s := websocket.CloseStatus(err); s == -1 && !errors.Is(err, net.ErrClosed) {
				c.t.log.DebugContext(c.ctx, "websocket read failed", "err", err)
			}
			return
		}
		// A message is handled on a goroutine of its own, in order: what
		// it runs (authentication, parsing, the database) grows a stack
		// that is then dropped, instead of staying with the socket's
		// goroutine for as long as the socket is open.
		handled := make(chan bool)
		go func() { handled <- c.handle(typ, data) }()
		if !<-handled {
			return
		}
	}
}

// finish releases what the socket holds once reading ended.
func (c *conn) finish() {
	c.mu.Lock()
	c.closing = true
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.stopCtx != nil {
		c.stopCtx()
	}
	c.mu.Unlock()
	_ = c.ws.CloseNow()
	c.stopShutdown()
	c.cancel(nil)
	c.pulls.Wait()
}

// handle acts on one message; false ends the socket.
func (c *conn) handle(typ websocket.MessageType, data []byte) bool {
	start := graphql.Now()
	if typ != websocket.MessageText {
		return c.fail(closeBadRequest, "Binary messages are not supported")
	}
	if !utf8.Valid(data) {
		c.close(websocket.StatusInvalidFramePayloadData, "Invalid UTF-8")
		return false
	}
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		return c.fail(closeBadRequest, "Invalid message received")
	}
	switch m.Type {
	case "connection_init":
		return c.initialise(&m)
	case c.proto.subscribe:
		return c.subscribe(&m, start)
	case c.proto.stop:
		if m.ID != nil {
			c.stop(*m.ID)
		}
		return true
	}
	if c.proto.legacy {
		if m.Type == "connection_terminate" {
			c.close(websocket.StatusNormalClosure, "terminated")
			return false
		}
	} else {
		switch m.Type {
		case "ping":
			// The payload is echoed: clients may use it to match pongs.
			var payload any
			if len(m.Payload) > 0 {
				payload = m.Payload
			}
			c.send(nil, "pong", payload)
			return true
		case "pong":
			c.mu.Lock()
			c.unanswered = 0
			c.mu.Unlock()
			return true
		}
	}
	return c.fail(closeBadRequest, fmt.Sprintf("Unexpected message type %.40q", m.Type))
}

// initialise answers connection_init: the InitFunc decides, then the socket
// is acknowledged and its ping clock starts.
func (c *conn) initialise(m *message) bool {
	c.mu.Lock()
	again := c.initialising
	c.initialising = true
	c.mu.Unlock()
	if again {
		return c.fail(closeTooManyInitialises, "Too many initialisation requests")
	}
	var payload transport.InitPayload
	if !m.payloadIsObject() || (len(m.Payload) > 0 && json.Unmarshal(m.Payload, &payload) != nil) {
		return c.fail(closeBadRequest, "Invalid connection_init payload")
	}
	ctx, err := c.t.init(c.ctx, payload, c.cancel)
	if err != nil {
		return c.fail(closeForbidden, err.Error())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.acked = true
	if c.timer != nil {
		c.timer.Stop()
	}
	if ctx != c.ctx {
		c.stopCtx()
		c.ctx = ctx
		c.stopCtx = context.AfterFunc(ctx, func() { c.ended(ctx) })
	}
	c.writeLocked(nil, "connection_ack", nil)
	if c.proto.legacy {
		c.writeLocked(nil, "ka", nil)
	}
	if c.t.cfg.PingInterval > 0 {
		c.timer = time.AfterFunc(c.t.cfg.PingInterval, c.tick)
	}
	return true
}

// ended closes the socket once the connection's context ended: with 4403
// when its access was revoked (ErrForbidden), else with 1000.
func (c *conn) ended(ctx context.Context) {
	if errors.Is(context.Cause(ctx), ErrForbidden) {
		c.close(closeForbidden, "Forbidden")
		return
	}
	c.close(websocket.StatusNormalClosure, "terminated")
}

// initTimedOut closes a socket that sent no connection_init in time.
func (c *conn) initTimedOut() {
	c.mu.Lock()
	initialising := c.initialising
	c.mu.Unlock()
	if !initialising {
		c.fail(closeTimeout, "Connection initialisation timeout")
	}
}

// tick pings (graphql-transport-ws) or sends a keep-alive (graphql-ws); a
// socket that left two pings unanswered is closed.
func (c *conn) tick() {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if !c.proto.legacy && c.unanswered >= 2 {
		c.mu.Unlock()
		c.close(closeTimeout, "Pong timeout")
		return
	}
	if c.proto.legacy {
		c.writeLocked(nil, "ka", nil)
	} else {
		c.unanswered++
		c.writeLocked(nil, "ping", nil)
	}
	c.timer.Reset(c.t.cfg.PingInterval)
	c.mu.Unlock()
}

// subscribe starts an operation. The executor runs its resolver here, in
// the reading goroutine; its results are pulled elsewhere (operation.begin).
func (c *conn) subscribe(m *message, start time.Time) bool {
	c.mu.Lock()
	acked := c.acked
	c.mu.Unlock()
	if !acked {
		return c.fail(closeUnauthorized, "Unauthorized")
	}
	if m.ID == nil || *m.ID == "" {
		return c.fail(closeBadRequest, "Subscribe message needs an id")
	}
	var params graphql.RawParams
	if len(m.Payload) == 0 || m.Payload[0] != '{' || json.Unmarshal(m.Payload, &params) != nil {
		return c.fail(closeBadRequest, "Invalid subscribe payload")
	}
	id := *m.ID
	idJSON, _ := json.Marshal(id)
	c.mu.Lock()
	if c.ops[id] != nil {
		c.mu.Unlock()
		return c.fail(closeDuplicateID, fmt.Sprintf("Subscriber for %.80s already exists", id))
	}
	ctx, cancel := context.WithCancel(graphql.StartOperationTrace(c.ctx))
	op := &operation{id: id, idJSON: idJSON, cancel: cancel, conn: c.ctx}
	c.ops[id] = op
	c.mu.Unlock()

	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, errs := c.exec.CreateOperationContext(ctx, &params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			c.sendErrors(op, resp.Errors)
		} else {
			c.send(op, c.proto.data, resp)
			c.send(op, "complete", nil)
		}
		c.forget(op)
		return true
	}
	ctx = context.WithValue(graphql.WithOperationContext(ctx, rc), operationKey{}, op)
	responses, ctx := c.dispatch(ctx, op, rc)
	if responses == nil {
		return true
	}
	c.pulls.Add(1)
	op.begin(func() bool { return c.pull(ctx, op, rc, responses) })
	return true
}

// dispatch starts the operation; a panic ends it with an error.
func (c *conn) dispatch(ctx context.Context, op *operation, rc *graphql.OperationContext) (responses graphql.ResponseHandler, _ context.Context) {
	defer func() {
		if r := recover(); r != nil {
			c.sendErrors(op, c.recovered(ctx, rc, r))
			c.forget(op)
			responses = nil
		}
	}()
	return c.exec.DispatchOperation(ctx, rc)
}

// pull sends the operation's next result. Once its stream ended, or
// panicked, it ends the operation, with complete, or with error when the
// stream added errors, and returns false.
func (c *conn) pull(ctx context.Context, op *operation, rc *graphql.OperationContext, responses graphql.ResponseHandler) (more bool) {
	defer func() {
		r := recover()
		if r == nil && more {
			return
		}
		if r != nil {
			c.sendErrors(op, c.recovered(ctx, rc, r))
		} else if errs := op.errors(); len(errs) > 0 {
			c.sendErrors(op, errs)
		} else if op.conn.Err() == nil {
			// An operation the client ended is not completed either:
			// the send finds it gone.
			c.send(op, "complete", nil)
		}
		c.forget(op)
		c.pulls.Done()
		more = false
	}()
	resp := responses(ctx)
	if resp == nil {
		return false
	}
	c.send(op, c.proto.data, resp)
	return true
}

// recovered is a panic as the executor presents errors: it is not the
// client's to read.
func (c *conn) recovered(ctx context.Context, rc *graphql.OperationContext, r any) gqlerror.List {
	err := gqlerror.WrapIfUnwrapped(rc.Recover(ctx, r))
	return c.exec.DispatchError(ctx, gqlerror.List{err}).Errors
}

// stop ends operation id at the client's request. Nothing more is sent
// about it, so the client may reuse the id at once.
func (c *conn) stop(id string) {
	c.mu.Lock()
	op := c.ops[id]
	delete(c.ops, id)
	c.mu.Unlock()
	if op != nil {
		op.cancel()
	}
}

// forget removes op once it ended, unless the client already did.
func (c *conn) forget(op *operation) {
	c.mu.Lock()
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	c.mu.Unlock()
	op.cancel()
}

func (c *conn) sendErrors(op *operation, errs gqlerror.List) {
	c.send(op, "error", errs)
}

// send writes one message; about op, only while op is running.
func (c *conn) send(op *operation, typ string, payload any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeLocked(op, typ, payload)
}

// writeLocked encodes and writes one message, with c.mu held. A failed
// write closes the connection at once: the client is gone or not reading.
func (c *conn) writeLocked(op *operation, typ string, payload any) {
	if c.closing || (op != nil && c.ops[op.id] != op) {
		return
	}
	f := c.t.frames.Get().(*frame)
	defer c.t.frames.Put(f)
	f.buf.Reset()
	f.buf.WriteString(`{"type":"`)
	f.buf.WriteString(typ)
	f.buf.WriteByte('"')
	if op != nil {
		f.buf.WriteString(`,"id":`)
		f.buf.Write(op.idJSON)
	}
	if payload != nil {
		f.buf.WriteString(`,"payload":`)
		if raw, ok := payload.(json.RawMessage); ok {
			f.buf.Write(raw)
		} else if err := f.enc.Encode(payload); err != nil {
			c.t.log.ErrorContext(c.ctx, "websocket message not encodable", "type", typ, "err", err)
			return
		}
	}
	f.buf.WriteByte('}')
	f.out.Reset()
	c.raw.hold(&f.out)
	err := c.ws.Write(context.Background(), websocket.MessageText, f.buf.Bytes())
	if werr := c.raw.release(); err == nil {
		err = werr
	}
	if err != nil {
		c.t.log.DebugContext(c.ctx, "websocket write failed", "err", err)
		c.closing = true
		_ = c.raw.Close()
	}
}

// fail closes the socket for a protocol error; graphql-ws clients are
// told why in connection_error first. It returns false, for handle.
func (c *conn) fail(code websocket.StatusCode, reason string) bool {
	if c.proto.legacy {
		c.send(nil, "connection_error", map[string]string{"message": reason})
	}
	c.close(code, reason)
	return false
}

// close closes the socket with code, once: nothing is written after, and
// the reading goroutine ends when the client answers (or in 5 seconds).
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	// A close reason is at most 123 bytes of UTF-8.
	if len(reason) > 123 {
		reason = strings.ToValidUTF8(reason[:123], "")
	}
	_ = c.ws.Close(code, reason)
}
