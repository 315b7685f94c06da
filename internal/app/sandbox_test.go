package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// phone is a sandbox phone of one integration, driven over its HTTP API.
type phone struct {
	t   *testing.T
	url string
}

func (b *testBundle) phone(t *testing.T, it integrationOut, user string) phone {
	base := strings.TrimSuffix(b.url, "/graphql")
	key := it.WebhookURL[strings.LastIndex(it.WebhookURL, "/")+1:]
	return phone{t: t, url: base + "/sandbox/" + key + "/phones/" + user}
}

func (p phone) post(action string, body any) map[string]any {
	p.t.Helper()
	return p.request(action, "application/json", bytes.NewReader(mustJSON(body)))
}

// request posts body to the phone's path and returns its JSON answer.
func (p phone) request(path, contentType string, body io.Reader) map[string]any {
	p.t.Helper()
	resp, err := http.Post(p.url+"/"+path, contentType, body)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil {
		p.t.Fatalf("phone %s: %d %s", path, resp.StatusCode, raw)
	}
	return out
}

// screen is what the phone's app shows.
func (p phone) screen() []struct{ From, Text string } {
	p.t.Helper()
	_, body := get(p.t, p.url)
	var out struct{ Messages []struct{ From, Text string } }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		p.t.Fatalf("phone screen %q: %v", body, err)
	}
	return out.Messages
}

// R17, R18: the sandbox journey on each channel, through the GraphQL API
// and the simulated phones, whose webhooks take the very routes Meta's do:
// the phone writes, the agent's feed shows it, the agent replies, the phone
// shows the reply, and its state goes sent → delivered → read (Instagram
// reports no deliveries: sent → read).
func TestSandboxJourneys(t *testing.T) {
	b := setup(t, sqlite)
	for _, tc := range []struct {
		channel, businessID, handle, user string
		states                            []string
	}{
		{"WHATSAPP", "sbx-wa", "15550100001", "5511900000001", []string{"SENT", "DELIVERED", "READ"}},
		{"MESSENGER", "sbx-fb", "demo.company", "6543210987654321", []string{"SENT", "DELIVERED", "READ"}},
		{"INSTAGRAM", "sbx-ig", "demo.company", "1234567890123456", []string{"SENT", "READ"}},
	} {
		t.Run(tc.channel, func(t *testing.T) {
			var out struct {
				ConnectIntegration struct{ Integration integrationOut }
			}
			b.post(t, b.admin, connectMutation, map[string]any{"in": map[string]any{
				"channel": tc.channel, "sandbox": true, "businessId": tc.businessID, "handle": tc.handle,
			}}).decode(t, &out)
			it := out.ConnectIntegration.Integration
			if !it.Sandbox {
				t.Fatalf("integration: %+v", it)
			}
			dash := b.connect(t, transportWS, b.agent)
			dash.subscribe("d", deliveryEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
			ph := b.phone(t, it, tc.user)

			ph.post("messages", map[string]any{"text": "Hello from " + tc.channel, "name": "Ana"})
			var convID string
			for convID == "" {
				m := dash.read()
				var p struct {
					Data struct {
						AccountEvents struct {
							Kind         string
							Message      struct{ Text, Channel string }
							Conversation struct{ ID string }
						}
					}
				}
				_ = json.Unmarshal(m.Payload, &p)
				if e := p.Data.AccountEvents; e.Kind == "MESSAGE_ADDED" {
					if e.Message.Channel != tc.channel || e.Message.Text != "Hello from "+tc.channel {
						t.Fatalf("inbound: %+v", e.Message)
					}
					convID = e.Conversation.ID
				}
			}
			c := conv{id: convID}
			if r := b.reply(t, b.agent, c, "Hi Ana, how can I help?", "r-"+tc.channel); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			next := func() string {
				for {
					m := dash.read()
					var p struct {
						Data struct {
							AccountEvents struct {
								Kind    string
								Message struct{ DeliveryState string }
							}
						}
					}
					_ = json.Unmarshal(m.Payload, &p)
					if e := p.Data.AccountEvents; e.Kind == "DELIVERY_STATE_CHANGED" {
						return e.Message.DeliveryState
					}
				}
			}
			for _, want := range tc.states {
				if want == "READ" {
					waitFor(t, "the reply on the phone", func() bool {
						s := ph.screen()
						return len(s) == 2 && s[1].From == "business" && s[1].Text == "Hi Ana, how can I help?"
					})
					ph.post("read", map[string]any{})
				}
				if got := next(); got != want {
					t.Fatalf("state %s, want %s", got, want)
				}
			}
		})
	}
}
