package app

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/graph/relay"
)

const (
	createWidget = `mutation($in: CreateWidgetInput!) { createWidget(input: $in) { widget { id key name allowedOrigins language } } }`
	widgetFields = `widget { id key name allowedOrigins }`
	inviteAgent  = `mutation($in: InviteAgentInput!) { inviteAgent(input: $in) { token agent { id name email role active } } }`
	deactivate   = `mutation($id: ID!) { deactivateAgent(input: {agentId: $id}) { agent { id active } } }`
	createToken  = `mutation($in: CreateApiTokenInput!) { createApiToken(input: $in) { token apiToken { id name createdAt lastUsedAt expiresAt } } }`
	revokeToken  = `mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) { apiToken { id } } }`
)

type widgetOut struct {
	ID, Key, Name, Language string
	AllowedOrigins          []string
}

// widgetKeys lists the keys of the account's widgets.
func (b *testBundle) widgetKeys(t *testing.T) []string {
	t.Helper()
	var out struct{ Widgets []struct{ Key string } }
	b.post(t, b.admin, `{ widgets { key } }`, nil).decode(t, &out)
	var keys []string
	for _, w := range out.Widgets {
		keys = append(keys, w.Key)
	}
	return keys
}

// R28: admins create, rename, restrict and delete widgets; origins are
// checked as origins, "*" only by anyOrigin; refused input is coded and
// changes nothing; agents may not do any of it.
func TestWidgetAdministration(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		before := b.widgetKeys(t)
		for name, in := range map[string]map[string]any{
			"no name":                {"name": " ", "allowedOrigins": []string{"https://shop.example"}},
			"a star in the list":     {"name": "w", "allowedOrigins": []string{"*"}},
			"a path":                 {"name": "w", "allowedOrigins": []string{"https://shop.example/chat"}},
			"a trailing slash":       {"name": "w", "allowedOrigins": []string{"https://shop.example/"}},
			"no scheme":              {"name": "w", "allowedOrigins": []string{"shop.example"}},
			"another scheme":         {"name": "w", "allowedOrigins": []string{"ftp://shop.example"}},
			"a query":                {"name": "w", "allowedOrigins": []string{"https://shop.example?x=1"}},
			"credentials":            {"name": "w", "allowedOrigins": []string{"https://me@shop.example"}},
			"a bad port":             {"name": "w", "allowedOrigins": []string{"https://shop.example:99999"}},
			"a wildcard host":        {"name": "w", "allowedOrigins": []string{"https://*.shop.example"}},
			"both origins and any":   {"name": "w", "allowedOrigins": []string{"https://shop.example"}, "anyOrigin": true},
			"an unknown language":    {"name": "w", "allowedOrigins": []string{"https://shop.example"}, "language": "xx"},
			"an over-long name":      {"name": strings.Repeat("w", 101)},
			"an over-long allowlist": {"name": "w", "allowedOrigins": manyOrigins(51)},
		} {
			if r := b.post(t, b.admin, createWidget, map[string]any{"in": in}); r.code() != "BAD_USER_INPUT" {
				t.Errorf("%s: %+v", name, r.Errors)
			}
		}
		if r := b.post(t, b.agent, createWidget, map[string]any{"in": map[string]any{"name": "w"}}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent creating a widget: %+v", r.Errors)
		}
		if after := b.widgetKeys(t); !slices.Equal(after, before) {
			t.Fatalf("refused creations changed the widgets: %v → %v", before, after)
		}

		var created struct{ CreateWidget struct{ Widget widgetOut } }
		b.post(t, b.admin, createWidget, map[string]any{"in": map[string]any{
			"name": " Shop ", "allowedOrigins": []string{"https://Shop.example", "http://localhost:8080", "https://shop.example"}, "language": "el",
		}}).decode(t, &created)
		w := created.CreateWidget.Widget
		if w.Name != "Shop" || w.Language != "el" || !strings.HasPrefix(w.Key, "wk_") ||
			!slices.Equal(w.AllowedOrigins, []string{"https://shop.example", "http://localhost:8080"}) {
			t.Fatalf("created %+v", w)
		}
		// The new widget works from its origins only.
		body := mustJSON(map[string]any{"query": startMutation, "variables": map[string]any{"key": w.Key}})
		if r := b.postRaw(t, "", body, http.Header{"Origin": {"https://evil.example"}}); r.code() != "FORBIDDEN" {
			t.Errorf("start from a foreign origin: %+v", r.Errors)
		}
		var started struct{ StartConversation struct{ SessionToken string } }
		b.postRaw(t, "", body, http.Header{"Origin": {"https://shop.example"}}).decode(t, &started)

		var renamed struct{ RenameWidget struct{ Widget widgetOut } }
		b.post(t, b.admin, `mutation($id: ID!) { renameWidget(input: {widgetId: $id, name: "Store"}) { `+widgetFields+` } }`, map[string]any{"id": w.ID}).decode(t, &renamed)
		if renamed.RenameWidget.Widget.Name != "Store" {
			t.Errorf("renamed %+v", renamed.RenameWidget.Widget)
		}
		setOrigins := `mutation($id: ID!, $o: [String!]!, $any: Boolean) { setWidgetOrigins(input: {widgetId: $id, allowedOrigins: $o, anyOrigin: $any}) { ` + widgetFields + ` } }`
		if r := b.post(t, b.admin, setOrigins, map[string]any{"id": w.ID, "o": []string{"https://shop.example", "*"}}); r.code() != "BAD_USER_INPUT" {
			t.Errorf("a star among origins: %+v", r.Errors)
		}
		var anyOrigin struct{ SetWidgetOrigins struct{ Widget widgetOut } }
		b.post(t, b.admin, setOrigins, map[string]any{"id": w.ID, "o": []string{}, "any": true}).decode(t, &anyOrigin)
		if !slices.Equal(anyOrigin.SetWidgetOrigins.Widget.AllowedOrigins, []string{"*"}) {
			t.Errorf("any origin: %+v", anyOrigin.SetWidgetOrigins.Widget)
		}
		var narrow struct{ SetWidgetOrigins struct{ Widget widgetOut } }
		b.post(t, b.admin, setOrigins, map[string]any{"id": w.ID, "o": []string{"https://other.example"}}).decode(t, &narrow)
		if !slices.Equal(narrow.SetWidgetOrigins.Widget.AllowedOrigins, []string{"https://other.example"}) {
			t.Errorf("narrowed: %+v", narrow.SetWidgetOrigins.Widget)
		}

		deleteWidget := `mutation($id: ID!) { deleteWidget(input: {widgetId: $id}) { deletedWidgetId } }`
		if r := b.post(t, b.agent, deleteWidget, map[string]any{"id": w.ID}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent deleting a widget: %+v", r.Errors)
		}
		// A session's socket (no Origin: not a browser) is open when the
		// widget is deleted.
		session := b.connect(t, transportWS, started.StartConversation.SessionToken)
		var deleted struct {
			DeleteWidget struct{ DeletedWidgetID string }
		}
		b.post(t, b.admin, deleteWidget, map[string]any{"id": w.ID}).decode(t, &deleted)
		if code := session.closeStatus(); code != 4403 {
			t.Errorf("a deleted widget's session socket closed with %d, want 4403", code)
		}
		if r := b.post(t, started.StartConversation.SessionToken, `{ viewer { roles } }`, nil); r.code() != "UNAUTHENTICATED" {
			t.Errorf("a deleted widget's session: %+v", r.Errors)
		}
		if deleted.DeleteWidget.DeletedWidgetID != w.ID {
			t.Errorf("deleted %+v", deleted)
		}
		if slices.Contains(b.widgetKeys(t), w.Key) {
			t.Error("a deleted widget is listed")
		}
		if r := b.post(t, "", `query($k: String!) { widget(key: $k) { key } }`, map[string]any{"k": w.Key}); r.code() != "NOT_FOUND" {
			t.Errorf("a deleted widget's key: %+v", r.Errors)
		}
		if r := b.post(t, b.admin, deleteWidget, map[string]any{"id": w.ID}); r.code() != "NOT_FOUND" {
			t.Errorf("deleting twice: %+v", r.Errors)
		}
	})
}

func manyOrigins(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "https://s" + strings.Repeat("x", i+1) + ".example"
	}
	return out
}

// R1, R28: switching the agent workspace off is a missing prerequisite:
// widgets offer nothing, and active links end as by an admin setting;
// switched on again, the menu is back.
func TestAgentWorkspaceSwitch(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, c := linkedSetup(t, kind)
		b.link(t, c, b.phone(t, it, "5511900000001"))
		set := `mutation($on: Boolean!) { setAgentWorkspace(input: {enabled: $on}) { account { agentWorkspace } } }`
		if r := b.post(t, b.agent, set, map[string]any{"on": false}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent switching the workspace: %+v", r.Errors)
		}
		var out struct {
			SetAgentWorkspace struct{ Account struct{ AgentWorkspace bool } }
		}
		b.post(t, b.admin, set, map[string]any{"on": false}).decode(t, &out)
		if out.SetAgentWorkspace.Account.AgentWorkspace {
			t.Fatal("still on")
		}
		if m := b.missing(t, b.admin); !slices.Equal(m, []string{"AGENT_WORKSPACE"}) {
			t.Errorf("missing %v", m)
		}
		if m := b.menu(t, b.widgetKey); len(m) != 0 {
			t.Errorf("menu with the workspace off: %+v", m)
		}
		h := b.history(t, c.session, c, `messages(first: 50)`)
		if n := h[len(h)-1]; n.AuthorRole != "SYSTEM" || !strings.Contains(n.Text, "DISABLED_BY_ADMIN") {
			t.Errorf("history after switching the workspace off: %+v", n)
		}
		if _, r := b.requestLink(t, c, "WHATSAPP"); len(r.Errors) == 0 {
			t.Error("a link request with the workspace off was accepted")
		}
		b.post(t, b.admin, set, map[string]any{"on": true}).decode(t, &out)
		if m := b.menu(t, b.widgetKey); len(m) != 1 {
			t.Errorf("menu with the workspace on again: %+v", m)
		}
	})
}

type agentOut struct {
	ID, Name, Email, Role string
	Active                bool
}

// invite adds a member and returns them with their first token.
func (b *testBundle) invite(t *testing.T, name, email, role string) (agentOut, string) {
	t.Helper()
	var out struct {
		InviteAgent struct {
			Token string
			Agent agentOut
		}
	}
	b.post(t, b.admin, inviteAgent, map[string]any{"in": map[string]any{"name": name, "email": email, "role": role}}).decode(t, &out)
	return out.InviteAgent.Agent, out.InviteAgent.Token
}

// watchFeed opens a dashboard's socket on b, following the account feed.
func (b *testBundle) watchFeed(t *testing.T, token string) *wsClient {
	t.Helper()
	ws := b.connect(t, transportWS, token)
	ws.subscribe("feed", accountEvents, map[string]any{"after": b.feedCursor(t, token)})
	return ws
}

// R28, R22: an admin invites an agent, whose token works at once;
// deactivated, the agent's token stops working and their open sockets
// close with 4403 at once, on this instance and, on PostgreSQL, on
// another one.
func TestInviteAndDeactivate(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		for name, in := range map[string]map[string]any{
			"no name":       {"name": "", "email": "x@acme.example"},
			"no email":      {"name": "X", "email": "x"},
			"a taken email": {"name": "X", "email": "AGENT@example.com"},
		} {
			if r := b.post(t, b.admin, inviteAgent, map[string]any{"in": in}); r.code() != "BAD_USER_INPUT" {
				t.Errorf("%s: %+v", name, r.Errors)
			}
		}
		if r := b.post(t, b.agent, inviteAgent, map[string]any{"in": map[string]any{"name": "X", "email": "x@acme.example"}}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent inviting: %+v", r.Errors)
		}
		var list struct{ Agents []agentOut }
		b.post(t, b.admin, `{ agents { id name email role active } }`, nil).decode(t, &list)
		if len(list.Agents) != 2 {
			t.Fatalf("refused invitations added members: %+v", list.Agents)
		}

		sam, tok := b.invite(t, "Sam", "sam@acme.example", "AGENT")
		if !sam.Active || sam.Role != "AGENT" || !strings.HasPrefix(tok, "lla_") {
			t.Fatalf("invited %+v %q", sam, tok)
		}
		var me struct{ Viewer struct{ Agent agentOut } }
		b.post(t, tok, `{ viewer { agent { id name email role active } } }`, nil).decode(t, &me)
		if me.Viewer.Agent.ID != sam.ID {
			t.Fatalf("the invited token is %+v", me.Viewer.Agent)
		}
		here := b.watchFeed(t, tok)
		var there *wsClient
		if kind == postgres {
			there = b.secondInstance(t).watchFeed(t, tok)
		}
		// Both sockets are live.
		c := b.start(t, b.widgetKey, "Customer")
		b.mustSend(t, c, "hello", "h1")
		here.nextMessage("feed")
		if there != nil {
			there.nextMessage("feed")
		}

		var out struct{ DeactivateAgent struct{ Agent agentOut } }
		b.post(t, b.admin, deactivate, map[string]any{"id": sam.ID}).decode(t, &out)
		if out.DeactivateAgent.Agent.Active {
			t.Error("still active")
		}
		if code := here.closeStatus(); code != 4403 {
			t.Errorf("the deactivated agent's socket closed with %d, want 4403", code)
		}
		if there != nil {
			if code := there.closeStatus(); code != 4403 {
				t.Errorf("the socket on the other instance closed with %d, want 4403", code)
			}
		}
		if r := b.post(t, tok, `{ viewer { agent { id } } }`, nil); r.code() != "UNAUTHENTICATED" {
			t.Errorf("a deactivated agent's token: %+v", r.Errors)
		}
		// The admin's own socket was not touched.
		admin := b.watchFeed(t, b.admin)
		b.mustSend(t, c, "still there?", "h2")
		if e := admin.nextMessage("feed"); e.Message.Text != "still there?" {
			t.Errorf("admin feed got %+v", e.Message)
		}
		// The email is free again for a new member.
		if again, _ := b.invite(t, "Sam", "sam@acme.example", "ADMIN"); again.ID == sam.ID || again.Role != "ADMIN" {
			t.Errorf("invited again: %+v", again)
		}
	})
}

// R28: roles change; the account keeps an active admin; a demoted admin
// loses admin rights at once.
func TestAgentRoles(t *testing.T) {
	b := setup(t, sqlite)
	setRole := `mutation($id: ID!, $role: AgentRole!) { setAgentRole(input: {agentId: $id, role: $role}) { agent { id role } } }`
	var me struct{ Viewer struct{ Agent agentOut } }
	b.post(t, b.admin, `{ viewer { agent { id } } }`, nil).decode(t, &me)
	self := me.Viewer.Agent.ID
	if r := b.post(t, b.admin, setRole, map[string]any{"id": self, "role": "AGENT"}); r.code() != "BAD_USER_INPUT" {
		t.Errorf("demoting the last admin: %+v", r.Errors)
	}
	if r := b.post(t, b.admin, deactivate, map[string]any{"id": self}); r.code() != "BAD_USER_INPUT" {
		t.Errorf("deactivating the last admin: %+v", r.Errors)
	}
	if r := b.post(t, b.admin, setRole, map[string]any{"id": self, "role": "OWNER"}); r.code() != "BAD_USER_INPUT" && r.code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("an unknown role: %+v", r.Errors)
	}
	other, otherTok := b.invite(t, "Second", "second@acme.example", "ADMIN")
	b.post(t, b.admin, setRole, map[string]any{"id": self, "role": "AGENT"}).decode(t, &struct{}{})
	if r := b.post(t, b.admin, `{ agents { id } }`, nil); r.code() != "FORBIDDEN" {
		t.Errorf("a demoted admin listing members: %+v", r.Errors)
	}
	if r := b.post(t, otherTok, setRole, map[string]any{"id": other.ID, "role": "AGENT"}); r.code() != "BAD_USER_INPUT" {
		t.Errorf("the new last admin demoting themself: %+v", r.Errors)
	}
}

type tokenOut struct {
	ID, Name, CreatedAt string
	LastUsedAt          *string
	ExpiresAt           *string
}

// R28, R22: agents create named API tokens (the secret shown once),
// listed with their dates and never their secrets; a token past its
// expiry is refused; a revoked token stops working and its sockets close
// with 4403, on every instance.
func TestAPITokens(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		for name, in := range map[string]map[string]any{
			"no name":      {"name": ""},
			"in the past":  {"name": "old", "expiresAt": time.Now().Add(-time.Hour).Format(time.RFC3339)},
			"a long name:": {"name": strings.Repeat("n", 101)},
		} {
			if r := b.post(t, b.agent, createToken, map[string]any{"in": in}); r.code() != "BAD_USER_INPUT" {
				t.Errorf("%s: %+v", name, r.Errors)
			}
		}
		create := func(in map[string]any) (tokenOut, string) {
			t.Helper()
			var out struct {
				CreateAPIToken struct {
					Token    string
					APIToken tokenOut
				}
			}
			b.post(t, b.agent, createToken, map[string]any{"in": in}).decode(t, &out)
			return out.CreateAPIToken.APIToken, out.CreateAPIToken.Token
		}
		until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
		ci, ciSecret := create(map[string]any{"name": "CI", "expiresAt": until.Format(time.RFC3339)})
		if ci.Name != "CI" || ci.ExpiresAt == nil || ci.LastUsedAt != nil || !strings.HasPrefix(ciSecret, "lla_") {
			t.Fatalf("created %+v", ci)
		}
		soon, soonSecret := create(map[string]any{"name": "soon", "expiresAt": time.Now().Add(2 * time.Second).Format(time.RFC3339Nano)})

		// The secret works, and its use shows in the list, which never
		// holds a secret.
		b.post(t, ciSecret, `{ viewer { roles } }`, nil).decode(t, &struct{}{})
		list := b.post(t, b.agent, `{ apiTokens { id name createdAt lastUsedAt expiresAt } }`, nil)
		var tokens struct{ APITokens []tokenOut }
		list.decode(t, &tokens)
		if len(tokens.APITokens) != 3 { // the first token, CI and soon
			t.Fatalf("listed %+v", tokens.APITokens)
		}
		for _, secret := range []string{ciSecret, soonSecret, b.agent} {
			if strings.Contains(string(list.Data), secret) || strings.Contains(string(list.Data), secret[4:]) {
				t.Fatal("the list shows a secret")
			}
		}
		if got := tokens.APITokens[1]; got.ID != ci.ID || got.LastUsedAt == nil {
			t.Errorf("CI after use: %+v", got)
		}

		// Expired: refused.
		waitFor(t, "the short token to expire", func() bool {
			return b.post(t, soonSecret, `{ viewer { roles } }`, nil).code() == "UNAUTHENTICATED"
		})
		_ = soon

		// Revoked: refused, and its sockets close everywhere.
		here := b.watchFeed(t, ciSecret)
		var there *wsClient
		if kind == postgres {
			there = b.secondInstance(t).watchFeed(t, ciSecret)
		}
		other := b.watchFeed(t, b.agent) // the same agent's other token
		b.post(t, b.agent, revokeToken, map[string]any{"id": ci.ID}).decode(t, &struct{}{})
		if code := here.closeStatus(); code != 4403 {
			t.Errorf("the revoked token's socket closed with %d, want 4403", code)
		}
		if there != nil {
			if code := there.closeStatus(); code != 4403 {
				t.Errorf("the revoked token's socket on the other instance closed with %d, want 4403", code)
			}
		}
		if r := b.post(t, ciSecret, `{ viewer { roles } }`, nil); r.code() != "UNAUTHENTICATED" {
			t.Errorf("a revoked token: %+v", r.Errors)
		}
		c := b.start(t, b.widgetKey, "Customer")
		b.mustSend(t, c, "hello", "h1")
		if e := other.nextMessage("feed"); e.Message.Text != "hello" {
			t.Errorf("the agent's other socket got %+v", e.Message)
		}
		if r := b.post(t, b.agent, revokeToken, map[string]any{"id": ci.ID}); r.code() != "NOT_FOUND" {
			t.Errorf("revoking twice: %+v", r.Errors)
		}
		b.post(t, b.agent, `{ apiTokens { id } }`, nil).decode(t, &tokens)
		if len(tokens.APITokens) != 2 {
			t.Errorf("after revoking: %+v", tokens.APITokens)
		}
	})
}

// R28: an end user signs out of this device: the session's token stops
// working and its open socket closes with 4403; other sessions go on.
func TestSignOut(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		c := b.start(t, b.widgetKey, "Maria")
		other := b.start(t, b.widgetKey, "Nikos")
		ws := b.connect(t, transportWS, c.session)
		ws.subscribe("c", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})
		b.mustSend(t, c, "hi", "m1")
		ws.nextMessage("c")
		signOut := `mutation { signOut(input: {clientMutationId: "x"}) { clientMutationId } }`
		if r := b.post(t, b.agent, signOut, nil); r.code() != "FORBIDDEN" {
			t.Errorf("an agent signing out: %+v", r.Errors)
		}
		var out struct {
			SignOut struct{ ClientMutationID string }
		}
		b.post(t, c.session, signOut, nil).decode(t, &out)
		if out.SignOut.ClientMutationID != "x" {
			t.Errorf("signed out %+v", out)
		}
		if code := ws.closeStatus(); code != 4403 {
			t.Errorf("the signed-out session's socket closed with %d, want 4403", code)
		}
		if r := b.send(t, c, "again", "m2"); r.code() != "UNAUTHENTICATED" {
			t.Errorf("a signed-out session sending: %+v", r.Errors)
		}
		b.mustSend(t, other, "I am still here", "n1")
	})
}

// R20, R28: another account's widgets, agents and tokens answer exactly as
// unknown ids do, and nothing changes.
func TestAccountTenancy(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		_, otherKey, otherAdmin, otherAgent := b.newAccount(t, "Globex")
		var ws struct{ Widgets []struct{ ID, Key string } }
		b.post(t, otherAdmin, `{ widgets { id key } }`, nil).decode(t, &ws)
		theirWidget := ws.Widgets[0].ID
		var ag struct{ Agents []agentOut }
		b.post(t, otherAdmin, `{ agents { id email } }`, nil).decode(t, &ag)
		var theirAgent string
		for _, a := range ag.Agents {
			if a.Email == "agent@example.com" {
				theirAgent = a.ID
			}
		}
		var tk struct{ APITokens []tokenOut }
		b.post(t, otherAgent, `{ apiTokens { id } }`, nil).decode(t, &tk)
		theirToken := tk.APITokens[0].ID

		for _, tc := range []struct {
			name, query, theirs, unknown string
		}{
			{"rename a widget", `mutation($id: ID!) { renameWidget(input: {widgetId: $id, name: "mine"}) { widget { id } } }`, theirWidget, relay.ID(relay.TypeWidget, 999999)},
			{"set a widget's origins", `mutation($id: ID!) { setWidgetOrigins(input: {widgetId: $id, allowedOrigins: ["https://evil.example"]}) { widget { id } } }`, theirWidget, relay.ID(relay.TypeWidget, 999999)},
			{"delete a widget", `mutation($id: ID!) { deleteWidget(input: {widgetId: $id}) { deletedWidgetId } }`, theirWidget, relay.ID(relay.TypeWidget, 999999)},
			{"change a role", `mutation($id: ID!) { setAgentRole(input: {agentId: $id, role: ADMIN}) { agent { id } } }`, theirAgent, relay.ID(relay.TypeAgent, 999999)},
			{"deactivate an agent", deactivate, theirAgent, relay.ID(relay.TypeAgent, 999999)},
			{"list an agent's tokens", `query($id: ID!) { apiTokens(agentId: $id) { id } }`, theirAgent, relay.ID(relay.TypeAgent, 999999)},
			{"revoke a token", revokeToken, theirToken, relay.ID(relay.TypeAPIToken, 999999)},
			{"read a token", `query($id: ID!) { node(id: $id) { id } }`, theirToken, relay.ID(relay.TypeAPIToken, 999999)},
		} {
			unknown := b.post(t, b.admin, tc.query, map[string]any{"id": tc.unknown})
			theirs := b.post(t, b.admin, tc.query, map[string]any{"id": tc.theirs})
			if unknown.code() != "NOT_FOUND" || len(theirs.Errors) != 1 || theirs.Errors[0].Message != unknown.Errors[0].Message ||
				theirs.code() != unknown.code() || string(theirs.Data) != string(unknown.Data) {
				t.Errorf("%s: theirs %+v %s, unknown %+v %s", tc.name, theirs.Errors, theirs.Data, unknown.Errors, unknown.Data)
			}
		}
		// Nothing of theirs changed.
		b.post(t, otherAdmin, `{ widgets { id key } }`, nil).decode(t, &ws)
		if len(ws.Widgets) != 1 || ws.Widgets[0].Key != otherKey {
			t.Errorf("their widgets: %+v", ws.Widgets)
		}
		if r := b.post(t, otherAgent, `{ viewer { agent { role } } }`, nil); len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"AGENT"`) {
			t.Errorf("their agent: %+v %s", r.Errors, r.Data)
		}
		// An agent's own tokens are theirs: a colleague's token is unknown
		// to an agent, and listing a colleague's is an admin's right.
		var mine struct{ APITokens []tokenOut }
		b.post(t, b.admin, `{ apiTokens { id } }`, nil).decode(t, &mine)
		if r := b.post(t, b.agent, revokeToken, map[string]any{"id": mine.APITokens[0].ID}); r.code() != "NOT_FOUND" {
			t.Errorf("an agent revoking the admin's token: %+v", r.Errors)
		}
		if r := b.post(t, b.admin, `{ viewer { roles } }`, nil); len(r.Errors) > 0 {
			t.Errorf("the admin's token after a refused revocation: %+v", r.Errors)
		}
	})
}
