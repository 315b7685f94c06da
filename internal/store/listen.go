package store

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/feed"
)

// SettingsChannel is the PostgreSQL channel on which an account's changed
// widget menus are announced.
const SettingsChannel = "linkline_settings"

// PresenceChannel is the PostgreSQL channel on which live-only events
// (agents viewing or replying, R29; typing, R31) travel, each whole, as JSON.
const PresenceChannel = "linkline_presence"

// Notified is told what the listener hears from the other instances.
type Notified interface {
	// Announced: the account's events up to seq committed somewhere.
	Announced(accountID, seq int64)
	// Changed: the account's widget settings, menus or link requests
	// changed somewhere.
	Changed(accountID int64)
	// Presented: a live-only event happened somewhere.
	Presented(e *feed.Event)
	// Revoked: a grant was revoked somewhere; what holds it here ends.
	Revoked(r auth.Revocation)
	// Reconnected: the listener (re)connected, after a time in which
	// anything may have been missed.
	Reconnected()
}

// Listener follows NotifyChannel, SettingsChannel and RevocationsChannel on one dedicated
// PostgreSQL connection, so that a subscriber on this instance sees what
// another instance wrote (R22) and widgets see what another instance
// changed (R3). NOTIFY replays nothing to a connection that was down, so
// every (re)connect is reported: what may have been missed is re-read.
type Listener struct {
	url       string
	instance  string
	log       *slog.Logger
	notified  Notified
	connected atomic.Bool
	// Reconnected, when set, observes each connection after the first.
	Reconnected func()
	// wasConnected is Run's own: whether a connection came before.
	wasConnected bool
}

// NewListener returns a listener telling notified what it hears.
func NewListener(db *DB, log *slog.Logger, notified Notified) *Listener {
	return &Listener{url: db.url, instance: db.instance, log: log, notified: notified}
}

// Connected reports whether the listener is connected (readiness).
func (l *Listener) Connected() bool { return l.connected.Load() }

// Run listens until ctx ends, reconnecting with a short delay.
func (l *Listener) Run(ctx context.Context) {
	for ctx.Err() == nil {
		err := l.listen(ctx)
		l.connected.Store(false)
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("listener: disconnected; reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (l *Listener) listen(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, l.url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel+"; LISTEN "+SettingsChannel+"; LISTEN "+RevocationsChannel+"; LISTEN "+PresenceChannel); err != nil {
		return err
	}
	l.connected.Store(true)
	if l.wasConnected && l.Reconnected != nil {
		l.Reconnected()
	}
	l.wasConnected = true
	l.notified.Reconnected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch n.Channel {
		case SettingsChannel:
			if a, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
				l.notified.Changed(a)
			}
			continue
		case PresenceChannel:
			var p presenceNotice
			if err := json.Unmarshal([]byte(n.Payload), &p); err == nil && p.From != l.instance && p.Event.Live() && p.Event.Conversation != nil {
				l.notified.Presented(&p.Event)
			}
			continue
		case RevocationsChannel:
			if r, err := auth.ParseRevocation(n.Payload); err == nil {
				l.notified.Revoked(r)
			}
			continue
		}
		for part := range strings.SplitSeq(n.Payload, ",") {
			acct, seq, ok := strings.Cut(part, ":")
			a, err1 := strconv.ParseInt(acct, 10, 64)
			s, err2 := strconv.ParseInt(seq, 10, 64)
			if ok && err1 == nil && err2 == nil {
				l.notified.Announced(a, s)
			}
		}
	}
}

// presenceNotice is a live-only event on PresenceChannel, with the instance
// that made it: that instance's own listener hears it too, and skips it.
type presenceNotice struct {
	From  string
	Event feed.Event
}

// AnnouncePresence passes a live-only event to the other instances.
func (db *DB) AnnouncePresence(ctx context.Context, e *feed.Event) error {
	if !db.postgres {
		return nil
	}
	b, err := json.Marshal(presenceNotice{From: db.instance, Event: *e})
	if err != nil {
		return err
	}
	return db.gorm.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", PresenceChannel, string(b)).Error
}
