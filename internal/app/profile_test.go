package app

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// profileReads is how often the business read the phone's profile.
func (p phone) profileReads() int {
	p.t.Helper()
	var out struct{ ProfileReads int }
	_, body := get(p.t, p.url)
	if err := jsonDecode(strings.NewReader(body), &out); err != nil {
		p.t.Fatalf("phone %q: %v", body, err)
	}
	return out.ProfileReads
}

// R6, R16, R27: a Messenger user, whose webhooks carry no name, links the
// widget conversation; the service reads the name and picture from the
// user profile. The widget shows the identity as a first name and an
// initial, the link note says the same, the agents' customer card has the
// full name and the picture, and the messages carry the name. A second
// message does not read the profile again.
func TestProfileNamesMessengerIdentity(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		fb := b.connectSandbox(t, "MESSENGER", "sbx-fb", "acme.support")
		b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{"MESSENGER"}}).decode(t, &struct{}{})
		c := b.start(t, b.widgetKey, "Maria")

		req, r := b.requestLink(t, c, "MESSENGER")
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		ph := b.phone(t, fb, "6543210987653748")
		ph.post("open", map[string]any{"link": req.DeepLink})
		choices := ph.waitForText("Continue your conversation")
		ph.post("tap", map[string]any{"choiceId": choices[0]})
		ph.waitForText("Linked.")
		b.waitForJobs(t)
		// Read once: with the answer, not when the link was opened.
		if n := ph.profileReads(); n != 1 {
			t.Fatalf("the profile was read %d times, want 1", n)
		}

		// The agents' customer card: the full name and the picture (R16).
		var card struct {
			Conversation struct {
				EndUser struct {
					Identities []struct{ Channel, DisplayName, PictureURL string }
				}
			}
		}
		b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { endUser { identities { channel displayName pictureUrl } } } }`,
			map[string]any{"id": c.id}).decode(t, &card)
		ids := card.Conversation.EndUser.Identities
		if len(ids) != 1 || ids[0].Channel != "MESSENGER" || len(strings.Fields(ids[0].DisplayName)) != 2 || !strings.HasPrefix(ids[0].PictureURL, "data:image/") {
			t.Fatalf("customer card: %+v", ids)
		}
		name := strings.Fields(ids[0].DisplayName)
		last, _ := utf8.DecodeRuneInString(name[1])
		short := name[0] + " " + string(last) + "."

		// The widget: first name and initial, not the full name (R6).
		var lk struct {
			Conversation struct {
				LinkedIdentities []struct{ Channel, Masked string }
			}
		}
		b.post(t, c.session, `query($id: ID!) { conversation(id: $id) { linkedIdentities { channel masked } } }`, map[string]any{"id": c.id}).decode(t, &lk)
		if l := lk.Conversation.LinkedIdentities; len(l) != 1 || l[0].Masked != short {
			t.Errorf("widget shows %+v, want %q", l, short)
		}
		for _, field := range []string{"displayName", "pictureUrl"} {
			if r := b.post(t, c.session, `query($id: ID!) { conversation(id: $id) { linkedIdentities { `+field+` } } }`, map[string]any{"id": c.id}); r.code() != "FORBIDDEN" {
				t.Errorf("the widget read the identity's %s: %s %+v", field, r.Data, r.Errors)
			}
		}
		noted := false
		for _, h := range b.history(t, c.session, c, "messages") {
			noted = noted || h.AuthorRole == "SYSTEM" && strings.Contains(h.Text, short)
		}
		if !noted {
			t.Errorf("no link note names %q: %+v", short, b.history(t, c.session, c, "messages"))
		}

		// A second message: named from the stored profile, not read again.
		ph.post("messages", map[string]any{"text": "still me"})
		b.waitForJobs(t)
		var msgs struct {
			Conversation struct {
				Messages struct {
					Edges []struct {
						Node struct{ Text, AuthorName string }
					}
				}
			}
		}
		b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { messages(last: 1) { edges { node { text authorName } } } } }`,
			map[string]any{"id": c.id}).decode(t, &msgs)
		if e := msgs.Conversation.Messages.Edges; len(e) != 1 || e[0].Node.Text != "still me" || e[0].Node.AuthorName != ids[0].DisplayName {
			t.Errorf("last message %+v, want it from %q", e, ids[0].DisplayName)
		}
		if n := ph.profileReads(); n != 1 {
			t.Errorf("the profile was read %d times after a second message, want 1", n)
		}
	})
}

// connectSandbox adds a sandbox integration as the bundle's admin.
func (b *testBundle) connectSandbox(t *testing.T, channel, businessID, handle string) integrationOut {
	t.Helper()
	var out struct {
		ConnectIntegration struct{ Integration integrationOut }
	}
	b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{
		"channel": channel, "sandbox": true, "businessId": businessID, "handle": handle,
	}}).decode(t, &out)
	return out.ConnectIntegration.Integration
}
