package app

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
)

const (
	takeConversation    = `mutation($id: ID!) { takeConversation(input: {conversationId: $id}) { conversation { id assignee { id name } } } }`
	releaseConversation = `mutation($id: ID!) { releaseConversation(input: {conversationId: $id}) { conversation { id assignee { id name } } } }`
	assignConversation  = `mutation($id: ID!, $agent: ID!) { assignConversation(input: {conversationId: $id, agentId: $agent}) { conversation { id assignee { id name } } } }`
	assignedList        = `query($a: AssigneeFilter) { conversations(first: 20, filter: {assignee: $a}) { edges { node { id } } } }`
)

// assignee is who has conversation c, as token reads it ("" for nobody).
func (b *testBundle) assignee(t *testing.T, token string, c conv) string {
	t.Helper()
	var out struct {
		Conversation struct{ Assignee *struct{ Name string } }
	}
	b.post(t, token, `query($id: ID!) { conversation(id: $id) { assignee { name } } }`, map[string]any{"id": c.id}).decode(t, &out)
	if out.Conversation.Assignee == nil {
		return ""
	}
	return out.Conversation.Assignee.Name
}

// listed is the ids of the conversations token lists with filter a.
func (b *testBundle) listed(t *testing.T, token, a string) []string {
	t.Helper()
	var out struct {
		Conversations struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	b.post(t, token, assignedList, map[string]any{"a": a}).decode(t, &out)
	var ids []string
	for _, e := range out.Conversations.Edges {
		ids = append(ids, e.Node.ID)
	}
	slices.Sort(ids)
	return ids
}

func (b *testBundle) viewerAgentID(t *testing.T, token string) string {
	t.Helper()
	var out struct {
		Viewer struct{ Agent struct{ ID string } }
	}
	b.post(t, token, `{ viewer { agent { id } } }`, nil).decode(t, &out)
	return out.Viewer.Agent.ID
}

// R29: an agent takes a conversation and the account feed says so at once,
// as an ASSIGNED event; a colleague can neither take nor release it, an
// admin reassigns it; the assignee releases it to the queue; "mine" and
// "unassigned" filter the list; two agents taking at once: one has it.
// Refusals are coded and change nothing; another account's agents and
// conversations are unknown ids.
func TestAssignment(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		maria, nikos := b.start(t, b.widgetKey, "Maria"), b.start(t, b.widgetKey, "Nikos")
		b.mustSend(t, maria, "hello", "m1")
		b.mustSend(t, nikos, "hi", "n1")
		other, otherToken := b.invite(t, "Olga", "olga@example.com", "AGENT")
		feed := b.connect(t, transportWS, b.admin)
		feed.subscribe("feed", `subscription($after: String) { accountEvents(after: $after) { kind conversation { id assignee { name } } } }`,
			map[string]any{"after": b.feedCursor(t, b.admin)})

		if r := b.post(t, b.agent, takeConversation, map[string]any{"id": maria.id}); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		var ev struct {
			AccountEvents struct {
				Kind         string
				Conversation struct {
					ID       string
					Assignee *struct{ Name string }
				}
			}
		}
		m := feed.read()
		if err := json.Unmarshal(m.Payload, &struct{ Data any }{&ev}); err != nil {
			t.Fatal(err)
		}
		if e := ev.AccountEvents; e.Kind != "ASSIGNED" || e.Conversation.ID != maria.id || e.Conversation.Assignee == nil || e.Conversation.Assignee.Name != "Acme Agent" {
			t.Fatalf("feed: %s", m.Payload)
		}

		if got := b.listed(t, b.agent, "MINE"); !slices.Equal(got, []string{maria.id}) {
			t.Errorf("mine: %v", got)
		}
		if got := b.listed(t, otherToken, "UNASSIGNED"); !slices.Equal(got, []string{nikos.id}) {
			t.Errorf("unassigned: %v", got)
		}
		for _, r := range []gqlResponse{
			b.post(t, otherToken, takeConversation, map[string]any{"id": maria.id}),
			b.post(t, otherToken, releaseConversation, map[string]any{"id": maria.id}),
			b.post(t, otherToken, assignConversation, map[string]any{"id": maria.id, "agent": other.ID}),
		} {
			if r.code() != "ALREADY_ASSIGNED" {
				t.Errorf("a colleague changed the assignee: %+v", r)
			}
		}
		if got := b.assignee(t, b.agent, maria); got != "Acme Agent" {
			t.Errorf("after refusals the assignee is %q", got)
		}

		// Another account's ids are unknown ids.
		_, otherKey, _, stranger := b.newAccount(t, "Other")
		strangerID := b.viewerAgentID(t, stranger)
		theirs := b.start(t, otherKey, "Theirs")
		if r := b.post(t, b.admin, assignConversation, map[string]any{"id": maria.id, "agent": strangerID}); r.code() != "NOT_FOUND" {
			t.Errorf("assigned to another account's agent: %+v", r)
		}
		if r := b.post(t, b.agent, takeConversation, map[string]any{"id": theirs.id}); r.code() != "NOT_FOUND" {
			t.Errorf("took another account's conversation: %+v", r)
		}
		if r := b.post(t, maria.session, `query($id: ID!) { conversation(id: $id) { assignee { name } } }`, map[string]any{"id": maria.id}); r.code() != "FORBIDDEN" {
			t.Errorf("the end user read the assignee: %+v", r)
		}

		if r := b.post(t, b.admin, assignConversation, map[string]any{"id": maria.id, "agent": other.ID}); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		if got := b.assignee(t, b.agent, maria); got != "Olga" {
			t.Errorf("reassigned to %q, want Olga", got)
		}
		if r := b.post(t, otherToken, releaseConversation, map[string]any{"id": maria.id}); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		if got := b.listed(t, b.agent, "UNASSIGNED"); !slices.Equal(got, sorted(maria.id, nikos.id)) {
			t.Errorf("released, the queue is %v", got)
		}

		// Both take Nikos at once: one has him, the other is told so.
		codes := make([]string, 2)
		var wg sync.WaitGroup
		for i, token := range []string{b.agent, otherToken} {
			wg.Go(func() { codes[i] = b.post(t, token, takeConversation, map[string]any{"id": nikos.id}).code() })
		}
		wg.Wait()
		slices.Sort(codes)
		if !slices.Equal(codes, []string{"", "ALREADY_ASSIGNED"}) {
			t.Errorf("two takes at once answered %q", codes)
		}
	})
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}
