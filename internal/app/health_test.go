package app

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

const healthQuery = `{ integrations { id health { lastWebhookAt lastSentAt sentAttempts failedAttempts failureRatio windowSeconds waitingReplies oldestWaitingAt } } }`

type healthOut struct {
	LastWebhookAt, LastSentAt, OldestWaitingAt *time.Time
	SentAttempts, FailedAttempts               int
	FailureRatio                               float64
	WindowSeconds, WaitingReplies              int
}

// health reads the health of the account's one integration as token.
func (s *socialSetup) health(t *testing.T) (id string, h healthOut) {
	t.Helper()
	var out struct {
		Integrations []struct {
			ID     string
			Health healthOut
		}
	}
	s.b.post(t, s.b.admin, healthQuery, nil).decode(t, &out)
	if len(out.Integrations) != 1 {
		t.Fatalf("integrations: %+v", out.Integrations)
	}
	return out.Integrations[0].ID, out.Integrations[0].Health
}

// R38: an admin sees per integration when its last webhook arrived, when
// Meta last accepted a reply, the failed share of the last hour's send
// attempts (counted by linkline_send_attempts_total too), and the oldest
// reply still waiting (here held by a refused token); agents are refused with FORBIDDEN, another account's admin sees
// nothing of it.
func TestIntegrationHealth(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		s := newSocialSetup(t, kind)
		b := s.b
		s.dash.subscribe("d", deliveryEvents, map[string]any{"after": b.feedCursor(t, b.agent)})

		id, h := s.health(t)
		if h.LastWebhookAt == nil || time.Since(*h.LastWebhookAt) > time.Minute || h.LastSentAt != nil ||
			h.SentAttempts+h.FailedAttempts != 0 || h.FailureRatio != 0 || h.WindowSeconds != 3600 || h.WaitingReplies != 0 || h.OldestWaitingAt != nil {
			t.Fatalf("after one inbound webhook: %+v", h)
		}
		// Recorded once a minute at most: the next webhook writes nothing.
		first := *h.LastWebhookAt
		postWebhook(t, s.hook, waText(phoneID, "5511987654321", "Ana Souza", "wamid.IN2", "still there?"), s.secret)
		if _, h = s.health(t); !h.LastWebhookAt.Equal(first) {
			t.Errorf("a webhook within the minute moved lastWebhookAt: %v → %v", first, h.LastWebhookAt)
		}

		b.reply(t, b.agent, s.conv, "first", "h1")
		if state, _ := s.nextDelivery(t); state != "SENT" {
			t.Fatalf("first reply: %s", state)
		}
		if _, h = s.health(t); h.LastSentAt == nil || h.SentAttempts != 1 || h.FailedAttempts != 0 || h.FailureRatio != 0 {
			t.Errorf("after a send: %+v", h)
		}

		// One attempt fails (Meta answers 500), its retry goes out.
		s.graph.answer(graphAnswer{http.StatusInternalServerError, `{"error":{"message":"Service unavailable","type":"OAuthException","code":2}}`})
		b.reply(t, b.agent, s.conv, "second", "h2")
		if state, _ := s.nextDelivery(t); state != "SENT" {
			t.Fatalf("second reply: %s", state)
		}
		if _, h = s.health(t); h.SentAttempts != 2 || h.FailedAttempts != 1 || h.FailureRatio != 1.0/3 {
			t.Errorf("after a failed attempt and its retry: %+v", h)
		}

		// A refused token holds the next reply, queued: it is waiting.
		s.graph.answer(graphAnswer{http.StatusUnauthorized, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}`})
		before := time.Now()
		b.reply(t, b.agent, s.conv, "held", "h3")
		waitFor(t, "the held reply to show as waiting", func() bool {
			_, h = s.health(t)
			return h.WaitingReplies == 1 && h.FailedAttempts == 2
		})
		if h.OldestWaitingAt == nil || h.OldestWaitingAt.Before(before.Add(-time.Second)) || h.FailureRatio != 0.5 {
			t.Errorf("with a held reply: %+v", h)
		}
		// The metric counts the same attempts.
		m := b.scrape(t)
		if sent, failed := m.value("linkline_send_attempts_total", "channel", "WHATSAPP", "outcome", "sent"),
			m.value("linkline_send_attempts_total", "channel", "WHATSAPP", "outcome", "failed"); sent != 2 || failed != 2 {
			t.Errorf("linkline_send_attempts_total: %v sent, %v failed", sent, failed)
		}

		if r := b.post(t, b.agent, healthQuery, nil); r.code() != "FORBIDDEN" {
			t.Errorf("an agent reading health: %+v", r.Errors)
		}
		_, _, otherAdmin, _ := b.newAccount(t, "Other Co")
		var node struct{ Node *struct{ Health *healthOut } }
		r := b.post(t, otherAdmin, `query($id: ID!) { node(id: $id) { ... on Integration { health { sentAttempts } } } }`, map[string]any{"id": id})
		if err := json.Unmarshal(r.Data, &node); err != nil || node.Node != nil || r.code() != "NOT_FOUND" {
			t.Errorf("another account's admin reads health: %+v %+v", node.Node, r.Errors)
		}
		var list struct{ Integrations []struct{ ID string } }
		if b.post(t, otherAdmin, healthQuery, nil).decode(t, &list); len(list.Integrations) != 0 {
			t.Errorf("another account's admin lists: %+v", list.Integrations)
		}
	})
}
