package store_test

import (
	"testing"
	"time"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/store"
)

// R34: the line of queued replies is per conversation and channel, in the
// order written, and skips replies that left it (sent, failed) or are
// older than asked; attempts remember the platform ids they got, those
// that never ended or whose answer never came, and count a message's
// distinct ids.
func TestSendsAndTheLine(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		ctx := t.Context()
		c := f.startConversation(t)
		wa := f.link(t, c, f.integration(t, conversation.ChannelWhatsApp), "5511900000001")
		ms := f.link(t, c, f.integration(t, conversation.ChannelMessenger), "psid-1")
		sent := f.outbound(t, c, wa, conversation.DeliverySent)
		a := f.outbound(t, c, wa, conversation.DeliveryQueued)
		onMessenger := f.outbound(t, c, ms, conversation.DeliveryQueued)
		failed := f.outbound(t, c, wa, conversation.DeliveryFailed)
		b := f.outbound(t, c, wa, conversation.DeliveryQueued)
		other := f.outbound(t, f.startConversation(t), wa, conversation.DeliveryQueued)

		ahead := func(m *conversation.Message, since time.Time) int64 {
			t.Helper()
			id, err := f.db.QueuedBefore(ctx, m, since)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		behind := func(m *conversation.Message) int64 {
			t.Helper()
			id, err := f.db.QueuedAfter(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		long := a.CreatedAt.Add(-time.Hour)
		for _, tc := range []struct {
			name      string
			got, want int64
		}{
			{"ahead of B", ahead(b, long), a.ID},
			{"ahead of A", ahead(a, long), 0},
			{"ahead of the Messenger reply", ahead(onMessenger, long), 0},
			{"ahead of B, counting only replies newer than A", ahead(b, a.CreatedAt), 0},
			{"behind the sent one", behind(sent), a.ID},
			{"behind A", behind(a), b.ID},
			{"behind the failed one", behind(failed), b.ID},
			{"behind B", behind(b), 0},
			{"ahead of another conversation's reply", ahead(other, long), 0},
		} {
			if tc.got != tc.want {
				t.Errorf("%s: %d, want %d", tc.name, tc.got, tc.want)
			}
		}

		first, sentAs, unfinished, err := f.db.StartSend(ctx, f.acct.ID, a.ID, "")
		if err != nil || sentAs != "" || unfinished != 0 {
			t.Fatalf("first attempt: %q %d %v", sentAs, unfinished, err)
		}
		// The process dies mid-send: the next attempt sees it.
		second, sentAs, unfinished, err := f.db.StartSend(ctx, f.acct.ID, a.ID, "")
		if err != nil || sentAs != "" || unfinished != 1 {
			t.Fatalf("after a cut-short attempt: %q %d %v", sentAs, unfinished, err)
		}
		if n, err := f.db.EndSend(ctx, f.acct.ID, second, "", "HTTP 503"); err != nil || n != 0 {
			t.Fatalf("a failed attempt: %d %v", n, err)
		}
		// No answer came: the outcome stays unknown, as after a crash.
		unsure, _, _, err := f.db.StartSend(ctx, f.acct.ID, a.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.db.UnsureSend(ctx, f.acct.ID, unsure, "context deadline exceeded"); err != nil {
			t.Fatal(err)
		}
		third, _, unfinished, err := f.db.StartSend(ctx, f.acct.ID, a.ID, "")
		if err != nil || unfinished != 2 {
			t.Fatalf("after an unsure attempt: %d unfinished, %v", unfinished, err)
		}
		if n, err := f.db.EndSend(ctx, f.acct.ID, third, "wamid.ONE", ""); err != nil || n != 1 {
			t.Fatalf("a sent attempt: %d ids, %v", n, err)
		}
		if _, sentAs, unfinished, err = f.db.StartSend(ctx, f.acct.ID, a.ID, ""); err != nil || sentAs != "wamid.ONE" || unfinished != 2 {
			t.Fatalf("after a send: %q %d %v", sentAs, unfinished, err)
		}
		if n, err := f.db.EndSend(ctx, f.acct.ID, first, "wamid.TWO", ""); err != nil || n != 2 {
			t.Errorf("a second platform id: %d ids, %v", n, err)
		}
		if n, err := f.db.EndSend(ctx, f.acct.ID+1, first, "wamid.THREE", ""); err != nil || n != 0 {
			t.Errorf("another account's attempt: %d ids, %v", n, err)
		}
	})
}
