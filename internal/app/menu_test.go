package app

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/widget"
)

const widgetSubscription = `subscription($k: String!) { widget(key: $k) { key channels { channel displayName handle } } }`

// anonymous opens a socket without a token, as a page with no conversation
// yet does, from origin when it is set.
func (b *testBundle) anonymous(t *testing.T, proto, origin string) *wsClient {
	t.Helper()
	var header http.Header
	if origin != "" {
		header = http.Header{"Origin": {origin}}
	}
	ws, err := b.dialWS(t, proto, header)
	if err != nil {
		t.Fatal(err)
	}
	ws.send(wsMsg{Type: "connection_init", Payload: mustJSON(map[string]any{})})
	if m := ws.read(); m.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %s %s", m.Type, m.Payload)
	}
	return ws
}

// nextMenu reads the next configuration of widget subscription id.
func (c *wsClient) nextMenu(id string) []menuItem {
	c.t.Helper()
	m := c.read()
	// Another state subscription on the socket may be told its state
	// again (a wake-up from another instance, say): not this one's.
	for m.ID != id && (m.Type == "next" || m.Type == "data") {
		m = c.read()
	}
	var p struct {
		Data struct {
			Widget struct {
				Key      string
				Channels []menuItem
			}
		}
		Errors []gqlError
	}
	if m.ID != id || (m.Type != "next" && m.Type != "data") || json.Unmarshal(m.Payload, &p) != nil || len(p.Errors) > 0 {
		c.t.Fatalf("want the widget for %s, got %s %s %s", id, m.Type, m.ID, m.Payload)
	}
	return p.Data.Widget.Channels
}

// menuReaches reads configurations of subscription id until the menu has
// want channels: the stream carries state, and may repeat one.
func (c *wsClient) menuReaches(id string, want int) []menuItem {
	c.t.Helper()
	for {
		if got := c.nextMenu(id); len(got) == want {
			return got
		}
	}
}

// R3, R4, R27: a page with no conversation follows its widget by key over
// a socket without a token, on both protocols and on every instance: the
// menu at once, the admin's new settings live, and an integration disabled
// empties it.
func TestWidgetMenuBeforeConversation(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		wid := b.widgetID(t)
		wa := b.connectChannel(t, "WHATSAPP", phoneID, "15550001111")
		pages := []*wsClient{b.anonymous(t, transportWS, ""), b.anonymous(t, legacyWS, "https://any.example")}
		if kind == postgres {
			pages = append(pages, b.secondInstance(t).anonymous(t, transportWS, ""))
		}
		for _, p := range pages {
			p.subscribe("menu", widgetSubscription, map[string]any{"k": b.widgetKey})
			if got := p.nextMenu("menu"); len(got) != 0 {
				t.Fatalf("menu before any settings: %+v", got)
			}
		}

		b.post(t, b.admin, setChannels, map[string]any{"id": wid, "ch": []string{"WHATSAPP"}}).decode(t, &struct{}{})
		for _, p := range pages {
			if got := p.menuReaches("menu", 1); got[0].Channel != "WHATSAPP" || got[0].Handle != "15550001111" {
				t.Errorf("menu after setWidgetChannels: %+v", got)
			}
		}

		b.post(t, b.admin, `mutation($id: ID!) { disableIntegration(input: {integrationId: $id}) { integration { status } } }`, map[string]any{"id": wa.ID}).decode(t, &struct{}{})
		for _, p := range pages {
			p.menuReaches("menu", 0)
		}
	})
}

// R4, R20, R24: following a widget by key answers an unknown key as the
// widget query does, refuses an origin the widget does not allow, takes a
// subscription slot of its socket, and reaches nothing else without a
// token.
func TestWidgetSubscriptionRefusals(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind, func(c *Config) { c.HTTP.MaxSubscriptionsPerSocket = 2 })
		shop := "wk_shop_only_" + string(kind)
		if err := b.app.DB.NewWidget(t.Context(), &widget.Widget{AccountID: b.acct.ID, Key: shop, Name: "shop", AllowedOrigins: []string{"https://shop.example"}}); err != nil {
			t.Fatal(err)
		}
		c := b.start(t, b.widgetKey, "Someone")

		evil := b.anonymous(t, transportWS, "https://evil.example")
		evil.subscribe("1", widgetSubscription, map[string]any{"k": shop})
		if e := evil.nextError("1"); e.code() != "FORBIDDEN" {
			t.Errorf("a foreign origin: %+v", e)
		}
		evil.subscribe("2", widgetSubscription, map[string]any{"k": "wk_no_such_widget"})
		unknown := evil.nextError("2")
		query := b.post(t, "", `query($k: String!) { widget(key: $k) { key } }`, map[string]any{"k": "wk_no_such_widget"})
		if unknown.code() != "NOT_FOUND" || query.code() != "NOT_FOUND" || unknown.Message != query.Errors[0].Message {
			t.Errorf("an unknown key: subscription %+v, query %+v", unknown, query.Errors)
		}

		for _, proto := range []string{transportWS, legacyWS} {
			page := b.anonymous(t, proto, "https://shop.example")
			page.subscribe("1", widgetSubscription, map[string]any{"k": shop})
			page.nextMenu("1")
			page.subscribe("x", conversationEvents, map[string]any{"id": c.id})
			if e := page.nextError("x"); e.code() != "UNAUTHENTICATED" {
				t.Errorf("%s: an anonymous socket reading a conversation: %+v", proto, e)
			}
			page.subscribe("2", widgetSubscription, map[string]any{"k": shop})
			page.nextMenu("2")
			page.subscribe("3", widgetSubscription, map[string]any{"k": shop})
			if e := page.nextError("3"); e.code() != "RATE_LIMITED" {
				t.Errorf("%s: a third subscription on a socket of two slots: %+v", proto, e)
			}
		}
	})
}

// R24: following widgets by key is rate-limited per client address, with
// when to retry.
func TestWidgetSubscriptionRateLimit(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind, func(c *Config) {
			c.Limits = auth.LimitsConfig{WidgetPerAddr: auth.Rate{Events: 1, Per: time.Hour, Burst: 2}}
		})
		page := b.anonymous(t, transportWS, "")
		for _, id := range []string{"1", "2"} {
			page.subscribe(id, widgetSubscription, map[string]any{"k": b.widgetKey})
			page.nextMenu(id)
		}
		// Another socket from the same address shares the budget.
		again := b.anonymous(t, legacyWS, "")
		again.subscribe("3", widgetSubscription, map[string]any{"k": b.widgetKey})
		limited(t, "a third widget subscription", gqlResponse{Errors: []gqlError{again.nextError("3")}})
	})
}
