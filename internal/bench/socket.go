package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// The subscriptions select what a widget and an agent dashboard show for a
// new message. The alias lets one type decode both.
const (
	widgetQuery = `subscription($id: ID!, $after: String) {
  ev: conversationEvents(conversationId: $id, after: $after) { cursor kind message { id seq authorRole text clientMessageId createdAt } }
}`
	agentQuery = `subscription($after: String) {
  ev: accountEvents(after: $after) { cursor kind conversation { id status lastMessageAt } message { id seq authorRole text clientMessageId createdAt } }
}`
)

// slowConsumer is the code that ends a subscription whose client fell too
// far behind; the client resumes from its last cursor.
const slowConsumer = "SLOW_CONSUMER"

// frame is one message of either websocket protocol.
type frame struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// eventPayload is a data frame's payload.
type eventPayload struct {
	Data struct {
		Ev *struct {
			Cursor  string `json:"cursor"`
			Kind    string `json:"kind"`
			Message *struct {
				ClientMessageID string `json:"clientMessageId"`
			} `json:"message"`
		} `json:"ev"`
	} `json:"data"`
	Errors []gqlError `json:"errors"`
}

// Dial opens a socket and authenticates it with token in connection_init,
// returning once the server acknowledged it.
func Dial(ctx context.Context, url, proto, token string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{proto}, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	init := map[string]string{"Authorization": "Bearer " + token}
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": init}); err != nil {
		_ = conn.CloseNow()
		return nil, err
	}
	for {
		var f frame
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			_ = conn.CloseNow()
			return nil, err
		}
		switch f.Type {
		case "connection_ack":
			return conn, nil
		case "ka":
		default:
			_ = conn.CloseNow()
			return nil, fmt.Errorf("want connection_ack, got %s %s", f.Type, f.Payload)
		}
	}
}

// subscription is one socket carrying one subscription. Its reader
// goroutine is the only one to use it after start.
type subscription struct {
	conn    *websocket.Conn
	proto   string
	query   string
	vars    map[string]any
	probs   *problems
	closing *atomic.Bool
	// deliver records a message's arrival; at is taken as soon as the
	// frame was read, before decoding.
	deliver func(at time.Time, clientMessageID string)

	ops int
	// cursor is the last event's, to resume after.
	cursor string
	// resubscribes counts resumptions after SLOW_CONSUMER.
	resubscribes atomic.Int64
}

func newSubscription(conn *websocket.Conn, proto, query string, vars map[string]any, probs *problems, closing *atomic.Bool, deliver func(time.Time, string)) *subscription {
	return &subscription{conn: conn, proto: proto, query: query, vars: vars, probs: probs, closing: closing, deliver: deliver}
}

// start subscribes and starts the reader.
func (s *subscription) start(ctx context.Context) error {
	if err := s.subscribe(ctx); err != nil {
		return err
	}
	go s.read(ctx)
	return nil
}

func (s *subscription) subscribe(ctx context.Context) error {
	typ := "subscribe"
	if s.proto == legacyWS {
		typ = "start"
	}
	s.ops++
	payload := map[string]any{"query": s.query, "variables": s.vars}
	return s.write(ctx, map[string]any{"type": typ, "id": strconv.Itoa(s.ops), "payload": payload})
}

func (s *subscription) write(ctx context.Context, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return wsjson.Write(ctx, s.conn, v)
}

// read handles frames until the socket closes.
func (s *subscription) read(ctx context.Context) {
	for {
		_, data, err := s.conn.Read(ctx)
		at := time.Now()
		if err != nil {
			if !s.closing.Load() && ctx.Err() == nil {
				s.probs.add("socket closed: %v", err)
			}
			return
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			s.probs.add("bad frame %.200q: %v", data, err)
			continue
		}
		s.handle(ctx, at, f)
	}
}

func (s *subscription) handle(ctx context.Context, at time.Time, f frame) {
	switch f.Type {
	case "next", "data":
		s.onData(at, f.Payload)
	case "ping":
		// graphql-transport-ws closes sockets that miss two pongs.
		if err := s.write(ctx, map[string]string{"type": "pong"}); err != nil && !s.closing.Load() {
			s.probs.add("pong: %v", err)
		}
	case "ka", "pong":
	case "error":
		s.onError(ctx, f.Payload)
	default:
		s.probs.add("unexpected %s frame: %.200s", f.Type, f.Payload)
	}
}

func (s *subscription) onData(at time.Time, payload json.RawMessage) {
	var p eventPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		s.probs.add("bad event %.200s: %v", payload, err)
		return
	}
	if len(p.Errors) > 0 || p.Data.Ev == nil {
		s.probs.add("subscription errors: %.200s", payload)
		return
	}
	ev := p.Data.Ev
	s.cursor = ev.Cursor
	if ev.Kind == "MESSAGE_ADDED" && ev.Message != nil {
		s.deliver(at, ev.Message.ClientMessageID)
	}
}

// onError resumes after SLOW_CONSUMER from the last cursor, as a real client
// does: nothing is lost, the lag is counted. Other errors are problems.
func (s *subscription) onError(ctx context.Context, payload json.RawMessage) {
	var errs []gqlError
	_ = json.Unmarshal(payload, &errs)
	if len(errs) == 0 || errs[0].Extensions.Code != slowConsumer {
		s.probs.add("subscription ended with error: %.200s", payload)
		return
	}
	s.resubscribes.Add(1)
	if s.cursor != "" {
		s.vars["after"] = s.cursor
	}
	if err := s.subscribe(ctx); err != nil {
		s.probs.add("resubscribe: %v", err)
	}
}
