package app

import (
	"encoding/json"
	"slices"
	"testing"
)

const (
	acknowledge = `mutation($c: ID!, $m: ID!) { acknowledgeMessages(input: {conversationId: $c, messageId: $m}) { conversation { id } } }`
	markRead    = `mutation($c: ID!, $m: ID!) { markRead(input: {conversationId: $c, messageId: $m}) { conversation { id } } }`
	readMarks   = `mutation($on: Boolean!) { setReadMarks(input: {enabled: $on}) { account { readMarks } } }`
)

// R31, R17: a widget reply is SENT when stored, DELIVERED once the widget
// acknowledges it and READ once the end user read it; the agents see each
// step live, over both websocket protocols, and a late acknowledgement
// never moves it back. Receipts name a message of the caller's own
// conversation; agents do not acknowledge for the widget.
func TestWidgetReceipts(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		for _, proto := range []string{transportWS, legacyWS} {
			t.Run(proto, func(t *testing.T) {
				maria := b.start(t, b.widgetKey, "Maria")
				dash := b.connect(t, proto, b.agent)
				dash.subscribe("d", deliveryEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
				widget := b.connect(t, proto, maria.session)
				widget.subscribe("w", conversationEvents, map[string]any{"id": maria.id, "after": maria.cursor})

				var out struct {
					ReplyToConversation struct {
						Message struct{ ID, Channel, DeliveryState string }
					}
				}
				b.post(t, b.agent, `mutation($id: ID!) { replyToConversation(input: {conversationId: $id, text: "Hello Maria", clientMessageId: "r1"}) { message { id channel deliveryState } } }`,
					map[string]any{"id": maria.id}).decode(t, &out)
				reply := out.ReplyToConversation.Message
				if reply.Channel != "WEB_WIDGET" || reply.DeliveryState != "SENT" {
					t.Fatalf("reply: %+v", reply)
				}
				if e := widget.nextMessage("w"); e.Message.ID != reply.ID {
					t.Fatalf("widget: %+v", e.Message)
				}
				if e := dash.nextTyping("d"); e.Kind != "MESSAGE_ADDED" {
					t.Fatalf("dashboard: %+v", e)
				}
				for _, step := range []struct{ mutation, state string }{{acknowledge, "DELIVERED"}, {markRead, "READ"}} {
					if r := b.post(t, maria.session, step.mutation, map[string]any{"c": maria.id, "m": reply.ID}); len(r.Errors) > 0 {
						t.Fatal(r.Errors)
					}
					if state, _ := nextState(t, dash); state != step.state {
						t.Errorf("state %s, want %s", state, step.state)
					}
				}
				// Late: changes nothing, and tells nobody.
				if r := b.post(t, maria.session, acknowledge, map[string]any{"c": maria.id, "m": reply.ID}); len(r.Errors) > 0 {
					t.Fatal(r.Errors)
				}
				b.mustSend(t, maria, "thanks", "thanks-"+proto)
				if e := dash.nextTyping("d"); e.Kind != "MESSAGE_ADDED" {
					t.Errorf("after a late acknowledgement: %+v", e)
				}
				var msgs struct {
					Conversation struct {
						Messages struct {
							Edges []struct {
								Node struct{ ID, DeliveryState string }
							}
						}
					}
				}
				b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { messages(first: 10) { edges { node { id deliveryState } } } } }`,
					map[string]any{"id": maria.id}).decode(t, &msgs)
				if i := slices.IndexFunc(msgs.Conversation.Messages.Edges, func(e struct {
					Node struct{ ID, DeliveryState string }
				}) bool {
					return e.Node.ID == reply.ID
				}); i < 0 || msgs.Conversation.Messages.Edges[i].Node.DeliveryState != "READ" {
					t.Errorf("history: %+v", msgs)
				}

				nikos := b.start(t, b.widgetKey, "Nikos")
				if r := b.post(t, nikos.session, markRead, map[string]any{"c": maria.id, "m": reply.ID}); r.code() != "NOT_FOUND" {
					t.Errorf("another end user's conversation: %+v", r)
				}
				if r := b.post(t, nikos.session, markRead, map[string]any{"c": nikos.id, "m": reply.ID}); r.code() != "NOT_FOUND" {
					t.Errorf("another conversation's message: %+v", r)
				}
				if r := b.post(t, b.agent, acknowledge, map[string]any{"c": maria.id, "m": reply.ID}); r.code() != "FORBIDDEN" {
					t.Errorf("an agent acknowledging: %+v", r)
				}
			})
		}
	})
}

// nextState skips events up to the next delivery state change.
func nextState(t *testing.T, dash *wsClient) (state, messageID string) {
	t.Helper()
	for {
		m := dash.read()
		var p struct {
			Data struct {
				AccountEvents struct {
					Kind    string
					Message struct{ ID, DeliveryState string }
				}
			}
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if e := p.Data.AccountEvents; e.Kind == "DELIVERY_STATE_CHANGED" {
			return e.Message.DeliveryState, e.Message.ID
		}
	}
}

// R31, R28: read marks on the platforms are off by default: an agent
// reading the end user's message sends nothing. An admin switches them on
// (audited); then the agent's read reaches the platform as documented
// (WhatsApp: a read receipt of the message; Messenger: mark_seen) and the
// phone shows its message read; and on WhatsApp an agent typing shows
// its typing indicator. A widget message cannot be marked on a platform.
func TestReadMarksOnPlatforms(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		var acct struct {
			Viewer struct{ Account struct{ ReadMarks bool } }
		}
		b.post(t, b.admin, `{ viewer { account { readMarks } } }`, nil).decode(t, &acct)
		if acct.Viewer.Account.ReadMarks {
			t.Fatal("read marks on by default")
		}
		type channelCase struct{ channel, business, handle, user, read, typing string }
		cases := []channelCase{
			{"WHATSAPP", "sbx-wa", "15550100001", "5511900000001", "read", "typing_indicator"},
			{"MESSENGER", "sbx-fb", "acme.page", "6543210987654321", "mark_seen", "typing_on"},
		}
		type open struct {
			ph          phone
			conv, inbox string
		}
		opened := map[string]open{}
		for _, tc := range cases {
			it := b.connectSandbox(t, tc.channel, tc.business, tc.handle)
			ph := b.phone(t, it, tc.user)
			ph.post("messages", map[string]any{"text": "where is my order?", "name": "Ana"})
			id := b.conversationOn(t, tc.channel)
			opened[tc.channel] = open{ph: ph, conv: id, inbox: b.lastMessageID(t, id)}
			if r := b.post(t, b.agent, markRead, map[string]any{"c": id, "m": opened[tc.channel].inbox}); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			if s := ph.signals(); len(s.Signals) != 0 {
				t.Errorf("%s with read marks off: %+v", tc.channel, s)
			}
		}
		if r := b.post(t, b.agent, readMarks, map[string]any{"on": true}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent switching read marks: %+v", r)
		}
		var on struct {
			SetReadMarks struct{ Account struct{ ReadMarks bool } }
		}
		b.post(t, b.admin, readMarks, map[string]any{"on": true}).decode(t, &on)
		if !on.SetReadMarks.Account.ReadMarks {
			t.Fatalf("read marks: %+v", on)
		}
		var page auditPage
		b.post(t, b.admin, auditLog, map[string]any{"first": 1}).decode(t, &page)
		if e := page.AuditLog.Edges; len(e) != 1 || e[0].Node.Action != "setReadMarks" || e[0].Node.Input != `{"enabled":true}` {
			t.Errorf("audit: %+v", e)
		}
		for _, tc := range cases {
			o := opened[tc.channel]
			if r := b.post(t, b.agent, markRead, map[string]any{"c": o.conv, "m": o.inbox}); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			if s := o.ph.signals(); !slices.Equal(s.Signals, []string{tc.read}) {
				t.Errorf("%s read: %+v", tc.channel, s)
			}
			var screen struct {
				Messages []struct{ From, State string }
			}
			_, body := get(t, o.ph.url)
			if err := json.Unmarshal([]byte(body), &screen); err != nil || len(screen.Messages) == 0 || screen.Messages[0].State != "read" {
				t.Errorf("%s phone: %s", tc.channel, body)
			}
			if r := b.post(t, b.agent, agentTyping, map[string]any{"id": o.conv}); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			if s := o.ph.signals(); !slices.Equal(s.Signals, []string{tc.read, tc.typing}) || !s.Typing {
				t.Errorf("%s typing: %+v", tc.channel, s)
			}
		}

		maria := b.start(t, b.widgetKey, "Maria")
		b.mustSend(t, maria, "hello", "m1")
		if r := b.post(t, b.agent, markRead, map[string]any{"c": maria.id, "m": b.lastMessageID(t, maria.id)}); r.code() != "BAD_USER_INPUT" {
			t.Errorf("a widget message: %+v", r)
		}
	})
}

// lastMessageID is the id of the conversation's newest message.
func (b *testBundle) lastMessageID(t *testing.T, conversationID string) string {
	t.Helper()
	var out struct {
		Conversation struct {
			Messages struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { messages(last: 1) { edges { node { id } } } } }`,
		map[string]any{"id": conversationID}).decode(t, &out)
	if len(out.Conversation.Messages.Edges) != 1 {
		t.Fatalf("no message in %s", conversationID)
	}
	return out.Conversation.Messages.Edges[0].Node.ID
}
