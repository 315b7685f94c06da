package app

import "testing"

// R29: with round-robin auto-assignment on, each new conversation goes to
// the available agent who waited longest, within the per-agent cap of open
// conversations; a closed conversation frees a place. Bad caps are refused, and only admins
// set them.
func TestAutoAssignment(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		setCap := `mutation($cap: Int!) { setAutoAssignment(input: {cap: $cap}) { account { autoAssignCap } } }`
		if r := b.post(t, b.admin, setCap, map[string]any{"cap": 101}); r.code() != "BAD_USER_INPUT" {
			t.Errorf("a cap of 101: %+v", r)
		}
		if r := b.post(t, b.agent, setCap, map[string]any{"cap": 1}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent set the cap: %+v", r)
		}
		var set struct {
			SetAutoAssignment struct{ Account struct{ AutoAssignCap int } }
		}
		b.post(t, b.admin, setCap, map[string]any{"cap": 1}).decode(t, &set)
		if set.SetAutoAssignment.Account.AutoAssignCap != 1 {
			t.Fatalf("cap: %+v", set)
		}
		_, olga := b.invite(t, "Olga", "olga@example.com", "AGENT")
		available := `mutation { setAvailability(input: {available: true}) { agent { available } } }`
		for _, token := range []string{b.agent, olga} {
			var out struct {
				SetAvailability struct{ Agent struct{ Available bool } }
			}
			b.post(t, token, available, nil).decode(t, &out)
			if !out.SetAvailability.Agent.Available {
				t.Fatalf("not available: %+v", out)
			}
		}

		// Nobody was assigned one yet: the older member first.
		first := b.start(t, b.widgetKey, "First")
		waitFor(t, "the first conversation assigned", func() bool { return b.assignee(t, b.admin, first) == "Acme Agent" })
		second := b.start(t, b.widgetKey, "Second")
		waitFor(t, "the second conversation assigned", func() bool { return b.assignee(t, b.admin, second) == "Olga" })
		// Both are at the cap until a conversation closes (Next's unit test
		// shows who waits in the queue meanwhile).
		b.post(t, b.agent, `mutation($id: ID!) { closeConversation(input: {conversationId: $id}) { conversation { id } } }`, map[string]any{"id": first.id}).decode(t, &struct{}{})
		third := b.start(t, b.widgetKey, "Third")
		waitFor(t, "the third conversation assigned", func() bool { return b.assignee(t, b.admin, third) == "Acme Agent" })
	})
}
