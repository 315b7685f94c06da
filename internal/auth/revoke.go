package auth

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/linkline/linkline/internal/apperr"
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
	// GrantWidget is every session of a widget: an admin deleted it.
	GrantWidget Grant = "widget"
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
	case GrantAgent, GrantToken, GrantSession, GrantWidget:
	default:
		ok = false
	}
	if !ok || err != nil {
		return Revocation{}, fmt.Errorf("auth: not a revocation: %q", s)
	}
	return Revocation{Grant: Grant(g), ID: n}, nil
}

// grants are the grants an actor holds: an agent and the token used, or a
// session and its widget.
func (a *Actor) grants() []Revocation {
	var out []Revocation
	if a.Agent != nil {
		out = append(out, Revocation{GrantAgent, a.Agent.ID})
	}
	if a.Token != nil {
		out = append(out, Revocation{GrantToken, a.Token.ID})
	}
	if a.Session != nil {
		out = append(out, Revocation{GrantSession, a.Session.ID}, Revocation{GrantWidget, a.Session.WidgetID})
	}
	return out
}

// holders are what holds each grant: a stop function, and the token it
// was authenticated with, to check again.
type holders struct {
	mu   sync.Mutex
	held map[Revocation]map[*holder]struct{}
}

type holder struct {
	stop      func()
	tokenHash string
	agent     bool
}

// Hold calls stop, once, when a grant of the actor is revoked, until
// release is called: a socket authenticated once at connection_init lives
// no longer than its grant. A revocation between the actor's
// authentication and Hold is not missed: the token is then checked again.
func (au *Authenticator) Hold(ctx context.Context, a *Actor, stop func()) (release func()) {
	key := &holder{stop: sync.OnceFunc(stop), tokenHash: a.tokenHash, agent: a.Agent != nil}
	grants := a.grants()
	h := &au.holders
	h.mu.Lock()
	for _, g := range grants {
		if h.held[g] == nil {
			h.held[g] = map[*holder]struct{}{}
		}
		h.held[g][key] = struct{}{}
	}
	h.mu.Unlock()
	if len(grants) > 0 && au.generation.Load() != a.generation && !au.valid(ctx, key) {
		key.stop()
	}
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
	// live token one read, and needs no index of the cache by grant. A
	// deleted widget's origins go too.
	au.known.Purge()
	if r.Grant == GrantWidget {
		au.allowed.Purge()
	}
	h := &au.holders
	h.mu.Lock()
	stops := make([]*holder, 0, len(h.held[r]))
	for k := range h.held[r] {
		stops = append(stops, k)
	}
	h.mu.Unlock()
	for _, k := range stops {
		k.stop()
	}
}

// Recheck looks up again every token that something holds, and stops what
// holds one that no longer authenticates. It is for when revocations may
// have been missed: the listener that hears them was disconnected. Cached
// lookups are forgotten too.
func (au *Authenticator) Recheck(ctx context.Context) {
	au.generation.Add(1)
	au.known.Purge()
	byToken := map[string][]*holder{}
	h := &au.holders
	h.mu.Lock()
	for _, ks := range h.held {
		for k := range ks {
			byToken[k.tokenHash] = append(byToken[k.tokenHash], k)
		}
	}
	h.mu.Unlock()
	for _, ks := range byToken {
		if au.valid(ctx, ks[0]) {
			continue
		}
		for _, k := range ks {
			k.stop()
		}
	}
}

// valid looks a holder's token up again. Only a definite answer makes it
// invalid: a database that does not answer now is no reason to close
// sockets.
func (au *Authenticator) valid(ctx context.Context, k *holder) bool {
	var err error
	if k.agent {
		_, _, err = au.store.AgentToken(ctx, []byte(k.tokenHash))
	} else {
		var s *Session
		if s, err = au.store.SessionByTokenHash(ctx, []byte(k.tokenHash)); err == nil && !au.now().Before(s.ExpiresAt) {
			err = apperr.NotFoundf("session")
		}
	}
	return apperr.CodeOf(err) != apperr.NotFound
}
