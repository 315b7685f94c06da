package app

import (
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
)

// R34: replies to one conversation on one channel reach the phone in the
// order the agent wrote them even when the first meets 503s and is
// retried: B, written after A, waits for A, while a reply to another
// conversation goes out at once. On PostgreSQL a second instance works the
// same queue, so the order holds across instances.
func TestRepliesInOrderAcrossRetries(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		s := newSocialSetup(t, kind)
		b := s.b
		if kind == postgres {
			b.secondInstance(t)
		}
		if code := postWebhook(t, s.hook, waText(phoneID, "5511900000002", "Bruno", "wamid.IN2", "oi"), s.secret); code != http.StatusOK {
			t.Fatalf("inbound: %d", code)
		}
		other := conv{id: s.dash.nextMessage("feed").Conversation.ID}

		// Meta answers 503 to A until the test says it is back.
		var back atomic.Bool
		s.graph.mu.Lock()
		s.graph.refuse = func(r graphRequest) (graphAnswer, bool) {
			if r.text() == "A" && !back.Load() {
				return graphAnswer{http.StatusServiceUnavailable, `{"error":{"message":"Service temporarily unavailable","type":"OAuthException","code":2}}`}, true
			}
			return graphAnswer{}, false
		}
		s.graph.mu.Unlock()
		for _, r := range []struct {
			c          conv
			text, cmid string
		}{{s.conv, "A", "a"}, {s.conv, "B", "b"}, {other, "elsewhere", "e"}} {
			if res := b.reply(t, b.agent, r.c, r.text, r.cmid); len(res.Errors) > 0 {
				t.Fatal(res.Errors)
			}
		}
		sent := func() []string {
			var out []string
			for _, c := range s.graph.calls() {
				if c.Status == http.StatusOK {
					out = append(out, c.text())
				}
			}
			return out
		}
		waitFor(t, "A's failures and the other conversation's reply", func() bool {
			failed := slices.ContainsFunc(s.graph.calls(), func(c graphRequest) bool { return c.text() == "A" && c.Status != http.StatusOK })
			return failed && slices.Contains(sent(), "elsewhere")
		})
		if slices.Contains(sent(), "B") {
			t.Fatalf("B went out while A was failing: %q", sent())
		}
		back.Store(true)
		waitFor(t, "A and B", func() bool { return len(sent()) == 3 })
		b.waitForJobs(t)
		if got := sent(); !slices.Equal(got, []string{"elsewhere", "A", "B"}) {
			t.Errorf("the phones got %q, want elsewhere, then A before B", got)
		}
	})
}
