package app

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/delivery"
	"github.com/linkline/linkline/internal/store"
	"github.com/linkline/linkline/internal/store/storetest"
	"github.com/linkline/linkline/internal/widget"
)

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) != "" {
		os.Exit(serveChild())
	}
	storetest.Main(m)
}

// testSecretsKey seals integration credentials on PostgreSQL, which
// refuses to start without a key; SQLite keeps a key file of its own.
const testSecretsKey = "dGVzdCBrZXkgb2YgdGhpcnR5LXR3byBieXRlcyEhISE="

// storeKind names a database the service runs on.
type storeKind string

const (
	postgres storeKind = "postgres"
	sqlite   storeKind = "sqlite"
)

// bothStores runs a test once per database.
func bothStores(t *testing.T, test func(t *testing.T, kind storeKind)) {
	for _, kind := range []storeKind{postgres, sqlite} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			test(t, kind)
		})
	}
}

// testBundle is a running service on a real HTTP server and a real
// database, with one account (an admin, an agent, a widget) ready.
type testBundle struct {
	cfg       Config
	app       *App
	srv       *httptest.Server
	url       string
	acct      *account.Account
	widgetKey string
	admin     string
	agent     string
	// out is where the service prints its startup banner; nil discards it.
	out io.Writer
	// holds keeps chosen requests from reaching the service for a while.
	holds holds
}

// setup starts the service on kind; configure may change its config first.
func setup(t *testing.T, kind storeKind, configure ...func(*Config)) *testBundle {
	t.Helper()
	b := &testBundle{cfg: testConfig(t, kind, configure...)}
	b.serve(t)
	b.acct, b.widgetKey, b.admin, b.agent = b.newAccount(t, "Acme")
	return b
}

// testConfig is the tests' config on a new database of kind; configure
// may change it.
func testConfig(t *testing.T, kind storeKind, configure ...func(*Config)) Config {
	t.Helper()
	cfg, err := ParseConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Demo = false
	// Tests run many sends from one address quickly; the limit tests set
	// their own.
	cfg.Limits = auth.LimitsConfig{}
	cfg.PairLimit = delivery.PairLimit{}
	cfg.RetryBase = 50 * time.Millisecond
	cfg.FilesURL = attachment.LocalURL(t.TempDir())
	switch kind {
	case postgres:
		cfg.DBURL = storetest.PostgresURL(t)
		cfg.SecretsKey = testSecretsKey
	case sqlite:
		cfg.SQLitePath = filepath.Join(t.TempDir(), "linkline.db")
	}
	for _, f := range configure {
		f(&cfg)
	}
	return cfg
}

// serve starts an instance of the service on b.cfg.
func (b *testBundle) serve(t *testing.T) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := Open(t.Context(), b.cfg, log, cmp.Or(b.out, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(b.holds.wrap(a.Handler()))
	srv.Config.BaseContext = func(_ net.Listener) context.Context { return a.BaseContext() }
	srv.Start()
	b.app, b.srv, b.url = a, srv, srv.URL+"/graphql"
	t.Cleanup(func() { b.stop(t) })
	// The listener's first connection wakes every open widget; waiting
	// for it keeps that extra menu out of the tests' streams.
	if a.listener != nil {
		waitFor(t, "the notification listener", a.listener.Connected)
	}
}

// holds keeps chosen requests from reaching the service until released:
// what a slow network does to one request among others.
type holds struct {
	mu    sync.Mutex
	rules []*hold
}

// hold is one request to keep: the next whose body contains match.
type hold struct {
	match string
	// held is closed once the request arrived and waits for release.
	held, release chan struct{}
}

// next holds the next request whose body contains match.
func (h *holds) next(match string) *hold {
	r := &hold{match: match, held: make(chan struct{}), release: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rules = append(h.rules, r)
	return r
}

func (h *holds) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		waiting := len(h.rules) > 0
		h.mu.Unlock()
		if waiting && r.Body != nil {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			h.mu.Lock()
			i := slices.IndexFunc(h.rules, func(rule *hold) bool { return bytes.Contains(body, []byte(rule.match)) })
			var rule *hold
			if i >= 0 {
				rule = h.rules[i]
				h.rules = slices.Delete(h.rules, i, i+1)
			}
			h.mu.Unlock()
			if rule != nil {
				close(rule.held)
				select {
				case <-rule.release:
				case <-r.Context().Done():
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// waitHeld waits for the request h keeps to arrive.
func (h *hold) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-h.held:
	case <-time.After(30 * time.Second):
		t.Fatalf("no request with %q arrived", h.match)
	}
}

// secondInstance starts another instance of the service on the same
// database, sharing the bundle's account and tokens (R22).
func (b *testBundle) secondInstance(t *testing.T) *testBundle {
	t.Helper()
	o := &testBundle{cfg: b.cfg, acct: b.acct, widgetKey: b.widgetKey, admin: b.admin, agent: b.agent}
	o.serve(t)
	return o
}

// stop shuts the service down as server.go does.
func (b *testBundle) stop(t *testing.T) {
	if b.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b.app.StartClosing()
	b.srv.Config.SetKeepAlivesEnabled(false)
	_ = b.srv.Config.Shutdown(ctx)
	if err := b.app.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	b.srv.Close()
	b.srv = nil
}

var seq atomic.Int64

// newAccount creates a Suite account with an admin, an agent and a widget
// open to any origin; it returns the widget key and the two tokens.
func (b *testBundle) newAccount(t *testing.T, name string) (acct *account.Account, widgetKey, admin, agent string) {
	t.Helper()
	return seedAccount(t, b.app.DB, name)
}

// seedAccount creates the account of newAccount in db.
func seedAccount(t *testing.T, db *store.DB, name string) (acct *account.Account, widgetKey, admin, agent string) {
	t.Helper()
	ctx := t.Context()
	acct = &account.Account{Name: name, Plan: account.PlanSuiteProfessional, AgentWorkspace: true}
	if err := db.NewAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	admin, adminHash := auth.NewAgentToken()
	if err := db.NewAgent(ctx, &account.Agent{AccountID: acct.ID, Name: name + " Admin", Email: "admin@example.com", Role: account.RoleAdmin}, adminHash); err != nil {
		t.Fatal(err)
	}
	agent, agentHash := auth.NewAgentToken()
	if err := db.NewAgent(ctx, &account.Agent{AccountID: acct.ID, Name: name + " Agent", Email: "agent@example.com", Role: account.RoleAgent}, agentHash); err != nil {
		t.Fatal(err)
	}
	widgetKey = fmt.Sprintf("wk_test_%d_%d", acct.ID, seq.Add(1))
	if err := db.NewWidget(ctx, &widget.Widget{AccountID: acct.ID, Key: widgetKey, Name: name + " widget", AllowedOrigins: []string{"*"}}); err != nil {
		t.Fatal(err)
	}
	return acct, widgetKey, admin, agent
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string { s, _ := e.Extensions["code"].(string); return s }

// gqlResponse is a GraphQL response, with the HTTP status when over HTTP.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	status int
}

// code is the code of the first error, or "" when there is none.
func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].code()
}

// decode unmarshals data into v; errors fail the test.
func (r gqlResponse) decode(t *testing.T, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// post sends a GraphQL operation over HTTP POST with a bearer token ("" for
// none).
func (b *testBundle) post(t *testing.T, token, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return b.postRaw(t, token, body, nil)
}

// postRaw sends body as is, with extra headers.
func (b *testBundle) postRaw(t *testing.T, token string, body []byte, header http.Header) gqlResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	maps.Copy(req.Header, header)
	return b.do(t, req)
}

func (b *testBundle) do(t *testing.T, req *http.Request) gqlResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("status %d, body %q: %v", resp.StatusCode, raw, err)
	}
	out.status = resp.StatusCode
	return out
}

// conv is a conversation started from the widget.
type conv struct {
	id      string
	session string
	cursor  string
}

const startMutation = `mutation($key: String!, $name: String) {
  startConversation(input: {widgetKey: $key, name: $name}) {
    sessionToken conversation { id eventCursor } endUser { id name }
  }
}`

// start begins a conversation as a new end user of widgetKey.
func (b *testBundle) start(t *testing.T, widgetKey, name string) conv {
	t.Helper()
	var out struct {
		StartConversation struct {
			SessionToken string
			Conversation struct{ ID, EventCursor string }
		}
	}
	b.post(t, "", startMutation, map[string]any{"key": widgetKey, "name": name}).decode(t, &out)
	s := out.StartConversation
	return conv{id: s.Conversation.ID, session: s.SessionToken, cursor: s.Conversation.EventCursor}
}

const sendMutation = `mutation($id: ID!, $text: String!, $cid: String!) {
  sendMessage(input: {conversationId: $id, text: $text, clientMessageId: $cid}) { message { id seq text channel } }
}`

const replyMutation = `mutation($id: ID!, $text: String!, $cid: String!) {
  replyToConversation(input: {conversationId: $id, text: $text, clientMessageId: $cid}) { message { id seq text channel authorName } }
}`

// send posts an end-user message and returns the response.
func (b *testBundle) send(t *testing.T, c conv, text, clientID string) gqlResponse {
	t.Helper()
	return b.post(t, c.session, sendMutation, map[string]any{"id": c.id, "text": text, "cid": clientID})
}

// mustSend sends and fails the test on any error.
func (b *testBundle) mustSend(t *testing.T, c conv, text, clientID string) {
	t.Helper()
	if r := b.send(t, c, text, clientID); len(r.Errors) > 0 {
		t.Fatalf("send %q: %+v", text, r.Errors)
	}
}

// reply posts an agent reply.
func (b *testBundle) reply(t *testing.T, token string, c conv, text, clientID string) gqlResponse {
	t.Helper()
	return b.post(t, token, replyMutation, map[string]any{"id": c.id, "text": text, "cid": clientID})
}

// feedCursor is the account feed's head, to subscribe after.
func (b *testBundle) feedCursor(t *testing.T, token string) string {
	t.Helper()
	var out struct{ FeedCursor string }
	b.post(t, token, `{ feedCursor }`, nil).decode(t, &out)
	return out.FeedCursor
}

// wsClient is a real websocket GraphQL client of either protocol.
type wsClient struct {
	t     *testing.T
	conn  *websocket.Conn
	proto string
}

// wsMsg is one protocol message.
type wsMsg struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

const (
	transportWS = "graphql-transport-ws"
	legacyWS    = "graphql-ws"
)

// dialWS opens a socket without sending connection_init.
func (b *testBundle) dialWS(t *testing.T, proto string, header http.Header) (*wsClient, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.url, "http"), &websocket.DialOptions{Subprotocols: []string{proto}, HTTPHeader: header})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	c := &wsClient{t: t, conn: conn, proto: proto}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return c, nil
}

// connect opens a socket and authenticates with token; the ack must come.
func (b *testBundle) connect(t *testing.T, proto, token string) *wsClient {
	t.Helper()
	c, err := b.dialWS(t, proto, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.send(wsMsg{Type: "connection_init", Payload: mustJSON(map[string]any{"Authorization": "Bearer " + token})})
	if m := c.read(); m.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %s %s", m.Type, m.Payload)
	}
	return c
}

func (c *wsClient) send(m wsMsg) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, c.conn, m); err != nil {
		c.t.Fatalf("ws write: %v", err)
	}
}

// subscribe starts operation id.
func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	typ := "subscribe"
	if c.proto == legacyWS {
		typ = "start"
	}
	c.send(wsMsg{Type: typ, ID: id, Payload: mustJSON(map[string]any{"query": query, "variables": vars})})
}

// read returns the next message that is not a keep-alive or ping, waiting
// at most 10 seconds.
func (c *wsClient) read() wsMsg {
	c.t.Helper()
	m, err := c.readWithin(10 * time.Second)
	if err != nil {
		c.t.Fatalf("ws read: %v", err)
	}
	return m
}

func (c *wsClient) readWithin(d time.Duration) (wsMsg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		var m wsMsg
		if err := wsjson.Read(ctx, c.conn, &m); err != nil {
			return m, err
		}
		switch m.Type {
		case "ka", "pong":
			continue
		case "ping":
			_ = wsjson.Write(ctx, c.conn, wsMsg{Type: "pong"})
			continue
		}
		return m, nil
	}
}

// event is a ConversationEvent as the tests select it.
type event struct {
	Cursor  string
	Kind    string
	Message *struct {
		ID, Text, Channel, AuthorRole string
		Seq                           int
	}
	Conversation struct{ ID, Status string }
}

const eventFields = `cursor kind message { id seq text channel authorRole } conversation { id status }`

const conversationEvents = `subscription($id: ID!, $after: String) { conversationEvents(conversationId: $id, after: $after) { ` + eventFields + ` } }`

const accountEvents = `subscription($after: String) { accountEvents(after: $after) { ` + eventFields + ` } }`

// nextEvent reads the next data message of subscription id.
func (c *wsClient) nextEvent(id string) event {
	c.t.Helper()
	m := c.read()
	if m.ID != id || (m.Type != "next" && m.Type != "data") {
		c.t.Fatalf("want data for %s, got %s %s %s", id, m.Type, m.ID, m.Payload)
	}
	var p struct {
		Data   map[string]event
		Errors []gqlError
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		c.t.Fatal(err)
	}
	if len(p.Errors) > 0 {
		c.t.Fatalf("subscription errors: %+v", p.Errors)
	}
	for _, e := range p.Data {
		return e
	}
	c.t.Fatalf("empty data: %s", m.Payload)
	return event{}
}

// nextMessage skips events until one that adds a message to the history:
// MESSAGE_ADDED, or a SYSTEM message's kind (LINKED, UNLINKED, …).
func (c *wsClient) nextMessage(id string) event {
	c.t.Helper()
	for {
		if e := c.nextEvent(id); e.Message != nil && e.Kind != "DELIVERY_STATE_CHANGED" {
			return e
		}
	}
}

// cursorAt forges a cursor of the same feed at another position.
func cursorAt(t *testing.T, cursor string, seq int) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(raw), ":")
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s:%s:%d", parts[0], parts[1], seq))
}

// nextSaid skips the service's own notes up to the next message someone
// wrote.
func (c *wsClient) nextSaid(id string) event {
	c.t.Helper()
	for {
		if e := c.nextMessage(id); e.Message.AuthorRole != "SYSTEM" {
			return e
		}
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// testWriter sends the service's log lines to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// nextError reads the next message of subscription id and returns its first
// error; a data message without errors fails the test.
func (c *wsClient) nextError(id string) gqlError {
	c.t.Helper()
	m := c.read()
	if m.ID != id {
		c.t.Fatalf("want a message for %s, got %s %s %s", id, m.Type, m.ID, m.Payload)
	}
	var errs []gqlError
	if m.Type == "error" {
		if err := json.Unmarshal(m.Payload, &errs); err != nil {
			c.t.Fatal(err)
		}
	} else {
		var p struct{ Errors []gqlError }
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			c.t.Fatal(err)
		}
		errs = p.Errors
		// A failed operation ends with complete.
		if end := c.read(); end.Type != "complete" || end.ID != id {
			c.t.Fatalf("want complete for %s, got %s %s", id, end.Type, end.ID)
		}
	}
	if len(errs) == 0 {
		c.t.Fatalf("want an error for %s, got %s %s", id, m.Type, m.Payload)
	}
	return errs[0]
}

// closeStatus waits for the server to close the socket and returns the
// close code.
func (c *wsClient) closeStatus() websocket.StatusCode {
	c.t.Helper()
	for {
		_, err := c.readWithin(10 * time.Second)
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
