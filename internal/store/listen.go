package store

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// SettingsChannel is the PostgreSQL channel on which an account's changed
// widget menus are announced.
const SettingsChannel = "linkline_settings"

// Listener follows NotifyChannel and SettingsChannel on one dedicated
// PostgreSQL connection: it tells the broker which accounts have new
// events, so a subscriber on this instance sees what another instance wrote
// (R22), and wakes widgets whose menus another instance changed. NOTIFY
// replays nothing to a connection that was down, so after every
// (re)connect onConnect re-reads what may have been missed.
type Listener struct {
	url       string
	log       *slog.Logger
	onNotify  func(accountID, seq int64)
	onChanged func(accountID int64)
	onConnect func()
	connected atomic.Bool
}

// NewListener returns a listener; onNotify gets each announced account
// position, onChanged each account whose menus changed, onConnect runs
// after each (re)connect.
func NewListener(db *DB, log *slog.Logger, onNotify func(accountID, seq int64), onChanged func(accountID int64), onConnect func()) *Listener {
	return &Listener{url: db.url, log: log, onNotify: onNotify, onChanged: onChanged, onConnect: onConnect}
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
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel+"; LISTEN "+SettingsChannel); err != nil {
		return err
	}
	l.connected.Store(true)
	l.onConnect()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == SettingsChannel {
			if a, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
				l.onChanged(a)
			}
			continue
		}
		for part := range strings.SplitSeq(n.Payload, ",") {
			acct, seq, ok := strings.Cut(part, ":")
			a, err1 := strconv.ParseInt(acct, 10, 64)
			s, err2 := strconv.ParseInt(seq, 10, 64)
			if ok && err1 == nil && err2 == nil {
				l.onNotify(a, s)
			}
		}
	}
}
