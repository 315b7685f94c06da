package app

import (
	"encoding/json"
	"testing"
)

const presenceFeed = `subscription($after: String) { accountEvents(after: $after) { cursor kind conversation { id } presence { agent { name } activity } } }`

type presenceEvent struct {
	Cursor       string
	Kind         string
	Conversation struct{ ID string }
	Presence     *struct {
		Agent    struct{ Name string }
		Activity string
	}
}

func (c *wsClient) nextPresence(t *testing.T, id string) presenceEvent {
	t.Helper()
	m := c.read()
	var p struct {
		Data struct{ AccountEvents presenceEvent }
	}
	if m.ID != id || json.Unmarshal(m.Payload, &p) != nil {
		t.Fatalf("want an event of %s, got %s %s", id, m.Type, m.Payload)
	}
	return p.Data.AccountEvents
}

// R29: an agent viewing a conversation or typing a reply shows live on the
// account feed, on every instance, with the cursor of the event before it;
// it is never replayed, and widgets never see it as presence (R31: they see
// the agent typing as TYPING, see typing_test.go). Another account's
// conversation is an unknown id.
func TestPresence(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		maria := b.start(t, b.widgetKey, "Maria")
		head := b.feedCursor(t, b.admin)
		dashboards := []*wsClient{b.connect(t, transportWS, b.admin)}
		if kind == postgres {
			dashboards = append(dashboards, b.secondInstance(t).connect(t, transportWS, b.admin))
		}
		for _, d := range dashboards {
			d.subscribe("feed", presenceFeed, map[string]any{"after": head})
		}
		widget := b.connect(t, transportWS, maria.session)
		widget.subscribe("w", conversationEvents, map[string]any{"id": maria.id, "after": maria.cursor})
		// Presence is live only: a first message that every subscriber
		// receives shows each is live before any is sent. Its cursor is
		// the one presence carries.
		b.mustSend(t, maria, "hello", "m0")
		if e := widget.nextEvent("w"); e.Kind != "MESSAGE_ADDED" {
			t.Fatalf("the widget's first event: %+v", e)
		}
		for i, d := range dashboards {
			e := d.nextPresence(t, "feed")
			if e.Kind != "MESSAGE_ADDED" {
				t.Fatalf("dashboard %d's first event: %+v", i, e)
			}
			head = e.Cursor
		}

		setPresence := `mutation($id: ID!, $a: AgentActivity!) { setPresence(input: {conversationId: $id, activity: $a}) { conversation { id } } }`
		for _, activity := range []string{"VIEWING", "TYPING"} {
			if r := b.post(t, b.agent, setPresence, map[string]any{"id": maria.id, "a": activity}); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			for i, d := range dashboards {
				e := d.nextPresence(t, "feed")
				if e.Kind != "PRESENCE" || e.Presence == nil || e.Presence.Activity != activity || e.Presence.Agent.Name != "Acme Agent" ||
					e.Conversation.ID != maria.id || e.Cursor != head {
					t.Errorf("dashboard %d: %+v", i, e)
				}
			}
		}
		b.mustSend(t, maria, "hello?", "m1")
		e := widget.nextEvent("w")
		if e.Kind == "TYPING" {
			// R31: the agent typing, had the widget's subscription gone
			// live by then.
			e = widget.nextEvent("w")
		}
		if e.Kind != "MESSAGE_ADDED" {
			t.Errorf("the widget got %+v", e)
		}
		for i, d := range dashboards {
			if e := d.nextPresence(t, "feed"); e.Kind != "MESSAGE_ADDED" {
				t.Errorf("dashboard %d, after the presence: %+v", i, e)
			}
		}
		resumed := b.connect(t, transportWS, b.admin)
		resumed.subscribe("again", presenceFeed, map[string]any{"after": head})
		if e := resumed.nextPresence(t, "again"); e.Kind != "MESSAGE_ADDED" {
			t.Errorf("resumed after the head: %+v", e)
		}

		_, otherKey, _, _ := b.newAccount(t, "Other")
		theirs := b.start(t, otherKey, "Theirs")
		if r := b.post(t, b.agent, setPresence, map[string]any{"id": theirs.id, "a": "VIEWING"}); r.code() != "NOT_FOUND" {
			t.Errorf("presence in another account's conversation: %+v", r)
		}
	})
}
