package auth

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
)

// R28: an expired API token is refused, and a token's last use is written
// at most every few minutes, not on every request.
func TestAuthenticateTokenExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	live, liveHash := NewAgentToken()
	old, oldHash := NewAgentToken()
	soon := now.Add(time.Minute)
	used := 0
	st := fakeStore{
		agents: map[string]*account.Agent{string(liveHash): {ID: 1, AccountID: 9, Role: account.RoleAgent}, string(oldHash): {ID: 1, AccountID: 9, Role: account.RoleAgent}},
		tokens: map[string]*APIToken{string(liveHash): {ID: 1, AgentID: 1, ExpiresAt: &soon}, string(oldHash): {ID: 2, AgentID: 1, ExpiresAt: &now}},
		used:   &used,
	}
	clock := now
	au := NewAuthenticator(st, shopOnly{}, func() time.Time { return clock })
	if _, err := au.Authenticate(context.Background(), old, "a", ""); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("expired token: %v", err)
	}
	a, err := au.Authenticate(context.Background(), live, "a", "")
	if err != nil || a.Token == nil || a.Token.ID != 1 {
		t.Fatalf("live token: %+v %v", a, err)
	}
	for range 3 {
		if _, err := au.Authenticate(context.Background(), live, "a", ""); err != nil {
			t.Fatal(err)
		}
	}
	if used != 2 { // one each for the two tokens' first lookups
		t.Errorf("last use written %d times, want 2", used)
	}
	// The cached lookup still checks the expiry.
	clock = soon
	if _, err := au.Authenticate(context.Background(), live, "a", ""); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("token past its expiry, from the cache: %v", err)
	}
}

// R28: revoking a grant stops what holds it, and only that, and forgets
// cached lookups so that the revoked token is read again.
func TestRevokeStopsHolders(t *testing.T) {
	tok, hash := NewAgentToken()
	agent := &account.Agent{ID: 7, AccountID: 9, Role: account.RoleAgent}
	st := fakeStore{agents: map[string]*account.Agent{string(hash): agent}}
	au := NewAuthenticator(st, shopOnly{}, time.Now)
	a, err := au.Authenticate(context.Background(), tok, "a", "")
	if err != nil {
		t.Fatal(err)
	}
	var stopped []string
	au.Hold(context.Background(), a, func() { stopped = append(stopped, "agent socket") })
	release := au.Hold(context.Background(), a, func() { stopped = append(stopped, "released socket") })
	release()
	au.Hold(context.Background(), &Actor{Session: &Session{ID: 3}}, func() { stopped = append(stopped, "session socket") })

	au.Revoke(Revocation{Grant: GrantToken, ID: 99})
	if len(stopped) != 0 {
		t.Fatalf("another token's revocation stopped %v", stopped)
	}
	au.Revoke(Revocation{Grant: GrantToken, ID: a.Token.ID})
	au.Revoke(Revocation{Grant: GrantAgent, ID: agent.ID}) // stops once
	if !slices.Equal(stopped, []string{"agent socket"}) {
		t.Errorf("stopped %v", stopped)
	}
	delete(st.agents, string(hash))
	if _, err := au.Authenticate(context.Background(), tok, "a", ""); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("after revocation the cache answered: %v", err)
	}
	au.Revoke(Revocation{Grant: GrantSession, ID: 3})
	if !slices.Equal(stopped, []string{"agent socket", "session socket"}) {
		t.Errorf("stopped %v", stopped)
	}
}

func TestRevocationRoundTrip(t *testing.T) {
	for _, r := range []Revocation{{GrantAgent, 1}, {GrantToken, 22}, {GrantSession, 333}, {GrantWidget, 4}} {
		if got, err := ParseRevocation(r.String()); err != nil || got != r {
			t.Errorf("%v: %v %v", r, got, err)
		}
	}
	for _, bad := range []string{"", "agent", "agent:x", "user:1", ":1"} {
		if _, err := ParseRevocation(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// fakeTokens is one account's tokens.
type fakeTokens struct {
	tokens  map[int64]*APIToken
	revoked []int64
	ended   []int64
	next    int64
}

func (f *fakeTokens) Agent(_ context.Context, accountID, id int64) (*account.Agent, error) {
	if accountID != 9 || id > 10 {
		return nil, apperr.NotFoundf("agent")
	}
	return &account.Agent{ID: id, AccountID: 9}, nil
}

func (f *fakeTokens) NewAPIToken(_ context.Context, t *APIToken, _ []byte) error {
	f.next++
	t.ID = f.next
	f.tokens[t.ID] = t
	return nil
}

func (f *fakeTokens) APITokens(_ context.Context, _, agentID int64) ([]*APIToken, error) {
	var out []*APIToken
	for _, t := range f.tokens {
		if t.AgentID == agentID && !slices.Contains(f.revoked, t.ID) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (f *fakeTokens) APIToken(_ context.Context, accountID, id int64) (*APIToken, error) {
	t := f.tokens[id]
	if t == nil || t.AccountID != accountID || slices.Contains(f.revoked, id) {
		return nil, apperr.NotFoundf("API token")
	}
	return t, nil
}

func (f *fakeTokens) RevokeAPIToken(_ context.Context, _, id int64, _ time.Time) error {
	f.revoked = append(f.revoked, id)
	return nil
}

func (f *fakeTokens) EndSession(_ context.Context, _, id int64, _ time.Time) error {
	f.ended = append(f.ended, id)
	return nil
}

// R28: tokens are created with a name and an expiry in the future, listed
// per agent, revoked by their agent or an admin; someone else's token is
// unknown to an agent. Every revocation reaches the other instances.
func TestTokens(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := &fakeTokens{tokens: map[int64]*APIToken{}}
	var told []Revocation
	ts := NewTokens(st, func() time.Time { return now }, func(_ context.Context, r Revocation) error {
		told = append(told, r)
		return nil
	})
	ctx := context.Background()
	ann := &Actor{Agent: &account.Agent{ID: 1, AccountID: 9, Role: account.RoleAgent}}
	bob := &Actor{Agent: &account.Agent{ID: 2, AccountID: 9, Role: account.RoleAgent}}
	boss := &Actor{Agent: &account.Agent{ID: 3, AccountID: 9, Role: account.RoleAdmin}}
	past, later := now.Add(-time.Second), now.Add(time.Hour)

	for name, tc := range map[string]struct {
		name  string
		until *time.Time
		field string
	}{
		"no name":      {"  ", nil, "name"},
		"long name":    {string(make([]byte, 101)), nil, "name"},
		"expired":      {"ci", &past, "expiresAt"},
		"expiring now": {"ci", &now, "expiresAt"},
	} {
		if _, _, err := ts.Create(ctx, ann, tc.name, tc.until); !isInvalid(err, tc.field) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(st.tokens) != 0 {
		t.Fatalf("refused creations wrote %d tokens", len(st.tokens))
	}
	tok, secret, err := ts.Create(ctx, ann, " ci ", &later)
	if err != nil || tok.Name != "ci" || !tok.ExpiresAt.Equal(later) || string(HashToken(secret)) == "" || secret[:4] != agentTokenPrefix {
		t.Fatalf("create: %+v %q %v", tok, secret, err)
	}
	if _, _, err := ts.Create(ctx, &Actor{Session: &Session{ID: 1}}, "x", nil); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("end user creating a token: %v", err)
	}

	if l, err := ts.List(ctx, ann, 0); err != nil || len(l) != 1 {
		t.Errorf("own list: %v %v", l, err)
	}
	if _, err := ts.List(ctx, bob, 1); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an agent listing another's tokens: %v", err)
	}
	if l, err := ts.List(ctx, boss, 1); err != nil || len(l) != 1 {
		t.Errorf("admin listing an agent's tokens: %v %v", l, err)
	}
	if _, err := ts.List(ctx, boss, 42); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("admin listing an unknown agent's tokens: %v", err)
	}

	if _, err := ts.Revoke(ctx, bob, tok.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an agent revoking another's token: %v", err)
	}
	if len(st.revoked)+len(told) != 0 {
		t.Fatal("a refused revocation revoked")
	}
	if _, err := ts.Revoke(ctx, boss, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Revoke(ctx, ann, tok.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("revoking twice: %v", err)
	}
	if err := ts.SignOut(ctx, &Actor{Session: &Session{ID: 5, AccountID: 9}}); err != nil {
		t.Fatal(err)
	}
	if err := ts.SignOut(ctx, ann); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an agent signing out a session: %v", err)
	}
	if want := []Revocation{{GrantToken, tok.ID}, {GrantSession, 5}}; !slices.Equal(told, want) || !slices.Equal(st.ended, []int64{5}) {
		t.Errorf("told %v, ended %v", told, st.ended)
	}
}

func isInvalid(err error, field string) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == apperr.BadUserInput && e.Field == field
}

// R28: after the listener missed revocations, every held token is looked
// up again, and only those that no longer authenticate stop.
func TestRecheck(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	keep, keepHash := NewAgentToken()
	gone, goneHash := NewAgentToken()
	sess, sessHash := NewSessionToken()
	st := fakeStore{
		agents:   map[string]*account.Agent{string(keepHash): {ID: 1, AccountID: 9}, string(goneHash): {ID: 2, AccountID: 9}},
		sessions: map[string]*Session{string(sessHash): {ID: 3, AccountID: 9, WidgetID: 5, ExpiresAt: now.Add(time.Hour)}},
	}
	au := NewAuthenticator(st, shopOnly{}, func() time.Time { return now })
	var stopped []string
	for name, tok := range map[string]string{"keep": keep, "gone": gone, "session": sess} {
		a, err := au.Authenticate(context.Background(), tok, "a", "")
		if err != nil {
			t.Fatal(err)
		}
		au.Hold(context.Background(), a, func() { stopped = append(stopped, name) })
	}
	au.Recheck(context.Background())
	if len(stopped) != 0 {
		t.Fatalf("nothing was revoked, yet %v stopped", stopped)
	}
	delete(st.agents, string(goneHash))
	st.sessions[string(sessHash)].ExpiresAt = now // signed out
	au.Recheck(context.Background())
	slices.Sort(stopped)
	if !slices.Equal(stopped, []string{"gone", "session"}) {
		t.Errorf("stopped %v", stopped)
	}
}

// R28: a socket authenticated just before its token was revoked, and
// holding it only after, is stopped at once.
func TestHoldAfterRevocation(t *testing.T) {
	tok, hash := NewAgentToken()
	st := fakeStore{agents: map[string]*account.Agent{string(hash): {ID: 7, AccountID: 9}}}
	au := NewAuthenticator(st, shopOnly{}, time.Now)
	a, err := au.Authenticate(context.Background(), tok, "a", "")
	if err != nil {
		t.Fatal(err)
	}
	delete(st.agents, string(hash))
	au.Revoke(Revocation{Grant: GrantToken, ID: a.Token.ID})
	stopped := false
	au.Hold(context.Background(), a, func() { stopped = true })
	if !stopped {
		t.Error("the late holder of a revoked token was not stopped")
	}
}
