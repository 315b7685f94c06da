package auth

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
)

// APIToken is one of an agent's API tokens, as listed: never its secret,
// which is shown once, at creation (R28).
type APIToken struct {
	ID        int64
	AccountID int64
	AgentID   int64
	Name      string
	CreatedAt time.Time
	// LastUsedAt is nil until the token is first used; it may be a few
	// minutes stale.
	LastUsedAt *time.Time
	// ExpiresAt is nil for a token that does not expire.
	ExpiresAt *time.Time
}

// Expired reports whether the token no longer authenticates at now.
func (t *APIToken) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// TokenStore is what managing tokens needs from storage.
type TokenStore interface {
	Agent(ctx context.Context, accountID, id int64) (*account.Agent, error)
	NewAPIToken(ctx context.Context, t *APIToken, hash []byte) error
	// APITokens lists an agent's tokens that are not revoked, oldest
	// first.
	APITokens(ctx context.Context, accountID, agentID int64) ([]*APIToken, error)
	APIToken(ctx context.Context, accountID, id int64) (*APIToken, error)
	RevokeAPIToken(ctx context.Context, accountID, id int64, at time.Time) error
	// EndSession ends a widget session: its token stops working.
	EndSession(ctx context.Context, accountID, id int64, at time.Time) error
}

// Tokens manages agents' API tokens and ends widget sessions (R28).
type Tokens struct {
	store TokenStore
	now   func() time.Time
	// revoked ends a grant at once on every instance: its sockets close.
	revoked func(ctx context.Context, r Revocation) error
}

// NewTokens returns the token service; revoked ends a revoked grant on
// every instance.
func NewTokens(store TokenStore, now func() time.Time, revoked func(ctx context.Context, r Revocation) error) *Tokens {
	return &Tokens{store: store, now: now, revoked: revoked}
}

// Token limits: a name people can tell apart in a list, and a bound on
// what one agent may accumulate.
const (
	maxTokenName      = 100
	maxTokensPerAgent = 50
)

// Create gives the calling agent a new API token, named, expiring at
// expiresAt (nil: never), and returns its secret: the only time it is
// known.
func (ts *Tokens) Create(ctx context.Context, actor *Actor, name string, expiresAt *time.Time) (*APIToken, string, error) {
	if err := Require(actor, RoleAgent); err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return nil, "", apperr.Invalid("name", "is required")
	case utf8.RuneCountInString(name) > maxTokenName:
		return nil, "", apperr.Invalid("name", "is longer than %d characters", maxTokenName)
	case expiresAt != nil && !expiresAt.After(ts.now()):
		return nil, "", apperr.Invalid("expiresAt", "must be in the future")
	}
	have, err := ts.store.APITokens(ctx, actor.AccountID(), actor.Agent.ID)
	if err != nil {
		return nil, "", err
	}
	if len(have) >= maxTokensPerAgent {
		return nil, "", apperr.New(apperr.BadUserInput, "an agent holds at most %d API tokens: revoke one first", maxTokensPerAgent)
	}
	secret, hash := NewAgentToken()
	t := &APIToken{AccountID: actor.AccountID(), AgentID: actor.Agent.ID, Name: name}
	if expiresAt != nil {
		at := expiresAt.UTC()
		t.ExpiresAt = &at
	}
	if err := ts.store.NewAPIToken(ctx, t, hash); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// List lists an agent's live tokens: the caller's own (agentID 0), or,
// for admins, any agent's of the account.
func (ts *Tokens) List(ctx context.Context, actor *Actor, agentID int64) ([]*APIToken, error) {
	if err := Require(actor, RoleAgent); err != nil {
		return nil, err
	}
	if agentID == 0 {
		agentID = actor.Agent.ID
	}
	if agentID != actor.Agent.ID {
		if err := Require(actor, RoleAdmin); err != nil {
			return nil, err
		}
		if _, err := ts.store.Agent(ctx, actor.AccountID(), agentID); err != nil {
			return nil, err
		}
	}
	return ts.store.APITokens(ctx, actor.AccountID(), agentID)
}

// Get returns one of the caller's tokens, or, for admins, any of the
// account's; someone else's token answers as an unknown one.
func (ts *Tokens) Get(ctx context.Context, actor *Actor, id int64) (*APIToken, error) {
	if err := Require(actor, RoleAgent); err != nil {
		return nil, err
	}
	t, err := ts.store.APIToken(ctx, actor.AccountID(), id)
	if err != nil {
		return nil, err
	}
	if t.AgentID != actor.Agent.ID && !actor.Has(RoleAdmin) {
		return nil, apperr.NotFoundf("API token")
	}
	return t, nil
}

// Revoke revokes one of the caller's tokens, or, for admins, any token of
// the account: it stops working and its open sockets close, on every
// instance (R28). Someone else's token answers as an unknown one.
func (ts *Tokens) Revoke(ctx context.Context, actor *Actor, id int64) (*APIToken, error) {
	t, err := ts.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := ts.store.RevokeAPIToken(ctx, t.AccountID, t.ID, ts.now()); err != nil {
		return nil, err
	}
	return t, ts.revoked(ctx, Revocation{GrantToken, t.ID})
}

// SignOut ends the caller's widget session ("sign out of this device"):
// its token stops working and its sockets close, on every instance.
func (ts *Tokens) SignOut(ctx context.Context, actor *Actor) error {
	if err := Require(actor, RoleEndUser); err != nil {
		return err
	}
	s := actor.Session
	if err := ts.store.EndSession(ctx, s.AccountID, s.ID, ts.now()); err != nil {
		return err
	}
	return ts.revoked(ctx, Revocation{GrantSession, s.ID})
}
