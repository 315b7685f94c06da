package app

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// R21: a widget that disconnects and comes back with the cursor of the last
// event it saw receives everything it missed, in order, then live events,
// with no gap and no duplicate.
func TestResumeFromCursor(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		c := b.start(t, b.widgetKey, "Nikos")
		w := b.connect(t, transportWS, c.session)
		w.subscribe("1", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})
		b.mustSend(t, c, "before the drop", "m0")
		last := w.nextMessage("1")
		_ = w.conn.CloseNow()

		for i := 1; i <= 50; i++ {
			b.mustSend(t, c, fmt.Sprintf("missed %d", i), fmt.Sprintf("m%d", i))
		}

		w = b.connect(t, legacyWS, c.session)
		w.subscribe("2", conversationEvents, map[string]any{"id": c.id, "after": last.Cursor})
		for i := 1; i <= 50; i++ {
			e := w.nextEvent("2")
			if want := fmt.Sprintf("missed %d", i); e.Message == nil || e.Message.Text != want {
				t.Fatalf("replayed event %d: want %q, got %+v", i, want, e.Message)
			}
		}
		b.mustSend(t, c, "live again", "m51")
		if e := w.nextEvent("2"); e.Message == nil || e.Message.Text != "live again" {
			t.Fatalf("after the replay: %+v", e.Message)
		}
	})
}

// R21, R22: many writers on two instances of the service over one
// PostgreSQL commit concurrently; a dashboard on one instance and a widget
// on the other, each resubscribing halfway from its last cursor, see every
// event exactly once and in position order. Positions are assigned under the
// account's row lock, so a transaction can never become visible before one
// holding an earlier position.
func TestConcurrentWritersAcrossInstances(t *testing.T) {
	t.Parallel()
	b := setup(t, postgres)
	other := b.secondInstance(t)

	const writers, perWriter = 8, 25
	c := b.start(t, b.widgetKey, "Eleni")
	feedCursor := b.feedCursor(t, b.agent)
	dash := b.connect(t, transportWS, b.agent)
	dash.subscribe("d", accountEvents, map[string]any{"after": feedCursor})
	widget := other.connect(t, transportWS, c.session)
	widget.subscribe("w", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})

	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			target := b
			if i%2 == 1 {
				target = other
			}
			for j := range perWriter {
				if r := target.send(t, c, fmt.Sprintf("w%d-%d", i, j), fmt.Sprintf("w%d-%d", i, j)); len(r.Errors) > 0 {
					t.Errorf("send: %+v", r.Errors)
					return
				}
			}
		})
	}

	const total = writers * perWriter
	readAll := func(name string, cl *wsClient, resubscribe func(cursor string) *wsClient, id string) {
		seen := map[string]bool{}
		var prevSeq int
		var cursor string
		for len(seen) < total {
			if len(seen) == total/2 {
				_ = cl.conn.CloseNow()
				cl = resubscribe(cursor)
			}
			e := cl.nextEvent(id)
			cursor = e.Cursor
			if e.Message == nil {
				continue
			}
			if seen[e.Message.Text] {
				t.Errorf("%s: %q delivered twice", name, e.Message.Text)
			}
			if e.Message.Seq <= prevSeq {
				t.Errorf("%s: seq %d after %d", name, e.Message.Seq, prevSeq)
			}
			seen[e.Message.Text], prevSeq = true, e.Message.Seq
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		readAll("widget", widget, func(cur string) *wsClient {
			w := other.connect(t, legacyWS, c.session)
			w.subscribe("w", conversationEvents, map[string]any{"id": c.id, "after": cur})
			return w
		}, "w")
	}()
	readAll("dashboard", dash, func(cur string) *wsClient {
		d := b.connect(t, transportWS, b.agent)
		d.subscribe("d", accountEvents, map[string]any{"after": cur})
		return d
	}, "d")
	wg.Wait()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the widget on the other instance did not receive everything")
	}
}

// R21: a cursor that can no longer be honoured is refused with a code,
// never answered with a silent gap; a forged one likewise.
func TestCursorExpiredOrForged(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		c := b.start(t, b.widgetKey, "Sofia")
		c2 := b.start(t, b.widgetKey, "Other")
		for i := range 3 {
			b.mustSend(t, c, fmt.Sprintf("old %d", i), fmt.Sprintf("o%d", i))
		}
		w := b.connect(t, transportWS, c.session)
		dash := b.connect(t, transportWS, b.agent)

		cases := []struct{ name, cursor, code string }{
			{"garbage", "not-a-cursor", "CURSOR_INVALID"},
			{"another conversation's", c2.cursor, "CURSOR_INVALID"},
			{"from the future", cursorAt(t, c.cursor, 1000), "CURSOR_INVALID"},
		}
		for i, tc := range cases {
			id := fmt.Sprint("f", i)
			w.subscribe(id, conversationEvents, map[string]any{"id": c.id, "after": tc.cursor})
			if e := w.nextError(id); e.code() != tc.code {
				t.Errorf("%s cursor: got %s %q, want %s", tc.name, e.code(), e.Message, tc.code)
			}
		}
		dash.subscribe("f", accountEvents, map[string]any{"after": c.cursor})
		if e := dash.nextError("f"); e.code() != "CURSOR_INVALID" {
			t.Errorf("a conversation cursor on the account feed: got %s", e.code())
		}

		// Events past retention are pruned; the history stays, replay
		// from before the pruning does not.
		if _, err := b.app.DB.PruneEvents(t.Context(), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		w.subscribe("x", conversationEvents, map[string]any{"id": c.id, "after": c.cursor})
		if e := w.nextError("x"); e.code() != "CURSOR_EXPIRED" {
			t.Errorf("pruned cursor: got %s %q", e.code(), e.Message)
		}
		// The newest position stays valid: nothing after it was lost.
		var out struct{ Conversation struct{ EventCursor string } }
		b.post(t, c.session, `query($id: ID!) { conversation(id: $id) { eventCursor } }`, map[string]any{"id": c.id}).decode(t, &out)
		w.subscribe("y", conversationEvents, map[string]any{"id": c.id, "after": out.Conversation.EventCursor})
		b.mustSend(t, c, "after pruning", "n1")
		if e := w.nextEvent("y"); e.Message == nil || e.Message.Text != "after pruning" {
			t.Errorf("after pruning: %+v", e)
		}
	})
}
