package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/linkline/linkline/internal/auth"
)

func limited(t *testing.T, name string, r gqlResponse) {
	t.Helper()
	if r.code() != "RATE_LIMITED" {
		t.Errorf("%s: want RATE_LIMITED, got %+v", name, r.Errors)
		return
	}
	if s, _ := r.Errors[0].Extensions["retryAfterSeconds"].(float64); s < 1 {
		t.Errorf("%s: retryAfterSeconds = %v", name, r.Errors[0].Extensions["retryAfterSeconds"])
	}
}

// R24: conversation starts and sends are limited per widget session and per
// client address, with a coded error saying when to retry; agents are not
// counted against end users' limits. On PostgreSQL the buckets are shared
// (R36), on SQLite in process: the limits read alike.
func TestRateLimits(t *testing.T) {
	t.Run("sends per session", func(t *testing.T) {
		t.Parallel()
		bothStores(t, func(t *testing.T, kind storeKind) {
			b := setup(t, kind, func(c *Config) {
				c.Limits = auth.LimitsConfig{SendPerSession: auth.Rate{Events: 3, Per: time.Minute, Burst: 3}}
			})
			c := b.start(t, b.widgetKey, "Chatty")
			other := b.start(t, b.widgetKey, "Calm")
			for i := range 3 {
				b.mustSend(t, c, "hi", fmt.Sprint("m", i))
			}
			limited(t, "fourth send", b.send(t, c, "hi", "m4"))
			if n := b.messageCount(t, b.agent, c); n != 3 {
				t.Errorf("a refused send was stored: %d messages", n)
			}
			b.mustSend(t, other, "my own budget", "o1")
			for i := range 5 {
				if r := b.reply(t, b.agent, c, "agents are not throttled", fmt.Sprint("r", i)); len(r.Errors) > 0 {
					t.Errorf("agent reply: %+v", r.Errors)
				}
			}
		})
	})
	t.Run("sends per address", func(t *testing.T) {
		t.Parallel()
		bothStores(t, func(t *testing.T, kind storeKind) {
			b := setup(t, kind, func(c *Config) {
				c.Limits = auth.LimitsConfig{SendPerAddr: auth.Rate{Events: 4, Per: time.Minute, Burst: 4}}
			})
			c1, c2 := b.start(t, b.widgetKey, "One"), b.start(t, b.widgetKey, "Two")
			b.mustSend(t, c1, "a", "a1")
			b.mustSend(t, c2, "b", "b1")
			b.mustSend(t, c1, "a", "a2")
			b.mustSend(t, c2, "b", "b2")
			limited(t, "fifth send from the address", b.send(t, c1, "a", "a3"))
		})
	})
	t.Run("starts per address", func(t *testing.T) {
		t.Parallel()
		bothStores(t, func(t *testing.T, kind storeKind) {
			b := setup(t, kind, func(c *Config) {
				c.Limits = auth.LimitsConfig{StartPerAddr: auth.Rate{Events: 2, Per: time.Minute, Burst: 2}}
			})
			b.start(t, b.widgetKey, "1")
			b.start(t, b.widgetKey, "2")
			limited(t, "third start", b.post(t, "", startMutation, map[string]any{"key": b.widgetKey}))
		})
	})
	t.Run("client address behind a trusted proxy", func(t *testing.T) {
		t.Parallel()
		bothStores(t, func(t *testing.T, kind storeKind) {
			b := setup(t, kind, func(c *Config) {
				c.Limits = auth.LimitsConfig{StartPerAddr: auth.Rate{Events: 1, Per: time.Minute, Burst: 1}}
				c.HTTP.TrustedProxies = []string{"127.0.0.1", "::1"}
			})
			start := func(client string) gqlResponse {
				body := mustJSON(map[string]any{"query": startMutation, "variables": map[string]any{"key": b.widgetKey}})
				return b.postRaw(t, "", body, http.Header{"X-Forwarded-For": {client}})
			}
			if r := start("203.0.113.1"); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			if r := start("203.0.113.2"); len(r.Errors) > 0 {
				t.Errorf("another client behind the proxy was limited: %+v", r.Errors)
			}
			limited(t, "the first client again", start("203.0.113.1"))
		})
	})
}

// R36, R24: two instances on one PostgreSQL admit a client's configured
// allowance between them, not once each: sends per session and starts per
// address, alternated across the instances over HTTP, stop at the burst,
// and the refused ones are not stored.
func TestRateLimitsAcrossInstances(t *testing.T) {
	t.Parallel()
	b := setup(t, postgres, func(c *Config) {
		c.Limits = auth.LimitsConfig{
			StartPerAddr:   auth.Rate{Events: 3, Per: time.Hour, Burst: 3},
			SendPerSession: auth.Rate{Events: 4, Per: time.Hour, Burst: 4},
		}
	})
	other := b.secondInstance(t)
	instances := []*testBundle{b, other}

	c := b.start(t, b.widgetKey, "Everywhere")
	sent := 0
	for i := range 10 {
		r := instances[i%2].send(t, c, "hello", fmt.Sprint("m", i))
		if len(r.Errors) == 0 {
			sent++
		} else {
			limited(t, fmt.Sprint("send ", i), r)
		}
	}
	if sent != 4 {
		t.Errorf("two instances admitted %d sends of one session, want the configured 4", sent)
	}
	if n := b.messageCount(t, b.agent, c); n != 4 {
		t.Errorf("%d messages stored, want 4", n)
	}

	// The first start above counts: two more from the address, on either.
	started := 1
	for i := range 6 {
		r := instances[(i+1)%2].post(t, "", startMutation, map[string]any{"key": b.widgetKey})
		if len(r.Errors) == 0 {
			started++
		} else {
			limited(t, fmt.Sprint("start ", i), r)
		}
	}
	if started != 3 {
		t.Errorf("two instances admitted %d starts from one address, want the configured 3", started)
	}
}

// R24: websockets are limited per client address, per socket in
// subscriptions, in frame size and in the time allowed before
// connection_init; each limit closes or refuses with the protocol's codes.
func TestSocketLimits(t *testing.T) {
	b := setup(t, sqlite, func(c *Config) {
		c.HTTP.MaxSocketsPerAddr = 3
		c.HTTP.MaxSubscriptionsPerSocket = 2
		c.HTTP.WSReadLimit = 2048
		c.HTTP.WSInitTimeout = 300 * time.Millisecond
	})
	c := b.start(t, b.widgetKey, "Sockets")

	t.Run("subscriptions per socket", func(t *testing.T) {
		ws := b.connect(t, transportWS, c.session)
		for _, id := range []string{"1", "2", "3"} {
			ws.subscribe(id, conversationEvents, map[string]any{"id": c.id, "after": c.cursor})
		}
		// They run concurrently: any one of the three is refused.
		m := ws.read()
		if m.Type != "next" || !strings.Contains(string(m.Payload), "RATE_LIMITED") {
			t.Fatalf("want one refusal, got %s %s", m.Type, m.Payload)
		}
		if end := ws.read(); end.Type != "complete" || end.ID != m.ID {
			t.Fatalf("want complete of %s, got %s %s", m.ID, end.Type, end.ID)
		}
		// Ending another frees its slot: a new subscription replays the
		// conversation's first event.
		for _, id := range []string{"1", "2", "3"} {
			if id != m.ID {
				// The server answers nothing: the protocol sends nothing
				// more about a subscription the client completed.
				ws.send(wsMsg{Type: "complete", ID: id})
				break
			}
		}
		waitFor(t, "a freed subscription slot", func() bool {
			ws.subscribe("4", conversationEvents, map[string]any{"id": c.id, "after": cursorAt(t, c.cursor, 0)})
			m := ws.read()
			if m.Type == "next" && m.ID == "4" && !strings.Contains(string(m.Payload), "errors") {
				return true
			}
			ws.read() // the refusal's complete
			return false
		})
		_ = ws.conn.CloseNow()
	})
	t.Run("frame size", func(t *testing.T) {
		ws := b.connect(t, transportWS, c.session)
		ws.subscribe("big", conversationEvents, map[string]any{"id": c.id, "pad": strings.Repeat("x", 4096)})
		if code := ws.closeStatus(); code != websocket.StatusMessageTooBig {
			t.Errorf("oversized frame: close %d, want %d", code, websocket.StatusMessageTooBig)
		}
	})
	t.Run("init timeout", func(t *testing.T) {
		ws, err := b.dialWS(t, transportWS, nil)
		if err != nil {
			t.Fatal(err)
		}
		if code := ws.closeStatus(); code != 4408 {
			t.Errorf("no connection_init: close %d, want 4408", code)
		}
	})
	t.Run("sockets per address", func(t *testing.T) {
		// The sockets above may still be closing on the server's side.
		waitFor(t, "the earlier sockets to close", func() bool { return testutil.ToFloat64(b.app.Metrics.Sockets) == 0 })
		var open []*wsClient
		for range 3 {
			open = append(open, b.connect(t, transportWS, c.session))
		}
		_, err := b.dialWS(t, transportWS, nil)
		if err == nil || !strings.Contains(err.Error(), "429") {
			t.Errorf("fourth socket: %v, want a 429 refusal", err)
		}
		for _, ws := range open {
			_ = ws.conn.Close(websocket.StatusNormalClosure, "")
		}
		waitFor(t, "the sockets to be released", func() bool {
			ws, err := b.dialWS(t, transportWS, nil)
			if err == nil {
				_ = ws.conn.CloseNow()
			}
			return err == nil
		})
	})
}

// R24: a subscriber that stops reading is cut off once its bounded queue
// fills, without delaying anyone else; it resumes from its last cursor and
// misses nothing.
func TestSlowSubscriber(t *testing.T) {
	b := setup(t, sqlite, func(c *Config) {
		c.ConversationSubscriptionBuffer = 4
		c.HTTP.WSSendBuffer = 4096
		c.HTTP.WSWriteTimeout = time.Second
	})
	c := b.start(t, b.widgetKey, "Slowpoke")
	fast := b.connect(t, transportWS, b.agent)
	fast.subscribe("f", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})

	slow := b.connectSmallBuffer(t, c.session)
	slow.subscribe("s", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})
	const total = 200
	for i := range total {
		b.mustSend(t, c, fmt.Sprintf("message %d %s", i, strings.Repeat("·", 1000)), fmt.Sprint("m", i))
		// The reader that keeps up gets each message at once, while the
		// other has stopped reading.
		if e := fast.nextMessage("f"); !strings.HasPrefix(e.Message.Text, fmt.Sprintf("message %d ", i)) {
			t.Fatalf("fast subscriber got %q at %d", e.Message.Text, i)
		}
	}
	if testutil.ToFloat64(b.app.Metrics.SlowConsumers) < 1 {
		t.Fatalf("the stalled subscriber was never cut off")
	}

	// The slow client reads what reached it, then resumes by cursor.
	var last string
	received := 0
	for {
		m, err := slow.readWithin(5 * time.Second)
		if err != nil || m.Type != "next" {
			break
		}
		var p struct {
			Data struct{ ConversationEvents event }
		}
		if json.Unmarshal(m.Payload, &p) != nil {
			break
		}
		last = p.Data.ConversationEvents.Cursor
		if p.Data.ConversationEvents.Message != nil {
			received++
		}
	}
	if received >= total {
		t.Fatalf("the slow subscriber was never cut off (%d received)", received)
	}
	resumed := b.connect(t, transportWS, c.session)
	after := any(c.cursor)
	if last != "" {
		after = last
	}
	resumed.subscribe("r", conversationEvents, map[string]any{"id": c.id, "after": after})
	for i := received; i < total; i++ {
		if e := resumed.nextMessage("r"); !strings.HasPrefix(e.Message.Text, fmt.Sprintf("message %d ", i)) {
			t.Fatalf("resumed at %d, got %q", i, e.Message.Text)
		}
	}
}

// connectSmallBuffer connects with a tiny kernel receive buffer, so that a
// client that stops reading soon stops the server's writes.
func (b *testBundle) connectSmallBuffer(t *testing.T, token string) *wsClient {
	t.Helper()
	dialer := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.url, "http"), &websocket.DialOptions{Subprotocols: []string{transportWS}, HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = conn.CloseNow() })
	c := &wsClient{t: t, conn: conn, proto: transportWS}
	c.send(wsMsg{Type: "connection_init", Payload: mustJSON(map[string]any{"Authorization": "Bearer " + token})})
	if m := c.read(); m.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %s", m.Type)
	}
	return c
}

// waitFor polls cond until it holds, for at most 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, 10*time.Second, what, cond)
}

// waitWithin polls cond until it holds, for at most d.
func waitWithin(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// R24: idle sockets are kept alive and checked: graphql-transport-ws gets
// pings (two missed pongs close it), legacy graphql-ws gets keep-alives.
func TestSocketKeepAlive(t *testing.T) {
	b := setup(t, sqlite, func(c *Config) { c.HTTP.WSPingInterval = 100 * time.Millisecond })
	c := b.start(t, b.widgetKey, "Idle")
	for proto, want := range map[string]string{transportWS: "ping", legacyWS: "ka"} {
		ws := b.connect(t, proto, c.session)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		var m wsMsg
		for m.Type != want {
			if err := wsjson.Read(ctx, ws.conn, &m); err != nil {
				t.Fatalf("%s: no %s: %v", proto, want, err)
			}
		}
		cancel()
		if proto == transportWS {
			// A client that never answers pings is cut off.
			if err := readUntilClosed(ws); errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a client that never answers pings was not cut off")
			}
		}
	}
}

// readUntilClosed reads without answering anything until the socket dies.
func readUntilClosed(ws *wsClient) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := ws.conn.Read(ctx); err != nil {
			return err
		}
	}
}
