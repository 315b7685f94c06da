package app

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/auth"
)

const (
	typingFields = `cursor kind typing { role name until } message { id text } conversation { id }`
	typingConv   = `subscription($id: ID!, $after: String) { conversationEvents(conversationId: $id, after: $after) { ` + typingFields + ` } }`
	typingFeed   = `subscription($after: String) { accountEvents(after: $after) { ` + typingFields + ` } }`
	setTyping    = `mutation($id: ID!) { setTyping(input: {conversationId: $id}) { conversation { id } } }`
	agentTyping  = `mutation($id: ID!) { setPresence(input: {conversationId: $id, activity: TYPING}) { conversation { id } } }`
)

type typingEvent struct {
	Cursor string
	Kind   string
	Typing *struct {
		Role, Name string
		Until      time.Time
	}
	Message      *struct{ ID, Text string }
	Conversation struct{ ID string }
}

// nextTyping reads the next event of subscription id, of either feed.
func (c *wsClient) nextTyping(id string) typingEvent {
	c.t.Helper()
	m := c.read()
	var p struct {
		Data map[string]typingEvent
	}
	if m.ID != id || json.Unmarshal(m.Payload, &p) != nil || len(p.Data) != 1 {
		c.t.Fatalf("want an event of %s, got %s %s %s", id, m.Type, m.ID, m.Payload)
	}
	for _, e := range p.Data {
		return e
	}
	return typingEvent{}
}

// R31: the end user typing in the widget shows live on the account feed
// (on every instance) and the conversation's, naming them and lapsing a
// few seconds later unless repeated; an agent typing shows in the widget,
// by display name only. Both carry the cursor of the event before them and
// are never replayed: a subscription resumed from that cursor starts with
// the next stored event. Over both websocket protocols.
func TestTypingBothWays(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		for _, proto := range []string{transportWS, legacyWS} {
			t.Run(proto, func(t *testing.T) {
				maria := b.start(t, b.widgetKey, "Maria")
				head := b.feedCursor(t, b.agent)
				dashboards := []*wsClient{b.connect(t, proto, b.agent)}
				if kind == postgres {
					dashboards = append(dashboards, b.secondInstance(t).connect(t, proto, b.agent))
				}
				for _, d := range dashboards {
					d.subscribe("feed", typingFeed, map[string]any{"after": head})
				}
				open := b.connect(t, proto, b.agent)
				open.subscribe("conv", typingConv, map[string]any{"id": maria.id, "after": maria.cursor})
				widget := b.connect(t, proto, maria.session)
				widget.subscribe("w", typingConv, map[string]any{"id": maria.id, "after": maria.cursor})

				// A first message reaches every subscriber: each is live, and
				// its cursor is the one typing carries next.
				b.mustSend(t, maria, "hello", "hello-"+proto)
				last := map[*wsClient]string{}
				for _, c := range append(dashboards, open, widget) {
					id := map[*wsClient]string{open: "conv", widget: "w"}[c]
					if id == "" {
						id = "feed"
					}
					e := c.nextTyping(id)
					if e.Kind != "MESSAGE_ADDED" {
						t.Fatalf("%s: %+v", id, e)
					}
					last[c] = e.Cursor
				}

				before := time.Now()
				if r := b.post(t, maria.session, setTyping, map[string]any{"id": maria.id}); len(r.Errors) > 0 {
					t.Fatal(r.Errors)
				}
				for i, c := range append(dashboards, open, widget) {
					id := map[*wsClient]string{open: "conv", widget: "w"}[c]
					if id == "" {
						id = "feed"
					}
					e := c.nextTyping(id)
					if e.Kind != "TYPING" || e.Typing == nil || e.Typing.Role != "END_USER" || e.Typing.Name != "Maria" ||
						e.Conversation.ID != maria.id || e.Message != nil {
						t.Fatalf("client %d: %+v", i, e)
					}
					// It lapses on its own a few seconds later.
					if lapse := e.Typing.Until.Sub(before); lapse < 3*time.Second || lapse > 15*time.Second {
						t.Errorf("client %d: typing until %s, %s after the signal", i, e.Typing.Until, lapse)
					}
					if e.Cursor != last[c] {
						t.Errorf("client %d: cursor %s, want the one before it %s", i, e.Cursor, last[c])
					}
				}

				if r := b.post(t, b.agent, agentTyping, map[string]any{"id": maria.id}); len(r.Errors) > 0 {
					t.Fatal(r.Errors)
				}
				for _, c := range []*wsClient{widget, open} {
					id := map[*wsClient]string{open: "conv", widget: "w"}[c]
					if e := c.nextTyping(id); e.Kind != "TYPING" || e.Typing == nil || e.Typing.Role != "AGENT" || e.Typing.Name != "Acme Agent" {
						t.Errorf("%s: agent typing %+v", id, e)
					}
				}

				b.mustSend(t, maria, "here is my order number", "typed-1-"+proto)
				for _, d := range dashboards {
					// The account feed saw the agent typing as PRESENCE
					// (R29), then the message.
					e := d.nextTyping("feed")
					if e.Kind == "PRESENCE" {
						e = d.nextTyping("feed")
					}
					if e.Kind != "MESSAGE_ADDED" {
						t.Errorf("dashboard after typing: %+v", e)
					}
				}
				if e := widget.nextTyping("w"); e.Kind != "MESSAGE_ADDED" {
					t.Errorf("widget after typing: %+v", e)
				}

				// Resumed from the cursor the typing carried: the message,
				// never the typing.
				again := b.connect(t, proto, maria.session)
				again.subscribe("again", typingConv, map[string]any{"id": maria.id, "after": last[widget]})
				if e := again.nextTyping("again"); e.Kind != "MESSAGE_ADDED" || e.Message == nil || e.Message.Text != "here is my order number" {
					t.Errorf("resumed: %+v", e)
				}
				resumed := b.connect(t, proto, b.agent)
				resumed.subscribe("again", typingFeed, map[string]any{"after": last[dashboards[0]]})
				if e := resumed.nextTyping("again"); e.Kind != "MESSAGE_ADDED" || e.Message == nil || e.Message.Text != "here is my order number" {
					t.Errorf("resumed account feed: %+v", e)
				}
			})
		}
	})
}

// R24, R31: typing is rate-limited per widget session with a coded error;
// agents cannot type as an end user; another end user's conversation is
// an unknown id.
func TestTypingLimits(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind, func(c *Config) {
			c.Limits.TypingPerSession = auth.Rate{Events: 1, Per: time.Hour, Burst: 2}
		})
		maria := b.start(t, b.widgetKey, "Maria")
		for i := range 2 {
			if r := b.post(t, maria.session, setTyping, map[string]any{"id": maria.id}); len(r.Errors) > 0 {
				t.Fatalf("signal %d: %+v", i, r.Errors)
			}
		}
		if r := b.post(t, maria.session, setTyping, map[string]any{"id": maria.id}); r.code() != "RATE_LIMITED" {
			t.Errorf("third signal: %+v", r)
		}
		if r := b.post(t, b.agent, setTyping, map[string]any{"id": maria.id}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent: %+v", r)
		}
		nikos := b.start(t, b.widgetKey, "Nikos")
		if r := b.post(t, nikos.session, setTyping, map[string]any{"id": maria.id}); r.code() != "NOT_FOUND" {
			t.Errorf("someone else's conversation: %+v", r)
		}
	})
}

// R31: an agent typing a reply to Messenger or Instagram shows as typing
// in the app (sender_action typing_on through the Send API), at most once
// per conversation every few seconds; WhatsApp's indicator marks the
// user's message read, so with read marks off it is not sent.
func TestTypingShowsOnPlatforms(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		for _, tc := range []struct{ channel, business, handle, user, signal string }{
			{"MESSENGER", "sbx-fb", "acme.page", "6543210987654321", "typing_on"},
			{"INSTAGRAM", "sbx-ig", "acme.ig", "1234567890123456", "typing_on"},
			{"WHATSAPP", "sbx-wa", "15550100001", "5511900000001", ""},
		} {
			t.Run(tc.channel, func(t *testing.T) {
				it := b.connectSandbox(t, tc.channel, tc.business, tc.handle)
				ph := b.phone(t, it, tc.user)
				ph.post("messages", map[string]any{"text": "is anyone there?", "name": "Ana"})
				id := b.conversationOn(t, tc.channel)
				for range 2 {
					if r := b.post(t, b.agent, agentTyping, map[string]any{"id": id}); len(r.Errors) > 0 {
						t.Fatal(r.Errors)
					}
				}
				s := ph.signals()
				if tc.signal == "" {
					if len(s.Signals) != 0 || s.Typing {
						t.Errorf("signals: %+v", s)
					}
					return
				}
				if !slices.Equal(s.Signals, []string{tc.signal}) || !s.Typing {
					t.Errorf("signals: %+v", s)
				}
				// The reply ends the indicator, as the apps do.
				if r := b.reply(t, b.agent, conv{id: id}, "Yes, how can I help?", "r-"+tc.channel); len(r.Errors) > 0 {
					t.Fatal(r.Errors)
				}
				ph.waitForText("how can I help")
				if s := ph.signals(); s.Typing {
					t.Errorf("typing after the reply: %+v", s)
				}
			})
		}
	})
}

// phoneSignals is what the phone shows of the business's signals.
type phoneSignals struct {
	Typing  bool
	Signals []string
}

func (p phone) signals() phoneSignals {
	p.t.Helper()
	var out phoneSignals
	_, body := get(p.t, p.url)
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		p.t.Fatalf("phone %q: %v", body, err)
	}
	return out
}

// conversationOn waits for the newest conversation last used on channel
// and returns its id.
func (b *testBundle) conversationOn(t *testing.T, channel string) string {
	t.Helper()
	var id string
	waitFor(t, "a conversation on "+channel, func() bool {
		var out struct {
			Conversations struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		b.post(t, b.agent, `query($ch: Channel) { conversations(first: 1, filter: {channel: $ch}) { edges { node { id } } } }`,
			map[string]any{"ch": channel}).decode(t, &out)
		if len(out.Conversations.Edges) == 1 {
			id = out.Conversations.Edges[0].Node.ID
		}
		return id != ""
	})
	return id
}
