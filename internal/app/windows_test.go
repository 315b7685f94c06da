package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// waTextAt is waText with the message's own timestamp.
func waTextAt(phoneNumberID, from, wamid, text string, at time.Time) string {
	return strings.Replace(waText(phoneNumberID, from, "Ana", wamid, text), fmt.Sprintf(`"timestamp":"%d"`, time.Now().Unix()), fmt.Sprintf(`"timestamp":"%d"`, at.Unix()), 1)
}

// msText is a Messenger webhook carrying one text message.
func msText(pageID, psid, mid, text string, at time.Time) string {
	return fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":%q,"text":%q}}]}]}`,
		pageID, at.UnixMilli(), psid, pageID, at.UnixMilli(), mid, text)
}

type window struct {
	Channel    string
	Open       bool
	Until      *time.Time
	HumanAgent bool
}

func (b *testBundle) windows(t *testing.T, c conv) []window {
	t.Helper()
	var out struct {
		Conversation struct{ ReplyWindows []window }
	}
	b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { replyWindows { channel open until humanAgent } } }`, map[string]any{"id": c.id}).decode(t, &out)
	return out.Conversation.ReplyWindows
}

// R17: the conversation says until when each channel takes a free-form
// reply; WhatsApp refuses replies 24 hours after the end user's last
// message, Messenger tags them HUMAN_AGENT for 7 days, then refuses too.
func TestReplyWindows(t *testing.T) {
	g := newFakeGraph(t)
	b := setup(t, sqlite, func(c *Config) { c.GraphURL = g.srv.URL })
	wa := b.connectChannel(t, "WHATSAPP", phoneID, "15550001111")
	ms := b.connectChannel(t, "MESSENGER", "108245671234567", "acme.support")
	dash := b.connect(t, transportWS, b.agent)
	dash.subscribe("feed", accountEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
	arrive := func(it integrationOut, secret, body string) conv {
		t.Helper()
		if code := postWebhook(t, b.webhookURL(it), body, secret); code != http.StatusOK {
			t.Fatalf("webhook: %d", code)
		}
		for {
			if e := dash.nextMessage("feed"); e.Message.AuthorRole == "END_USER" {
				return conv{id: e.Conversation.ID}
			}
		}
	}
	now := time.Now()

	fresh := arrive(wa, "app-secret-"+phoneID, waTextAt(phoneID, "5511900000001", "wamid.F1", "hi", now.Add(-time.Hour)))
	w := b.windows(t, fresh)
	if len(w) != 1 || !w[0].Open || w[0].HumanAgent || w[0].Until == nil || w[0].Until.Sub(now.Add(23*time.Hour)).Abs() > time.Minute {
		t.Errorf("fresh WhatsApp window: %+v", w)
	}

	stale := arrive(wa, "app-secret-"+phoneID, waTextAt(phoneID, "5511900000002", "wamid.S1", "hi", now.Add(-25*time.Hour)))
	if w := b.windows(t, stale); len(w) != 1 || w[0].Open {
		t.Errorf("stale WhatsApp window: %+v", w)
	}
	if r := b.reply(t, b.agent, stale, "too late", "late-1"); r.code() != "WINDOW_CLOSED" {
		t.Errorf("reply past the window: %+v", r.Errors)
	}
	if n := b.messageCount(t, b.agent, stale); n != 1 {
		t.Errorf("a refused reply was stored: %d messages", n)
	}

	tagged := arrive(ms, "app-secret-108245671234567", msText("108245671234567", "6543210987654321", "m_T1", "hello", now.Add(-3*24*time.Hour)))
	if w := b.windows(t, tagged); len(w) != 1 || !w[0].Open || !w[0].HumanAgent {
		t.Errorf("Messenger after 24 h: %+v", w)
	}
	if r := b.reply(t, b.agent, tagged, "a human answers", "tag-1"); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	b.waitForJobs(t)
	calls := g.calls()
	last := calls[len(calls)-1]
	if last.Path != "/v21.0/me/messages" || last.Body["messaging_type"] != "MESSAGE_TAG" || last.Body["tag"] != "HUMAN_AGENT" {
		t.Errorf("tagged send: %s %v", last.Path, last.Body)
	}
	gone := arrive(ms, "app-secret-108245671234567", msText("108245671234567", "6543210987654322", "m_G1", "hello", now.Add(-8*24*time.Hour)))
	if r := b.reply(t, b.agent, gone, "too late", "gone-1"); r.code() != "WINDOW_CLOSED" {
		t.Errorf("Messenger after 7 days: %+v", r.Errors)
	}
}
