package app

import (
	"strings"
	"testing"
)

// The source article's story, end to end (R1–R16): an end user starts in
// the widget, moves to Messenger (opens the link, confirms), talks, comes
// back to the widget, and later moves to WhatsApp. Then: the widget shows
// everything, each message with its channel; Messenger's and WhatsApp's
// transcripts show only what went through them after their links; each
// agent reply went where the end user was; the customer card holds both
// identities; the agent's history shows the links and switches (R13).
func TestSeedStory(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		sandboxed := func(channel, id, handle string) integrationOut {
			var out struct {
				ConnectIntegration struct{ Integration integrationOut }
			}
			b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{
				"channel": channel, "sandbox": true, "businessId": id, "handle": handle,
			}}).decode(t, &out)
			return out.ConnectIntegration.Integration
		}
		wa := sandboxed("WHATSAPP", "sbx-wa", "15550100001")
		fb := sandboxed("MESSENGER", "sbx-fb", "acme.support")
		b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{"MESSENGER", "WHATSAPP"}}).decode(t, &struct{}{})
		if m := b.menu(t, b.widgetKey); len(m) != 2 {
			t.Fatalf("menu: %+v", m)
		}

		c := b.start(t, b.widgetKey, "Eleni")
		agentReply := func(text, id string) string {
			var out struct {
				ReplyToConversation struct{ Message struct{ Channel string } }
			}
			b.post(t, b.agent, replyMutation, map[string]any{"id": c.id, "text": text, "cid": id}).decode(t, &out)
			b.waitForJobs(t)
			return out.ReplyToConversation.Message.Channel
		}
		b.mustSend(t, c, "Hi, my order has not arrived", "w1")
		if ch := agentReply("Sorry! Let me check.", "a1"); ch != "WEB_WIDGET" {
			t.Errorf("first reply went to %s", ch)
		}

		// To Messenger: open the m.me link, confirm there.
		messenger := b.phone(t, fb, "6543210987654321")
		req, _ := b.requestLink(t, c, "MESSENGER")
		messenger.post("open", map[string]any{"link": req.DeepLink})
		yes := messenger.waitForText("Continue your conversation")
		messenger.post("tap", map[string]any{"choiceId": yes[0]})
		messenger.waitForText("Linked.")
		messenger.post("messages", map[string]any{"text": "I'm on my phone now"})
		b.waitForJobs(t)
		if ch := agentReply("Your parcel is in Athens.", "a2"); ch != "MESSENGER" {
			t.Errorf("reply after moving to Messenger went to %s", ch)
		}
		messenger.waitForText("Your parcel is in Athens.")

		// Back at the desk: the widget again.
		b.mustSend(t, c, "Back at my computer", "w2")
		if ch := agentReply("It arrives tomorrow.", "a3"); ch != "WEB_WIDGET" {
			t.Errorf("reply after returning went to %s", ch)
		}

		// Later, to WhatsApp.
		whatsapp := b.phone(t, wa, "306912345678")
		req, _ = b.requestLink(t, c, "WHATSAPP")
		whatsapp.post("open", map[string]any{"link": req.DeepLink})
		yes = whatsapp.waitForText("Continue your conversation")
		whatsapp.post("tap", map[string]any{"choiceId": yes[0]})
		whatsapp.waitForText("Linked.")
		whatsapp.post("messages", map[string]any{"text": "Now on WhatsApp"})
		b.waitForJobs(t)
		if ch := agentReply("Noted, thanks!", "a4"); ch != "WHATSAPP" {
			t.Errorf("reply after moving to WhatsApp went to %s", ch)
		}
		whatsapp.waitForText("Noted, thanks!")

		// The widget shows everything, each message with its channel (R9).
		got := b.history(t, c.session, c, `messages(first: 50)`)
		want := []historyEntry{
			{"Hi, my order has not arrived", "WEB_WIDGET", "END_USER"},
			{"Sorry! Let me check.", "WEB_WIDGET", "AGENT"},
			{"Linked MESSENGER", "WEB_WIDGET", "SYSTEM"},
			{"I'm on my phone now", "MESSENGER", "END_USER"},
			{"Your parcel is in Athens.", "MESSENGER", "AGENT"},
			{"Switched to WEB_WIDGET", "WEB_WIDGET", "SYSTEM"},
			{"Back at my computer", "WEB_WIDGET", "END_USER"},
			{"It arrives tomorrow.", "WEB_WIDGET", "AGENT"},
			{"Linked WHATSAPP", "WEB_WIDGET", "SYSTEM"},
			{"Now on WhatsApp", "WHATSAPP", "END_USER"},
			{"Noted, thanks!", "WHATSAPP", "AGENT"},
		}
		same := func(got, want []historyEntry) bool {
			if len(got) != len(want) {
				return false
			}
			for i := range want {
				if !strings.HasPrefix(got[i].Text, want[i].Text) || got[i].Channel != want[i].Channel || got[i].AuthorRole != want[i].AuthorRole {
					return false
				}
			}
			return true
		}
		if !same(got, want) {
			t.Errorf("widget history:\n got %+v\nwant %+v", got, want)
		}
		// Each channel's transcript is what its app shows (R10).
		if got := b.history(t, c.session, c, `transcript(channel: MESSENGER)`); !same(got, want[3:5]) {
			t.Errorf("Messenger transcript: %+v", got)
		}
		if got := b.history(t, c.session, c, `transcript(channel: WHATSAPP)`); !same(got, want[9:11]) {
			t.Errorf("WhatsApp transcript: %+v", got)
		}
		// The phones show exactly their channel's part, replies included.
		for name, p := range map[string]phone{"Messenger": messenger, "WhatsApp": whatsapp} {
			for _, m := range p.view().Messages {
				if m.Text == "It arrives tomorrow." || m.Text == "Sorry! Let me check." {
					t.Errorf("%s shows a widget message: %q", name, m.Text)
				}
			}
		}

		// The customer card holds both identities (R16); the agent sees
		// the same history, links included (R13).
		var card struct {
			Conversation struct {
				EndUser struct {
					Name       string
					Identities []struct{ Channel, ExternalID string }
				}
				LinkedIdentities []struct{ Channel string }
			}
		}
		b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { endUser { name identities { channel externalId } } linkedIdentities { channel } } }`, map[string]any{"id": c.id}).decode(t, &card)
		ids := card.Conversation.EndUser.Identities
		if card.Conversation.EndUser.Name != "Eleni" || len(ids) != 2 || ids[0].Channel != "MESSENGER" || ids[1].ExternalID != "306912345678" {
			t.Errorf("customer card: %+v", card.Conversation.EndUser)
		}
		if len(card.Conversation.LinkedIdentities) != 2 {
			t.Errorf("linked identities: %+v", card.Conversation.LinkedIdentities)
		}
		if got := b.history(t, b.agent, c, `messages(first: 50)`); !same(got, want) {
			t.Errorf("agent's history: %+v", got)
		}
	})
}
