package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/bench"
)

const protocol = "graphql-transport-ws"

const (
	widgetEvents = `subscription($id: ID!, $after: String) {
  ev: conversationEvents(conversationId: $id, after: $after) { cursor kind conversation { id } message { id seq text } }
}`
	accountEvents = `subscription($after: String) {
  ev: accountEvents(after: $after) { cursor kind conversation { id } message { id seq text } }
}`
)

// stream is one subscriber, as a real client keeps it: whenever its
// socket ends (an instance killed, the database restarting, a slow
// consumer cut off) it subscribes again on a live instance after the last
// cursor it saw. It records every message it is given, to check that the
// whole stream has no gap, duplicate or reordering.
type stream struct {
	name  string
	token string
	query string
	vars  map[string]any
	// from is the largest message id that existed when it first
	// subscribed: every later message of its scope must arrive.
	from int64

	mu sync.Mutex
	// cursor is the last event's, to resume after.
	cursor string
	// seen holds each message id received; lastSeq each conversation's
	// last message seq, which must only grow.
	seen        map[int64]int
	lastSeq     map[string]int64
	texts       map[string]string
	duplicates  int
	reordered   int
	resubscribe int
}

func newStream(name, token, query string, vars map[string]any, cursor string, from int64) *stream {
	return &stream{name: name, token: token, query: query, vars: vars, cursor: cursor, from: from,
		seen: map[int64]int{}, lastSeq: map[string]int64{}, texts: map[string]string{}}
}

// run keeps the stream subscribed until ctx ends.
func (s *stream) run(ctx context.Context, c *cluster, k int) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		_, srv := c.pick(k + attempt)
		s.session(ctx, srv.WSURL())
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		s.resubscribe++
		s.mu.Unlock()
		// Reconnecting at once to an instance that is going down, or to
		// a database restarting, only spins: back off a little.
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// session is one socket's life: subscribe after the cursor, read until it
// ends.
func (s *stream) session(ctx context.Context, url string) {
	conn, err := bench.Dial(ctx, url, protocol, s.token)
	if err != nil {
		return
	}
	defer func() { _ = conn.CloseNow() }()
	vars := map[string]any{}
	maps.Copy(vars, s.vars)
	s.mu.Lock()
	if s.cursor != "" {
		vars["after"] = s.cursor
	}
	s.mu.Unlock()
	sub := map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": s.query, "variables": vars}}
	if err := write(ctx, conn, sub); err != nil {
		return
	}
	for {
		var f struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			return
		}
		switch f.Type {
		case "next":
			if !s.event(f.Payload) {
				return
			}
		case "ping":
			if write(ctx, conn, map[string]string{"type": "pong"}) != nil {
				return
			}
		case "pong":
		default: // error, complete: subscribe again
			return
		}
	}
}

func write(ctx context.Context, conn *websocket.Conn, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return wsjson.Write(ctx, conn, v)
}

// event records one event; false when it carries errors.
func (s *stream) event(payload json.RawMessage) bool {
	var p struct {
		Data struct {
			Ev *struct {
				Cursor       string
				Kind         string
				Conversation *struct{ ID string }
				Message      *struct {
					ID   string
					Seq  int64
					Text string
				}
			}
		}
		Errors []json.RawMessage
	}
	if json.Unmarshal(payload, &p) != nil || len(p.Errors) > 0 || p.Data.Ev == nil {
		return false
	}
	ev := p.Data.Ev
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursor = ev.Cursor
	if ev.Kind != "MESSAGE_ADDED" || ev.Message == nil || ev.Conversation == nil {
		return true
	}
	_, id, ok := relay.Parse(ev.Message.ID)
	if !ok {
		return false
	}
	conv := ev.Conversation.ID
	if s.seen[id] > 0 {
		s.duplicates++
	} else if ev.Message.Seq <= s.lastSeq[conv] {
		s.reordered++
	}
	s.seen[id]++
	s.lastSeq[conv] = max(s.lastSeq[conv], ev.Message.Seq)
	s.texts[ev.Message.Text] = conv
	return true
}

// conversationOf is the conversation of the first message seen with text.
func (s *stream) conversationOf(text string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.texts[text]
	return c, ok
}

// missing is how many of want (message ids) it has not received.
func (s *stream) missing(want []int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range want {
		if s.seen[id] == 0 {
			n++
		}
	}
	return n
}

// broken describes its duplicates and reorderings, "" when none.
func (s *stream) broken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.duplicates == 0 && s.reordered == 0 {
		return ""
	}
	return fmt.Sprintf("%s: %d duplicates, %d out of order", s.name, s.duplicates, s.reordered)
}

// resumed is how many times it subscribed again.
func (s *stream) resumed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resubscribe
}
