package audit

import (
	"context"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/auth"
)

type memStore struct{ entries []*Entry }

func (m *memStore) NewAuditEntry(_ context.Context, e *Entry) error {
	m.entries = append(m.entries, e)
	return nil
}

func (m *memStore) AuditEntries(context.Context, int64, int64, int) ([]*Entry, error) {
	return m.entries, nil
}

// R28, R20: an action is recorded with who and when, and the credentials
// in its input never reach the log.
func TestRecordRedactsSecrets(t *testing.T) {
	store := &memStore{}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l := NewLog(store, func() time.Time { return at }, nil)
	admin := &auth.Actor{Agent: &account.Agent{ID: 3, AccountID: 7, Name: "Ana", Role: account.RoleAdmin}}
	type input struct {
		Handle      string  `json:"handle"`
		AccessToken *string `json:"accessToken"`
		AppSecret   *string `json:"appSecret"`
	}
	secret := "EAA-very-secret"
	l.Record(context.Background(), admin, "updateIntegration", input{Handle: "acme", AccessToken: &secret})
	if len(store.entries) != 1 {
		t.Fatalf("%d entries", len(store.entries))
	}
	e := store.entries[0]
	want := `{"accessToken":"[redacted]","appSecret":null,"handle":"acme"}`
	if e.Input != want || e.AccountID != 7 || e.AgentID != 3 || e.ActorName != "Ana" || e.Action != "updateIntegration" || !e.At.Equal(at) {
		t.Errorf("recorded %+v, want input %s", e, want)
	}
}

// R28, R20: credentials nested in an input are redacted too.
func TestRecordRedactsNestedSecrets(t *testing.T) {
	store := &memStore{}
	l := NewLog(store, time.Now, nil)
	admin := &auth.Actor{Agent: &account.Agent{ID: 3, AccountID: 7, Role: account.RoleAdmin}}
	input := map[string]any{"name": "shop", "credentials": []any{map[string]any{"token": "ll_secret", "kind": "api"}}}
	l.Record(context.Background(), admin, "somethingNested", input)
	want := `{"credentials":[{"kind":"api","token":"[redacted]"}],"name":"shop"}`
	if got := store.entries[0].Input; got != want {
		t.Errorf("recorded %s, want %s", got, want)
	}
}
