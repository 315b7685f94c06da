package app

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/linkline/linkline/graph/relay"
)

// messageCount is how many messages a conversation holds, as its agent
// reads them.
func (b *testBundle) messageCount(t *testing.T, agent string, c conv) int {
	t.Helper()
	var out struct {
		Conversation struct {
			Messages struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	b.post(t, agent, `query($id: ID!) { conversation(id: $id) { messages(first: 100) { edges { node { id } } } } }`, map[string]any{"id": c.id}).decode(t, &out)
	return len(out.Conversation.Messages.Edges)
}

// R18: a send carries a client message id; the same id again, in sequence
// or ten at once, yields one message. Another author's equal id is another
// message.
func TestSendIdempotency(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		c := b.start(t, b.widgetKey, "Petros")
		var first, again struct {
			SendMessage struct{ Message struct{ ID string } }
		}
		b.send(t, c, "hello", "same-id").decode(t, &first)
		b.send(t, c, "hello", "same-id").decode(t, &again)
		if first.SendMessage.Message.ID != again.SendMessage.Message.ID {
			t.Errorf("a retried send made a second message: %s, %s", first.SendMessage.Message.ID, again.SendMessage.Message.ID)
		}

		var wg sync.WaitGroup
		ids := make([]string, 10)
		for i := range ids {
			wg.Go(func() {
				var out struct {
					SendMessage struct{ Message struct{ ID string } }
				}
				b.send(t, c, "at once", "concurrent-id").decode(t, &out)
				ids[i] = out.SendMessage.Message.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("concurrent sends gave different messages: %v", ids)
				break
			}
		}
		var r1, r2 struct {
			ReplyToConversation struct{ Message struct{ ID string } }
		}
		b.reply(t, b.agent, c, "agent's", "same-id").decode(t, &r1)
		b.reply(t, b.agent, c, "agent's", "same-id").decode(t, &r2)
		if r1.ReplyToConversation.Message.ID == first.SendMessage.Message.ID || r1.ReplyToConversation.Message.ID != r2.ReplyToConversation.Message.ID {
			t.Errorf("agent reply ids: %s %s (end user's %s)", r1.ReplyToConversation.Message.ID, r2.ReplyToConversation.Message.ID, first.SendMessage.Message.ID)
		}
		if n := b.messageCount(t, b.agent, c); n != 3 {
			t.Errorf("want 3 messages, got %d", n)
		}
	})
}

// R23: bad input gets a coded error and changes nothing.
func TestBadInput(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind, func(c *Config) {
			c.HTTP.MaxBodyBytes = 32 << 10
			c.HTTP.DepthLimit = 5
		})
		c := b.start(t, b.widgetKey, "Yannis")
		_, otherKey, _, otherAgent := b.newAccount(t, "Initech")
		foreign := b.start(t, otherKey, "Foreign")
		b.mustSend(t, c, "the only message", "ok-1")

		type input struct {
			name string
			resp func() gqlResponse
			code string
		}
		raw := func(body string) func() gqlResponse {
			return func() gqlResponse { return b.postRaw(t, c.session, []byte(body), nil) }
		}
		sendBody := func(text string) string {
			return fmt.Sprintf(`{"query":%q,"variables":{"id":%q,"cid":"bad","text":"%s"}}`, sendMutation, c.id, text)
		}
		send := func(text, cid, id string) func() gqlResponse {
			return func() gqlResponse {
				return b.post(t, c.session, sendMutation, map[string]any{"id": id, "text": text, "cid": cid})
			}
		}
		deep := "{ conversations(first: 1) { edges { node { messages(first: 1) { edges { node { id } } } } } } }"
		cases := []input{
			{"empty text", send("", "e1", c.id), "BAD_USER_INPUT"},
			{"blank text", send(" \n\t ", "e2", c.id), "BAD_USER_INPUT"},
			{"text over 4,096 characters", send(strings.Repeat("é", 4097), "e3", c.id), "BAD_USER_INPUT"},
			{"NUL byte", send("a\x00b", "e4", c.id), "BAD_USER_INPUT"},
			{"control character", send("a\x07b", "e5", c.id), "BAD_USER_INPUT"},
			{"invalid UTF-8 bytes", raw(sendBody("caf\xe9")), "BAD_USER_INPUT"},
			{"lone surrogate escape", raw(sendBody(`caf\ud800e`)), "BAD_USER_INPUT"},
			{"empty client message id", send("hi", "", c.id), "BAD_USER_INPUT"},
			{"client message id with spaces", send("hi", "a b", c.id), "BAD_USER_INPUT"},
			{"unknown conversation id", send("hi", "e6", relay.ID(relay.TypeConversation, 424242)), "NOT_FOUND"},
			{"malformed id", send("hi", "e7", "%%%"), "NOT_FOUND"},
			{"id of another type", send("hi", "e8", relay.ID(relay.TypeMessage, 1)), "NOT_FOUND"},
			{"another account's conversation", send("hi", "e9", foreign.id), "NOT_FOUND"},
			{"unknown enum value", func() gqlResponse {
				return b.post(t, b.agent, `query($s: ConversationStatus) { conversations(filter: {status: $s}) { edges { cursor } } }`, map[string]any{"s": "BOGUS"})
			}, "GRAPHQL_VALIDATION_FAILED"},
			{"unknown enum literal", func() gqlResponse {
				return b.post(t, b.agent, `{ conversations(filter: {status: BOGUS}) { edges { cursor } } }`, nil)
			}, "GRAPHQL_VALIDATION_FAILED"},
			{"first over 100", func() gqlResponse {
				return b.post(t, b.agent, `{ conversations(first: 101) { edges { cursor } } }`, nil)
			}, "BAD_USER_INPUT"},
			{"messages first over 100", func() gqlResponse {
				return b.post(t, c.session, `query($id: ID!) { conversation(id: $id) { messages(first: 500) { edges { cursor } } } }`, map[string]any{"id": c.id})
			}, "BAD_USER_INPUT"},
			{"forged page cursor", func() gqlResponse {
				return b.post(t, b.agent, `{ conversations(after: "zzz") { edges { cursor } } }`, nil)
			}, "BAD_USER_INPUT"},
			{"over-deep query", func() gqlResponse { return b.post(t, b.agent, deep, nil) }, "DEPTH_LIMIT_EXCEEDED"},
			{"over-complex query", func() gqlResponse {
				return b.post(t, b.agent, `{ conversations(first: 100) { edges { node { messages(first: 100) { edges { node { id text } } } } } } }`, nil)
			}, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"too many tokens", func() gqlResponse {
				return b.post(t, b.agent, "{ "+strings.Repeat("a ", 6000)+"}", nil)
			}, "GRAPHQL_PARSE_FAILED"},
			{"oversized body", raw(sendBody(strings.Repeat("x", 40<<10))), "REQUEST_TOO_LARGE"},
			{"not JSON", raw(`{"query":`), "BAD_REQUEST"},
			{"syntax error", func() gqlResponse { return b.post(t, b.agent, `{ conversations(`, nil) }, "GRAPHQL_PARSE_FAILED"},
		}
		for _, tc := range cases {
			r := tc.resp()
			if r.code() != tc.code {
				t.Errorf("%s: got %q %+v, want %s", tc.name, r.code(), r.Errors, tc.code)
			}
		}
		if n := b.messageCount(t, b.agent, c); n != 1 {
			t.Errorf("bad input changed the history: %d messages", n)
		}
		if n := b.messageCount(t, otherAgent, foreign); n != 0 {
			t.Errorf("bad input reached another account: %d messages", n)
		}
	})
}

// R23: a GET carries queries only, and its query string must be valid
// UTF-8.
func TestGetQueries(t *testing.T) {
	b := setup(t, sqlite)
	get := func(rawQuery string) gqlResponse {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, b.url+"?"+rawQuery, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+b.agent)
		return b.do(t, req)
	}
	if r := get("query=%7B%20feedCursor%20%7D"); len(r.Errors) > 0 {
		t.Errorf("GET query: %+v", r.Errors)
	}
	if r := get("query=" + "mutation%7BcloseConversation(input%3A%7BconversationId%3A%22x%22%7D)%7Bconversation%7Bid%7D%7D%7D"); len(r.Errors) == 0 {
		t.Errorf("a mutation over GET ran")
	}
	if r := get("query=%7B%20feedCursor%20%7D%FF"); r.code() != "BAD_USER_INPUT" {
		t.Errorf("invalid UTF-8 in the query string: %+v", r.Errors)
	}
}

// R23: a mutation sent over a websocket, on either protocol, is refused
// with a coded error and writes nothing: mutations go over HTTP, where
// bodies are checked byte for byte.
func TestMutationOverSocket(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		c := b.start(t, b.widgetKey, "Socket sender")
		for _, proto := range []string{transportWS, legacyWS} {
			ws := b.connect(t, proto, c.session)
			ws.subscribe("m", sendMutation, map[string]any{"id": c.id, "text": "via socket", "cid": "ws-" + proto})
			if e := ws.nextError("m"); e.code() != "BAD_REQUEST" {
				t.Errorf("%s: a mutation over the socket: %+v", proto, e)
			}
		}
		if n := b.messageCount(t, b.agent, c); n != 0 {
			t.Errorf("a mutation over a socket wrote %d messages", n)
		}
	})
}
