package app

import (
	"slices"
	"strings"
	"testing"
	"time"
)

const setUnreadFallback = `mutation($id: ID!, $m: Int!) { setWidgetUnreadFallback(input: {widgetId: $id, minutes: $m}) { widget { unreadFallbackMinutes } } }`

// R33, R27, R28: a widget reply still unread after the widget's delay is
// also sent to the end user's linked WhatsApp, whose window is open, in
// the conversation's language from the catalog; the copy has a delivery
// state of its own, and the history says so with an UNREAD_FALLBACK note
// that agents see live. The delay is an audited admin setting, off by
// default, and bounded.
func TestUnreadWidgetReplyFollowsOnLinkedChannel(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, c := linkedSetup(t, kind, func(cfg *Config) { cfg.unreadMinute = 100 * time.Millisecond })
		ph := b.phone(t, it, "5511900000001")
		b.link(t, c, ph)
		widgetID := b.widgetID(t)

		var w struct {
			Widgets []struct{ UnreadFallbackMinutes int }
		}
		b.post(t, b.admin, `{ widgets { unreadFallbackMinutes } }`, nil).decode(t, &w)
		if len(w.Widgets) != 1 || w.Widgets[0].UnreadFallbackMinutes != 0 {
			t.Fatalf("default: %+v", w)
		}
		for _, bad := range []int{-1, 1441} {
			if r := b.post(t, b.admin, setUnreadFallback, map[string]any{"id": widgetID, "m": bad}); r.code() != "BAD_USER_INPUT" {
				t.Errorf("%d minutes: %+v", bad, r)
			}
		}
		if r := b.post(t, b.agent, setUnreadFallback, map[string]any{"id": widgetID, "m": 2}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent: %+v", r)
		}
		var set struct {
			SetWidgetUnreadFallback struct {
				Widget struct{ UnreadFallbackMinutes int }
			}
		}
		b.post(t, b.admin, setUnreadFallback, map[string]any{"id": widgetID, "m": 2}).decode(t, &set)
		if set.SetWidgetUnreadFallback.Widget.UnreadFallbackMinutes != 2 {
			t.Fatalf("set: %+v", set)
		}
		var page auditPage
		b.post(t, b.admin, auditLog, map[string]any{"first": 1}).decode(t, &page)
		if e := page.AuditLog.Edges; len(e) != 1 || e[0].Node.Action != "setWidgetUnreadFallback" {
			t.Errorf("audit: %+v", e)
		}

		dash := b.connect(t, transportWS, b.agent)
		dash.subscribe("d", typingFeed, map[string]any{"after": b.feedCursor(t, b.agent)})
		if r := b.post(t, b.agent, `mutation($id: ID!) { replyToConversation(input: {conversationId: $id, text: "Your parcel left today", clientMessageId: "unread-1", channel: WEB_WIDGET}) { message { id } } }`,
			map[string]any{"id": c.id}); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		ph.waitForText("You have an unread reply in the chat on our website:\n\nYour parcel left today")
		for {
			e := dash.nextTyping("d")
			if e.Kind == "UNREAD_FALLBACK" {
				break
			}
		}

		var h struct {
			Conversation struct {
				Messages struct {
					Edges []struct {
						Node struct {
							Channel, AuthorRole, Text string
							DeliveryState             *string
							Note                      *struct{ Kind, Channel, Identity string }
						}
					}
				}
			}
		}
		b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { messages(last: 3) { edges { node { channel authorRole text deliveryState note { kind channel identity } } } } } }`,
			map[string]any{"id": c.id}).decode(t, &h)
		edges := h.Conversation.Messages.Edges
		if len(edges) != 3 {
			t.Fatalf("history: %+v", edges)
		}
		reply, cp, note := edges[0].Node, edges[1].Node, edges[2].Node
		if reply.Channel != "WEB_WIDGET" || reply.Text != "Your parcel left today" || reply.DeliveryState == nil || *reply.DeliveryState != "SENT" {
			t.Errorf("reply: %+v", reply)
		}
		if cp.Channel != "WHATSAPP" || cp.AuthorRole != "AGENT" || !strings.HasSuffix(cp.Text, "Your parcel left today") || cp.DeliveryState == nil ||
			!slices.Contains([]string{"QUEUED", "SENT", "DELIVERED", "READ"}, *cp.DeliveryState) {
			t.Errorf("copy: %+v", cp)
		}
		if note.AuthorRole != "SYSTEM" || note.Note == nil || note.Note.Kind != "UNREAD_FALLBACK" || note.Note.Channel != "WHATSAPP" || note.Note.Identity != "+55 ••• 0001" {
			t.Errorf("note: %+v %+v", note, note.Note)
		}
	})
}
