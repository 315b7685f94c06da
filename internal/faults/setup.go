package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/linkline/linkline/internal/bench"
)

// world is what the load works on: the demo account's agent, widget
// conversations, WhatsApp users and their conversations, and the
// subscribers following them.
type world struct {
	agent   string
	hook    hook
	widgets []widgetUser
	phones  []phoneUser
	streams []*stream
	running sync.WaitGroup
}

// wait returns once every stream has stopped.
func (w *world) wait() { w.running.Wait() }

const (
	widgetUsers = 3
	phoneUsers  = 12
	phoneID     = "1065550001"
)

const (
	connectMutation = `mutation($in: ConnectIntegrationInput!) {
  connectIntegration(input: $in) { integration { webhookUrl } }
}`
)

// prepare connects a WhatsApp integration whose Graph API is the fake,
// starts the conversations and opens their subscribers (and two agent
// feeds), which run until streamsCtx ends.
func prepare(ctx, streamsCtx context.Context, c *cluster, st *store, o *ops) (*world, error) {
	widgetKey, admin, agent := c.survivor().Tokens()
	client, _ := c.pick(0)
	w := &world{agent: agent}
	var it struct {
		ConnectIntegration struct{ Integration struct{ WebhookURL string } }
	}
	secret := "faults-app-secret"
	if err := client.Do(ctx, admin, connectMutation, map[string]any{"in": map[string]any{
		"channel": "WHATSAPP", "businessId": phoneID, "handle": "15550001111",
		"accessToken": "EAAG-faults", "appSecret": secret, "verifyToken": "faults-verify",
	}}, &it); err != nil {
		return nil, fmt.Errorf("faults: connectIntegration: %w", err)
	}
	_, path, ok := strings.Cut(it.ConnectIntegration.Integration.WebhookURL, "/webhooks/")
	if !ok {
		return nil, errNoIntegration
	}
	w.hook = hook{path: "/webhooks/" + path, phoneID: phoneID, secret: secret, http: newHookClient()}

	start := func(s *stream, k int) {
		w.streams = append(w.streams, s)
		w.running.Go(func() { s.run(streamsCtx, c, k) })
	}
	for k := range 2 {
		var out struct{ FeedCursor string }
		if err := client.Do(ctx, agent, `{ feedCursor }`, nil, &out); err != nil {
			return nil, fmt.Errorf("faults: feedCursor: %w", err)
		}
		from, err := st.lastMessage(ctx, 0)
		if err != nil {
			return nil, err
		}
		start(newStream(fmt.Sprintf("agent feed %d", k+1), agent, accountEvents, nil, out.FeedCursor, from), k)
	}
	for i := range widgetUsers {
		var out struct {
			StartConversation struct {
				SessionToken string
				Conversation struct{ ID, EventCursor string }
			}
		}
		if err := client.Do(ctx, "", bench.StartMutation, map[string]any{"key": widgetKey, "name": fmt.Sprintf("Widget user %d", i)}, &out); err != nil {
			return nil, fmt.Errorf("faults: startConversation: %w", err)
		}
		s := out.StartConversation
		u := widgetUser{n: i, session: s.SessionToken, conv: s.Conversation.ID}
		from, err := st.lastMessage(ctx, convID(u.conv))
		if err != nil {
			return nil, err
		}
		w.widgets = append(w.widgets, u)
		start(newStream(fmt.Sprintf("widget %d", i), u.session, widgetEvents, map[string]any{"id": u.conv}, s.Conversation.EventCursor, from), i)
	}
	// A WhatsApp user's first message opens their conversation; the agent
	// feed tells which.
	for i := range phoneUsers {
		u := phoneUser{phone: fmt.Sprintf("55119000000%02d", i)}
		o.inboundMessage(ctx, c, w.hook, u, 0)
		deadline := time.Now().Add(30 * time.Second)
		for {
			conv, ok := w.streams[0].conversationOf(fmt.Sprintf("inbound wamid.%s.0", u.phone))
			if ok {
				u.conv = conv
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("faults: the first message of %s reached no agent feed within 30s", u.phone)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
		w.phones = append(w.phones, u)
	}
	return w, nil
}
