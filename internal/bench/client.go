package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Client posts GraphQL operations, reusing connections: a handshake per
// send would measure TCP instead of the service.
type Client struct {
	http *http.Client
	url  string
}

// NewClient is a client of the server at baseURL for senders concurrent
// callers.
func NewClient(baseURL string, senders int) *Client {
	tr := &http.Transport{
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: max(senders*2, 256),
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &Client{http: &http.Client{Transport: tr, Timeout: 60 * time.Second}, url: baseURL + "/graphql"}
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

func (e gqlError) String() string { return e.Extensions.Code + ": " + e.Message }

// Do runs query with vars as the holder of token ("" for none) and decodes
// the data into out (nil to skip). GraphQL errors are errors.
func (c *Client) Do(ctx context.Context, token, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("status %d, body %.200q: %w", resp.StatusCode, raw, err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("%s", r.Errors[0])
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Data, out)
}

// CloseIdle closes the connections kept for reuse, so that the server
// holds none for this client.
func (c *Client) CloseIdle() { c.http.CloseIdleConnections() }

// conversation is one the bench started, as its end user's widget holds it.
type conversation struct {
	id, session, cursor string
}

// StartMutation starts a conversation as a new end user of a widget.
const StartMutation = `mutation($key: String!, $name: String) {
  startConversation(input: {widgetKey: $key, name: $name}) { sessionToken conversation { id eventCursor } }
}`

// startConversations starts n conversations, each as a new end user with
// its own session token, workers at a time, dealt round robin over the
// widgets of keys.
func startConversations(ctx context.Context, c *Client, keys []string, n, workers int) ([]conversation, error) {
	convs := make([]conversation, n)
	err := parallel(n, workers, func(i int) error {
		var out struct {
			StartConversation struct {
				SessionToken string
				Conversation struct{ ID, EventCursor string }
			}
		}
		if err := c.Do(ctx, "", StartMutation, map[string]any{"key": keys[i%len(keys)], "name": fmt.Sprintf("Bench user %d", i)}, &out); err != nil {
			return fmt.Errorf("startConversation: %w", err)
		}
		s := out.StartConversation
		convs[i] = conversation{id: s.Conversation.ID, session: s.SessionToken, cursor: s.Conversation.EventCursor}
		return nil
	})
	return convs, err
}

// createWidget makes a widget open to any origin as the admin of
// adminToken, and returns its key.
func (c *Client) createWidget(ctx context.Context, adminToken, name string) (string, error) {
	var out struct {
		CreateWidget struct{ Widget struct{ Key string } }
	}
	err := c.Do(ctx, adminToken, `mutation($name: String!) { createWidget(input: {name: $name, anyOrigin: true}) { widget { key } } }`,
		map[string]any{"name": name}, &out)
	if err != nil {
		return "", fmt.Errorf("createWidget: %w", err)
	}
	return out.CreateWidget.Widget.Key, nil
}

// sendMutation asks for what a widget needs to confirm its message.
const sendMutation = `mutation($id: ID!, $text: String!, $cid: String!) {
  sendMessage(input: {conversationId: $id, text: $text, clientMessageId: $cid}) { message { id seq createdAt } }
}`

func (c *Client) send(ctx context.Context, conv conversation, text, clientID string) error {
	return c.Do(ctx, conv.session, sendMutation, map[string]any{"id": conv.id, "text": text, "cid": clientID}, nil)
}

func (c *Client) feedCursor(ctx context.Context, agentToken string) (string, error) {
	var out struct{ FeedCursor string }
	err := c.Do(ctx, agentToken, `{ feedCursor }`, nil, &out)
	return out.FeedCursor, err
}

// parallel calls f(i) for every i in [0, n) on workers goroutines and
// returns the first error; after one, no new calls start.
func parallel(n, workers int, f func(i int) error) error {
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if first != nil || next >= n {
			return 0, false
		}
		next++
		return next - 1, true
	}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
	}
	for range min(workers, n) {
		wg.Go(func() {
			for i, ok := take(); ok; i, ok = take() {
				if err := f(i); err != nil {
					fail(err)
				}
			}
		})
	}
	wg.Wait()
	return first
}
