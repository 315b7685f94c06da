package app

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/linkline/linkline/internal/store/storetest"
)

// R21, R24, R27: every goroutine a socket, a subscription or a send started
// ends when the clients leave and the service stops. Not parallel: it counts the
// process's goroutines.
func TestGoroutinesReturnToBaseline(t *testing.T) {
	for _, kind := range []storeKind{sqlite, postgres} {
		t.Run(string(kind), func(t *testing.T) {
			if kind == postgres {
				storetest.PostgresURL(t) // the test cluster's own goroutine is not ours
			}
			http.DefaultClient.CloseIdleConnections()
			base := runtime.NumGoroutine()
			b := setup(t, kind)
			c := b.start(t, b.widgetKey, "Counted")
			w := b.connect(t, legacyWS, c.session)
			w.subscribe("w", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})
			d := b.connect(t, transportWS, b.agent)
			d.subscribe("d", accountEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
			d2 := b.connect(t, transportWS, b.agent)
			d2.subscribe("c", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})
			// Pages without a conversation follow their widget; one leaves.
			page := b.anonymous(t, transportWS, "")
			page.subscribe("m", widgetSubscription, map[string]any{"k": b.widgetKey})
			page.nextMenu("m")
			gone := b.anonymous(t, legacyWS, "")
			gone.subscribe("m", widgetSubscription, map[string]any{"k": b.widgetKey})
			gone.nextMenu("m")
			_ = gone.conn.Close(websocket.StatusNormalClosure, "bye")
			for i := range 5 {
				b.mustSend(t, c, "hello", fmt.Sprint(i))
				w.nextMessage("w")
				d.nextMessage("d")
				d2.nextMessage("c")
			}
			// One client leaves on its own, the rest are closed by shutdown.
			_ = w.conn.Close(websocket.StatusNormalClosure, "bye")
			closed := make(chan websocket.StatusCode, 3)
			go func() { closed <- d.closeStatus() }()
			go func() { closed <- d2.closeStatus() }()
			go func() { closed <- page.closeStatus() }()
			b.stop(t)
			for range 3 {
				if code := <-closed; code != websocket.StatusNormalClosure {
					t.Errorf("socket closed with %d", code)
				}
			}
			http.DefaultClient.CloseIdleConnections()
			deadline := time.Now().Add(10 * time.Second)
			for runtime.NumGoroutine() > base {
				if time.Now().After(deadline) {
					buf := make([]byte, 1<<20)
					t.Fatalf("%d goroutines, baseline %d:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// Graceful shutdown loses nothing in flight: every send that was
// acknowledged is in the database when the service comes back, and open
// websockets are closed with a close frame, not dropped.
func TestGracefulShutdown(t *testing.T) {
	b := setup(t, sqlite)
	c := b.start(t, b.widgetKey, "Durable")
	w := b.connect(t, transportWS, c.session)
	w.subscribe("w", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("g%d-%d", g, i)
				body := mustJSON(map[string]any{"query": sendMutation, "variables": map[string]any{"id": c.id, "text": text, "cid": text}})
				req, _ := http.NewRequest(http.MethodPost, b.url, strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+c.session)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					continue // the server is gone: not acknowledged
				}
				var r gqlResponse
				ok := resp.StatusCode == http.StatusOK && jsonDecode(resp.Body, &r) == nil && len(r.Errors) == 0 && len(r.Data) > 0 && string(r.Data) != "null"
				resp.Body.Close()
				if ok {
					mu.Lock()
					acked = append(acked, text)
					mu.Unlock()
				}
			}
		})
	}
	waitFor(t, "some sends", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 40
	})
	closed := make(chan websocket.StatusCode, 1)
	go func() { closed <- w.closeStatus() }()
	b.stop(t)
	close(stop)
	wg.Wait()
	if code := <-closed; code != websocket.StatusNormalClosure {
		t.Errorf("socket at shutdown: close %d, want a normal close frame", code)
	}

	b.serve(t)
	stored := map[string]bool{}
	var after *string
	for {
		var out struct {
			Conversation struct {
				Messages struct {
					Edges    []struct{ Node struct{ Text string } }
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
		}
		b.post(t, c.session, `query($id: ID!, $after: String) { conversation(id: $id) { messages(first: 100, after: $after) { edges { node { text } } pageInfo { hasNextPage endCursor } } } }`,
			map[string]any{"id": c.id, "after": after}).decode(t, &out)
		for _, e := range out.Conversation.Messages.Edges {
			stored[e.Node.Text] = true
		}
		if !out.Conversation.Messages.PageInfo.HasNextPage {
			break
		}
		after = &out.Conversation.Messages.PageInfo.EndCursor
	}
	for _, text := range acked {
		if !stored[text] {
			t.Errorf("acknowledged %q was lost", text)
		}
	}
	t.Logf("%d sends acknowledged before shutdown, all stored", len(acked))
}
