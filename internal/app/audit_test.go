package app

import (
	"encoding/json"
	"strings"
	"testing"
)

const auditLog = `query($first: Int, $after: String) { auditLog(first: $first, after: $after) {
  edges { cursor node { actor { name } actorName action input at } }
  pageInfo { hasNextPage endCursor }
} }`

type auditPage struct {
	AuditLog struct {
		Edges []struct {
			Node struct {
				Actor     *struct{ Name string }
				ActorName string
				Action    string
				Input     string
				At        string
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   string
		}
	}
}

// R28: admin actions are recorded with who, when and the input, secrets
// redacted, newest first and paged; refused actions are not; agents cannot
// read the log, and an account reads only its own.
func TestAuditLog(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		var w struct {
			CreateWidget struct{ Widget struct{ ID string } }
		}
		b.post(t, b.admin, createWidget, map[string]any{"in": map[string]any{"name": "Shop", "allowedOrigins": []string{"https://shop.example"}}}).decode(t, &w)
		if r := b.post(t, b.admin, createWidget, map[string]any{"in": map[string]any{"name": ""}}); r.code() != "BAD_USER_INPUT" {
			t.Fatalf("an empty name was taken: %+v", r)
		}
		var it struct {
			ConnectIntegration struct{ Integration integrationOut }
		}
		b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{"channel": "WHATSAPP", "sandbox": true, "businessId": "sbx-wa", "handle": "15550100001"}}).decode(t, &it)
		b.post(t, b.admin, `mutation($id: ID!) { updateIntegration(input: {integrationId: $id, accessToken: "EAAsecret", displayName: "Acme"}) { integration { id } } }`,
			map[string]any{"id": it.ConnectIntegration.Integration.ID}).decode(t, &struct{}{})

		var page auditPage
		b.post(t, b.admin, auditLog, map[string]any{"first": 2}).decode(t, &page)
		edges := page.AuditLog.Edges
		if len(edges) != 2 || !page.AuditLog.PageInfo.HasNextPage {
			t.Fatalf("first page: %+v", page)
		}
		upd, conn := edges[0].Node, edges[1].Node
		if upd.Action != "updateIntegration" || upd.ActorName != "Acme Admin" || upd.Actor == nil || upd.Actor.Name != "Acme Admin" || upd.At == "" {
			t.Errorf("newest entry: %+v", upd)
		}
		var in map[string]any
		if err := json.Unmarshal([]byte(upd.Input), &in); err != nil || in["accessToken"] != "[redacted]" || in["displayName"] != "Acme" || strings.Contains(upd.Input, "EAAsecret") {
			t.Errorf("input recorded as %s", upd.Input)
		}
		if conn.Action != "connectIntegration" {
			t.Errorf("second entry: %+v", conn)
		}
		var rest auditPage
		b.post(t, b.admin, auditLog, map[string]any{"first": 5, "after": page.AuditLog.PageInfo.EndCursor}).decode(t, &rest)
		if len(rest.AuditLog.Edges) != 1 || rest.AuditLog.Edges[0].Node.Action != "createWidget" ||
			!strings.Contains(rest.AuditLog.Edges[0].Node.Input, "https://shop.example") || rest.AuditLog.PageInfo.HasNextPage {
			t.Errorf("the refused createWidget was recorded, or the first is missing: %+v", rest)
		}

		if r := b.post(t, b.agent, auditLog, nil); r.code() != "FORBIDDEN" {
			t.Errorf("an agent read the audit log: %+v", r)
		}
		_, _, otherAdmin, _ := b.newAccount(t, "Other")
		var theirs auditPage
		b.post(t, otherAdmin, auditLog, nil).decode(t, &theirs)
		if len(theirs.AuditLog.Edges) != 0 {
			t.Errorf("another account read %+v", theirs)
		}
	})
}
