package app

import (
	"encoding/json"
	"testing"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/widget"
)

const setChannels = `mutation($id: ID!, $ch: [Channel!]!) { setWidgetChannels(input: {widgetId: $id, channels: $ch}) { widget { id socialChannels } } }`

type menuItem struct{ Channel, DisplayName, Handle string }

// widgetID is the global id of the bundle's widget, as agents list it.
func (b *testBundle) widgetID(t *testing.T) string {
	t.Helper()
	var out struct{ Widgets []struct{ ID, Key string } }
	b.post(t, b.agent, `{ widgets { id key } }`, nil).decode(t, &out)
	for _, w := range out.Widgets {
		if w.Key == b.widgetKey {
			return w.ID
		}
	}
	t.Fatalf("widget %s not listed: %+v", b.widgetKey, out.Widgets)
	return ""
}

// menu is what the widget's public configuration offers (R4).
func (b *testBundle) menu(t *testing.T, key string) []menuItem {
	t.Helper()
	var out struct{ Widget struct{ Channels []menuItem } }
	b.post(t, "", `query($k: String!) { widget(key: $k) { channels { channel displayName handle } } }`, map[string]any{"k": key}).decode(t, &out)
	return out.Widget.Channels
}

func (b *testBundle) missing(t *testing.T, token string) []string {
	t.Helper()
	var out struct{ LinkingPrerequisites []string }
	b.post(t, token, `{ linkingPrerequisites }`, nil).decode(t, &out)
	return out.LinkingPrerequisites
}

// R1: linking needs a Suite plan, the agent workspace and an active social
// integration; the API names what is missing, refuses settings that would
// enable linking with PREREQUISITE_MISSING, and widgets offer nothing.
func TestLinkingPrerequisites(t *testing.T) {
	b := setup(t, sqlite)
	ctx := t.Context()
	basic := &account.Account{Name: "Small shop", Plan: account.PlanSupportTeam}
	if err := b.app.DB.NewAccount(ctx, basic); err != nil {
		t.Fatal(err)
	}
	tok, hash := auth.NewAgentToken()
	if err := b.app.DB.NewAgent(ctx, &account.Agent{AccountID: basic.ID, Name: "Owner", Email: "o@example.com", Role: account.RoleAdmin}, hash); err != nil {
		t.Fatal(err)
	}
	if err := b.app.DB.NewWidget(ctx, &widget.Widget{AccountID: basic.ID, Key: "wk_basic", Name: "basic", AllowedOrigins: []string{"*"}}); err != nil {
		t.Fatal(err)
	}
	other := &testBundle{url: b.url, widgetKey: "wk_basic", admin: tok, agent: tok}
	if got := b.missing(t, tok); len(got) != 3 || got[0] != "SUITE_PLAN" || got[1] != "AGENT_WORKSPACE" || got[2] != "SOCIAL_CHANNEL" {
		t.Errorf("missing on a basic account: %v", got)
	}
	other.connectChannel(t, "WHATSAPP", "200000000000001", "15550002222")
	if got := b.missing(t, tok); len(got) != 2 {
		t.Errorf("missing after connecting WhatsApp: %v", got)
	}
	r := b.post(t, tok, setChannels, map[string]any{"id": other.widgetID(t), "ch": []string{"WHATSAPP"}})
	if r.code() != "PREREQUISITE_MISSING" || len(r.Errors[0].Extensions["missing"].([]any)) != 2 {
		t.Errorf("enabling linking without prerequisites: %+v", r.Errors)
	}
	if m := b.menu(t, "wk_basic"); len(m) != 0 {
		t.Errorf("menu without prerequisites: %+v", m)
	}
	if r := b.post(t, b.agent, `{ linkingPrerequisites }`, nil); r.code() != "FORBIDDEN" {
		t.Errorf("an agent reading prerequisites: %+v", r.Errors)
	}
	// The Suite account lacks only a social channel.
	if got := b.missing(t, b.admin); len(got) != 1 || got[0] != "SOCIAL_CHANNEL" {
		t.Errorf("missing on the Suite account: %v", got)
	}
}

// R2, R4: an admin chooses, per widget, among the account's active
// channels; another channel is refused and nothing changes; the widget's
// public menu lists exactly settings ∩ active integrations, with names and
// handles.
func TestWidgetChannelSettings(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		wid := b.widgetID(t)
		b.connectChannel(t, "WHATSAPP", phoneID, "15550001111")
		ms := b.connectChannel(t, "MESSENGER", "108245671234567", "acme.support")

		if r := b.post(t, b.admin, setChannels, map[string]any{"id": wid, "ch": []string{"WHATSAPP", "INSTAGRAM"}}); r.code() != "CHANNEL_NOT_ENABLED" {
			t.Errorf("a channel without an integration: %+v", r.Errors)
		}
		if r := b.post(t, b.agent, setChannels, map[string]any{"id": wid, "ch": []string{"WHATSAPP"}}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent changing settings: %+v", r.Errors)
		}
		if r := b.post(t, b.admin, setChannels, map[string]any{"id": wid, "ch": []string{"TELEGRAM"}}); r.code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("an unknown channel: %+v", r.Errors)
		}
		if m := b.menu(t, b.widgetKey); len(m) != 0 {
			t.Fatalf("refused settings changed the menu: %+v", m)
		}

		b.post(t, b.admin, setChannels, map[string]any{"id": wid, "ch": []string{"WHATSAPP", "MESSENGER"}}).decode(t, &struct{}{})
		m := b.menu(t, b.widgetKey)
		if len(m) != 2 || m[0].Channel != "WHATSAPP" || m[0].Handle != "15550001111" || m[1].Channel != "MESSENGER" || m[1].Handle != "acme.support" {
			t.Errorf("menu: %+v", m)
		}
		// A disabled integration leaves the menu at once.
		b.post(t, b.admin, `mutation($id: ID!) { disableIntegration(input: {integrationId: $id}) { integration { status } } }`, map[string]any{"id": ms.ID}).decode(t, &struct{}{})
		if m := b.menu(t, b.widgetKey); len(m) != 1 || m[0].Channel != "WHATSAPP" {
			t.Errorf("menu after disabling Messenger: %+v", m)
		}
		// Another account's admin cannot touch this widget.
		_, _, otherAdmin, _ := b.newAccount(t, "Hooli")
		if r := b.post(t, otherAdmin, setChannels, map[string]any{"id": wid, "ch": []string{}}); r.code() != "NOT_FOUND" {
			t.Errorf("another account's admin: %+v", r.Errors)
		}
	})
}

// R3: saving settings reaches every open widget at once, on every instance.
func TestSettingsReachOpenWidgets(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		wid := b.widgetID(t)
		b.connectChannel(t, "WHATSAPP", phoneID, "15550001111")
		c := b.start(t, b.widgetKey, "Open widget")
		watch := func(inst *testBundle) *wsClient {
			w := inst.connect(t, transportWS, c.session)
			w.subscribe("cfg", `subscription { widgetConfig { channels { channel handle } } }`, nil)
			return w
		}
		widgets := []*wsClient{watch(b)}
		if kind == postgres {
			widgets = append(widgets, watch(b.secondInstance(t)))
		}
		next := func(w *wsClient) []menuItem {
			t.Helper()
			m := w.read()
			var p struct {
				Data struct{ WidgetConfig struct{ Channels []menuItem } }
			}
			if m.Type != "next" || json.Unmarshal(m.Payload, &p) != nil {
				t.Fatalf("widget config: %s %s", m.Type, m.Payload)
			}
			return p.Data.WidgetConfig.Channels
		}
		for _, w := range widgets {
			if got := next(w); len(got) != 0 {
				t.Fatalf("initial menu: %+v", got)
			}
		}
		// The stream carries state: a widget may be told more than once,
		// and must reach the new menu.
		reaches := func(w *wsClient, want int) {
			t.Helper()
			for got := next(w); len(got) != want; got = next(w) {
			}
		}
		b.post(t, b.admin, setChannels, map[string]any{"id": wid, "ch": []string{"WHATSAPP"}}).decode(t, &struct{}{})
		for _, w := range widgets {
			reaches(w, 1)
		}
		b.post(t, b.admin, setChannels, map[string]any{"id": wid, "ch": []string{}}).decode(t, &struct{}{})
		for _, w := range widgets {
			reaches(w, 0)
		}
	})
}
