package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/linkline/linkline/internal/meta"
)

const (
	sendMutation = `mutation($id: ID!, $text: String!, $cid: String!) {
  sendMessage(input: {conversationId: $id, text: $text, clientMessageId: $cid}) { message { id } }
}`
	replyMutation = `mutation($id: ID!, $text: String!, $cid: String!) {
  replyToConversation(input: {conversationId: $id, text: $text, clientMessageId: $cid}) { message { id } }
}`
)

// ops counts what the load did; acknowledged operations are kept by the
// id the client chose, to be found exactly once afterwards.
type ops struct {
	mu sync.Mutex
	// sends and replies are acknowledged messages by client message id;
	// inbound acknowledged webhook messages by platform id.
	sends, replies, inbound map[string]bool
	// duplicates counts webhooks posted again on purpose; retries the
	// attempts that failed (and were retried with the same id).
	duplicates, retries int
}

func newOps() *ops {
	return &ops{sends: map[string]bool{}, replies: map[string]bool{}, inbound: map[string]bool{}}
}

func (o *ops) ack(set map[string]bool, id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	set[id] = true
}

func (o *ops) count(n *int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	*n++
}

// retry calls f on instance k, then on the next ones in turn, until it
// succeeds or ctx ends, as a client retries an operation with the same
// idempotency key. It reports success.
func (o *ops) retry(ctx context.Context, k int, f func(i int) error) bool {
	for attempt := 0; ; attempt++ {
		if f(k+attempt) == nil {
			return true
		}
		o.count(&o.retries)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// paced runs op every interval until ctx ends; op gets its sequence number.
func paced(ctx context.Context, interval time.Duration, op func(n int)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		op(n)
	}
}

// sendWidget sends end-user message n of a widget conversation.
func (o *ops) sendWidget(ctx context.Context, c *cluster, w widgetUser, n int) {
	cid := fmt.Sprintf("w%d-%d", w.n, n)
	vars := map[string]any{"id": w.conv, "text": "widget " + cid, "cid": cid}
	if o.retry(ctx, n, func(i int) error {
		client, _ := c.pick(i)
		return client.Do(ctx, w.session, sendMutation, vars, nil)
	}) {
		o.ack(o.sends, cid)
	}
}

// reply sends agent reply n to a WhatsApp user's conversation.
func (o *ops) reply(ctx context.Context, c *cluster, agent string, u phoneUser, n int) {
	cid := fmt.Sprintf("r%s-%d", u.phone, n)
	vars := map[string]any{"id": u.conv, "text": "reply " + cid, "cid": cid}
	if o.retry(ctx, n, func(i int) error {
		client, _ := c.pick(i)
		return client.Do(ctx, agent, replyMutation, vars, nil)
	}) {
		o.ack(o.replies, cid)
	}
}

// inboundMessage posts message n of a WhatsApp user as Meta would, and
// every third one twice, as Meta does.
func (o *ops) inboundMessage(ctx context.Context, c *cluster, h hook, u phoneUser, n int) {
	wamid := fmt.Sprintf("wamid.%s.%d", u.phone, n)
	body := h.body(u.phone, wamid, "inbound "+wamid)
	post := func() bool {
		return o.retry(ctx, n, func(i int) error { return h.post(ctx, c, i, body) })
	}
	if !post() {
		return
	}
	o.ack(o.inbound, wamid)
	if n%3 == 0 && post() {
		o.count(&o.duplicates)
	}
}

// widgetUser is an end user of the web widget with a conversation.
type widgetUser struct {
	n             int
	session, conv string
}

// phoneUser is a WhatsApp user with a conversation.
type phoneUser struct{ phone, conv string }

// hook is the WhatsApp integration's webhook.
type hook struct {
	// path is the integration's webhook path; phoneID its phone number id.
	path, phoneID, secret string
	http                  *http.Client
}

// body is a WhatsApp webhook carrying one text message.
func (h hook) body(from, wamid, text string) []byte {
	type obj = map[string]any
	msg := obj{"from": from, "id": wamid, "timestamp": fmt.Sprint(time.Now().Unix()), "type": "text", "text": obj{"body": text}}
	value := obj{
		"messaging_product": "whatsapp",
		"metadata":          obj{"display_phone_number": "15550001111", "phone_number_id": h.phoneID},
		"contacts":          []obj{{"profile": obj{"name": "User " + from}, "wa_id": from}},
		"messages":          []obj{msg},
	}
	b, _ := json.Marshal(obj{"object": "whatsapp_business_account", "entry": []obj{{"id": "WABA1", "changes": []obj{{"field": "messages", "value": value}}}}})
	return b
}

// post delivers body, signed, to the i-th live instance.
func (h hook) post(ctx context.Context, c *cluster, i int, body []byte) error {
	_, srv := c.pick(i)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+h.path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", meta.Sign(body, h.secret))
	resp, err := h.http.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook: %s", resp.Status)
	}
	return nil
}
