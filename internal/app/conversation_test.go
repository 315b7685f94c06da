package app

import (
	"testing"
)

// R9, R13, R15: an end user starts in the widget and sends; the agent's
// dashboard subscription receives it; the agent replies; the widget's
// subscription receives the reply. Over both websocket protocols, on both
// databases.
func TestWidgetAgentExchange(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		dash := b.connect(t, transportWS, b.agent)
		dash.subscribe("feed", accountEvents, map[string]any{"after": b.feedCursor(t, b.agent)})

		c := b.start(t, b.widgetKey, "Maria")
		widget := b.connect(t, legacyWS, c.session)
		widget.subscribe("w", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})

		if e := dash.nextEvent("feed"); e.Kind != "CONVERSATION_STARTED" || e.Conversation.ID != c.id {
			t.Fatalf("dashboard first event: %+v", e)
		}
		b.mustSend(t, c, "Γειά σας, I need help", "m1")
		e := dash.nextMessage("feed")
		if e.Message.Text != "Γειά σας, I need help" || e.Message.AuthorRole != "END_USER" || e.Message.Channel != "WEB_WIDGET" {
			t.Fatalf("dashboard got %+v", e.Message)
		}
		if got := widget.nextMessage("w"); got.Message.Text != "Γειά σας, I need help" {
			t.Fatalf("widget got its own message as %+v", got.Message)
		}

		if r := b.reply(t, b.agent, c, "Hello Maria, how can I help?", "r1"); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		got := widget.nextMessage("w")
		if got.Message.Text != "Hello Maria, how can I help?" || got.Message.AuthorRole != "AGENT" || got.Message.Channel != "WEB_WIDGET" {
			t.Fatalf("widget got %+v", got.Message)
		}
		if e := dash.nextMessage("feed"); e.Message.Text != "Hello Maria, how can I help?" {
			t.Fatalf("dashboard got %+v", e.Message)
		}

		// The history holds both, in order, each with its channel (R9).
		var out struct {
			Conversation struct {
				Status      string
				LastChannel string
				Messages    struct {
					Edges []struct {
						Node struct{ Text, Channel, AuthorRole string }
					}
				}
			}
		}
		b.post(t, c.session, `query($id: ID!) { conversation(id: $id) { status lastChannel messages(first: 10) { edges { node { text channel authorRole } } } } }`,
			map[string]any{"id": c.id}).decode(t, &out)
		edges := out.Conversation.Messages.Edges
		if len(edges) != 2 || edges[0].Node.AuthorRole != "END_USER" || edges[1].Node.AuthorRole != "AGENT" || edges[1].Node.Channel != "WEB_WIDGET" {
			t.Fatalf("history: %+v", edges)
		}
		if out.Conversation.LastChannel != "WEB_WIDGET" || out.Conversation.Status != "OPEN" {
			t.Fatalf("conversation: %+v", out.Conversation)
		}
	})
}
