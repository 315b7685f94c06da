package graph

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/tracing"
)

// request is what the transport learnt about one HTTP request or socket.
type request struct {
	id         string
	origin     string
	clientAddr string
	// sock is set on websocket connections.
	sock *socketState
}

type requestKey struct{}

func requestFrom(ctx context.Context) *request {
	if r, ok := ctx.Value(requestKey{}).(*request); ok {
		return r
	}
	return &request{}
}

// ServeHTTP runs the transport's checks, then GraphQL: CORS, body size and
// encoding, the client address, authentication (HTTP) or the socket limits
// (websockets).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := &request{id: newRequestID(), origin: r.Header.Get("Origin"), clientAddr: h.proxies.clientAddr(r)}
	w.Header().Set("X-Request-Id", req.id)
	ctx := tracing.WithRequestID(context.WithValue(r.Context(), requestKey{}, req), req.id)
	if h.cors(w, r, req.origin) {
		return
	}
	if r.Header.Get("Upgrade") != "" {
		h.serveSocket(w, r.WithContext(ctx), req)
		return
	}
	if err := h.checkBody(r); err != nil {
		h.reject(w, err)
		return
	}
	if !validQuery(r.URL.RawQuery) {
		h.reject(w, &httpError{http.StatusBadRequest, apperr.Invalid("query", "string is not valid UTF-8"), "encoding"})
		return
	}
	actor, he := h.authenticate(ctx, r, req)
	if he != nil {
		h.reject(w, he)
		return
	}
	h.gql.ServeHTTP(w, r.WithContext(auth.WithActor(ctx, actor)))
}

// cors answers cross-origin requests, and reports whether it answered
// the whole request (a preflight). Any origin may ask; what a token may
// do from an origin is decided per widget (session tokens) or by
// DashboardOrigins.
func (h *Handler) cors(w http.ResponseWriter, r *http.Request, origin string) bool {
	if origin == "" {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Add("Vary", "Origin")
	if r.Method != http.MethodOptions {
		return false
	}
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// checkAgentOrigin keeps agent tokens to the dashboard origins, when set.
func (h *Handler) checkAgentOrigin(actor *auth.Actor, origin string) error {
	if actor.Agent == nil || origin == "" || len(h.cfg.DashboardOrigins) == 0 {
		return nil
	}
	if slices.Contains(h.cfg.DashboardOrigins, origin) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "origin %q may not use agent tokens", origin)
}

// httpError is a request refused before GraphQL ran.
type httpError struct {
	status int
	err    error
	reason string
}

// reject answers with a GraphQL-shaped error, so clients read one format.
func (h *Handler) reject(w http.ResponseWriter, he *httpError) {
	h.metrics.RejectedHTTPRequest.WithLabelValues(he.reason).Inc()
	ge := &gqlerror.Error{Message: he.err.Error(), Extensions: map[string]any{"code": string(apperr.CodeOf(he.err))}}
	if ae, ok := apperr.As(he.err); ok {
		ge.Message, ge.Extensions = ae.Message, codedExtensions(ae)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(he.status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []*gqlerror.Error{ge}})
}

// checkBody reads the body whole, bounded, and refuses it when too large or
// not valid UTF-8: encoding/json would silently turn bad bytes into U+FFFD
// and the message would change without anyone knowing (R23).
func (h *Handler) checkBody(r *http.Request) *httpError {
	if r.Body == nil || r.Method != http.MethodPost {
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return &httpError{http.StatusRequestEntityTooLarge, &apperr.Error{Code: "REQUEST_TOO_LARGE", Message: "the request body is larger than " + strconv.FormatInt(h.cfg.MaxBodyBytes, 10) + " bytes"}, "too_large"}
		}
		return &httpError{http.StatusBadRequest, apperr.Invalid("body", "could not be read"), "read"}
	}
	if !utf8.Valid(body) || hasLoneSurrogate(body) {
		return &httpError{http.StatusBadRequest, apperr.Invalid("body", "is not valid UTF-8"), "encoding"}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// hasLoneSurrogate finds \uD800-\uDFFF escapes not forming a pair: JSON's
// way of smuggling invalid UTF-16, which decoders replace silently.
func hasLoneSurrogate(b []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(`\u`))
		if j < 0 {
			return false
		}
		i += j
		// An escaped backslash ("\\u") is not an escape.
		bs := 0
		for k := i - 1; k >= 0 && b[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 1 || i+6 > len(b) {
			i += 2
			continue
		}
		v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		if err != nil {
			i += 2
			continue
		}
		switch {
		case v >= 0xD800 && v <= 0xDBFF:
			if i+12 > len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
				return true
			}
			lo, err := strconv.ParseUint(string(b[i+8:i+12]), 16, 16)
			if err != nil || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 12
		case v >= 0xDC00 && v <= 0xDFFF:
			return true
		default:
			i += 6
		}
	}
}

// validQuery checks that a GET query string decodes to valid UTF-8.
func validQuery(raw string) bool {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return false
	}
	for _, vs := range vals {
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return false
			}
		}
	}
	return true
}

// aroundOperation counts operations and keeps mutations off websockets:
// sends go over HTTP, where bodies are checked byte for byte and limits
// apply per request.
func (h *Handler) aroundOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx).Operation
	kind := "unknown"
	if op != nil {
		kind = string(op.Operation)
	}
	if op != nil && op.Operation == ast.Mutation && requestFrom(ctx).sock != nil {
		h.metrics.Requests.WithLabelValues(kind, "refused").Inc()
		// The presenter does not see responses made here: code it now.
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{
			codedError(apperr.New(apperr.BadRequest, "mutations are sent over HTTP, not websockets")),
		}})
	}
	h.metrics.Requests.WithLabelValues(kind, "run").Inc()
	return next(ctx)
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// proxyList holds the trusted proxies.
type proxyList []netip.Prefix

func parseProxies(cidrs []string) (proxyList, error) {
	var out proxyList
	for _, c := range cidrs {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !strings.Contains(c, "/") {
			a, err := netip.ParseAddr(c)
			if err != nil {
				return nil, err
			}
			c = netip.PrefixFrom(a, a.BitLen()).String()
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (pl proxyList) trusted(a netip.Addr) bool {
	for _, p := range pl {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// clientAddr is the peer's address, or, behind trusted proxies, the last
// X-Forwarded-For hop that is not one of them.
func (pl proxyList) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !pl.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for _, hop := range slices.Backward(hops) {
		a, err := netip.ParseAddr(strings.TrimSpace(hop))
		if err != nil {
			return host
		}
		if !pl.trusted(a) {
			return a.String()
		}
	}
	return host
}
