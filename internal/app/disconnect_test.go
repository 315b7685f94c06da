package app

import (
	"encoding/json"
	"strings"
	"testing"
)

// noteEvent is a feed event with its SYSTEM message's note (R27).
type noteEvent struct {
	Kind         string
	Conversation struct{ ID string }
	Message      *struct {
		Text, AuthorRole string
		Note             *struct {
			Kind, Channel, Identity string
			PreviousChannel         *string
			EndedBy, Reason         *string
		}
	}
}

const noteEventFields = `kind conversation { id } message { text authorRole note { kind channel previousChannel identity endedBy reason } }`

// nextNote reads subscription id up to the next event of kind.
func (c *wsClient) nextNote(id, kind string) noteEvent {
	c.t.Helper()
	for {
		m := c.read()
		if m.ID != id {
			continue
		}
		var p struct {
			Data   map[string]noteEvent
			Errors []gqlError
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
			c.t.Fatalf("%s: %s %v", id, m.Payload, err)
		}
		for _, e := range p.Data {
			if e.Kind == kind {
				return e
			}
		}
	}
}

type linkOut struct {
	Channel, Identity  string
	EndedAt            *string
	EndedBy, EndReason *string
}

func (b *testBundle) links(t *testing.T, token string, c conv) []linkOut {
	t.Helper()
	var out struct{ Conversation struct{ Links []linkOut } }
	b.post(t, token, `query($id: ID!) { conversation(id: $id) { links { channel identity endedAt endedBy endReason } } }`, map[string]any{"id": c.id}).decode(t, &out)
	return out.Conversation.Links
}

// R11, R14, R17, R25: confirming a link makes its channel the reply route
// at once, and the confirming tap opens the channel's window: while the
// phone stays silent, the agent's next reply, with no channel named,
// reaches the phone. Both feeds carry the LINKED event with its data (R27).
func TestReplyFollowsConfirmedLink(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, c := linkedSetup(t, kind)
		agent := b.connect(t, transportWS, b.agent)
		agent.subscribe("a", `subscription($after: String) { accountEvents(after: $after) { `+noteEventFields+` } }`, map[string]any{"after": b.feedCursor(t, b.agent)})
		w := b.connect(t, transportWS, c.session)
		w.subscribe("w", `subscription($id: ID!, $after: String) { conversationEvents(conversationId: $id, after: $after) { `+noteEventFields+` } }`, map[string]any{"id": c.id, "after": c.cursor})
		b.mustSend(t, c, "I have to leave my desk", "w1")

		ph := b.phone(t, it, "5511900000001")
		b.link(t, c, ph)
		for _, e := range []noteEvent{agent.nextNote("a", "LINKED"), w.nextNote("w", "LINKED")} {
			if n := e.Message.Note; n == nil || n.Kind != "LINKED" || n.Channel != "WHATSAPP" || n.Identity != "+55 ••• 0001" || e.Message.AuthorRole != "SYSTEM" {
				t.Errorf("LINKED event: %+v", e.Message)
			}
		}

		var state struct {
			Conversation struct {
				LastChannel  string
				ReplyWindows []struct {
					Channel string
					Open    bool
				}
			}
		}
		b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { lastChannel replyWindows { channel open } } }`, map[string]any{"id": c.id}).decode(t, &state)
		if s := state.Conversation; s.LastChannel != "WHATSAPP" || len(s.ReplyWindows) != 1 || !s.ReplyWindows[0].Open {
			t.Errorf("after confirming: %+v", s)
		}
		var out struct {
			ReplyToConversation struct{ Message struct{ Channel string } }
		}
		b.post(t, b.agent, replyMutation, map[string]any{"id": c.id, "text": "Here is your answer", "cid": "a1"}).decode(t, &out)
		if out.ReplyToConversation.Message.Channel != "WHATSAPP" {
			t.Errorf("the first reply after linking went to %s", out.ReplyToConversation.Message.Channel)
		}
		ph.waitForText("Here is your answer")
		// Naming the channel works too: its window is open.
		if r := b.post(t, b.agent, `mutation($id: ID!) { replyToConversation(input: {conversationId: $id, text: "and more", clientMessageId: "a2", channel: WHATSAPP}) { message { channel } } }`,
			map[string]any{"id": c.id}); len(r.Errors) > 0 {
			t.Errorf("naming the linked channel: %+v", r.Errors)
		}
		ph.waitForText("and more")
	})
}

// R6, R12, R20, R26: Disconnect detaches. A stranger's phone links Maria's
// conversation; she disconnects it; what the stranger then writes opens a
// conversation of its own that her session can neither list, read, write
// into nor follow, and her customer card no longer holds the identity; the
// ended link stays in her history, masked, as ended by her.
func TestDisconnectDetachesTheIdentity(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, maria := linkedSetup(t, kind)
		stranger := b.phone(t, it, "5511977776666")
		b.link(t, maria, stranger)
		stranger.post("messages", map[string]any{"text": "who is this?"})
		b.waitForJobs(t)

		w := b.connect(t, transportWS, maria.session)
		w.subscribe("w", `subscription($id: ID!, $after: String) { conversationEvents(conversationId: $id, after: $after) { `+noteEventFields+` } }`, map[string]any{"id": maria.id, "after": maria.cursor})
		var ul struct {
			UnlinkChannel struct{ Conversation struct{ LastChannel string } }
		}
		b.post(t, maria.session, `mutation($id: ID!) { unlinkChannel(input: {conversationId: $id, channel: WHATSAPP}) { conversation { lastChannel } } }`, map[string]any{"id": maria.id}).decode(t, &ul)
		if ul.UnlinkChannel.Conversation.LastChannel != "WEB_WIDGET" {
			t.Errorf("after Disconnect: %+v", ul)
		}
		if e := w.nextNote("w", "UNLINKED"); e.Message.Note == nil || deref(e.Message.Note.EndedBy) != "END_USER" || deref(e.Message.Note.Reason) != "UNLINKED" {
			t.Errorf("UNLINKED event: %+v", e.Message)
		}

		stranger.post("messages", map[string]any{"text": "my card number is 4111"})
		b.waitForJobs(t)

		// Her session lists only her own conversation…
		var list struct {
			Conversations struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		b.post(t, maria.session, `{ conversations(first: 10) { edges { node { id } } } }`, nil).decode(t, &list)
		if e := list.Conversations.Edges; len(e) != 1 || e[0].Node.ID != maria.id {
			t.Fatalf("her conversations: %+v", e)
		}
		// …and none of the stranger's words after the Disconnect.
		for _, h := range b.history(t, maria.session, maria, `messages(first: 50)`) {
			if strings.Contains(h.Text, "4111") {
				t.Errorf("her history shows the stranger's message: %+v", h)
			}
		}
		// The agents see the stranger's new conversation; her session gets
		// NOT_FOUND for it everywhere, as for an unknown id.
		var agentList struct {
			Conversations struct {
				Edges []struct {
					Node struct {
						ID      string
						EndUser struct{ ID string }
					}
				}
			}
		}
		b.post(t, b.agent, `{ conversations(first: 1) { edges { node { id endUser { id } } } } }`, nil).decode(t, &agentList)
		theirs := agentList.Conversations.Edges[0].Node
		if theirs.ID == maria.id {
			t.Fatal("the stranger's message landed in her conversation")
		}
		for name, q := range map[string]string{
			"conversation": `query($id: ID!) { conversation(id: $id) { id } }`,
			"node":         `query($id: ID!) { node(id: $id) { id } }`,
			"sendMessage":  `mutation($id: ID!) { sendMessage(input: {conversationId: $id, text: "hi", clientMessageId: "x"}) { message { id } } }`,
		} {
			if r := b.post(t, maria.session, q, map[string]any{"id": theirs.ID}); r.code() != "NOT_FOUND" {
				t.Errorf("%s of the stranger's conversation: %s %+v", name, r.Data, r.Errors)
			}
		}
		w.subscribe("s", conversationEvents, map[string]any{"id": theirs.ID})
		if e := w.nextError("s"); e.code() != "NOT_FOUND" {
			t.Errorf("following the stranger's conversation: %+v", e)
		}
		// Her open subscription saw nothing of it: the next event after
		// the UNLINKED note is her own next message.
		b.mustSend(t, maria, "anyone there?", "m1")
		if e := w.nextNote("w", "MESSAGE_ADDED"); e.Message.Text != "anyone there?" {
			t.Errorf("her feed after the Disconnect: %+v", e.Message)
		}

		// Her card no longer holds the identity; the agents' card of the
		// new conversation does.
		card := func(conversationID string) []struct{ ExternalID string } {
			var out struct {
				Conversation struct {
					EndUser struct{ Identities []struct{ ExternalID string } }
				}
			}
			b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { endUser { identities { externalId } } } }`, map[string]any{"id": conversationID}).decode(t, &out)
			return out.Conversation.EndUser.Identities
		}
		if ids := card(maria.id); len(ids) != 0 {
			t.Errorf("her card after the Disconnect: %+v", ids)
		}
		if ids := card(theirs.ID); len(ids) != 1 || ids[0].ExternalID != "5511977776666" {
			t.Errorf("the stranger's card: %+v", ids)
		}
		// The ended link stays in her history, masked, ended by her.
		if l := b.links(t, maria.session, maria); len(l) != 1 || l[0].Identity != "+55 ••• 6666" || l[0].EndedAt == nil ||
			deref(l[0].EndedBy) != "END_USER" || deref(l[0].EndReason) != "UNLINKED" {
			t.Errorf("her links: %+v", l)
		}
	})
}

// R10: a channel's transcript is what its app still shows. An unlink
// leaves the messages exchanged there; relinking the same number continues
// the same thread; what the phone wrote meanwhile belongs to its own
// conversation.
func TestTranscriptAcrossUnlinkAndRelink(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, c := linkedSetup(t, kind)
		ph := b.phone(t, it, "5511900000001")
		b.link(t, c, ph)
		ph.post("messages", map[string]any{"text": "first on the phone"})
		b.waitForJobs(t)
		b.reply(t, b.agent, c, "first answer", "a1")
		b.post(t, c.session, `mutation($id: ID!) { unlinkChannel(input: {conversationId: $id, channel: WHATSAPP}) { conversation { id } } }`, map[string]any{"id": c.id}).decode(t, &struct{}{})
		texts := func() []string {
			var out []string
			for _, h := range b.history(t, c.session, c, `transcript(channel: WHATSAPP)`) {
				out = append(out, h.Text)
			}
			return out
		}
		if got := strings.Join(texts(), "|"); got != "first on the phone|first answer" {
			t.Errorf("transcript after the unlink: %q", got)
		}
		ph.post("messages", map[string]any{"text": "while unlinked"})
		b.waitForJobs(t)
		b.link(t, c, ph)
		ph.post("messages", map[string]any{"text": "back again"})
		b.waitForJobs(t)
		if got := strings.Join(texts(), "|"); got != "first on the phone|first answer|back again" {
			t.Errorf("transcript after relinking: %q", got)
		}
		if l := b.links(t, b.agent, c); len(l) != 2 || l[0].EndedAt == nil || l[1].EndedAt != nil {
			t.Errorf("links after relinking: %+v", l)
		}
	})
}

// R3, R6, R8, R26, R27: who ended a link is recorded and shown: an agent's
// unlink is not the end user's Disconnect; an admin setting's end is
// announced on the channel; a move ends the old link as MOVED; a declined
// confirmation is in the history. Each is a typed event on the agents' feed.
func TestWhoEndedALink(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, c := linkedSetup(t, kind)
		feed := b.connect(t, transportWS, b.agent)
		feed.subscribe("a", `subscription($after: String) { accountEvents(after: $after) { `+noteEventFields+` } }`, map[string]any{"after": b.feedCursor(t, b.agent)})
		ph := b.phone(t, it, "5511900000001")

		// An agent unlinks.
		b.link(t, c, ph)
		b.post(t, b.agent, `mutation($id: ID!) { unlinkChannel(input: {conversationId: $id, channel: WHATSAPP}) { conversation { id } } }`, map[string]any{"id": c.id}).decode(t, &struct{}{})
		if e := feed.nextNote("a", "UNLINKED"); deref(e.Message.Note.EndedBy) != "AGENT" || !strings.Contains(e.Message.Text, "agent") {
			t.Errorf("an agent's unlink: %+v", e.Message)
		}

		// The same phone links another end user's conversation: the first
		// link ends as MOVED, by the end user; the first conversation's
		// feed is told in its own terms, with nothing of the other's.
		b.link(t, c, ph)
		mine := b.connect(t, transportWS, c.session)
		mine.subscribe("c", `subscription($id: ID!, $after: String) { conversationEvents(conversationId: $id, after: $after) { `+noteEventFields+` } }`, map[string]any{"id": c.id, "after": c.cursor})
		second := b.start(t, b.widgetKey, "Maria, later")
		b.link(t, second, ph)
		if e := feed.nextNote("a", "LINK_MOVED"); deref(e.Message.Note.EndedBy) != "END_USER" || deref(e.Message.Note.Reason) != "MOVED" || e.Conversation.ID != c.id {
			t.Errorf("a move: %+v %+v", e.Conversation, e.Message)
		}
		if e := mine.nextNote("c", "LINK_MOVED"); e.Conversation.ID != c.id {
			t.Errorf("the first conversation's feed shows conversation %s, not %s", e.Conversation.ID, c.id)
		}
		if l := b.links(t, b.agent, c); len(l) != 2 || deref(l[1].EndReason) != "MOVED" {
			t.Errorf("links after the move: %+v", l)
		}

		// An admin deselects WhatsApp: the link ends, the phone is told.
		ph.post("messages", map[string]any{"text": "still here"})
		b.waitForJobs(t)
		b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{}}).decode(t, &struct{}{})
		if e := feed.nextNote("a", "LINK_ENDED_BY_ADMIN"); deref(e.Message.Note.EndedBy) != "ADMIN" || deref(e.Message.Note.Reason) != "DISABLED_BY_ADMIN" {
			t.Errorf("an admin's end: %+v", e.Message)
		}
		ph.waitForText("no longer connected")
		if l := b.links(t, second.session, second); len(l) != 1 || deref(l[0].EndedBy) != "ADMIN" {
			t.Errorf("links after the admin's end: %+v", l)
		}

		// A declined confirmation is noted.
		b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{"WHATSAPP"}}).decode(t, &struct{}{})
		req, _ := b.requestLink(t, c, "WHATSAPP")
		other := b.phone(t, it, "5511900000002")
		other.post("open", map[string]any{"link": req.DeepLink})
		no := other.waitForText("Continue your conversation")
		other.post("tap", map[string]any{"choiceId": no[1]})
		if e := feed.nextNote("a", "LINK_DECLINED"); e.Message.Note.Identity != "+55 ••• 0002" || e.Message.Note.Channel != "WHATSAPP" {
			t.Errorf("a decline: %+v", e.Message)
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
