package baseline

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Resolver keeps the open subscriptions by conversation, in memory, as
// gqlgen's chat example keeps its rooms.
type Resolver struct {
	conversations sync.Map // conversation id → *conversation
	// active counts open subscriptions, for the bench to wait on.
	active atomic.Int64
	// nextObserver names subscriptions apart.
	nextObserver atomic.Int64
}

// conversation numbers its messages and fans them out to its observers.
type conversation struct {
	seq       atomic.Int64
	observers sync.Map // observer id → *observer
}

type observer struct {
	events chan *ConversationEvent
	// done ends with the subscription, so a send to it never blocks
	// after its reader is gone.
	done <-chan struct{}
}

// Mutation serves sendMessage.
func (r *Resolver) Mutation() MutationResolver { return mutationResolver{r} }

// Query serves the one query GraphQL requires.
func (r *Resolver) Query() QueryResolver { return queryResolver{} }

// Subscription serves conversationEvents.
func (r *Resolver) Subscription() SubscriptionResolver { return subscriptionResolver{r} }

// Active is the number of open subscriptions.
func (r *Resolver) Active() int64 { return r.active.Load() }

func (r *Resolver) conversation(id string) *conversation {
	c, _ := r.conversations.LoadOrStore(id, &conversation{})
	return c.(*conversation)
}

type mutationResolver struct{ *Resolver }

// SendMessage hands the message to every subscription of its conversation
// and answers after the last one took it: a subscriber that falls behind
// slows its senders down instead of losing messages.
func (r mutationResolver) SendMessage(ctx context.Context, in SendMessageInput) (*SendMessagePayload, error) {
	c := r.conversation(in.ConversationID)
	seq := c.seq.Add(1)
	msg := &Message{
		ID:              in.ConversationID + ":" + strconv.FormatInt(seq, 10),
		Seq:             int(seq),
		AuthorRole:      AuthorRoleEndUser,
		Text:            in.Text,
		ClientMessageID: in.ClientMessageID,
		CreatedAt:       time.Now(),
	}
	ev := &ConversationEvent{Cursor: strconv.FormatInt(seq, 10), Kind: EventKindMessageAdded, Message: msg}
	c.observers.Range(func(_, v any) bool {
		o := v.(*observer)
		select {
		case o.events <- ev:
		case <-o.done:
		case <-ctx.Done():
		}
		return true
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &SendMessagePayload{Message: msg}, nil
}

type queryResolver struct{}

func (queryResolver) Ready(context.Context) (bool, error) { return true, nil }

type subscriptionResolver struct{ *Resolver }

func (r subscriptionResolver) ConversationEvents(ctx context.Context, conversationID string, _ *string) (<-chan *ConversationEvent, error) {
	c := r.conversation(conversationID)
	id := r.nextObserver.Add(1)
	// One event of buffer, as in the chat example.
	events := make(chan *ConversationEvent, 1)
	c.observers.Store(id, &observer{events: events, done: ctx.Done()})
	r.active.Add(1)
	// The chat example waits for the end in a goroutine; AfterFunc costs
	// none while the subscription is open.
	context.AfterFunc(ctx, func() {
		c.observers.Delete(id)
		r.active.Add(-1)
	})
	return events, nil
}
