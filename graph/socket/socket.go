// Package socket serves GraphQL subscriptions over websockets on gqlgen's
// executor, speaking both graphql-transport-ws (github.com/enisdenjo/graphql-ws,
// PROTOCOL.md) and the legacy graphql-ws of subscriptions-transport-ws.
//
// It replaces gqlgen's own websocket transport, which breaks the protocol's
// rules (wrong or normal close codes for bad messages, duplicate ids
// accepted, any subprotocol acknowledged) and costs five goroutines per
// idle subscription. Here a socket is one goroutine, which reads its
// messages and hands each to a short-lived one, so that it stays shallow;
// pings and timeouts run from timers. A subscription whose stream tells the
// socket of each value (Pusher) adds no goroutine while it waits: one pulls
// gqlgen's ResponseHandler only while a value is there. Any other adds one
// goroutine, pulling for as long as it runs. Writes to a socket are
// serialized, and each is bounded by a deadline.
//
// The socket's goroutine is not the HTTP handler's: once the connection is
// hijacked the handler returns, so that net/http lets go of its state for
// the connection (request, response, 8 KiB of buffers) and of the
// handler's deep stack. Measured in process on 300 idle subscriptions: 9 KiB
// less stack and 8 KiB less heap per socket.
package socket

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
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
// ends, the socket closes with 1000, or with 4403 when its cause is
// ErrForbidden. end ends ctx, and with it the returned context, with a
// cause, at any time: so the InitFunc needs no cancellable context of its
// own. An error refuses the connection with 4403.
type InitFunc func(ctx context.Context, payload transport.InitPayload, end context.CancelCauseFunc) (context.Context, error)

// ErrForbidden is the cause that, ending a connection's context, closes
// the socket with 4403: what it was authenticated with was revoked.
var ErrForbidden = errors.New("socket: access revoked")

// Transport is a graphql.Transport for websocket upgrades.
type Transport struct {
	cfg  Config
	init InitFunc
	log  *slog.Logger
	// frames recycles the buffers messages are encoded into.
	frames sync.Pool

	// mu orders new sockets against Shutdown: stop ends every socket,
	// open counts them.
	mu     sync.Mutex
	stop   context.Context
	cancel context.CancelFunc
	open   sync.WaitGroup
}

var _ graphql.Transport = (*Transport)(nil)

// New returns the transport; init authenticates each socket.
func New(cfg Config, init InitFunc, log *slog.Logger) *Transport {
	t := &Transport{cfg: cfg, init: init, log: log, frames: sync.Pool{New: func() any { return newFrame() }}}
	t.stop, t.cancel = context.WithCancel(context.Background())
	return t
}

// Shutdown closes every socket with 1000 and waits until they are gone, or
// until ctx ends. Sockets upgraded after it are closed at once.
func (t *Transport) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.cancel()
	t.mu.Unlock()
	done := make(chan struct{})
	go func() {
		t.open.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type releaseKey struct{}

// WithRelease returns ctx for an upgrade request, with release to call once
// the request's socket has closed (at once when the upgrade failed): Do
// returns while the socket is still open.
func WithRelease(ctx context.Context, release func()) context.Context {
	return context.WithValue(ctx, releaseKey{}, release)
}

// Supports takes every upgrade request.
func (t *Transport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// Do upgrades the request and hands the socket to a goroutine of its own.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	release, ok := r.Context().Value(releaseKey{}).(func())
	if !ok {
		release = func() {}
	}
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
		release()
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stop.Err() != nil {
		_ = ws.Close(websocket.StatusGoingAway, "shutting down")
		release()
		return
	}
	c := newConn(t, ws, hj.conn, exec, r)
	t.open.Go(func() {
		defer release()
		c.serve()
	})
}

// timedHijacker hands the websocket library a connection whose every write
// has a deadline, so a client that stops reading cannot hold the socket's
// writes (and a goroutine) forever: its socket fails and closes instead.
type timedHijacker struct {
	http.ResponseWriter
	timeout    time.Duration
	sendBuffer int
	// conn is the hijacked connection, closed at once when a write fails.
	conn *timedConn
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
	// Buffers of our own, far smaller than net/http's 4 KiB ones, which
	// it drops once the handler returns: the read buffer takes a frame's
	// header, and the payload is read through, straight into the message;
	// messages to the client are gathered by timedConn, in a buffer the
	// socket holds only while it writes one.
	// What the client sent after its upgrade request is buffered already,
	// where the websocket library looks for it.
	early, _ := brw.Peek(brw.Reader.Buffered())
	r := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(readBuffer, len(early)))
	if _, err := r.Peek(len(early)); err != nil {
		return nil, nil, err
	}
	return t.conn, bufio.NewReadWriter(r, bufio.NewWriterSize(t.conn, writeBuffer)), nil
}

// Buffer sizes of a socket, held for as long as it is open. Reading, a
// client's rare messages cost a read more each: one for the header (and
// what fits beside it), one for the rest. The library's write buffer only
// needs to hold what it writes itself (pongs, close frames: at most 125
// bytes and a 2-byte header), as a message the socket writes is gathered
// by timedConn.
const (
	readBuffer  = 16
	writeBuffer = 128
)

// timedConn is a socket's connection. Every write has a deadline. While
// the socket writes a message, the library's writes of it (header, then
// payload, in pieces the size of its buffer) are held and go out as one.
type timedConn struct {
	net.Conn
	timeout time.Duration

	// mu orders the library's own writes (pongs, from the reading
	// goroutine) against a message being gathered.
	mu   sync.Mutex
	held *bytes.Buffer
}

func (c *timedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		return c.held.Write(p)
	}
	return c.write(p)
}

func (c *timedConn) write(p []byte) (int, error) {
	if c.timeout > 0 {
		_ = c.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	return c.Conn.Write(p)
}

// hold gathers the writes that follow into buf, until release.
func (c *timedConn) hold(buf *bytes.Buffer) {
	c.mu.Lock()
	c.held = buf
	c.mu.Unlock()
}

// release writes what was gathered since hold, in one write.
func (c *timedConn) release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	buf := c.held
	c.held = nil
	if buf == nil || buf.Len() == 0 {
		return nil
	}
	_, err := c.write(buf.Bytes())
	return err
}

// frame is a buffer one outgoing message is encoded into, and out the
// one it is written from, framed.
type frame struct {
	buf bytes.Buffer
	out bytes.Buffer
	enc *json.Encoder
}

func newFrame() *frame {
	f := &frame{}
	f.enc = json.NewEncoder(&f.buf)
	// Clients parse JSON, not HTML: no need to escape <, > and &.
	f.enc.SetEscapeHTML(false)
	return f
}
