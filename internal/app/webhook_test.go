package app

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/meta"
)

// waText is a WhatsApp Cloud API webhook carrying one text message, in
// Meta's documented shape.
func waText(phoneNumberID, from, name, wamid, text string) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"WABA1","changes":[{"field":"messages","value":{
"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":%q},
"contacts":[{"profile":{"name":%q},"wa_id":%q}],
"messages":[{"from":%q,"id":%q,"timestamp":"%d","type":"text","text":{"body":%q}}]}}]}]}`,
		phoneNumberID, name, from, from, wamid, time.Now().Unix(), text)
}

// postWebhook posts body to an integration's webhook URL, signed with
// secret ("" for no signature), and returns the status.
func postWebhook(t *testing.T, webhookURL, body, secret string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, webhookURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Hub-Signature-256", meta.Sign([]byte(body), secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// webhookURL is the integration's URL on this test server.
func (b *testBundle) webhookURL(it integrationOut) string {
	_, path, _ := strings.Cut(it.WebhookURL, "/webhooks/")
	return strings.TrimSuffix(b.url, "/graphql") + "/webhooks/" + path
}

// waitForJobs waits until every durable job has finished.
func (b *testBundle) waitForJobs(t *testing.T) {
	t.Helper()
	b.waitForJobsWithin(t, 10*time.Second)
}

// waitForJobsWithin waits at most d until every durable job has finished.
func (b *testBundle) waitForJobsWithin(t *testing.T, d time.Duration) {
	t.Helper()
	waitWithin(t, d, "jobs to finish", func() bool {
		n, err := b.app.PendingJobs(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

// R19: the verification handshake echoes the challenge only for the
// integration's verify token, and only a challenge shaped like Meta's;
// every webhook answer forbids content sniffing.
func TestWebhookVerification(t *testing.T) {
	b := setup(t, sqlite)
	it := b.connectChannel(t, "WHATSAPP", "106540352242922", "15550001111")
	for _, tc := range []struct {
		token, challenge string
		want             int
	}{
		{"verify-106540352242922", "1158201444", http.StatusOK},
		{"wrong", "1158201444", http.StatusForbidden},
		{"verify-106540352242922", "<script>alert(1)</script>", http.StatusBadRequest},
		{"verify-106540352242922", "1158201444<b>", http.StatusBadRequest},
		{"verify-106540352242922", strings.Repeat("1", meta.MaxChallenge+1), http.StatusBadRequest},
		{"verify-106540352242922", "", http.StatusBadRequest},
	} {
		q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {tc.token}, "hub.challenge": {tc.challenge}}
		resp, err := http.Get(b.webhookURL(it) + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || tc.want == http.StatusOK && string(body) != tc.challenge ||
			tc.want != http.StatusOK && tc.challenge != "" && strings.Contains(string(body), tc.challenge) {
			t.Errorf("token %q, challenge %q: %d %q", tc.token, tc.challenge, resp.StatusCode, body)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("token %q, challenge %q: X-Content-Type-Options %q", tc.token, tc.challenge, got)
		}
	}
	base := strings.TrimSuffix(b.url, "/graphql")
	for name, req := range map[string]*http.Request{
		"unknown key": mustRequest(t, http.MethodGet, base+"/webhooks/wh_unknown", ""),
		"unsigned":    mustRequest(t, http.MethodPost, b.webhookURL(it), "{}"),
		"wrong verb":  mustRequest(t, http.MethodPut, b.webhookURL(it), ""),
	} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d, X-Content-Type-Options %q", name, resp.StatusCode, resp.Header.Get("X-Content-Type-Options"))
		}
	}
	if code := postWebhook(t, b.webhookURL(it), waText("106540352242922", "15551234567", "Ana", "wamid.ns1", "hi"), "app-secret-106540352242922"); code != http.StatusOK {
		t.Errorf("signed post: %d", code)
	}
}

func mustRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// R18, R19: a signed WhatsApp message becomes a conversation for that
// channel, seen live on the agent's feed; duplicates, sequential or
// concurrent, make one message; unsigned or wrongly signed requests store
// nothing.
func TestWebhookInbound(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		it := b.connectChannel(t, "WHATSAPP", "106540352242922", "15550001111")
		secret := "app-secret-106540352242922"
		hook := b.webhookURL(it)
		dash := b.connect(t, transportWS, b.agent)
		dash.subscribe("feed", accountEvents, map[string]any{"after": b.feedCursor(t, b.agent)})

		forged := waText("106540352242922", "5511987654321", "Mallory", "wamid.FORGED", "forged")
		for name, tc := range map[string]struct {
			secret, header string
			want           int
		}{
			"missing":      {"", "", http.StatusUnauthorized},
			"wrong secret": {"not-the-secret", "", http.StatusForbidden},
			"truncated":    {"", meta.Sign([]byte(forged), secret)[:20], http.StatusForbidden},
			"other body":   {"", meta.Sign([]byte(forged+" "), secret), http.StatusForbidden},
		} {
			req, _ := http.NewRequest(http.MethodPost, hook, strings.NewReader(forged))
			if tc.secret != "" {
				req.Header.Set("X-Hub-Signature-256", meta.Sign([]byte(forged), tc.secret))
			}
			if tc.header != "" {
				req.Header.Set("X-Hub-Signature-256", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s signature: %d, want %d", name, resp.StatusCode, tc.want)
			}
		}

		body := waText("106540352242922", "5511987654321", "Ana Souza", "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDNzE", "Olá, preciso de ajuda — ευχαριστώ")
		if code := postWebhook(t, hook, body, secret); code != http.StatusOK {
			t.Fatalf("signed webhook: %d", code)
		}
		if e := dash.nextEvent("feed"); e.Kind != "CONVERSATION_STARTED" {
			t.Fatalf("first event: %+v", e)
		}
		e := dash.nextMessage("feed")
		if e.Message.Channel != "WHATSAPP" || e.Message.Text != "Olá, preciso de ajuda — ευχαριστώ" || e.Message.AuthorRole != "END_USER" {
			t.Fatalf("message: %+v", e.Message)
		}
		convID := e.Conversation.ID

		// Meta retries and duplicates: again, then ten at once.
		if code := postWebhook(t, hook, body, secret); code != http.StatusOK {
			t.Fatalf("duplicate: %d", code)
		}
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				postWebhook(t, hook, body, secret)
			})
		}
		wg.Wait()
		// A webhook for another phone number id is acknowledged and
		// ignored.
		if code := postWebhook(t, hook, waText("999", "5511987654321", "Ana", "wamid.OTHER", "elsewhere"), secret); code != http.StatusOK {
			t.Errorf("other number: %d", code)
		}
		b.waitForJobs(t)
		// A second message from the same number continues the same
		// conversation.
		postWebhook(t, hook, waText("106540352242922", "5511987654321", "Ana Souza", "wamid.SECOND", "still there?"), secret)
		if e := dash.nextMessage("feed"); e.Message.Text != "still there?" || e.Conversation.ID != convID {
			t.Fatalf("second message: %+v in %s, want conversation %s", e.Message, e.Conversation.ID, convID)
		}
		if n := b.messageCount(t, b.agent, conv{id: convID}); n != 2 {
			t.Errorf("%d messages, want 2", n)
		}
	})
}

// R9, R18: what arrives is never dropped: an image becomes a message with
// its caption (its file is fetched after, see inbound_test.go), a Messenger and an Instagram message land in conversations of
// their channels, and a batch with several entries is read whole.
func TestWebhookKindsAndChannels(t *testing.T) {
	b := setup(t, sqlite)
	wa := b.connectChannel(t, "WHATSAPP", phoneID, "15550001111")
	ms := b.connectChannel(t, "MESSENGER", "108245671234567", "acme.support")
	ig := b.connectChannel(t, "INSTAGRAM", "17841400000000000", "acme")
	dash := b.connect(t, transportWS, b.agent)
	dash.subscribe("feed", accountEvents, map[string]any{"after": b.feedCursor(t, b.agent)})

	image := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"WABA1","changes":[{"field":"messages","value":{
"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":%q},
"contacts":[{"profile":{"name":"Ana"},"wa_id":"5511987654321"}],
"messages":[{"from":"5511987654321","id":"wamid.IMG1","timestamp":"%d","type":"image","image":{"caption":"the box as it arrived","mime_type":"image/jpeg","id":"1003383421387256"}}]}}]}]}`, phoneID, time.Now().Unix())
	postWebhook(t, b.webhookURL(wa), image, "app-secret-"+phoneID)
	if e := dash.nextMessage("feed"); e.Message.Channel != "WHATSAPP" || e.Message.Text != "the box as it arrived" {
		t.Errorf("image: %+v", e.Message)
	}

	now := time.Now()
	batch := fmt.Sprintf(`{"object":"page","entry":[
{"id":"108245671234567","time":%[1]d,"messaging":[{"sender":{"id":"6543210987654321"},"recipient":{"id":"108245671234567"},"timestamp":%[1]d,"message":{"mid":"m_B1","text":"one"}}]},
{"id":"108245671234567","time":%[1]d,"messaging":[{"sender":{"id":"6543210987654321"},"recipient":{"id":"108245671234567"},"timestamp":%[2]d,"message":{"mid":"m_B2","text":"two"}}]}]}`, now.UnixMilli(), now.UnixMilli()+1)
	postWebhook(t, b.webhookURL(ms), batch, "app-secret-108245671234567")
	var texts []string
	for len(texts) < 2 {
		e := dash.nextMessage("feed")
		if e.Message.Channel != "MESSENGER" {
			t.Fatalf("batch: %+v", e.Message)
		}
		texts = append(texts, e.Message.Text)
	}
	if strings.Join(texts, ",") != "one,two" && strings.Join(texts, ",") != "two,one" {
		t.Errorf("batch: %v", texts)
	}

	igBody := strings.Replace(msText("17841400000000000", "1234567890123456", "aWdfZAG1", "oi do insta", now), `"object":"page"`, `"object":"instagram"`, 1)
	postWebhook(t, b.webhookURL(ig), igBody, "app-secret-17841400000000000")
	if e := dash.nextMessage("feed"); e.Message.Channel != "INSTAGRAM" || e.Message.Text != "oi do insta" {
		t.Errorf("instagram: %+v", e.Message)
	}
}

// R19: while an app secret is rotated, webhooks signed with the replaced
// secret are accepted for the configured overlap beside the new one; with
// no overlap the replaced secret stops at once; a wrong one never passes.
func TestAppSecretRotation(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		for overlap, oldAccepted := range map[time.Duration]bool{time.Hour: true, 0: false} {
			b := setup(t, kind, func(c *Config) { c.SecretOverlap = overlap })
			it := b.connectChannel(t, "WHATSAPP", "106540352242922", "15550001111")
			r := b.post(t, b.admin, `mutation($id: ID!) { updateIntegration(input: {integrationId: $id, appSecret: "rotated-secret"}) { integration { status } } }`,
				map[string]any{"id": it.ID})
			if len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			want := map[string]int{"rotated-secret": http.StatusOK, "app-secret-106540352242922": http.StatusForbidden, "guess": http.StatusForbidden}
			if oldAccepted {
				want["app-secret-106540352242922"] = http.StatusOK
			}
			for secret, code := range want {
				body := waText("106540352242922", "15551234567", "Ana", "wamid."+secret, "signed with "+secret)
				if got := postWebhook(t, b.webhookURL(it), body, secret); got != code {
					t.Errorf("overlap %s, signed with %q: %d, want %d", overlap, secret, got, code)
				}
			}
		}
	})
}
