package app

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/linking"
)

// phoneScreen is what a sandbox phone shows, with prompts' choices.
type phoneScreen struct {
	Messages []struct {
		From, Text string
		Choices    []struct{ ID, Title string }
	}
}

func (p phone) view() phoneScreen {
	p.t.Helper()
	_, body := get(p.t, p.url)
	var s phoneScreen
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		p.t.Fatalf("phone %q: %v", body, err)
	}
	return s
}

// waitForText waits until the phone shows a business message containing
// text, and returns its choices' ids.
func (p phone) waitForText(text string) []string {
	p.t.Helper()
	var ids []string
	waitFor(p.t, "the phone to show "+text, func() bool {
		for _, m := range p.view().Messages {
			if m.From == "business" && strings.Contains(m.Text, text) {
				ids = ids[:0]
				for _, c := range m.Choices {
					ids = append(ids, c.ID)
				}
				return true
			}
		}
		return false
	})
	return ids
}

// linkedSetup is a widget conversation whose widget offers a sandbox
// WhatsApp; configure may change the service's config first.
func linkedSetup(t *testing.T, kind storeKind, configure ...func(*Config)) (*testBundle, integrationOut, conv) {
	b := setup(t, kind, configure...)
	var out struct {
		ConnectIntegration struct{ Integration integrationOut }
	}
	b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{
		"channel": "WHATSAPP", "sandbox": true, "businessId": "sbx-wa", "handle": "15550100001",
	}}).decode(t, &out)
	b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{"WHATSAPP"}}).decode(t, &struct{}{})
	return b, out.ConnectIntegration.Integration, b.start(t, b.widgetKey, "Maria")
}

// R6, R7, R9, R11, R15, R16: the end user moves the widget conversation to
// WhatsApp: opens the deep link, confirms on the phone, and the same
// conversation continues there; the widget shows the linked identity and
// every message; replies follow the end user to where they wrote last.
func TestLinkAndContinueOnWhatsApp(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, c := linkedSetup(t, kind)
		w := b.connect(t, transportWS, c.session)
		w.subscribe("w", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})
		b.mustSend(t, c, "hello from the website", "w1")
		w.nextMessage("w")

		req, r := b.requestLink(t, c, "WHATSAPP")
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		ph := b.phone(t, it, "5511900000001")
		ph.post("open", map[string]any{"link": req.DeepLink})
		choices := ph.waitForText("Continue your conversation")
		if len(choices) != 2 || !strings.HasPrefix(choices[0], "link-yes:") {
			t.Fatalf("confirmation choices: %v", choices)
		}
		ph.post("tap", map[string]any{"choiceId": choices[0]})
		ph.waitForText("Linked.")

		// The widget's history says so, and shows who was linked.
		if e := w.nextMessage("w"); e.Message.AuthorRole != "SYSTEM" || !strings.Contains(e.Message.Text, "+55 ••• 0001") {
			t.Errorf("link note: %+v", e.Message)
		}
		var lk struct {
			Conversation struct {
				LinkedIdentities []struct{ Channel, ExternalID, Masked string }
				EndUser          struct {
					Identities []struct{ Channel, ExternalID string }
				}
			}
		}
		b.post(t, c.session, `query($id: ID!) { conversation(id: $id) { linkedIdentities { channel masked } } }`, map[string]any{"id": c.id}).decode(t, &lk)
		if l := lk.Conversation.LinkedIdentities; len(l) != 1 || l[0].Channel != "WHATSAPP" || l[0].Masked != "+55 ••• 0001" {
			t.Errorf("linked identities: %+v", l)
		}
		// The full number is on the agents' customer card only (R16, R6).
		b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { endUser { identities { channel externalId } } } }`, map[string]any{"id": c.id}).decode(t, &lk)
		if ids := lk.Conversation.EndUser.Identities; len(ids) != 1 || ids[0].ExternalID != "5511900000001" {
			t.Errorf("customer card: %+v", ids)
		}
		if r := b.post(t, c.session, `query($id: ID!) { conversation(id: $id) { linkedIdentities { externalId } } }`, map[string]any{"id": c.id}); r.code() != "FORBIDDEN" {
			t.Errorf("an end user read the linked identity's number: %+v", r)
		}

		// The phone writes: the same conversation, marked WhatsApp.
		ph.post("messages", map[string]any{"text": "now from my phone"})
		if e := w.nextSaid("w"); e.Message.Text != "now from my phone" || e.Message.Channel != "WHATSAPP" || e.Conversation.ID != c.id {
			t.Fatalf("phone message in the widget: %+v", e)
		}
		// The agent's reply goes to WhatsApp, where the end user is now…
		b.reply(t, b.agent, c, "answering on WhatsApp", "a1")
		if e := w.nextSaid("w"); e.Message.Channel != "WHATSAPP" {
			t.Errorf("reply channel: %+v", e.Message)
		}
		ph.waitForText("answering on WhatsApp")
		// …until the end user writes from the widget again.
		b.mustSend(t, c, "back at my desk", "w2")
		w.nextSaid("w")
		b.reply(t, b.agent, c, "answering in the widget", "a2")
		if e := w.nextSaid("w"); e.Message.Channel != "WEB_WIDGET" || e.Message.Text != "answering in the widget" {
			t.Errorf("reply after returning: %+v", e.Message)
		}
	})
}

// R6: a declined confirmation, a reused token and a token presented on
// another channel's number link nothing and say so; of twenty phones
// racing to redeem one token, exactly one is asked to confirm.
func TestLinkRefusals(t *testing.T) {
	b, it, c := linkedSetup(t, sqlite)
	req, _ := b.requestLink(t, c, "WHATSAPP")
	ana := b.phone(t, it, "5511900000001")
	ana.post("open", map[string]any{"link": req.DeepLink})
	choices := ana.waitForText("Continue your conversation")
	ana.post("tap", map[string]any{"choiceId": choices[1]})
	ana.waitForText("nothing was linked")
	bob := b.phone(t, it, "5511900000002")
	bob.post("open", map[string]any{"link": req.DeepLink})
	bob.waitForText("already been used")

	// A forged token.
	eve := b.phone(t, it, "5511900000003")
	eve.post("messages", map[string]any{"text": "Continue my conversation: ll-" + strings.Repeat("a", 26)})
	eve.waitForText("not valid")

	// A WhatsApp token presented on Messenger: bound to its channel.
	var fb struct {
		ConnectIntegration struct{ Integration integrationOut }
	}
	b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{"channel": "MESSENGER", "sandbox": true, "businessId": "sbx-fb", "handle": "acme.support"}}).decode(t, &fb)
	waReq, _ := b.requestLink(t, c, "WHATSAPP")
	u, _ := url.Parse(waReq.DeepLink)
	elsewhere := b.phone(t, fb.ConnectIntegration.Integration, "6543210987654321")
	elsewhere.post("messages", map[string]any{"text": u.Query().Get("text")})
	elsewhere.waitForText("not valid")

	req, _ = b.requestLink(t, c, "WHATSAPP")
	var wg sync.WaitGroup
	phones := make([]phone, 20)
	for i := range phones {
		phones[i] = b.phone(t, it, fmt.Sprintf("55119100000%02d", i))
		wg.Go(func() {
			phones[i].post("open", map[string]any{"link": req.DeepLink})
		})
	}
	wg.Wait()
	b.waitForJobs(t)
	asked := 0
	for _, p := range phones {
		for _, m := range p.view().Messages {
			if strings.Contains(m.Text, "Continue your conversation") {
				asked++
			}
		}
	}
	if asked != 1 {
		t.Errorf("%d phones were asked to confirm, want 1", asked)
	}
	var hist struct {
		Conversation struct{ LinkedIdentities []struct{ Channel string } }
	}
	b.post(t, c.session, `query($id: ID!) { conversation(id: $id) { linkedIdentities { channel } } }`, map[string]any{"id": c.id}).decode(t, &hist)
	if len(hist.Conversation.LinkedIdentities) != 0 {
		t.Errorf("something was linked: %+v", hist.Conversation.LinkedIdentities)
	}
}

// link moves conversation c to WhatsApp from phone ph (deep link, yes).
func (b *testBundle) link(t *testing.T, c conv, ph phone) {
	t.Helper()
	req, r := b.requestLink(t, c, "WHATSAPP")
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	before := len(ph.view().Messages)
	ph.post("open", map[string]any{"link": req.DeepLink})
	var yes string
	waitFor(t, "the confirmation prompt", func() bool {
		ms := ph.view().Messages
		for _, m := range ms[min(before, len(ms)):] {
			if len(m.Choices) == 2 {
				yes = m.Choices[0].ID
				return true
			}
		}
		return false
	})
	ph.post("tap", map[string]any{"choiceId": yes})
	b.waitForJobs(t)
}

type historyEntry struct{ Text, Channel, AuthorRole string }

func (b *testBundle) history(t *testing.T, token string, c conv, field string) []historyEntry {
	t.Helper()
	var out struct {
		Conversation map[string]struct {
			Edges []struct{ Node historyEntry }
		}
	}
	b.post(t, token, `query($id: ID!) { conversation(id: $id) { `+field+` { edges { node { text channel authorRole } } } } }`, map[string]any{"id": c.id}).decode(t, &out)
	var h []historyEntry
	for _, conn := range out.Conversation {
		for _, e := range conn.Edges {
			h = append(h, e.Node)
		}
	}
	return h
}

// R8, R10, R12, R13, R14: a linked identity moved to a second conversation
// (both histories say so); each channel's transcript holds only what went
// through it since its link; an agent may name the destination; unlinking
// stops delivery there, and the identity's next message starts a
// conversation of its own.
func TestMoveTranscriptsAndUnlink(t *testing.T) {
	b, it, first := linkedSetup(t, sqlite)
	ph := b.phone(t, it, "5511900000001")
	b.mustSend(t, first, "before any link", "f1")
	b.link(t, first, ph)
	ph.post("messages", map[string]any{"text": "phone to first"})
	b.waitForJobs(t)

	// R14: the agent names the widget although the end user is on WhatsApp.
	var out struct {
		ReplyToConversation struct{ Message struct{ Channel string } }
	}
	b.post(t, b.agent, `mutation($id: ID!) { replyToConversation(input: {conversationId: $id, text: "see the website", clientMessageId: "x1", channel: WEB_WIDGET}) { message { channel } } }`,
		map[string]any{"id": first.id}).decode(t, &out)
	if out.ReplyToConversation.Message.Channel != "WEB_WIDGET" {
		t.Errorf("named destination: %+v", out)
	}
	if r := b.post(t, b.agent, `mutation($id: ID!) { replyToConversation(input: {conversationId: $id, text: "x", clientMessageId: "x2", channel: INSTAGRAM}) { message { channel } } }`,
		map[string]any{"id": first.id}); r.code() != "CHANNEL_NOT_ENABLED" {
		t.Errorf("an unlinked destination: %+v", r.Errors)
	}

	// R10: WhatsApp's transcript starts after the link and holds only
	// WhatsApp's messages; the widget shows everything (R9).
	wa := b.history(t, first.session, first, `transcript(channel: WHATSAPP)`)
	if len(wa) != 1 || wa[0].Text != "phone to first" {
		t.Errorf("WhatsApp transcript: %+v", wa)
	}
	all := b.history(t, first.session, first, `messages(first: 50)`)
	if len(all) != 4 { // before, link note, phone, agent
		t.Errorf("widget history: %+v", all)
	}

	// R8: the same phone links a second conversation; both histories say so.
	second := b.start(t, b.widgetKey, "Maria, later")
	b.link(t, second, ph)
	last := func(h []historyEntry) historyEntry { return h[len(h)-1] }
	if n := last(b.history(t, first.session, first, `messages(first: 50)`)); n.AuthorRole != "SYSTEM" || !strings.Contains(n.Text, "moved") {
		t.Errorf("first conversation after the move: %+v", n)
	}
	if n := last(b.history(t, second.session, second, `messages(first: 50)`)); n.AuthorRole != "SYSTEM" || !strings.Contains(n.Text, "Linked WHATSAPP") {
		t.Errorf("second conversation: %+v", n)
	}
	ph.post("messages", map[string]any{"text": "phone to second"})
	b.waitForJobs(t)
	if n := last(b.history(t, second.session, second, `messages(first: 50)`)); n.Text != "phone to second" {
		t.Errorf("the moved identity's message: %+v", n)
	}

	// R12: unlink; replies fall back to the widget; the phone's next
	// message does not land here.
	var ul struct {
		UnlinkChannel struct{ Conversation struct{ LastChannel string } }
	}
	b.post(t, second.session, `mutation($id: ID!) { unlinkChannel(input: {conversationId: $id, channel: WHATSAPP}) { conversation { lastChannel } } }`, map[string]any{"id": second.id}).decode(t, &ul)
	if ul.UnlinkChannel.Conversation.LastChannel != "WEB_WIDGET" {
		t.Errorf("after unlinking: %+v", ul)
	}
	b.post(t, b.agent, replyMutation, map[string]any{"id": second.id, "text": "after the unlink", "cid": "u1"}).decode(t, &out)
	if out.ReplyToConversation.Message.Channel != "WEB_WIDGET" {
		t.Errorf("reply after unlinking went to %s", out.ReplyToConversation.Message.Channel)
	}
	ph.post("messages", map[string]any{"text": "standalone now"})
	b.waitForJobs(t)
	for _, h := range b.history(t, second.session, second, `messages(first: 50)`) {
		if h.Text == "standalone now" {
			t.Errorf("an unlinked identity's message landed in the conversation")
		}
	}
	var list struct {
		Conversations struct {
			Edges []struct {
				Node struct {
					LastChannel string
					Messages    struct {
						Edges []struct{ Node struct{ Text string } }
					}
				}
			}
		}
	}
	b.post(t, b.agent, `{ conversations(first: 1) { edges { node { lastChannel messages(last: 1) { edges { node { text } } } } } } }`, nil).decode(t, &list)
	if e := list.Conversations.Edges; len(e) != 1 || e[0].Node.LastChannel != "WHATSAPP" || e[0].Node.Messages.Edges[0].Node.Text != "standalone now" {
		t.Errorf("the standalone conversation: %+v", e)
	}
}

// R3: deselecting a channel with live links ends them (DISABLED_BY_ADMIN in
// the history), cancels pending requests, and replies fall back to the
// widget; disabling its integration does the same.
func TestDeselectEndsLinks(t *testing.T) {
	b, it, c := linkedSetup(t, sqlite)
	ph := b.phone(t, it, "5511900000001")
	b.link(t, c, ph)
	ph.post("messages", map[string]any{"text": "on the phone"})
	b.waitForJobs(t)
	other := b.start(t, b.widgetKey, "Pending")
	pending, _ := b.requestLink(t, other, "WHATSAPP")

	b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{}}).decode(t, &struct{}{})

	h := b.history(t, c.session, c, `messages(first: 50)`)
	if n := h[len(h)-1]; n.AuthorRole != "SYSTEM" || !strings.Contains(n.Text, "DISABLED_BY_ADMIN") {
		t.Errorf("history after deselecting: %+v", n)
	}
	var out struct {
		ReplyToConversation struct{ Message struct{ Channel string } }
	}
	b.post(t, b.agent, replyMutation, map[string]any{"id": c.id, "text": "still here", "cid": "d1"}).decode(t, &out)
	if out.ReplyToConversation.Message.Channel != "WEB_WIDGET" {
		t.Errorf("reply after deselecting went to %s", out.ReplyToConversation.Message.Channel)
	}
	late := b.phone(t, it, "5511900000009")
	late.post("open", map[string]any{"link": pending.DeepLink})
	late.waitForText("was cancelled")

	// Disabling the integration does the same.
	b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{"WHATSAPP"}}).decode(t, &struct{}{})
	again := b.start(t, b.widgetKey, "Again")
	b.link(t, again, b.phone(t, it, "5511900000010"))
	b.post(t, b.admin, `mutation($id: ID!) { disableIntegration(input: {integrationId: $id}) { integration { status } } }`, map[string]any{"id": it.ID}).decode(t, &struct{}{})
	h = b.history(t, again.session, again, `messages(first: 50)`)
	if n := h[len(h)-1]; n.AuthorRole != "SYSTEM" || !strings.Contains(n.Text, "DISABLED_BY_ADMIN") {
		t.Errorf("history after disabling the integration: %+v", n)
	}
}

// clock is a settable clock for link requests.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// R6: the widget sees each state of its request live: pending, awaiting
// confirmation, linked; declined, cancelled; and an expired request links
// nothing and says so on the channel.
func TestLinkStatesLive(t *testing.T) {
	clk := &clock{}
	b := setup(t, sqlite, func(c *Config) { c.linkClock = clk.now })
	var out struct {
		ConnectIntegration struct{ Integration integrationOut }
	}
	b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{"channel": "WHATSAPP", "sandbox": true, "businessId": "sbx-wa", "handle": "15550100001"}}).decode(t, &out)
	it := out.ConnectIntegration.Integration
	b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{"WHATSAPP"}}).decode(t, &struct{}{})
	c := b.start(t, b.widgetKey, "Maria")
	w := b.connect(t, transportWS, c.session)
	follow := func(sub, id string) func(want string) {
		w.subscribe(sub, `subscription($id: ID!) { linkRequest(id: $id) { status } }`, map[string]any{"id": id})
		return func(want string) {
			t.Helper()
			for {
				m := w.read()
				if m.ID != sub {
					continue
				}
				var p struct {
					Data struct{ LinkRequest struct{ Status string } }
				}
				_ = json.Unmarshal(m.Payload, &p)
				if p.Data.LinkRequest.Status == want {
					return
				}
			}
		}
	}

	req, _ := b.requestLink(t, c, "WHATSAPP")
	states := follow("1", req.ID)
	states("PENDING")
	ph := b.phone(t, it, "5511900000001")
	ph.post("open", map[string]any{"link": req.DeepLink})
	states("AWAITING_CONFIRMATION")
	yes := ph.waitForText("Continue your conversation")
	ph.post("tap", map[string]any{"choiceId": yes[0]})
	states("LINKED")

	req, _ = b.requestLink(t, c, "WHATSAPP")
	states = follow("2", req.ID)
	states("PENDING")
	b.post(t, c.session, `mutation($id: ID!) { cancelLinkRequest(input: {linkRequestId: $id}) { linkRequest { status } } }`, map[string]any{"id": req.ID}).decode(t, &struct{}{})
	states("CANCELLED")

	req, _ = b.requestLink(t, c, "WHATSAPP")
	states = follow("3", req.ID)
	other := b.phone(t, it, "5511900000002")
	other.post("open", map[string]any{"link": req.DeepLink})
	no := other.waitForText("Continue your conversation")
	other.post("tap", map[string]any{"choiceId": no[1]})
	states("DECLINED")

	req, _ = b.requestLink(t, c, "WHATSAPP")
	clk.advance(linking.RequestTTL + time.Minute)
	late := b.phone(t, it, "5511900000003")
	late.post("open", map[string]any{"link": req.DeepLink})
	late.waitForText("expired")
	states = follow("4", req.ID)
	states("EXPIRED")
}
