// Package auth knows who is calling: bearer tokens for agents, admins and
// widget sessions, the Actor of a request, the roles it holds (R20), and the
// abuse limits on what untrusted callers may do (R24).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
)

// Token prefixes tell the two kinds of bearer token apart without a lookup,
// and make leaked tokens easy to recognise in scanners.
const (
	agentTokenPrefix   = "lla_"
	sessionTokenPrefix = "lls_"
)

// Session is an end user's widget session: what a widget session token
// grants. It reaches only this end user's conversations.
type Session struct {
	ID        int64
	AccountID int64
	// WidgetID is the session's widget: its allowed origins bound where
	// the token may be used from.
	WidgetID  int64
	EndUserID int64
	ExpiresAt time.Time
}

// Actor is the authenticated caller of one request or websocket.
type Actor struct {
	// Agent is set for agents and admins.
	Agent *account.Agent
	// Token is the agent's API token the request came with.
	Token *APIToken
	// Session is set for end users.
	Session *Session
	// ClientAddr is the caller's network address, for abuse limits.
	ClientAddr string
	// tokenHash is the hash of the token the actor was authenticated
	// with, to check it again (Recheck).
	tokenHash string
	// generation is the authenticator's count of revocations when the
	// actor was authenticated: one since may have been missed (Hold).
	generation int64
}

// AccountID is the account the actor belongs to, or 0 when anonymous.
func (a *Actor) AccountID() int64 {
	switch {
	case a == nil:
		return 0
	case a.Agent != nil:
		return a.Agent.AccountID
	case a.Session != nil:
		return a.Session.AccountID
	}
	return 0
}

// Role is what a GraphQL field may require of its caller.
type Role string

const (
	RoleEndUser Role = "END_USER"
	RoleAgent   Role = "AGENT"
	RoleAdmin   Role = "ADMIN"
)

// Has reports whether the actor holds role. Admins hold the agent role too.
func (a *Actor) Has(role Role) bool {
	if a == nil {
		return false
	}
	switch role {
	case RoleEndUser:
		return a.Session != nil
	case RoleAgent:
		return a.Agent != nil
	case RoleAdmin:
		return a.Agent != nil && a.Agent.Role == account.RoleAdmin
	}
	return false
}

// Require is the single place where roles are enforced: it returns nil when
// the actor holds any of roles.
func Require(a *Actor, roles ...Role) error {
	if a == nil || (a.Agent == nil && a.Session == nil) {
		return apperr.New(apperr.Unauthenticated, "a bearer token is required")
	}
	if slices.ContainsFunc(roles, a.Has) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "this operation needs one of the roles %v", roles)
}

type actorKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// FromContext returns the actor of ctx; an anonymous actor when none is set.
func FromContext(ctx context.Context) *Actor {
	if a, ok := ctx.Value(actorKey{}).(*Actor); ok {
		return a
	}
	return &Actor{}
}

// NewAgentToken returns a new agent API token and the hash to store.
func NewAgentToken() (token string, hash []byte) { return newToken(agentTokenPrefix) }

// NewSessionToken returns a new widget session token and the hash to store.
func NewSessionToken() (token string, hash []byte) { return newToken(sessionTokenPrefix) }

func newToken(prefix string) (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	tok := prefix + base64.RawURLEncoding.EncodeToString(b)
	return tok, HashToken(tok)
}

// HashToken is how tokens are stored: 256 bits of randomness need no slow
// hash, and a fast one keeps every request to one indexed lookup.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Store is what authentication needs from storage.
type Store interface {
	// AgentToken finds an API token that is not revoked, and its agent,
	// who is not deactivated.
	AgentToken(ctx context.Context, hash []byte) (*account.Agent, *APIToken, error)
	SessionByTokenHash(ctx context.Context, hash []byte) (*Session, error)
	// TokenUsed records when an API token was last used.
	TokenUsed(ctx context.Context, id int64, at time.Time) error
}

// Origins tells whether a page at origin may use a widget. Widgets hold
// their allowed origins, and an admin may change them while a session
// lives, so the authenticator asks rather than keeping them in the session.
type Origins interface {
	AllowsOrigin(ctx context.Context, accountID, widgetID int64, origin string) (bool, error)
}

// Authenticator turns bearer tokens into actors.
type Authenticator struct {
	store   Store
	origins Origins
	now     func() time.Time
	// known caches recent lookups: every send is authenticated, and the
	// lookups would otherwise cost more than the write. A change to an
	// agent or a widget's origins takes effect within cacheTTL; session
	// expiry is checked on every request.
	known *lru.Cache[string, known]
	// allowed caches origin answers for as long, for the same reason.
	allowed *lru.Cache[originKey, allowed]
	// generation counts revocations: a lookup that started before one is
	// not cached, since it may have read what was just revoked.
	generation atomic.Int64
	// holders end what holds a grant once it is revoked (sockets).
	holders holders
}

type originKey struct {
	widgetID int64
	origin   string
}

type allowed struct {
	ok    bool
	until time.Time
}

type known struct {
	hash    string
	agent   *account.Agent
	token   *APIToken
	session *Session
	until   time.Time
}

// cacheTTL bounds how long a cached token lookup is trusted.
const cacheTTL = 30 * time.Second

// NewAuthenticator returns an Authenticator over store; origins says where
// sessions' widgets may be used from.
func NewAuthenticator(store Store, origins Origins, now func() time.Time) *Authenticator {
	c, _ := lru.New[string, known](100_000) // errors only on size <= 0
	o, _ := lru.New[originKey, allowed](100_000)
	return &Authenticator{store: store, origins: origins, now: now, known: c, allowed: o, holders: holders{held: map[Revocation]map[*holder]struct{}{}}}
}

// allows reports whether a page at origin may use the session's widget.
func (au *Authenticator) allows(ctx context.Context, s *Session, origin string) (bool, error) {
	key := originKey{widgetID: s.WidgetID, origin: origin}
	if a, ok := au.allowed.Get(key); ok && au.now().Before(a.until) {
		return a.ok, nil
	}
	ok, err := au.origins.AllowsOrigin(ctx, s.AccountID, s.WidgetID, origin)
	if err != nil {
		return false, unauthenticated(err) // a widget gone takes its sessions
	}
	au.allowed.Add(key, allowed{ok: ok, until: au.now().Add(cacheTTL)})
	return ok, nil
}

func (au *Authenticator) lookup(ctx context.Context, tok string) (known, error) {
	hash := HashToken(tok)
	if k, ok := au.known.Get(string(hash)); ok && au.now().Before(k.until) {
		return k, nil
	}
	gen := au.generation.Load()
	k := known{hash: string(hash), until: au.now().Add(cacheTTL)}
	var err error
	if strings.HasPrefix(tok, agentTokenPrefix) {
		k.agent, k.token, err = au.store.AgentToken(ctx, hash)
	} else {
		k.session, err = au.store.SessionByTokenHash(ctx, hash)
	}
	if err != nil {
		return k, unauthenticated(err)
	}
	if t := k.token; t != nil && (t.LastUsedAt == nil || au.now().Sub(*t.LastUsedAt) >= usedEvery) {
		if err := au.store.TokenUsed(ctx, t.ID, au.now()); err != nil {
			return k, err
		}
	}
	if au.generation.Load() == gen {
		au.known.Add(string(hash), k)
	}
	return k, nil
}

// usedEvery is how stale a token's "last used" may be: recording every use
// would turn every request into a write.
const usedEvery = 5 * time.Minute

// Authenticate returns the actor for an Authorization header value ("Bearer
// <token>" or the bare token). An empty value is the anonymous actor; an
// unknown or expired token is UNAUTHENTICATED.
//
// A browser's Origin must be one the session's widget allows.
func (au *Authenticator) Authenticate(ctx context.Context, header, clientAddr, origin string) (*Actor, error) {
	tok := strings.TrimSpace(header)
	if scheme, rest, ok := strings.Cut(tok, " "); ok && strings.EqualFold(scheme, "bearer") {
		tok = strings.TrimSpace(rest)
	} else if strings.EqualFold(tok, "bearer") {
		tok = ""
	}
	actor := &Actor{ClientAddr: clientAddr}
	if tok == "" {
		return actor, nil
	}
	if len(tok) > 200 {
		return nil, apperr.New(apperr.Unauthenticated, "invalid token")
	}
	if !strings.HasPrefix(tok, agentTokenPrefix) && !strings.HasPrefix(tok, sessionTokenPrefix) {
		return nil, apperr.New(apperr.Unauthenticated, "invalid token")
	}
	gen := au.generation.Load()
	k, err := au.lookup(ctx, tok)
	if err != nil {
		return nil, err
	}
	actor.Agent, actor.Token, actor.tokenHash, actor.generation = k.agent, k.token, k.hash, gen
	if t := k.token; t != nil && t.Expired(au.now()) {
		return nil, apperr.New(apperr.Unauthenticated, "the API token has expired")
	}
	if s := k.session; s != nil {
		if !au.now().Before(s.ExpiresAt) {
			return nil, apperr.New(apperr.Unauthenticated, "the widget session has expired")
		}
		ok, err := au.allows(ctx, s, origin)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.New(apperr.Forbidden, "origin %q may not use this widget", origin)
		}
		actor.Session = s
	}
	return actor, nil
}

func unauthenticated(err error) error {
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.New(apperr.Unauthenticated, "invalid token")
	}
	return err
}
