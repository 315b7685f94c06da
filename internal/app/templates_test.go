package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

const templatesQuery = `query($it: ID) { messageTemplates(integrationId: $it) { id integrationId name language status category header body footer parameterCount } }`

type templateOut struct {
	ID, IntegrationID, Name, Language, Status, Category, Header, Body, Footer string
	ParameterCount                                                            int
}

func (b *testBundle) templates(t *testing.T, it integrationOut) map[string]templateOut {
	t.Helper()
	var out struct{ MessageTemplates []templateOut }
	b.post(t, b.agent, templatesQuery, map[string]any{"it": it.ID}).decode(t, &out)
	byName := map[string]templateOut{}
	for _, tp := range out.MessageTemplates {
		byName[tp.Name+"/"+tp.Language] = tp
	}
	return byName
}

const sendTemplateMutation = `mutation($id: ID!, $tpl: ID!, $params: [String!]!, $cid: String!) {
  sendTemplate(input: {conversationId: $id, templateId: $tpl, parameters: $params, clientMessageId: $cid}) {
    message { id text channel deliveryState template { name language parameters } }
  }
}`

// R33: a WhatsApp number's approved templates are synced from the Cloud
// API when it is connected and on demand, listed to agents with their
// parameters and category, and sent with parameters checked against the
// template before anything is queued; the sandbox phone shows what the
// template says.
func TestTemplatesSyncedListedAndSent(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		var out struct {
			ConnectIntegration struct{ Integration integrationOut }
		}
		b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{
			"channel": "WHATSAPP", "sandbox": true, "businessId": "sbx-wa", "handle": "15550100001", "wabaId": "sbx-waba",
		}}).decode(t, &out)
		it := out.ConnectIntegration.Integration
		ts := b.templates(t, it)
		order, follow, sale := ts["order_update/en_US"], ts["follow_up/el"], ts["spring_sale/en_US"]
		if len(ts) != 4 || order.ParameterCount != 2 || order.Category != "UTILITY" || order.Header != "Order update" ||
			follow.ParameterCount != 1 || !strings.Contains(follow.Body, "{{1}}") || sale.Status != "PENDING" || sale.Category != "MARKETING" ||
			order.IntegrationID != it.ID {
			t.Fatalf("synced templates: %+v", ts)
		}
		// On demand: the same templates, the same ids.
		var synced struct {
			SyncMessageTemplates struct{ Templates []templateOut }
		}
		b.post(t, b.agent, `mutation($it: ID!) { syncMessageTemplates(input: {integrationId: $it}) { templates { id name language } } }`,
			map[string]any{"it": it.ID}).decode(t, &synced)
		if got := synced.SyncMessageTemplates.Templates; len(got) != 4 || !strings.Contains(mustString(got), order.ID) {
			t.Errorf("sync: %+v", got)
		}

		ph := b.phone(t, it, "5511900000001")
		c := b.socialConversation(t, ph, "WHATSAPP")
		for name, vars := range map[string]map[string]any{
			"too few parameters":  {"tpl": order.ID, "params": []string{"Ana"}},
			"too many parameters": {"tpl": order.ID, "params": []string{"Ana", "#1", "x"}},
			"a blank parameter":   {"tpl": order.ID, "params": []string{"Ana", " "}},
			"a line break":        {"tpl": order.ID, "params": []string{"Ana", "#1\n#2"}},
			"a pending template":  {"tpl": sale.ID, "params": []string{}},
		} {
			vars["id"], vars["cid"] = c.id, "bad"
			if r := b.post(t, b.agent, sendTemplateMutation, vars); r.code() != "BAD_USER_INPUT" {
				t.Errorf("%s: %+v", name, r)
			}
		}
		if n := b.messageCount(t, b.agent, c); n != 1 {
			t.Fatalf("a refused template was stored: %d messages", n)
		}

		var sent struct {
			SendTemplate struct {
				Message struct {
					Text, DeliveryState string
					Template            struct {
						Name, Language string
						Parameters     []string
					}
				}
			}
		}
		b.post(t, b.agent, sendTemplateMutation, map[string]any{"id": c.id, "tpl": order.ID, "params": []string{"Ana", "#1042"}, "cid": "t1"}).decode(t, &sent)
		want := "Order update\n\nHi Ana, your order #1042 has shipped.\n\nReply to talk to us"
		if m := sent.SendTemplate.Message; m.Text != want || m.DeliveryState != "QUEUED" || m.Template.Name != "order_update" || m.Template.Parameters[1] != "#1042" {
			t.Fatalf("sent template: %+v", m)
		}
		got := ph.waitForOffer("Order update")
		if got.Text != want {
			t.Errorf("the phone shows %q", got.Text)
		}
	})
}

func mustString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// metaTemplates is the Cloud API's answer to GET /{WABA-ID}/message_templates.
const metaTemplates = `{"data":[
 {"name":"follow_up","language":"en_US","status":"APPROVED","category":"UTILITY","id":"1",
  "components":[{"type":"BODY","text":"Hi {{1}}, we have an answer for you. Reply to continue."}]},
 {"name":"promo","language":"en_US","status":"REJECTED","category":"MARKETING","id":"2",
  "components":[{"type":"BODY","text":"Sale!"}]}],
 "paging":{"cursors":{"before":"QVFIU","after":"QVFIU"}}}`

// R33, R34, R17: the done-when story. The customer's WhatsApp window has
// closed; the agent's reply is refused unless held. Held, it is stored and
// shown as HELD, a chosen template goes out at once (the Graph API gets a
// template message), and the history says so. When the phone writes
// again, the held reply is queued and sent, once, in order, and the
// history says that too.
func TestHeldReplyReleasedWhenThePhoneWrites(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		g := newFakeGraph(t)
		b := setup(t, kind, func(c *Config) { c.GraphURL = g.srv.URL })
		g.answer(graphAnswer{http.StatusOK, metaTemplates})
		var out struct {
			ConnectIntegration struct{ Integration integrationOut }
		}
		b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{
			"channel": "WHATSAPP", "businessId": phoneID, "handle": "15550001111", "wabaId": "WABA1",
			"accessToken": "EAAG-secret-token", "appSecret": "app-secret-" + phoneID, "verifyToken": "verify-" + phoneID,
		}}).decode(t, &out)
		it := out.ConnectIntegration.Integration
		if calls := g.calls(); len(calls) != 1 || calls[0].Path != "/v21.0/WABA1/message_templates" {
			t.Fatalf("template sync: %+v", calls)
		}
		follow := b.templates(t, it)["follow_up/en_US"]
		if follow.ParameterCount != 1 {
			t.Fatalf("templates: %+v", b.templates(t, it))
		}
		dash := b.connect(t, transportWS, b.agent)
		dash.subscribe("d", deliveryEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
		secret := "app-secret-" + phoneID
		if code := postWebhook(t, b.webhookURL(it), waTextAt(phoneID, "5511900000001", "wamid.S1", "where is my order?", time.Now().Add(-25*time.Hour)), secret); code != http.StatusOK {
			t.Fatalf("webhook: %d", code)
		}
		var c conv
		for c.id == "" {
			var e struct {
				Kind         string
				Conversation struct{ ID string }
			}
			m := dash.read()
			var p struct {
				Data struct{ AccountEvents json.RawMessage }
			}
			_ = json.Unmarshal(m.Payload, &p)
			_ = json.Unmarshal(p.Data.AccountEvents, &e)
			if e.Kind == "MESSAGE_ADDED" {
				c.id = e.Conversation.ID
			}
		}

		if r := b.reply(t, b.agent, c, "It ships tomorrow.", "r1"); r.code() != "WINDOW_CLOSED" {
			t.Fatalf("an unheld reply past the window: %+v", r)
		}
		const holdMutation = `mutation($id: ID!, $text: String!, $cid: String!, $hold: HoldInput) {
  replyToConversation(input: {conversationId: $id, text: $text, clientMessageId: $cid, hold: $hold}) { message { id deliveryState } }
}`
		// A bad template refuses the whole reply.
		if r := b.post(t, b.agent, holdMutation, map[string]any{"id": c.id, "text": "It ships tomorrow.", "cid": "r1",
			"hold": map[string]any{"templateId": follow.ID, "templateParameters": []string{}}}); r.code() != "BAD_USER_INPUT" {
			t.Fatalf("hold with a bad template: %+v", r)
		}
		if n := b.messageCount(t, b.agent, c); n != 1 {
			t.Fatalf("a refused hold stored something: %d messages", n)
		}
		var held struct {
			ReplyToConversation struct {
				Message struct{ ID, DeliveryState string }
			}
		}
		b.post(t, b.agent, holdMutation, map[string]any{"id": c.id, "text": "It ships tomorrow.", "cid": "r1",
			"hold": map[string]any{"templateId": follow.ID, "templateParameters": []string{"Ana"}}}).decode(t, &held)
		if held.ReplyToConversation.Message.DeliveryState != "HELD" {
			t.Fatalf("held reply: %+v", held)
		}
		// The template goes out at once, the window closed as it is.
		var tpl graphRequest
		waitFor(t, "the template to reach the Graph API", func() bool {
			for _, r := range g.calls() {
				if r.Body["type"] == "template" {
					tpl = r
					return true
				}
			}
			return false
		})
		if got := mustString(tpl.Body["template"]); got != `{"components":[{"parameters":[{"text":"Ana","type":"text"}],"type":"body"}],"language":{"code":"en_US"},"name":"follow_up"}` {
			t.Errorf("template payload: %s", got)
		}
		// Its job ends; the held reply's waits.
		waitFor(t, "the template to be sent", func() bool {
			h := b.history(t, b.agent, c, "messages")
			return len(h) == 4
		})
		waitFor(t, "the template's job to end", func() bool {
			n, err := b.app.PendingJobs(t.Context())
			return err == nil && n == 1
		})
		for _, r := range g.calls() {
			if r.text() != "" {
				t.Fatalf("a held reply was sent before the phone wrote: %+v", r)
			}
		}
		h := b.history(t, b.agent, c, "messages")
		if len(h) != 4 || !strings.HasPrefix(h[1].Text, "Hi Ana, we have an answer") || h[2].Text != "It ships tomorrow." ||
			h[3].AuthorRole != "SYSTEM" || !strings.Contains(h[3].Text, "Reply held") {
			t.Fatalf("history while held: %+v", h)
		}

		// The phone writes: the held reply goes out, once.
		for range 2 { // Meta delivers webhooks at least once
			if code := postWebhook(t, b.webhookURL(it), waText(phoneID, "5511900000001", "Ana", "wamid.S2", "thanks, and?"), secret); code != http.StatusOK {
				t.Fatalf("webhook: %d", code)
			}
		}
		waitFor(t, "the released reply to be sent", func() bool {
			for _, r := range g.calls() {
				if r.text() == "It ships tomorrow." {
					return true
				}
			}
			return false
		})
		b.waitForJobs(t)
		sends := 0
		for _, r := range g.calls() {
			if r.text() == "It ships tomorrow." {
				sends++
			}
		}
		if sends != 1 {
			t.Errorf("the held reply was sent %d times", sends)
		}
		waitFor(t, "the released reply's state", func() bool {
			var m struct {
				Node struct{ DeliveryState string }
			}
			b.post(t, b.agent, `query($id: ID!) { node(id: $id) { ... on Message { deliveryState } } }`, map[string]any{"id": held.ReplyToConversation.Message.ID}).decode(t, &m)
			return m.Node.DeliveryState == "SENT"
		})
		h = b.history(t, b.agent, c, "messages")
		if len(h) != 6 || h[4].Text != "thanks, and?" || h[5].AuthorRole != "SYSTEM" || !strings.Contains(h[5].Text, "held replies are on their way") {
			t.Errorf("history after release: %+v", h)
		}
	})
}
