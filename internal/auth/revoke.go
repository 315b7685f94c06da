package auth

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Grant is what a revocation takes away.
type Grant string

const (
	// GrantAgent is everything an agent holds: deactivating them (R28).
	GrantAgent Grant = "agent"
	// GrantToken is one API token (R28).
	GrantToken Grant = "token"
	// GrantSession is one widget session: its end user signed out of the
	// device.
	GrantSession Grant = "session"
)

// Revocation names a grant that ended before its time. Everything holding
// it ends at once, on every instance: the instance that revoked tells the
// others (a NOTIFY), and each calls Revoke.
type Revocation struct {
	Grant Grant
	ID    int64
}

// String is the revocation as it travels between instances.
func (r Revocation) String() string { return string(r.Grant) + ":" + strconv.FormatInt(r.ID, 10) }

// ParseRevocation reads what String wrote.
func ParseRevocation(s string) (Revocation, error) {
	g, id, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	switch Grant(g) {
	case GrantAgent, GrantToken, GrantSession:
	default:
		ok = false
	}
	if !ok || err != nil {
		return Revocation{}, fmt.Errorf("auth: not a revocation: %q", s)
	}
	return Revocation{Grant: Grant(g), ID: n}, nil
}

// grants are the grants an actor holds: an agent and the token used, or a
// session.
func (a *Actor) grants() []Revocation {
	var out []Revocation
	if a.Agent != nil {
		out = append(out, Revocation{GrantAgent, a.Agent.ID})
	}
	if a.Token != nil {
		out = append(out, Revocation{GrantToken, a.Token.ID})
	}
	if a.Session != nil {
		out = append(out, Revocation{GrantSession, a.Session.ID})
	}
	return out
}

// holders are the stop functions of what holds each grant.
type holders struct {
	mu   sync.Mutex
	held map[Revocation]map[*func()]struct{}
}

// Hold calls stop, once, when a grant of the actor is revoked, until
// release is called: a socket authenticated once at connection_init lives
// no longer than its grant.
func (au *Authenticator) Hold(a *Actor, stop func()) (release func()) {
	once := sync.OnceFunc(stop)
	key := &once
	grants := a.grants()
	h := &au.holders
	h.mu.Lock()
	for _, g := range grants {
		if h.held[g] == nil {
			h.held[g] = map[*func()]struct{}{}
		}
		h.held[g][key] = struct{}{}
	}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, g := range grants {
			delete(h.held[g], key)
			if len(h.held[g]) == 0 {
				delete(h.held, g)
			}
		}
	}
}

// Revoke ends a grant on this instance: nothing cached authenticates with
// it any more, and what holds it stops. The store has revoked it already.
func (au *Authenticator) Revoke(r Revocation) {
	au.generation.Add(1)
	// Revocations are rare: forgetting every cached lookup costs each
	// live token one read, and needs no index of the cache by grant.
	au.known.Purge()
	h := &au.holders
	h.mu.Lock()
	stops := make([]*func(), 0, len(h.held[r]))
	for stop := range h.held[r] {
		stops = append(stops, stop)
	}
	h.mu.Unlock()
	for _, stop := range stops {
		(*stop)()
	}
}
