package graph

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/linkline/linkline/graph/socket"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/metrics"
)

// socketState is what the resolvers keep about one websocket connection.
type socketState struct {
	mu   sync.Mutex
	subs int
	// stop releases what the connection's context holds (a deadline).
	stop context.CancelFunc
}

// acquire takes one of the socket's subscription slots.
func (s *socketState) acquire(limit int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs >= limit {
		return false
	}
	s.subs++
	return true
}

func (s *socketState) release() {
	s.mu.Lock()
	s.subs--
	s.mu.Unlock()
}

// socketRegistry counts open sockets per client address.
type socketRegistry struct {
	limit   int
	metrics *metrics.Metrics
	mu      sync.Mutex
	perAddr map[string]int
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
}

// CloseSockets closes every websocket with 1000 and waits until they are
// gone, or ctx ends: http.Server.Shutdown does not wait for hijacked
// connections.
func (h *Handler) CloseSockets(ctx context.Context) error {
	return h.ws.Shutdown(ctx)
}

func (h *Handler) serveSocket(w http.ResponseWriter, r *http.Request, req *request) {
	if !h.sockets.enter(req.clientAddr) {
		h.reject(w, &httpError{http.StatusTooManyRequests, &apperr.Error{Code: apperr.RateLimited, Message: "too many open websockets from this address", RetryAfter: 10 * time.Second}, "sockets"})
		return
	}
	req.sock = &socketState{stop: func() {}}
	// The transport returns while the socket is open; it releases the
	// socket's slot once the socket has closed.
	release := func() {
		req.sock.stop()
		h.sockets.leave(req.clientAddr)
	}
	h.gql.ServeHTTP(w, r.WithContext(socket.WithRelease(r.Context(), release)))
}

// initSocket authenticates connection_init (R20). A bad or expired token,
// or an origin the token may not be used from, closes the socket with 4403
// (the transport's answer to any error), as does revoking the token later.
// Without a token the socket is anonymous: a page with no conversation yet
// follows its widget by key (R27), and @auth refuses everything else. The
// socket's context ends when a session token expires.
func (h *Handler) initSocket(ctx context.Context, payload transport.InitPayload, end context.CancelCauseFunc) (context.Context, error) {
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
			// The reason goes to the client in the close frame.
			err = apperr.New(apperr.Internal, "internal error")
		}
		return nil, err
	}
	ctx = auth.WithActor(ctx, actor)
	if req.sock == nil {
		return ctx, nil
	}
	// The socket lives no longer than what authenticated it: revoked (an
	// agent deactivated, a token revoked, a session signed out) it closes
	// with 4403 on every instance (R28); expired, with 1000.
	// Both end the socket's context rather than layers of their own: a
	// context layer costs each idle socket about 500 bytes.
	release := h.authn.Hold(ctx, actor, func() { end(socket.ErrForbidden) })
	expire := func() bool { return false }
	if until := expiry(actor); !until.IsZero() {
		expire = time.AfterFunc(time.Until(until), func() { end(nil) }).Stop
	}
	req.sock.stop = func() {
		release()
		expire()
	}
	return ctx, nil
}

// expiry is when the actor's token stops working; zero when it does not.
func expiry(a *auth.Actor) time.Time {
	switch {
	case a.Session != nil:
		return a.Session.ExpiresAt
	case a.Token != nil && a.Token.ExpiresAt != nil:
		return *a.Token.ExpiresAt
	}
	return time.Time{}
}
