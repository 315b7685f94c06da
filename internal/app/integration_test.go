package app

import (
	"strings"
	"testing"
)

const connectMutation = `mutation($in: ConnectIntegrationInput!) {
  connectIntegration(input: $in) { integration { id channel status sandbox businessId handle webhookUrl lastError } }
}`

type integrationOut struct {
	ID, Channel, Status, BusinessID, Handle, WebhookURL, LastError string
	Sandbox                                                        bool
}

// connectChannel adds an integration as the bundle's admin.
func (b *testBundle) connectChannel(t *testing.T, channel, businessID, handle string) integrationOut {
	t.Helper()
	var out struct {
		ConnectIntegration struct{ Integration integrationOut }
	}
	b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{
		"channel": channel, "businessId": businessID, "handle": handle,
		"accessToken": "EAAG-secret-token", "appSecret": "app-secret-" + businessID, "verifyToken": "verify-" + businessID,
	}}).decode(t, &out)
	return out.ConnectIntegration.Integration
}

// R20: admins manage integrations; agents read them; nobody reads a secret
// back; another account's integration is unknown. R23: bad settings are
// refused with codes and change nothing.
func TestIntegrationAdministration(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		wa := b.connectChannel(t, "WHATSAPP", "1065551234", "+30 210 555 1234")
		if wa.Status != "ACTIVE" || wa.Handle != "302105551234" || !strings.Contains(wa.WebhookURL, "/webhooks/wh_") {
			t.Fatalf("connected: %+v", wa)
		}

		vars := map[string]any{"in": map[string]any{"channel": "MESSENGER", "businessId": "p1", "handle": "acme", "accessToken": "t", "appSecret": "s", "verifyToken": "v"}}
		if r := b.post(t, b.agent, connectMutation, vars); r.code() != "FORBIDDEN" {
			t.Errorf("agent connecting: %+v", r.Errors)
		}
		for name, in := range map[string]map[string]any{
			"empty app secret": {"channel": "MESSENGER", "businessId": "p1", "handle": "acme", "accessToken": "t", "appSecret": " ", "verifyToken": "v"},
			"widget channel":   {"channel": "WEB_WIDGET", "businessId": "p1", "handle": "acme", "accessToken": "t", "appSecret": "s", "verifyToken": "v"},
			"bad id":           {"channel": "MESSENGER", "businessId": "p/1", "handle": "acme", "accessToken": "t", "appSecret": "s", "verifyToken": "v"},
			"taken number":     {"channel": "WHATSAPP", "businessId": "1065551234", "handle": "1", "accessToken": "t", "appSecret": "s", "verifyToken": "v"},
		} {
			if r := b.post(t, b.admin, connectMutation, map[string]any{"in": in}); r.code() != "BAD_USER_INPUT" {
				t.Errorf("%s: %+v", name, r.Errors)
			}
		}

		// Secrets are not in the schema at all.
		if r := b.post(t, b.admin, `{ integrations { accessToken } }`, nil); r.code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("reading a secret: %+v", r.Errors)
		}
		var list struct{ Integrations []integrationOut }
		b.post(t, b.agent, `{ integrations { id channel status } }`, nil).decode(t, &list)
		if len(list.Integrations) != 1 || list.Integrations[0].ID != wa.ID {
			t.Errorf("agent's list: %+v", list.Integrations)
		}

		var upd struct {
			UpdateIntegration struct{ Integration integrationOut }
		}
		b.post(t, b.admin, `mutation($id: ID!) { updateIntegration(input: {integrationId: $id, displayName: "Support", accessToken: "new"}) { integration { status } } }`,
			map[string]any{"id": wa.ID}).decode(t, &upd)
		var dis struct {
			DisableIntegration struct{ Integration integrationOut }
		}
		b.post(t, b.admin, `mutation($id: ID!) { disableIntegration(input: {integrationId: $id}) { integration { status } } }`, map[string]any{"id": wa.ID}).decode(t, &dis)
		if dis.DisableIntegration.Integration.Status != "DISABLED" {
			t.Errorf("disabled: %+v", dis)
		}

		_, _, otherAdmin, _ := b.newAccount(t, "Umbrella")
		for _, m := range []string{"disableIntegration", "enableIntegration", "removeIntegration"} {
			r := b.post(t, otherAdmin, `mutation($id: ID!) { `+m+`(input: {integrationId: $id}) { __typename } }`, map[string]any{"id": wa.ID})
			if r.code() != "NOT_FOUND" {
				t.Errorf("another account's admin, %s: %+v", m, r.Errors)
			}
		}
		var rm struct {
			RemoveIntegration struct{ RemovedIntegrationID string }
		}
		b.post(t, b.admin, `mutation($id: ID!) { removeIntegration(input: {integrationId: $id}) { removedIntegrationId } }`, map[string]any{"id": wa.ID}).decode(t, &rm)
		b.post(t, b.agent, `{ integrations { id } }`, nil).decode(t, &list)
		if len(list.Integrations) != 0 {
			t.Errorf("after removal: %+v", list.Integrations)
		}
	})
}
