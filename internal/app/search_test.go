package app

import (
	"slices"
	"strings"
	"testing"
)

const searchQuery = `query($q: String, $first: Int, $after: String) {
  conversations(first: $first, after: $after, filter: {search: $q}) {
    edges { cursor node { id endUser { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`

type searchPage struct {
	Conversations struct {
		Edges []struct {
			Cursor string
			Node   struct {
				ID      string
				EndUser struct{ Name string }
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   string
		}
	}
}

// search returns the names of the end users whose conversations token
// finds with q, and the error code, if any.
func (b *testBundle) search(t *testing.T, token, q string) ([]string, string) {
	t.Helper()
	r := b.post(t, token, searchQuery, map[string]any{"q": q, "first": 20})
	if len(r.Errors) > 0 {
		return nil, r.code()
	}
	var page searchPage
	r.decode(t, &page)
	var names []string
	for _, e := range page.Conversations.Edges {
		names = append(names, e.Node.EndUser.Name)
	}
	slices.Sort(names)
	return names, ""
}

// R29: agents find conversations by message text (all the words, in any
// case, through each database's full-text index), by the end user's name
// or email, and by a social identity's number however it is written; pages
// as the list does; another account's conversations are never found; bad
// searches are refused with a code.
func TestSearchConversations(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, maria := linkedSetup(t, kind)
		b.mustSend(t, maria, "My parcel arrived broken, the box was crushed", "m1")
		b.link(t, maria, b.phone(t, it, "5511900000001"))

		var nikos struct {
			StartConversation struct {
				SessionToken string
				Conversation struct{ ID string }
			}
		}
		b.post(t, "", `mutation($key: String!) { startConversation(input: {widgetKey: $key, name: "Nikos Papas", email: "nikos@example.gr"}) { sessionToken conversation { id } } }`,
			map[string]any{"key": b.widgetKey}).decode(t, &nikos)
		b.mustSend(t, conv{id: nikos.StartConversation.Conversation.ID, session: nikos.StartConversation.SessionToken}, "Where is my parcel? Το δέμα μου", "n1")

		_, otherKey, _, otherAgent := b.newAccount(t, "Other")
		b.mustSend(t, b.start(t, otherKey, "Olga"), "parcel broken too", "o1")

		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"parcel", []string{"Maria", "Nikos Papas"}},
			{"PARCEL broken", []string{"Maria"}},
			{"parcel missing", nil},
			{"δέμα", []string{"Nikos Papas"}},
			{"papas", []string{"Nikos Papas"}},
			{"NIKOS@example", []string{"Nikos Papas"}},
			{"+55 11 90000-0001", []string{"Maria"}},
			{"5511900000001", []string{"Maria"}},
			// Operators of either database's query language are words.
			{`"parcel" OR NEAR(box`, nil},
			{`parcel & !box | crushed:*`, []string{"Maria"}},
			{"100%", nil},
		} {
			got, code := b.search(t, b.agent, tc.q)
			if code != "" || !slices.Equal(got, tc.want) {
				t.Errorf("search %q: %v %s, want %v", tc.q, got, code, tc.want)
			}
		}
		if got, _ := b.search(t, otherAgent, "parcel"); !slices.Equal(got, []string{"Olga"}) {
			t.Errorf("the other account found %v, want only its own", got)
		}

		var first, second searchPage
		b.post(t, b.agent, searchQuery, map[string]any{"q": "parcel", "first": 1}).decode(t, &first)
		if len(first.Conversations.Edges) != 1 || !first.Conversations.PageInfo.HasNextPage {
			t.Fatalf("first page: %+v", first)
		}
		b.post(t, b.agent, searchQuery, map[string]any{"q": "parcel", "first": 1, "after": first.Conversations.PageInfo.EndCursor}).decode(t, &second)
		if len(second.Conversations.Edges) != 1 || second.Conversations.PageInfo.HasNextPage ||
			second.Conversations.Edges[0].Node.ID == first.Conversations.Edges[0].Node.ID {
			t.Errorf("second page: %+v", second)
		}

		for _, q := range []string{" \t", strings.Repeat("a", 201)} {
			if _, code := b.search(t, b.agent, q); code != "BAD_USER_INPUT" {
				t.Errorf("search %q: code %q, want BAD_USER_INPUT", q, code)
			}
		}
	})
}
