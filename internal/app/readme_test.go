package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// readme is the README's text: what a newcomer copies must run.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeQueries returns the GraphQL documents of the README's curl
// commands and websocket frames, by the root field they call.
func readmeQueries(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`"query":\s*("(?:[^"\\]|\\.)*")`).FindAllStringSubmatch(text, -1) {
		var q string
		if err := json.Unmarshal([]byte(m[1]), &q); err != nil {
			t.Fatalf("README query %s: %v", m[1], err)
		}
		root := regexp.MustCompile(`\{\s*(\w+)`).FindStringSubmatch(q)
		if root == nil {
			t.Fatalf("README query without a root field: %s", q)
		}
		out[root[1]] = q
	}
	return out
}

// R9, R11, R18, R21: the README's worked example runs as written: the
// widget starts a conversation, the dashboard follows the account feed,
// the end user sends (twice, idempotently), the agent replies. The
// sandbox commands run as written too, and the HTTP statuses the README
// promises are the ones answered.
func TestReadmeExamples(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, _ := linkedSetup(t, kind)
		text := readme(t)
		ops := readmeQueries(t, text)
		for _, root := range []string{"startConversation", "accountEvents", "sendMessage", "replyToConversation"} {
			if ops[root] == "" {
				t.Fatalf("the README's worked example has no %s", root)
			}
		}

		// 1. The widget starts a conversation.
		var st struct {
			StartConversation struct {
				SessionToken string
				Conversation struct{ ID, EventCursor string }
			}
		}
		b.post(t, "", ops["startConversation"], map[string]any{"k": b.widgetKey}).decode(t, &st)
		session, convID := st.StartConversation.SessionToken, st.StartConversation.Conversation.ID
		// 2. The dashboard subscribes, as the README's wscat frame does.
		feed := b.connect(t, transportWS, b.agent)
		feed.subscribe("feed", ops["accountEvents"], nil)
		// Without a cursor the feed is live only: send once it is followed.
		waitFor(t, "the feed to be followed", func() bool { return testutil.ToFloat64(b.app.Metrics.Subscriptions) == 1 })
		// 3. The end user sends; again with the same clientMessageId.
		send := map[string]any{"i": map[string]any{"conversationId": convID, "text": "Γειά σας, I need help", "clientMessageId": "m-1"}}
		var first, again struct {
			SendMessage struct{ Message struct{ ID string } }
		}
		b.post(t, session, ops["sendMessage"], send).decode(t, &first)
		b.post(t, session, ops["sendMessage"], send).decode(t, &again)
		if first.SendMessage.Message.ID == "" || first.SendMessage.Message.ID != again.SendMessage.Message.ID {
			t.Errorf("a retried send: %+v, %+v", first, again)
		}
		// 4. The agent replies.
		b.post(t, b.agent, ops["replyToConversation"], map[string]any{"i": map[string]any{"conversationId": convID, "text": "Hello Maria!", "clientMessageId": "r-1"}}).decode(t, &struct{}{})
		for _, want := range []string{"Γειά σας, I need help", "Hello Maria!"} {
			if e := feed.nextSaid("feed"); e.Message == nil || e.Message.Text != want {
				t.Errorf("the feed: %+v, want %q", e.Message, want)
			}
		}

		// The sandbox commands, in the README's order, on a phone that opens a
		// real link (the README's stands for one) and taps the choice its
		// screen shows.
		cmds := regexp.MustCompile(`curl -s -XPOST \$PHONE/(\w+)\s+(?:-d '([^']*)')?`).FindAllStringSubmatch(text, -1)
		if len(cmds) != 4 {
			t.Fatalf("the README's sandbox commands: %q", cmds)
		}
		c := b.start(t, b.widgetKey, "Ana")
		req, _ := b.requestLink(t, c, "WHATSAPP")
		ph := b.phone(t, it, "15550100001")
		for _, cmd := range cmds {
			body := cmd[2]
			switch cmd[1] {
			case "open":
				body = strings.Replace(body, "https://wa.me/15550100001?text=hi", req.DeepLink, 1)
			case "tap":
				var tap struct{ ChoiceID string }
				_ = json.Unmarshal([]byte(body), &tap)
				if yes := ph.waitForText("Continue your conversation"); yes[0] != tap.ChoiceID {
					t.Errorf("the README taps %q; the phone's screen offers %q", tap.ChoiceID, yes)
				}
			}
			resp, err := http.Post(ph.url+"/"+cmd[1], "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				WebhookStatus int
				Error         string
			}
			_ = jsonDecode(resp.Body, &res)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK || res.WebhookStatus != http.StatusOK && cmd[1] != "read" {
				t.Errorf("%s %s: HTTP %d %+v", cmd[1], body, resp.StatusCode, res)
			}
		}
		ph.waitForText("Linked.")
		var screen struct {
			Channel, User string
			Messages      []struct{ ID, From, Text, Time string }
		}
		_, body := get(t, ph.url)
		if err := json.Unmarshal([]byte(body), &screen); err != nil || screen.Channel != "WHATSAPP" || screen.User != "15550100001" || len(screen.Messages) == 0 {
			t.Errorf("the phone's screen, as the README shows it: %s", body)
		}

		// The HTTP statuses the README promises.
		for _, tc := range []struct {
			name, token, query string
			status             int
			code               string
		}{
			{"a field that failed", b.agent, `{ conversation(id: "Q29udmVyc2F0aW9uOjk5OTk") { id } }`, http.StatusOK, "NOT_FOUND"},
			{"a query that does not parse", b.agent, `{ conversation(`, http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED"},
			{"a query that does not fit the schema", b.agent, `{ nope }`, http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED"},
			{"an unknown token", "lla_forged", `{ viewer { roles } }`, http.StatusUnauthorized, "UNAUTHENTICATED"},
		} {
			if r := b.post(t, tc.token, tc.query, nil); r.status != tc.status || r.code() != tc.code {
				t.Errorf("%s: HTTP %d %s, the README says %d %s", tc.name, r.status, r.code(), tc.status, tc.code)
			}
			if !strings.Contains(text, tc.code) {
				t.Errorf("the README does not name %s", tc.code)
			}
		}
		if r := b.postRaw(t, "", bytes.Repeat([]byte("x"), int(b.cfg.HTTP.MaxBodyBytes)+1), nil); r.status != http.StatusRequestEntityTooLarge || r.code() != "REQUEST_TOO_LARGE" {
			t.Errorf("an oversized body: HTTP %d %s", r.status, r.code())
		}
	})
}
