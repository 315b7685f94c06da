// Package socket serves GraphQL subscriptions over websockets on gqlgen's
// executor, speaking both graphql-transport-ws (github.com/enisdenjo/graphql-ws,
// PROTOCOL.md) and the legacy graphql-ws of subscriptions-transport-ws.
//
// It replaces gqlgen's own websocket transport, which breaks the protocol's
// rules (wrong or normal close codes for bad messages, duplicate ids
// accepted, any subprotocol acknowledged) and costs five goroutines per
// idle subscription. Here a socket's messages are read in the HTTP
// handler's goroutine, pings and timeouts run from timers, and each active
// subscription has one goroutine, the one pulling gqlgen's ResponseHandler.
// Writes to a socket are serialized, and each is bounded by a deadline.
package socket

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Config holds a socket's limits and timers.
type Config struct {
	// InitTimeout is how long a socket may wait before connection_init;
	// then it is closed with 4408.
	InitTimeout time.Duration
	// PingInterval paces pings (graphql-transport-ws, where a socket that
	// leaves two unanswered is closed with 4408) and keep-alives
	// (graphql-ws). Zero sends neither.
	PingInterval time.Duration
	// ReadLimit bounds one message from a client; a longer one closes the
	// socket with 1009.
	ReadLimit int64
	// WriteTimeout bounds one write: a client that stops reading is cut
	// off instead of holding the socket's writes forever.
	WriteTimeout time.Duration
	// SendBuffer, when set, is each socket's kernel send buffer.
	SendBuffer int
}

// InitFunc accepts a socket's connection_init payload and returns the
// connection's context, which the socket's operations run under; when it
// ends, the socket closes with 1000. An error refuses the connection with
// 4403.
type InitFunc func(ctx context.Context, payload transport.InitPayload) (context.Context, error)

// Transport is a graphql.Transport for websocket upgrades.
type Transport struct {
	cfg  Config
	init InitFunc
	log  *slog.Logger
	// frames recycles the buffers messages are encoded into.
	frames sync.Pool
}

var _ graphql.Transport = (*Transport)(nil)

// New returns the transport; init authenticates each socket.
func New(cfg Config, init InitFunc, log *slog.Logger) *Transport {
	return &Transport{cfg: cfg, init: init, log: log, frames: sync.Pool{New: func() any { return newFrame() }}}
}

// Supports takes every upgrade request.
func (t *Transport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// Do upgrades the request and serves the socket until it closes.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	hj := &timedHijacker{ResponseWriter: w, timeout: t.cfg.WriteTimeout, sendBuffer: t.cfg.SendBuffer}
	ws, err := websocket.Accept(hj, r, &websocket.AcceptOptions{
		Subprotocols: []string{transportWS.name, legacyWS.name},
		// Origins are checked at connection_init, against the widget of
		// the session token: only then is it known which are allowed.
		InsecureSkipVerify: true,
		// Compression lets small frames inflate into huge ones.
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		// Accept has answered the request.
		t.log.DebugContext(r.Context(), "websocket upgrade failed", "err", err)
		return
	}
	c := newConn(t, ws, hj.conn, exec, r)
	c.serve()
}

// timedHijacker hands the websocket library a connection whose every write
// has a deadline, so a client that stops reading cannot hold the socket's
// writes (and a goroutine) forever: its socket fails and closes instead.
type timedHijacker struct {
	http.ResponseWriter
	timeout    time.Duration
	sendBuffer int
	// conn is the hijacked connection, closed at once when a write fails.
	conn net.Conn
}

func (t *timedHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(t.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok && t.sendBuffer > 0 {
		_ = tc.SetWriteBuffer(t.sendBuffer)
	}
	t.conn = &timedConn{Conn: conn, timeout: t.timeout}
	// The server's own buffered writer is reused rather than a second
	// one allocated: it stays referenced by the server's connection anyway.
	brw.Writer.Reset(t.conn)
	return t.conn, brw, nil
}

type timedConn struct {
	net.Conn
	timeout time.Duration
}

func (c *timedConn) Write(p []byte) (int, error) {
	if c.timeout > 0 {
		_ = c.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	return c.Conn.Write(p)
}

// errorsKey finds a subscription's errors in its context.
type errorsKey struct{}

// subscriptionErrors are the errors a subscription ends with.
type subscriptionErrors struct {
	mu   sync.Mutex
	errs gqlerror.List
}

// AddError ends the subscription of ctx with err: once its channel closes,
// the client gets an error message instead of complete. The stream must
// close its channel after calling it.
func AddError(ctx context.Context, err *gqlerror.Error) {
	if se, ok := ctx.Value(errorsKey{}).(*subscriptionErrors); ok {
		se.mu.Lock()
		se.errs = append(se.errs, err)
		se.mu.Unlock()
	}
}

func errorsOf(ctx context.Context) gqlerror.List {
	se, ok := ctx.Value(errorsKey{}).(*subscriptionErrors)
	if !ok {
		return nil
	}
	se.mu.Lock()
	defer se.mu.Unlock()
	return se.errs
}

// frame is a buffer one outgoing message is encoded into.
type frame struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newFrame() *frame {
	f := &frame{}
	f.enc = json.NewEncoder(&f.buf)
	// Clients parse JSON, not HTML: no need to escape <, > and &.
	f.enc.SetEscapeHTML(false)
	return f
}
