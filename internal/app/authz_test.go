package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/widget"
)

const conversationQuery = `query($id: ID!) { conversation(id: $id) { id messages(first: 10) { edges { node { text } } } } }`

// R20: an end user reaches only their own conversations, an agent only its
// account; someone else's id answers exactly like an unknown one.
func TestAuthorizationBoundaries(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		alice := b.start(t, b.widgetKey, "Alice")
		bob := b.start(t, b.widgetKey, "Bob")
		b.mustSend(t, alice, "alice's secret", "a1")
		_, otherKey, _, otherAgent := b.newAccount(t, "Globex")
		carol := b.start(t, otherKey, "Carol")
		unknown := relay.ID(relay.TypeConversation, 999999)

		// The answer for an unknown id, to compare with.
		want := b.post(t, bob.session, conversationQuery, map[string]any{"id": unknown})
		if want.code() != "NOT_FOUND" {
			t.Fatalf("unknown id: %+v", want.Errors)
		}
		sameAsUnknown := func(name string, r gqlResponse) {
			t.Helper()
			if len(r.Errors) != 1 || r.Errors[0].code() != "NOT_FOUND" || r.Errors[0].Message != want.Errors[0].Message || string(r.Data) != string(want.Data) {
				t.Errorf("%s: got %+v data %s, want the unknown-id answer", name, r.Errors, r.Data)
			}
		}
		sameAsUnknown("end user reading another's conversation", b.post(t, bob.session, conversationQuery, map[string]any{"id": alice.id}))
		sameAsUnknown("agent reading another account's conversation", b.post(t, otherAgent, conversationQuery, map[string]any{"id": alice.id}))
		sameAsUnknown("end user of another account", b.post(t, carol.session, conversationQuery, map[string]any{"id": alice.id}))
		nodeQuery := `query($id: ID!) { node(id: $id) { id } }`
		if a, u := b.post(t, bob.session, nodeQuery, map[string]any{"id": alice.id}), b.post(t, bob.session, nodeQuery, map[string]any{"id": unknown}); a.code() != "NOT_FOUND" || a.Errors[0].Message != u.Errors[0].Message || string(a.Data) != string(u.Data) {
			t.Errorf("node() of another's conversation: %+v, unknown: %+v", a.Errors, u.Errors)
		}

		// Writes are refused the same way and change nothing.
		if r := b.send(t, conv{id: alice.id, session: bob.session}, "intrusion", "x1"); r.code() != "NOT_FOUND" {
			t.Errorf("end user sending into another's conversation: %+v", r.Errors)
		}
		if r := b.reply(t, otherAgent, alice, "intrusion", "x2"); r.code() != "NOT_FOUND" {
			t.Errorf("agent replying in another account: %+v", r.Errors)
		}
		// Roles: end users cannot act as agents, agents cannot send as end
		// users, nobody acts without a token.
		if r := b.reply(t, alice.session, alice, "I am an agent", "x3"); r.code() != "FORBIDDEN" {
			t.Errorf("end user replying as an agent: %+v", r.Errors)
		}
		if r := b.post(t, b.agent, sendMutation, map[string]any{"id": alice.id, "text": "as the user", "cid": "x4"}); r.code() != "FORBIDDEN" {
			t.Errorf("agent sending as the end user: %+v", r.Errors)
		}
		if r := b.post(t, "", conversationQuery, map[string]any{"id": alice.id}); r.code() != "UNAUTHENTICATED" {
			t.Errorf("no token: %+v", r.Errors)
		}
		if r := b.post(t, "lla_forged", conversationQuery, map[string]any{"id": alice.id}); r.code() != "UNAUTHENTICATED" || r.status != http.StatusUnauthorized {
			t.Errorf("bad token: %d %+v", r.status, r.Errors)
		}
		if r := b.post(t, alice.session, `{ feedCursor }`, nil); r.code() != "FORBIDDEN" {
			t.Errorf("end user reading the account feed cursor: %+v", r.Errors)
		}
		var hist struct {
			Conversation struct {
				Messages struct {
					Edges []struct{ Node struct{ Text string } }
				}
			}
		}
		b.post(t, alice.session, conversationQuery, map[string]any{"id": alice.id}).decode(t, &hist)
		if e := hist.Conversation.Messages.Edges; len(e) != 1 || e[0].Node.Text != "alice's secret" {
			t.Errorf("alice's history changed: %+v", e)
		}

		// Lists hold only what the caller may see.
		var list struct {
			Conversations struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		b.post(t, bob.session, `{ conversations(first: 50) { edges { node { id } } } }`, nil).decode(t, &list)
		if e := list.Conversations.Edges; len(e) != 1 || e[0].Node.ID != bob.id {
			t.Errorf("bob's list: %+v", e)
		}
		b.post(t, otherAgent, `{ conversations(first: 50) { edges { node { id } } } }`, nil).decode(t, &list)
		if e := list.Conversations.Edges; len(e) != 1 || e[0].Node.ID != carol.id {
			t.Errorf("the other account's list: %+v", e)
		}

		// Subscriptions: another's conversation is unknown; another
		// account's events never reach a dashboard.
		ws := b.connect(t, transportWS, bob.session)
		ws.subscribe("1", conversationEvents, map[string]any{"id": alice.id})
		if e := ws.nextError("1"); e.code() != "NOT_FOUND" {
			t.Errorf("subscribing to another's conversation: %+v", e)
		}
		ws.subscribe("2", accountEvents, nil)
		if e := ws.nextError("2"); e.code() != "FORBIDDEN" {
			t.Errorf("end user subscribing to the account feed: %+v", e)
		}
		dash := b.connect(t, transportWS, otherAgent)
		dash.subscribe("d", accountEvents, map[string]any{"after": b.feedCursor(t, otherAgent)})
		b.mustSend(t, alice, "not for Globex", "a2")
		b.mustSend(t, carol, "for Globex", "c1")
		if e := dash.nextMessage("d"); e.Message.Text != "for Globex" {
			t.Errorf("the other account's dashboard got %+v", e.Message)
		}
	})
}

// R20: a socket authenticates in connection_init; a bad token closes it
// with 4403, on both protocols. A socket without a token is anonymous (a
// page following its widget, R27): nothing that needs a token answers it.
func TestSocketAuthentication(t *testing.T) {
	b := setup(t, sqlite)
	c := b.start(t, b.widgetKey, "Private")
	for _, proto := range []string{transportWS, legacyWS} {
		for name, payload := range map[string]map[string]any{
			"bad token": {"Authorization": "Bearer lls_nope"},
			"agent-ish": {"Authorization": "lla_" + "x"},
		} {
			ws, err := b.dialWS(t, proto, nil)
			if err != nil {
				t.Fatal(err)
			}
			ws.send(wsMsg{Type: "connection_init", Payload: mustJSON(payload)})
			if code := ws.closeStatus(); code != 4403 {
				t.Errorf("%s, %s: close code %d, want 4403", proto, name, code)
			}
		}
		for name, payload := range map[string]map[string]any{
			"no token":    {},
			"empty token": {"Authorization": ""},
		} {
			ws, err := b.dialWS(t, proto, nil)
			if err != nil {
				t.Fatal(err)
			}
			ws.send(wsMsg{Type: "connection_init", Payload: mustJSON(payload)})
			if m := ws.read(); m.Type != "connection_ack" {
				t.Fatalf("%s, %s: want connection_ack, got %s %s", proto, name, m.Type, m.Payload)
			}
			ws.subscribe("c", conversationEvents, map[string]any{"id": c.id})
			if e := ws.nextError("c"); e.code() != "UNAUTHENTICATED" {
				t.Errorf("%s, %s: a conversation's events: %+v", proto, name, e)
			}
			ws.subscribe("a", accountEvents, nil)
			if e := ws.nextError("a"); e.code() != "UNAUTHENTICATED" {
				t.Errorf("%s, %s: the account feed: %+v", proto, name, e)
			}
			_ = ws.conn.Close(websocket.StatusNormalClosure, "")
		}
	}
}

// R20: a socket lives no longer than the session it was authenticated
// with: when the session expires, the socket closes with 1000, as at its
// natural end, not with 4403 (nothing was revoked).
func TestSocketEndsWithItsSession(t *testing.T) {
	b := setup(t, sqlite, func(c *Config) { c.SessionTTL = 2 * time.Second })
	c := b.start(t, b.widgetKey, "Brief")
	ws := b.connect(t, transportWS, c.session)
	ws.subscribe("1", conversationEvents, map[string]any{"id": c.id})
	if code := ws.closeStatus(); code != websocket.StatusNormalClosure {
		t.Errorf("at the session's expiry: close %d, want 1000", code)
	}
}

// R20: a session token works only from the origins its widget allows;
// other origins are refused over HTTP and at connection_init.
func TestWidgetOrigins(t *testing.T) {
	b := setup(t, sqlite)
	key := "wk_origin_test"
	if err := b.app.DB.NewWidget(t.Context(), &widget.Widget{AccountID: b.acct.ID, Key: key, Name: "shop", AllowedOrigins: []string{"https://shop.example"}}); err != nil {
		t.Fatal(err)
	}
	body := mustJSON(map[string]any{"query": startMutation, "variables": map[string]any{"key": key}})
	if r := b.postRaw(t, "", body, http.Header{"Origin": {"https://evil.example"}}); r.code() != "FORBIDDEN" {
		t.Errorf("start from a foreign origin: %+v", r.Errors)
	}
	var out struct {
		StartConversation struct {
			SessionToken string
			Conversation struct{ ID string }
		}
	}
	b.postRaw(t, "", body, http.Header{"Origin": {"https://shop.example"}}).decode(t, &out)
	tok := out.StartConversation.SessionToken

	q := mustJSON(map[string]any{"query": conversationQuery, "variables": map[string]any{"id": out.StartConversation.Conversation.ID}})
	if r := b.postRaw(t, tok, q, http.Header{"Origin": {"https://evil.example"}}); r.code() != "FORBIDDEN" || r.status != http.StatusForbidden {
		t.Errorf("session token from a foreign origin: %d %+v", r.status, r.Errors)
	}
	if r := b.postRaw(t, tok, q, http.Header{"Origin": {"https://shop.example"}}); len(r.Errors) > 0 {
		t.Errorf("session token from its origin: %+v", r.Errors)
	}

	c, err := b.dialWS(t, transportWS, http.Header{"Origin": {"https://evil.example"}})
	if err != nil {
		t.Fatal(err)
	}
	c.send(wsMsg{Type: "connection_init", Payload: mustJSON(map[string]any{"Authorization": "Bearer " + tok})})
	if code := c.closeStatus(); code != 4403 {
		t.Errorf("socket from a foreign origin: close %d, want 4403", code)
	}
	c, err = b.dialWS(t, transportWS, http.Header{"Origin": {"https://shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	c.send(wsMsg{Type: "connection_init", Payload: mustJSON(map[string]any{"Authorization": "Bearer " + tok})})
	if m := c.read(); m.Type != "connection_ack" {
		t.Errorf("socket from its origin: %s", m.Type)
	}
	_ = c.conn.Close(websocket.StatusNormalClosure, "")
}
