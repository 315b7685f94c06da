package socket_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/linkline/linkline/graph/socket"
)

// fakeExec stands in for gqlgen's executor: the query names what the
// operation does. Each "pushed" stream is handed to the test on streams.
type fakeExec struct {
	streams chan *pushedStream
}

// pushedStream is a stream that tells its socket of each value, as the
// event feeds do; the test sends its values.
type pushedStream struct {
	ch   chan int
	push socket.Pusher
	// mu orders sends and the close, as the feed's broker does.
	mu     sync.Mutex
	closed bool
}

func newPushedStream(ctx context.Context) *pushedStream {
	s := &pushedStream{ch: make(chan int, 4), push: socket.PusherOf(ctx)}
	// As the feed's stream, it ends with the operation's context.
	context.AfterFunc(ctx, s.close)
	return s
}

// send puts v in the stream; after its end, nothing.
func (s *pushedStream) send(v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.ch <- v
		s.push.Sent()
	}
}

func (s *pushedStream) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.ch)
		s.push.Sent()
	}
}

func (*fakeExec) CreateOperationContext(_ context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	rc := &graphql.OperationContext{RawQuery: params.Query, RecoverFunc: func(context.Context, any) error { return errors.New("panicked") }}
	if params.Query == "invalid" {
		err := gqlerror.Errorf("Cannot query field")
		errcode.Set(err, errcode.ValidationFailed)
		return rc, gqlerror.List{err}
	}
	return rc, nil
}

func (e *fakeExec) DispatchOperation(ctx context.Context, rc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	n := 0
	switch rc.RawQuery {
	case "pushed": // the test's values, the first sent before the stream is dispatched
		s := newPushedStream(ctx)
		s.send(0)
		s.push.Start()
		e.streams <- s
		return func(ctx context.Context) *graphql.Response {
			select {
			case v, ok := <-s.ch:
				if !ok {
					return nil
				}
				return &graphql.Response{Data: fmt.Appendf(nil, `{"v":%d}`, v)}
			case <-ctx.Done():
				return nil
			}
		}, ctx
	case "count": // three results, then the end
		return func(context.Context) *graphql.Response {
			if n == 3 {
				return nil
			}
			n++
			return &graphql.Response{Data: fmt.Appendf(nil, `{"n":%d}`, n)}
		}, ctx
	case "idle": // one result, then nothing until it is stopped
		return func(ctx context.Context) *graphql.Response {
			if n == 0 {
				n++
				return &graphql.Response{Data: json.RawMessage(`{"ready":true}`)}
			}
			<-ctx.Done()
			return nil
		}, ctx
	case "behind": // a stream that ends with an error, as a slow consumer's does
		return func(ctx context.Context) *graphql.Response {
			socket.AddError(ctx, &gqlerror.Error{Message: "fell behind", Extensions: map[string]any{"code": "SLOW_CONSUMER"}})
			return nil
		}, ctx
	case "large": // two results larger than any of the socket's buffers
		return func(context.Context) *graphql.Response {
			if n == 2 {
				return nil
			}
			n++
			return &graphql.Response{Data: fmt.Appendf(nil, `{"s":%q}`, largeText)}
		}, ctx
	case "panic":
		return func(context.Context) *graphql.Response { panic("boom") }, ctx
	}
	// A resolver's refusal: one result with errors.
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{Message: "refused", Extensions: map[string]any{"code": "RATE_LIMITED"}}}}), ctx
}

var largeText = strings.Repeat("0123456789", 2_000)

// DispatchError presents errors as the service does: one that wraps an
// error of the program is masked.
func (*fakeExec) DispatchError(_ context.Context, errs gqlerror.List) *graphql.Response {
	var out gqlerror.List
	for _, err := range errs {
		if err.Err != nil {
			err = &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": "INTERNAL"}}
		}
		out = append(out, err)
	}
	return &graphql.Response{Errors: out}
}

// initSocket refuses the token "bad"; it ends a connection with a "ttl"
// then, and revokes one with a "revoke" then.
func initSocket(ctx context.Context, p transport.InitPayload, end context.CancelCauseFunc) (context.Context, error) {
	if p.GetString("token") == "bad" {
		return nil, errors.New("bad token")
	}
	if ttl, err := time.ParseDuration(p.GetString("ttl")); err == nil {
		time.AfterFunc(ttl, func() { end(nil) })
	}
	if after, err := time.ParseDuration(p.GetString("revoke")); err == nil {
		time.AfterFunc(after, func() { end(socket.ErrForbidden) })
	}
	return ctx, nil
}

func serve(t *testing.T, cfg socket.Config) string {
	t.Helper()
	url, _ := serveStreams(t, cfg)
	return url
}

// serveStreams serves a transport, and returns the pushed streams as their
// subscriptions start.
func serveStreams(t *testing.T, cfg socket.Config) (string, <-chan *pushedStream) {
	t.Helper()
	tr := socket.New(cfg, initSocket, slog.New(slog.DiscardHandler))
	exec := &fakeExec{streams: make(chan *pushedStream, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tr.Do(w, r, exec) }))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), exec.streams
}

var testConfig = socket.Config{InitTimeout: 5 * time.Second, ReadLimit: 1024, WriteTimeout: 5 * time.Second}

// client is a raw websocket client.
type client struct {
	t    *testing.T
	conn *websocket.Conn
}

func dial(t *testing.T, url string, subprotocols ...string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: subprotocols})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return &client{t: t, conn: conn}
}

func (c *client) write(typ websocket.MessageType, data string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, typ, []byte(data)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// msg is one message from the server.
type msg struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// next reads the next message, skipping keep-alives unless asked for; a
// closed socket gives its close code.
func (c *client) next(keepAlives bool) (msg, websocket.StatusCode) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, data, err := c.conn.Read(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				c.t.Fatal("no message and no close within 5s")
			}
			return msg{}, websocket.CloseStatus(err)
		}
		var m msg
		if err := json.Unmarshal(data, &m); err != nil {
			c.t.Fatalf("server sent %q: %v", data, err)
		}
		if m.Type != "ka" || keepAlives {
			return m, 0
		}
	}
}

const (
	transportWS = "graphql-transport-ws"
	legacyWS    = "graphql-ws"
)

// names are one protocol's words for the rows' placeholders.
var names = map[string]*strings.Replacer{
	transportWS: strings.NewReplacer("{subscribe}", "subscribe", "{stop}", "complete", "{next}", "next"),
	legacyWS:    strings.NewReplacer("{subscribe}", "start", "{stop}", "stop", "{next}", "data"),
}

const initMsg = `{"type":"connection_init"}`

// The protocol's rules, one row per case, run on each protocol it applies
// to. A row sends its frames in order ("binary:" and "bytes:" prefixes send
// binary or raw text), reading the messages it wants after each; it ends
// with the close code it wants, or 0 for a socket still open.
func TestProtocol(t *testing.T) {
	type step struct {
		send string
		// want are the messages that answer, as type or type:id; a
		// payload to compare follows a space.
		want []string
	}
	rows := []struct {
		name   string
		protos []string
		// subprotocols are offered instead of the row's protocol.
		subprotocols []string
		cfg          *socket.Config
		steps        []step
		close        websocket.StatusCode
	}{
		{name: "init is acknowledged", steps: []step{{initMsg, []string{"connection_ack"}}}},
		{name: "init with a token", steps: []step{{`{"type":"connection_init","payload":{"token":"good"}}`, []string{"connection_ack"}}}},
		{name: "second init", steps: []step{{initMsg, []string{"connection_ack"}}, {initMsg, nil}}, close: 4429},
		{name: "init refused", protos: []string{transportWS}, steps: []step{{`{"type":"connection_init","payload":{"token":"bad"}}`, nil}}, close: 4403},
		{name: "init refused, told in connection_error", protos: []string{legacyWS},
			steps: []step{{`{"type":"connection_init","payload":{"token":"bad"}}`, []string{`connection_error {"message":"bad token"}`}}}, close: 4403},
		{name: "init payload not an object", steps: []step{{`{"type":"connection_init","payload":"token"}`, nil}}, close: 4400},
		{name: "subscribe before ack", steps: []step{{`{"type":"{subscribe}","id":"1","payload":{"query":"count"}}`, nil}}, close: 4401},
		{name: "unknown message type", steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"hello"}`, nil}}, close: 4400},
		{name: "unknown message type, told in connection_error", protos: []string{legacyWS},
			steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"hello"}`, []string{"connection_error"}}}, close: 4400},
		{name: "server's message type from the client", protos: []string{transportWS}, steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"next","id":"1"}`, nil}}, close: 4400},
		{name: "message without a type", steps: []step{{`{"id":"1"}`, nil}}, close: 4400},
		{name: "invalid JSON", steps: []step{{`{"type":`, nil}}, close: 4400},
		{name: "JSON not an object", steps: []step{{`["connection_init"]`, nil}}, close: 4400},
		{name: "invalid UTF-8", steps: []step{{"bytes:{\"type\":\"connection_init\",\"payload\":{\"x\":\"\xff\"}}", nil}}, close: 1007},
		{name: "binary frame", steps: []step{{"binary:" + initMsg, nil}}, close: 4400},
		{name: "frame over the read limit", steps: []step{{`{"type":"connection_init","payload":{"x":"` + strings.Repeat("x", 64<<10) + `"}}`, nil}}, close: websocket.StatusMessageTooBig},
		{name: "missing subprotocol", subprotocols: []string{}, steps: []step{{initMsg, nil}}, close: 4406},
		{name: "unknown subprotocol", subprotocols: []string{"graphql-sse"}, steps: []step{{initMsg, nil}}, close: 4406},
		{name: "init timeout", cfg: &socket.Config{InitTimeout: 100 * time.Millisecond}, close: 4408},
		{name: "subscription runs and completes", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"count"}}`, []string{`{next}:1 {"data":{"n":1}}`, "{next}:1", `{next}:1 {"data":{"n":3}}`, "complete:1"}},
		}},
		{name: "results larger than the socket's buffers arrive whole", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"large"}}`, []string{
				`{next}:1 {"data":{"s":"` + largeText + `"}}`, `{next}:1 {"data":{"s":"` + largeText + `"}}`, "complete:1"}},
		}},
		{name: "an id is free again once its operation completed", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"count"}}`, []string{"{next}:1", "{next}:1", "{next}:1", "complete:1"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"count"}}`, []string{"{next}:1", "{next}:1", "{next}:1", "complete:1"}},
		}},
		{name: "duplicate id while active", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"idle"}}`, []string{"{next}:1"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"idle"}}`, nil},
		}, close: 4409},
		{name: "the client's stop ends a subscription; its id is free at once, nothing more is sent about it", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"idle"}}`, []string{"{next}:1"}},
			{`{"type":"{stop}","id":"1"}`, nil},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"count"}}`, []string{"{next}:1", "{next}:1", "{next}:1", "complete:1"}},
		}},
		{name: "stop of an unknown id is ignored", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{stop}","id":"9"}`, nil},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"count"}}`, []string{"{next}:1", "{next}:1", "{next}:1", "complete:1"}},
		}},
		{name: "subscribe without id", steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"{subscribe}","payload":{"query":"count"}}`, nil}}, close: 4400},
		{name: "subscribe with an empty id", steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"{subscribe}","id":"","payload":{"query":"count"}}`, nil}}, close: 4400},
		{name: "subscribe with a numeric id", steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"{subscribe}","id":1,"payload":{"query":"count"}}`, nil}}, close: 4400},
		{name: "subscribe without payload", steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"{subscribe}","id":"1"}`, nil}}, close: 4400},
		{name: "subscribe with a malformed payload", steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"{subscribe}","id":"1","payload":{"query":7}}`, nil}}, close: 4400},
		{name: "validation error ends the operation with error", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"invalid"}}`, []string{`error:1 [{"message":"Cannot query field","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]`}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"count"}}`, []string{"{next}:1", "{next}:1", "{next}:1", "complete:1"}},
		}},
		{name: "a resolver's refusal is a result with errors, then complete", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"refuse"}}`, []string{`{next}:1 {"errors":[{"message":"refused","extensions":{"code":"RATE_LIMITED"}}],"data":null}`, "complete:1"}},
		}},
		{name: "a stream's error ends it with error", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"behind"}}`, []string{`error:1 [{"message":"fell behind","extensions":{"code":"SLOW_CONSUMER"}}]`}},
		}},
		{name: "a panic ends the operation with an internal error", steps: []step{
			{initMsg, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"panic"}}`, []string{`error:1 [{"message":"internal error","extensions":{"code":"INTERNAL"}}]`}},
		}},
		{name: "ping is answered with pong carrying its payload", protos: []string{transportWS}, steps: []step{
			{`{"type":"ping","payload":{"t":1}}`, []string{`pong {"t":1}`}},
			{initMsg, []string{"connection_ack"}},
			{`{"type":"ping"}`, []string{"pong"}},
			{`{"type":"pong"}`, nil},
		}},
		{name: "ping is not a graphql-ws message", protos: []string{legacyWS}, steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"ping"}`, []string{"connection_error"}}}, close: 4400},
		{name: "connection_terminate closes normally", protos: []string{legacyWS}, steps: []step{{initMsg, []string{"connection_ack"}}, {`{"type":"connection_terminate"}`, nil}}, close: 1000},
		{name: "the end of the connection's context closes normally", steps: []step{{`{"type":"connection_init","payload":{"ttl":"100ms"}}`, []string{"connection_ack"}}}, close: 1000},
		{name: "a connection ended as revoked closes with 4403", protos: []string{transportWS}, steps: []step{
			{`{"type":"connection_init","payload":{"revoke":"100ms"}}`, []string{"connection_ack"}},
			{`{"type":"{subscribe}","id":"1","payload":{"query":"pushed"}}`, []string{"{next}:1"}},
		}, close: 4403},
	}
	for _, row := range rows {
		protos := row.protos
		if protos == nil {
			protos = []string{transportWS, legacyWS}
		}
		for _, proto := range protos {
			t.Run(proto+"/"+row.name, func(t *testing.T) {
				t.Parallel()
				cfg := testConfig
				if row.cfg != nil {
					cfg = *row.cfg
				}
				subprotocols := []string{proto}
				if row.subprotocols != nil {
					subprotocols = row.subprotocols
				}
				c := dial(t, serve(t, cfg), subprotocols...)
				for _, s := range row.steps {
					send := names[proto].Replace(s.send)
					switch {
					case strings.HasPrefix(send, "binary:"):
						c.write(websocket.MessageBinary, strings.TrimPrefix(send, "binary:"))
					default:
						c.write(websocket.MessageText, strings.TrimPrefix(send, "bytes:"))
					}
					for _, want := range s.want {
						want = names[proto].Replace(want)
						m, code := c.next(false)
						if code != 0 {
							t.Fatalf("after %s: closed %d, want %s", send, code, want)
						}
						if got := m.describe(want); got != want {
							t.Fatalf("after %s: got %s, want %s", send, got, want)
						}
					}
				}
				if row.close == 0 {
					// Still open: a ping (or, on graphql-ws, a stop of an
					// unknown id) passes, and nothing else was sent.
					if proto == transportWS {
						c.write(websocket.MessageText, `{"type":"ping","payload":{"last":true}}`)
						if m, code := c.next(false); code != 0 || m.Type != "pong" || string(m.Payload) != `{"last":true}` {
							t.Fatalf("at the end: %+v, close %d; want only the pong", m, code)
						}
					}
					return
				}
				// graphql-ws clients are told why in connection_error,
				// unless a step read it already.
				told := proto != legacyWS || row.close < 4400 || row.close == 4406 || strings.Contains(fmt.Sprint(row.steps), "connection_error")
				for {
					m, code := c.next(false)
					if code != 0 {
						if code != row.close || !told {
							t.Fatalf("closed %d (told before: %t), want %d", code, told, row.close)
						}
						return
					}
					if told || m.Type != "connection_error" {
						t.Fatalf("want close %d, got %s %s", row.close, m.Type, m.Payload)
					}
					told = true
				}
			})
		}
	}
}

// describe writes m as want is written: type, :id when want has one, and
// the payload when want has one.
func (m msg) describe(want string) string {
	head, _, hasPayload := strings.Cut(want, " ")
	s := m.Type
	if strings.Contains(head, ":") {
		s += ":" + m.ID
	}
	if hasPayload {
		s += " " + string(m.Payload)
	}
	return s
}

// A graphql-transport-ws socket that leaves two pings unanswered is closed
// with 4408; graphql-ws sockets get keep-alives, right after the ack and
// then at each interval.
func TestKeepAlive(t *testing.T) {
	url := serve(t, socket.Config{InitTimeout: time.Second, PingInterval: 50 * time.Millisecond, ReadLimit: 1024})
	t.Run(transportWS, func(t *testing.T) {
		c := dial(t, url, transportWS)
		c.write(websocket.MessageText, initMsg)
		pings := 0
		for {
			m, code := c.next(false)
			if code != 0 {
				if code != 4408 || pings != 2 {
					t.Fatalf("closed %d after %d pings, want 4408 after 2", code, pings)
				}
				return
			}
			if m.Type == "ping" {
				pings++
			}
		}
	})
	t.Run("answered pings keep the socket open", func(t *testing.T) {
		c := dial(t, url, transportWS)
		c.write(websocket.MessageText, initMsg)
		for pings := 0; pings < 5; {
			m, code := c.next(false)
			if code != 0 {
				t.Fatalf("closed %d after %d pings", code, pings)
			}
			if m.Type == "ping" {
				pings++
				c.write(websocket.MessageText, `{"type":"pong"}`)
			}
		}
	})
	t.Run(legacyWS, func(t *testing.T) {
		c := dial(t, url, legacyWS)
		c.write(websocket.MessageText, initMsg)
		for i, want := range []string{"connection_ack", "ka", "ka", "ka"} {
			if m, code := c.next(true); m.Type != want {
				t.Fatalf("message %d: %s (close %d), want %s", i, m.Type, code, want)
			}
		}
	})
}

// A socket costs the server one goroutine, the handler's; each subscription
// on a pulled stream one more, and each on a pushed stream none while it
// waits; all of them end with the socket.
func TestGoroutinesPerSocket(t *testing.T) {
	url, streams := serveStreams(t, testConfig)
	base := runtime.NumGoroutine()
	const sockets, pulled, pushed = 20, 3, 2
	var clients []*client
	for range sockets {
		c := dial(t, url, transportWS)
		c.write(websocket.MessageText, initMsg)
		if m, _ := c.next(false); m.Type != "connection_ack" {
			t.Fatalf("want connection_ack, got %+v", m)
		}
		for i := range pulled + pushed {
			query := "idle"
			if i >= pulled {
				query = "pushed"
			}
			c.write(websocket.MessageText, fmt.Sprintf(`{"type":"subscribe","id":"%d","payload":{"query":%q}}`, i, query))
			if m, _ := c.next(false); m.Type != "next" {
				t.Fatalf("want next, got %+v", m)
			}
		}
		clients = append(clients, c)
	}
	// The client's connections have no goroutines of their own once
	// their dials have finished.
	want := base + sockets*(1+pulled)
	waitGoroutines(t, want)
	// A value on a pushed stream is pulled and sent, and its goroutine
	// ends.
	for _, c := range clients {
		for range pushed {
			(<-streams).send(1)
			if m, _ := c.next(false); m.Type != "next" || string(m.Payload) != `{"data":{"v":1}}` {
				t.Fatalf("want the pushed value, got %+v", m)
			}
		}
	}
	waitGoroutines(t, want)
	for _, c := range clients {
		_ = c.conn.Close(websocket.StatusNormalClosure, "")
	}
	waitGoroutines(t, base)
}

// A pushed stream's values arrive in order, the one it sent before it was
// dispatched first, however fast they come; the stream's end completes
// the subscription, and the client's stop ends the stream.
func TestPushedStream(t *testing.T) {
	url, streams := serveStreams(t, testConfig)
	for _, proto := range []string{transportWS, legacyWS} {
		t.Run(proto, func(t *testing.T) {
			words := names[proto]
			c := dial(t, url, proto)
			c.write(websocket.MessageText, initMsg)
			c.write(websocket.MessageText, words.Replace(`{"type":"{subscribe}","id":"1","payload":{"query":"pushed"}}`))
			s := <-streams
			const values = 500
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				for v := 1; v < values; v++ {
					s.send(v)
				}
			}()
			if m, _ := c.next(false); m.Type != "connection_ack" {
				t.Fatalf("want connection_ack, got %+v", m)
			}
			for v := range values {
				want := fmt.Sprintf(`{"data":{"v":%d}}`, v)
				if m, code := c.next(false); m.Type != words.Replace("{next}") || string(m.Payload) != want {
					t.Fatalf("value %d: got %+v (close %d), want %s", v, m, code, want)
				}
			}
			<-sent
			s.close()
			if m, _ := c.next(false); m.Type != "complete" || m.ID != "1" {
				t.Fatalf("at the stream's end: got %+v, want complete", m)
			}

			c.write(websocket.MessageText, words.Replace(`{"type":"{subscribe}","id":"1","payload":{"query":"pushed"}}`))
			s = <-streams
			if m, _ := c.next(false); m.Type != words.Replace("{next}") {
				t.Fatalf("want the first value, got %+v", m)
			}
			c.write(websocket.MessageText, words.Replace(`{"type":"{stop}","id":"1"}`))
			// The stop ended the stream: it closed, and nothing is sent
			// about it (the next message answers what follows).
			for range s.ch {
				t.Fatal("a value after the stream's end")
			}
			c.write(websocket.MessageText, words.Replace(`{"type":"{subscribe}","id":"1","payload":{"query":"count"}}`))
			if m, _ := c.next(false); m.Type != words.Replace("{next}") || string(m.Payload) != `{"data":{"n":1}}` {
				t.Fatalf("after the stop: got %+v, want the next subscription's first result", m)
			}
		})
	}
}

// waitGoroutines waits, for at most 5 seconds, until at most want
// goroutines run.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Shutdown closes every socket with 1000 and returns once they are gone;
// a socket upgraded after it is closed at once.
func TestShutdown(t *testing.T) {
	tr := socket.New(testConfig, initSocket, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tr.Do(w, r, &fakeExec{}) }))
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	c := dial(t, url, transportWS)
	c.write(websocket.MessageText, initMsg)
	c.write(websocket.MessageText, `{"type":"subscribe","id":"1","payload":{"query":"idle"}}`)
	for _, want := range []string{"connection_ack", "next"} {
		if m, _ := c.next(false); m.Type != want {
			t.Fatalf("want %s, got %+v", want, m)
		}
	}
	closed := make(chan websocket.StatusCode, 1)
	go func() {
		_, code := c.next(false)
		closed <- code
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if code := <-closed; code != websocket.StatusNormalClosure {
		t.Errorf("open socket at shutdown: close %d, want 1000", code)
	}
	late := dial(t, url, transportWS)
	if _, code := late.next(false); code != websocket.StatusGoingAway {
		t.Errorf("socket after shutdown: close %d, want 1001", code)
	}
}
