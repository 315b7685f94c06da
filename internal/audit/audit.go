// Package audit keeps the account's audit log (R28): every change to its
// settings, integrations, widgets, members and tokens, with who made it,
// when, and what they asked for, readable by its admins.
package audit

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/linkline/linkline/internal/auth"
)

// Entry is one recorded action.
type Entry struct {
	ID        int64
	AccountID int64
	// AgentID is who acted.
	AgentID int64
	// ActorName is their name when they acted.
	ActorName string
	// Action names the operation, e.g. setWidgetOrigins.
	Action string
	// Input is what was asked for, as a JSON object, secrets redacted.
	Input string
	At    time.Time
}

// Store keeps entries.
type Store interface {
	NewAuditEntry(ctx context.Context, e *Entry) error
	// AuditEntries returns up to limit entries of the account older than
	// entry before (0: from the newest), newest first.
	AuditEntries(ctx context.Context, accountID, before int64, limit int) ([]*Entry, error)
}

// Log records and lists actions.
type Log struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
}

// NewLog returns the audit log.
func NewLog(store Store, now func() time.Time, log *slog.Logger) *Log {
	return &Log{store: store, now: now, log: log}
}

// secrets are the input fields never written to the log: credentials an
// admin sends are write-only (R20, R36).
var secrets = map[string]bool{"accessToken": true, "appSecret": true, "verifyToken": true, "token": true}

// Record adds a completed action of actor's to the log. input is the
// operation's input as the transport decoded it; it must marshal to a JSON
// object. The action already happened, so a failure to record it is
// logged, not returned.
func (l *Log) Record(ctx context.Context, actor *auth.Actor, action string, input any) {
	if actor.Agent == nil {
		return
	}
	e := &Entry{AccountID: actor.Agent.AccountID, AgentID: actor.Agent.ID, ActorName: actor.Agent.Name, Action: action, At: l.now().UTC()}
	var err error
	if e.Input, err = redacted(input); err == nil {
		err = l.store.NewAuditEntry(ctx, e)
	}
	if err != nil {
		l.log.ErrorContext(ctx, "audit entry not recorded", "action", action, "agent", e.AgentID, "err", err)
	}
}

// redacted is input as JSON without its secrets' values.
func redacted(input any) (string, error) {
	b, err := json.Marshal(input)
	if err != nil {
		return "", err
	}
	fields := map[string]any{}
	if err := json.Unmarshal(b, &fields); err != nil {
		return "", err
	}
	redact(fields)
	b, err = json.Marshal(fields)
	return string(b), err
}

// redact replaces the secrets' values in v, at any depth: an input that
// nests its credentials keeps them out of the log too.
func redact(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if secrets[k] && x != nil {
				v[k] = "[redacted]"
			} else {
				redact(x)
			}
		}
	case []any:
		for _, x := range v {
			redact(x)
		}
	}
}

// Entries pages through the admin's account's log, newest first.
func (l *Log) Entries(ctx context.Context, actor *auth.Actor, before int64, limit int) ([]*Entry, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	return l.store.AuditEntries(ctx, actor.Agent.AccountID, before, limit)
}
