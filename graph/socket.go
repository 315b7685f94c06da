package graph

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/metrics"
)

// Close codes of graphql-transport-ws that we send.
const closeForbidden = 4403

// socket is one websocket connection's state.
type socket struct {
	mu   sync.Mutex
	subs int
	// stop releases what the connection's context holds (a deadline).
	stop context.CancelFunc
}

// acquire takes one of the socket's subscription slots.
func (s *socket) acquire(limit int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs >= limit {
		return false
	}
	s.subs++
	return true
}

func (s *socket) release() {
	s.mu.Lock()
	s.subs--
	s.mu.Unlock()
}

// socketRegistry counts open sockets per client address and lets shutdown
// wait for them: http.Server.Shutdown does not wait for hijacked
// connections.
type socketRegistry struct {
	limit   int
	metrics *metrics.Metrics
	mu      sync.Mutex
	perAddr map[string]int
	open    sync.WaitGroup
}

func newSocketRegistry(limit int, m *metrics.Metrics) *socketRegistry {
	return &socketRegistry{limit: limit, metrics: m, perAddr: map[string]int{}}
}

func (sr *socketRegistry) enter(addr string) bool {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.perAddr[addr] >= sr.limit {
		sr.metrics.SocketsRejected.Inc()
		return false
	}
	sr.perAddr[addr]++
	sr.open.Add(1)
	sr.metrics.Sockets.Inc()
	return true
}

func (sr *socketRegistry) leave(addr string) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.perAddr[addr]--; sr.perAddr[addr] <= 0 {
		delete(sr.perAddr, addr)
	}
	sr.metrics.Sockets.Dec()
	sr.open.Done()
}

// WaitSockets waits until every websocket has closed, or ctx ends. Sockets
// close when the server's base context is cancelled.
func (h *Handler) WaitSockets(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		h.sockets.open.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Handler) serveSocket(w http.ResponseWriter, r *http.Request, req *request) {
	if !h.sockets.enter(req.clientAddr) {
		h.reject(w, &httpError{http.StatusTooManyRequests, &apperr.Error{Code: apperr.RateLimited, Message: "too many open websockets from this address", RetryAfter: 10 * time.Second}, "sockets"})
		return
	}
	defer h.sockets.leave(req.clientAddr)
	req.sock = &socket{stop: func() {}}
	defer func() { req.sock.stop() }()
	h.gql.ServeHTTP(&timedHijacker{ResponseWriter: w, timeout: h.cfg.WSWriteTimeout, sendBuffer: h.cfg.WSSendBuffer}, r)
}

// initSocket authenticates connection_init (R20). A bad or expired token,
// or an origin the token may not be used from, closes the socket with 4403.
// Without a token the socket is anonymous: a page with no conversation yet
// follows its widget by key (R27), and @auth refuses everything else. The
// socket's context ends when a session token expires.
func (h *Handler) initSocket(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	req := requestFrom(ctx)
	token := payload.Authorization()
	if token == "" {
		token = payload.GetString("token")
	}
	actor, err := h.authn.Authenticate(ctx, token, req.clientAddr, req.origin)
	if err == nil {
		err = h.checkAgentOrigin(actor, req.origin)
	}
	if err != nil {
		if apperr.CodeOf(err) == apperr.Internal {
			h.log.ErrorContext(ctx, "socket authentication failed", "request_id", req.id, "err", err)
		}
		return transport.WithWebsocketCloseCode(ctx, closeForbidden), nil, err
	}
	ctx = auth.WithActor(ctx, actor)
	if actor.Session != nil && req.sock != nil {
		ctx, req.sock.stop = context.WithDeadline(ctx, actor.Session.ExpiresAt)
	}
	return ctx, nil, nil
}

// timedHijacker hands the websocket library a connection whose every write
// has a deadline, so a client that stops reading cannot hold a goroutine
// (and the socket's lock) forever: its socket fails and closes instead.
type timedHijacker struct {
	http.ResponseWriter
	timeout    time.Duration
	sendBuffer int
}

func (t *timedHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(t.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok && t.sendBuffer > 0 {
		_ = tc.SetWriteBuffer(t.sendBuffer)
	}
	tconn := &timedConn{Conn: conn, timeout: t.timeout}
	return tconn, bufio.NewReadWriter(brw.Reader, bufio.NewWriterSize(tconn, brw.Writer.Size())), nil
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

// protocolCodes makes gqlgen's websocket closes speak graphql-transport-ws:
// gqlgen closes every protocol failure with 1002, where the protocol names
// 4408 for an init timeout and 4400 for a bad message.
type protocolCodes struct {
	transport.WebsocketImplementation
}

func (p protocolCodes) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := p.WebsocketImplementation.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	return &codedConn{conn}, nil
}

type codedConn struct{ transport.WebsocketConn }

var (
	_ transport.WebsocketReadLimiter   = (*codedConn)(nil)
	_ transport.WebsocketReadDeadliner = (*codedConn)(nil)
)

func (c *codedConn) WriteClose(code int, reason string) error {
	if c.Subprotocol() == "graphql-transport-ws" && code == transport.WebsocketCloseProtocolError {
		switch reason {
		case "connection initialisation timeout":
			code = 4408
		case "decoding error", "unexpected message":
			code = 4400
		}
	}
	return c.WebsocketConn.WriteClose(code, reason)
}

func (c *codedConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *codedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
