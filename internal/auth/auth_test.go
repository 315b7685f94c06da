package auth

import (
	"context"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
)

type fakeStore struct {
	agents   map[string]*account.Agent
	tokens   map[string]*APIToken
	sessions map[string]*Session
	// used counts TokenUsed calls.
	used *int
}

func (f fakeStore) AgentToken(_ context.Context, h []byte) (*account.Agent, *APIToken, error) {
	if a, ok := f.agents[string(h)]; ok {
		t := f.tokens[string(h)]
		if t == nil {
			t = &APIToken{ID: a.ID * 100, AccountID: a.AccountID, AgentID: a.ID}
		}
		return a, t, nil
	}
	return nil, nil, apperr.NotFoundf("agent")
}

func (f fakeStore) TokenUsed(context.Context, int64, time.Time) error {
	if f.used != nil {
		*f.used++
	}
	return nil
}

func (f fakeStore) SessionByTokenHash(_ context.Context, h []byte) (*Session, error) {
	if s, ok := f.sessions[string(h)]; ok {
		return s, nil
	}
	return nil, apperr.NotFoundf("session")
}

// shopOnly lets widget 5 be used from its shop's pages only.
type shopOnly struct{}

func (shopOnly) AllowsOrigin(_ context.Context, _, widgetID int64, origin string) (bool, error) {
	if widgetID != 5 {
		return false, apperr.NotFoundf("widget")
	}
	return origin == "" || origin == "https://shop.example", nil
}

// R20: tokens are recognised by hash, sessions expire and are bound to
// their widget's origins.
func TestAuthenticate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	agentTok, agentHash := NewAgentToken()
	liveTok, liveHash := NewSessionToken()
	oldTok, oldHash := NewSessionToken()
	st := fakeStore{
		agents: map[string]*account.Agent{string(agentHash): {ID: 1, AccountID: 9, Role: account.RoleAgent}},
		sessions: map[string]*Session{
			string(liveHash): {ID: 2, AccountID: 9, WidgetID: 5, EndUserID: 3, ExpiresAt: now.Add(time.Hour)},
			string(oldHash):  {ID: 3, AccountID: 9, WidgetID: 5, EndUserID: 4, ExpiresAt: now.Add(-time.Second)},
		},
	}
	au := NewAuthenticator(st, shopOnly{}, func() time.Time { return now })
	ctx := context.Background()
	for _, tc := range []struct {
		name, header, origin string
		code                 apperr.Code
		role                 Role
	}{
		{"agent bearer", "Bearer " + agentTok, "", "", RoleAgent},
		{"agent bare", agentTok, "", "", RoleAgent},
		{"session", "bearer " + liveTok, "https://shop.example", "", RoleEndUser},
		{"session from a foreign origin", "Bearer " + liveTok, "https://evil.example", apperr.Forbidden, ""},
		{"expired session", "Bearer " + oldTok, "", apperr.Unauthenticated, ""},
		{"unknown agent token", "Bearer lla_nope", "", apperr.Unauthenticated, ""},
		{"unknown prefix", "Bearer xyz", "", apperr.Unauthenticated, ""},
		{"no token", "", "", "", ""},
		{"scheme only", "Bearer", "", "", ""},
	} {
		a, err := au.Authenticate(ctx, tc.header, "192.0.2.1", tc.origin)
		if tc.code != "" {
			if apperr.CodeOf(err) != tc.code {
				t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tc.role == "" && (a.Agent != nil || a.Session != nil) || tc.role != "" && !a.Has(tc.role) {
			t.Errorf("%s: actor %+v", tc.name, a)
		}
	}
	if string(HashToken(agentTok)) != string(agentHash) {
		t.Error("HashToken disagrees with NewAgentToken")
	}
}

// R20: roles are checked in one place; admins hold the agent role too.
func TestRequire(t *testing.T) {
	admin := &Actor{Agent: &account.Agent{Role: account.RoleAdmin}}
	agent := &Actor{Agent: &account.Agent{Role: account.RoleAgent}}
	user := &Actor{Session: &Session{}}
	for _, tc := range []struct {
		actor *Actor
		roles []Role
		code  apperr.Code
	}{
		{admin, []Role{RoleAgent}, ""},
		{admin, []Role{RoleAdmin}, ""},
		{agent, []Role{RoleAdmin}, apperr.Forbidden},
		{user, []Role{RoleAgent}, apperr.Forbidden},
		{user, []Role{RoleEndUser, RoleAgent}, ""},
		{&Actor{}, []Role{RoleEndUser}, apperr.Unauthenticated},
	} {
		err := Require(tc.actor, tc.roles...)
		if tc.code == "" && err != nil || tc.code != "" && apperr.CodeOf(err) != tc.code {
			t.Errorf("Require(%+v, %v) = %v, want %q", tc.actor, tc.roles, err, tc.code)
		}
	}
}

// R24: a refused action costs nothing in any bucket, and agents are never
// counted.
func TestLimiter(t *testing.T) {
	l := NewLimiter(LimitsConfig{
		SendPerSession: Rate{Events: 1, Per: time.Hour, Burst: 2},
		SendPerAddr:    Rate{Events: 1, Per: time.Hour, Burst: 3},
	}, nil)
	s1 := &Actor{Session: &Session{ID: 1}, ClientAddr: "a"}
	s2 := &Actor{Session: &Session{ID: 2}, ClientAddr: "a"}
	for i := range 2 {
		if err := l.Allow(t.Context(), s1, ActionSend); err != nil {
			t.Fatalf("send %d was refused: %v", i+1, err)
		}
	}
	err := l.Allow(t.Context(), s1, ActionSend)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.RateLimited || e.RetryAfter <= 0 {
		t.Fatalf("third send: %v", err)
	}
	// s1's refused send did not use the address's last token.
	if err := l.Allow(t.Context(), s2, ActionSend); err != nil {
		t.Fatalf("another session at the address: %v", err)
	}
	if err := l.Allow(t.Context(), s2, ActionSend); apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("the address is spent: %v", err)
	}
	agent := &Actor{Agent: &account.Agent{}, ClientAddr: "a"}
	for range 10 {
		if err := l.Allow(t.Context(), agent, ActionSend); err != nil {
			t.Fatalf("agent limited: %v", err)
		}
	}
}
