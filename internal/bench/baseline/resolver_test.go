package baseline

import (
	"context"
	"testing"
)

func send(t *testing.T, r *Resolver, conv, cid string) *Message {
	t.Helper()
	p, err := r.Mutation().SendMessage(context.Background(), SendMessageInput{ConversationID: conv, Text: "hi", ClientMessageID: cid})
	if err != nil {
		t.Fatal(err)
	}
	return p.Message
}

func TestMessagesReachTheirConversationsSubscriptionsOnly(t *testing.T) {
	r := &Resolver{}
	ctx := t.Context()
	a, err := r.Subscription().ConversationEvents(ctx, "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Subscription().ConversationEvents(ctx, "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Active() != 2 {
		t.Fatalf("active = %d, want 2", r.Active())
	}

	m := send(t, r, "a", "m1")
	if m.Seq != 1 || m.ID != "a:1" || m.ClientMessageID != "m1" {
		t.Errorf("answer = %+v", m)
	}
	ev := <-a
	if ev.Kind != EventKindMessageAdded || ev.Cursor != "1" || ev.Message != m {
		t.Errorf("event = %+v", ev)
	}
	select {
	case ev := <-b:
		t.Errorf("conversation b got a's message %+v", ev.Message)
	default:
	}
	if m := send(t, r, "a", "m2"); m.Seq != 2 {
		t.Errorf("second message's seq = %d", m.Seq)
	}
}

func TestAnEndedSubscriptionNeitherCountsNorBlocksSenders(t *testing.T) {
	r := &Resolver{}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := r.Subscription().ConversationEvents(ctx, "a", nil); err != nil {
		t.Fatal(err)
	}
	send(t, r, "a", "m1") // fills the one-event buffer nobody reads
	cancel()
	// The observer may still be registered for a moment (AfterFunc runs
	// in its own goroutine); a send to it returns all the same.
	send(t, r, "a", "m2")
	for r.Active() != 0 {
		send(t, r, "a", "m3")
	}
}
