package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const replyChoicesMutation = `mutation($id: ID!, $text: String!, $cid: String!, $choices: [ChoiceInput!]) {
  replyToConversation(input: {conversationId: $id, text: $text, clientMessageId: $cid, choices: $choices}) {
    message { id choiceForm choices { id title } }
  }
}`

const sendChoiceMutation = `mutation($id: ID!, $text: String!, $cid: String!, $choice: String) {
  sendMessage(input: {conversationId: $id, text: $text, clientMessageId: $cid, choiceId: $choice}) { message { id choiceId } }
}`

// offered is a reply's choices in the shape of ChoiceInput, titled
// prefix 1, prefix 2, ….
func offered(n int, prefix string) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"id": fmt.Sprintf("opt-%d", i+1), "title": fmt.Sprintf("%s %d", prefix, i+1)}
	}
	return out
}

// phoneOffer is a business message as the sandbox phone drew it from the
// payload the fake Graph API received.
type phoneOffer struct {
	From, Text, Form, Menu string
	Choices                []struct{ ID, Title string }
}

// waitForOffer waits for the phone to show a business message starting
// with text.
func (p phone) waitForOffer(text string) phoneOffer {
	p.t.Helper()
	var found phoneOffer
	waitFor(p.t, "the phone to show "+text, func() bool {
		_, body := get(p.t, p.url)
		var s struct{ Messages []phoneOffer }
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			p.t.Fatalf("phone %q: %v", body, err)
		}
		for _, m := range s.Messages {
			if m.From == "business" && strings.HasPrefix(m.Text, text) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// answered waits for the conversation's newest message to be the end
// user's, and returns its choice id.
func (b *testBundle) answered(t *testing.T, c conv, text string) string {
	t.Helper()
	var chosen string
	waitFor(t, "the answer "+text, func() bool {
		var out struct {
			Conversation struct {
				Messages struct {
					Edges []struct {
						Node struct{ Text, AuthorRole, ChoiceID string }
					}
				}
			}
		}
		b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { messages(last: 1) { edges { node { text authorRole choiceId } } } } }`,
			map[string]any{"id": c.id}).decode(t, &out)
		e := out.Conversation.Messages.Edges
		if len(e) == 1 && e[0].Node.AuthorRole == "END_USER" && e[0].Node.Text == text {
			chosen = e[0].Node.ChoiceID
			return true
		}
		return false
	})
	return chosen
}

// socialConversation is the conversation a phone's first message opened.
func (b *testBundle) socialConversation(t *testing.T, ph phone, channel string) conv {
	t.Helper()
	ph.post("messages", map[string]any{"text": "hello from " + channel, "name": "Ana"})
	var c conv
	waitFor(t, "the "+channel+" conversation", func() bool {
		var out struct {
			Conversations struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		b.post(t, b.agent, `query($ch: Channel) { conversations(filter: {channel: $ch}) { edges { node { id } } } }`,
			map[string]any{"ch": channel}).decode(t, &out)
		if e := out.Conversations.Edges; len(e) == 1 {
			c.id = e[0].Node.ID
			return true
		}
		return false
	})
	return c
}

// R32: each channel shows an agent's choices in its native form within
// Meta's limits and as numbered text beyond them; the form is chosen
// before queueing and is what the fake Graph API received; the end user's
// answer comes back carrying the choice's id, tapped or typed as its
// number.
func TestReplyChoicesPerChannel(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		phones, convs := map[string]phone{}, map[string]conv{}
		for _, ch := range []struct{ channel, business, handle, user string }{
			{"WHATSAPP", "sbx-wa", "15550100001", "5511900000001"},
			{"MESSENGER", "sbx-fb", "demo.company", "6543210987654321"},
			{"INSTAGRAM", "sbx-ig", "demo.company", "1234567890123456"},
		} {
			var out struct {
				ConnectIntegration struct{ Integration integrationOut }
			}
			b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{
				"channel": ch.channel, "sandbox": true, "businessId": ch.business, "handle": ch.handle,
			}}).decode(t, &out)
			phones[ch.channel] = b.phone(t, out.ConnectIntegration.Integration, ch.user)
			convs[ch.channel] = b.socialConversation(t, phones[ch.channel], ch.channel)
		}
		long := func(n int) []map[string]any { // a first title of n characters
			cs := offered(3, "Pick")
			cs[0]["title"] = strings.Repeat("x", n)
			return cs
		}
		for i, tc := range []struct {
			name, channel string
			choices       []map[string]any
			// form is the reply's choiceForm, phoneForm how the payload
			// drew on the phone ("" for plain text).
			form, phoneForm string
			// answer is typed when set, else choice 2 is tapped.
			answer string
		}{
			{"whatsapp buttons", "WHATSAPP", offered(3, "Pick"), "BUTTONS", "buttons", ""},
			{"whatsapp list for a title over 20", "WHATSAPP", long(22), "LIST", "list", ""},
			{"whatsapp list", "WHATSAPP", offered(10, "Pick"), "LIST", "list", ""},
			{"whatsapp numbered past 10", "WHATSAPP", offered(11, "Pick"), "NUMBERED_TEXT", "", "2"},
			{"whatsapp numbered for a title over 24", "WHATSAPP", long(25), "NUMBERED_TEXT", "", "2."},
			{"messenger quick replies", "MESSENGER", offered(13, "Pick"), "QUICK_REPLIES", "quick_replies", ""},
			{"messenger numbered past 13", "MESSENGER", offered(14, "Pick"), "NUMBERED_TEXT", "", " 2 "},
			{"instagram quick replies", "INSTAGRAM", offered(2, "Pick"), "QUICK_REPLIES", "quick_replies", ""},
			{"instagram numbered for a title over 20", "INSTAGRAM", long(21), "NUMBERED_TEXT", "", "2"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ph, c := phones[tc.channel], convs[tc.channel]
				text := fmt.Sprintf("Question %d?", i)
				var out struct {
					ReplyToConversation struct {
						Message struct {
							ChoiceForm string
							Choices    []struct{ ID, Title string }
						}
					}
				}
				b.post(t, b.agent, replyChoicesMutation, map[string]any{"id": c.id, "text": text, "cid": fmt.Sprint("q", i), "choices": tc.choices}).decode(t, &out)
				if m := out.ReplyToConversation.Message; m.ChoiceForm != tc.form || len(m.Choices) != len(tc.choices) {
					t.Fatalf("reply: %+v, want form %s", m, tc.form)
				}
				got := ph.waitForOffer(text)
				if got.Form != tc.phoneForm {
					t.Fatalf("the phone got form %q, want %q: %+v", got.Form, tc.phoneForm, got)
				}
				title2 := tc.choices[1]["title"].(string)
				if tc.phoneForm == "" {
					if len(got.Choices) != 0 || !strings.Contains(got.Text, "\n2. "+title2+"\n") {
						t.Fatalf("numbered text: %q", got.Text)
					}
					ph.post("messages", map[string]any{"text": tc.answer})
					if id := b.answered(t, c, tc.answer); id != "opt-2" {
						t.Errorf("typed %q chose %q, want opt-2", tc.answer, id)
					}
					return
				}
				if len(got.Choices) != len(tc.choices) || got.Choices[1].ID != "opt-2" || got.Choices[1].Title != title2 || got.Text != text {
					t.Fatalf("native choices: %+v", got)
				}
				if tc.phoneForm == "list" && got.Menu == "" {
					t.Errorf("a list without a menu button: %+v", got)
				}
				ph.post("tap", map[string]any{"choiceId": "opt-2"})
				if id := b.answered(t, c, title2); id != "opt-2" {
					t.Errorf("tap chose %q, want opt-2", id)
				}
			})
		}
	})
}

// R32: the widget draws an agent's choices as buttons; a tap sends the
// title with the choice's id, which must be one of the latest offer, and a
// typed number answers it too. Choices no channel can offer are refused
// with a code, and nothing is stored.
func TestReplyChoicesInWidget(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		c := b.start(t, b.widgetKey, "Maria")
		b.mustSend(t, c, "hi", "w1")
		for name, choices := range map[string][]map[string]any{
			"too many":      offered(21, "Pick"),
			"blank title":   {{"id": "a", "title": " "}},
			"empty id":      {{"id": "", "title": "A"}},
			"duplicate id":  {{"id": "a", "title": "A"}, {"id": "a", "title": "B"}},
			"same titles":   {{"id": "a", "title": "Yes"}, {"id": "b", "title": "yes"}},
			"two-line text": {{"id": "a", "title": "A\nB"}},
		} {
			if r := b.post(t, b.agent, replyChoicesMutation, map[string]any{"id": c.id, "text": "Which?", "cid": "bad", "choices": choices}); r.code() != "BAD_USER_INPUT" {
				t.Errorf("%s: %+v", name, r)
			}
		}
		if h := b.history(t, b.agent, c, "messages"); len(h) != 1 {
			t.Fatalf("a refused offer was stored: %+v", h)
		}

		var out struct {
			ReplyToConversation struct{ Message struct{ ChoiceForm string } }
		}
		b.post(t, b.agent, replyChoicesMutation, map[string]any{"id": c.id, "text": "Which plan?", "cid": "q1", "choices": offered(4, "Plan")}).decode(t, &out)
		if out.ReplyToConversation.Message.ChoiceForm != "BUTTONS" {
			t.Fatalf("widget form: %+v", out)
		}
		// The widget session reads the offer.
		var seen struct {
			Conversation struct {
				Messages struct {
					Edges []struct {
						Node struct {
							Choices []struct{ ID, Title string }
						}
					}
				}
			}
		}
		b.post(t, c.session, `query($id: ID!) { conversation(id: $id) { messages(last: 1) { edges { node { choices { id title } } } } } }`, map[string]any{"id": c.id}).decode(t, &seen)
		if e := seen.Conversation.Messages.Edges; len(e) != 1 || len(e[0].Node.Choices) != 4 || e[0].Node.Choices[2].Title != "Plan 3" {
			t.Fatalf("the widget's offer: %+v", seen)
		}

		if r := b.post(t, c.session, sendChoiceMutation, map[string]any{"id": c.id, "text": "Plan 9", "cid": "w2", "choice": "opt-9"}); r.code() != "BAD_USER_INPUT" {
			t.Errorf("a choice never offered: %+v", r)
		}
		var sent struct {
			SendMessage struct{ Message struct{ ChoiceID string } }
		}
		b.post(t, c.session, sendChoiceMutation, map[string]any{"id": c.id, "text": "Plan 3", "cid": "w3", "choice": "opt-3"}).decode(t, &sent)
		if sent.SendMessage.Message.ChoiceID != "opt-3" {
			t.Errorf("tapped: %+v", sent)
		}
		b.post(t, c.session, sendChoiceMutation, map[string]any{"id": c.id, "text": "4", "cid": "w4"}).decode(t, &sent)
		if sent.SendMessage.Message.ChoiceID != "opt-4" {
			t.Errorf("typed 4: %+v", sent)
		}
		b.post(t, c.session, sendChoiceMutation, map[string]any{"id": c.id, "text": "5", "cid": "w5"}).decode(t, &sent)
		if sent.SendMessage.Message.ChoiceID != "" {
			t.Errorf("typed 5 of 4 choices: %+v", sent)
		}
	})
}

// R32, R37: the widget draws an agent's choices as buttons; a tap answers
// with the choice's title and id.
func TestWidgetChoicesInBrowser(t *testing.T) {
	b := setup(t, sqlite)
	w := b.openWidget(t, b.srv.URL)
	w.send("Which plans are there?")
	w.waitMessage("Which plans are there?", "WEB_WIDGET")
	c := b.latestConversation(t)
	b.post(t, b.agent, replyChoicesMutation, map[string]any{"id": c.id, "text": "Pick one:", "cid": "q1", "choices": offered(3, "Plan")}).decode(t, &struct{}{})
	w.waitText(".choices button", "Plan 2")
	w.screenshot("choices")
	w.click(".choices button", "Plan 2")
	w.waitMessage("Plan 2", "WEB_WIDGET")
	if id := b.answered(t, c, "Plan 2"); id != "opt-2" {
		t.Errorf("the tap chose %q, want opt-2", id)
	}
}
