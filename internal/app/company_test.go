package app

import (
	"net/http"
	"slices"
	"testing"
)

// R28 R29: a company runs on an empty database through the command line
// and the API alone. The operator bootstraps the account and its admin;
// the admin creates a widget for the shop's origin, invites an agent,
// connects a sandbox WhatsApp number and enables linking; a customer
// writes from the shop's page and moves to WhatsApp; the agent finds the
// conversation by what the customer wrote and by their number, takes it,
// and answers, and the answer reaches the phone.
func TestRunACompany(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := &testBundle{cfg: testConfig(t, kind)}
		admin := lastLine(b.operate(t, "accounts", "create", "-name", "Acme Ltd", "-plan", "SUITE_PROFESSIONAL", "-admin-name", "Ann", "-admin-email", "ann@acme.example"))
		b.serve(t)
		b.admin = admin

		var w struct {
			CreateWidget struct{ Widget struct{ ID, Key string } }
		}
		b.post(t, admin, createWidget, map[string]any{"in": map[string]any{"name": "Shop", "allowedOrigins": []string{"https://shop.example"}}}).decode(t, &w)
		widget := w.CreateWidget.Widget
		_, agent := b.invite(t, "Bob", "bob@acme.example", "AGENT")
		var it struct {
			ConnectIntegration struct{ Integration integrationOut }
		}
		b.post(t, admin, connectMutation, map[string]any{"in": map[string]any{"channel": "WHATSAPP", "sandbox": true, "businessId": "sbx-wa", "handle": "15550100001"}}).decode(t, &it)
		b.post(t, admin, `mutation { setAgentWorkspace(input: {enabled: true}) { account { agentWorkspace } } }`, nil).decode(t, &struct{}{})
		b.post(t, admin, setChannels, map[string]any{"id": widget.ID, "ch": []string{"WHATSAPP"}}).decode(t, &struct{}{})
		var ready struct{ LinkingPrerequisites []string }
		b.post(t, admin, `{ linkingPrerequisites }`, nil).decode(t, &ready)
		if len(ready.LinkingPrerequisites) != 0 {
			t.Fatalf("linking still lacks %v", ready.LinkingPrerequisites)
		}

		// The customer, on the shop's page.
		var started struct {
			StartConversation struct {
				SessionToken string
				Conversation struct{ ID, EventCursor string }
			}
		}
		body := mustJSON(map[string]any{"query": startMutation, "variables": map[string]any{"key": widget.Key, "name": "Maria"}})
		b.postRaw(t, "", body, http.Header{"Origin": {"https://shop.example"}}).decode(t, &started)
		s := started.StartConversation
		maria := conv{id: s.Conversation.ID, session: s.SessionToken, cursor: s.Conversation.EventCursor}
		b.mustSend(t, maria, "My order 4411 never arrived", "m1")
		ph := b.phone(t, it.ConnectIntegration.Integration, "5511900000001")
		b.link(t, maria, ph)
		ph.post("messages", map[string]any{"text": "Still waiting, please help"})
		b.waitForJobs(t)

		// The agent finds it by what was said and by the number.
		for _, q := range []string{"never arrived", "+55 11 90000-0001"} {
			if got, code := b.search(t, agent, q); code != "" || !slices.Equal(got, []string{"Maria"}) {
				t.Fatalf("search %q: %v %s", q, got, code)
			}
		}
		if r := b.post(t, agent, takeConversation, map[string]any{"id": maria.id}); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		if got := b.listed(t, agent, "MINE"); !slices.Equal(got, []string{maria.id}) {
			t.Errorf("Bob's conversations: %v", got)
		}
		if r := b.reply(t, agent, maria, "Sorry Maria, a new parcel leaves today", "r1"); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		ph.waitForText("Sorry Maria, a new parcel leaves today")
	})
}
