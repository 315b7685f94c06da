package assignment

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
)

// Next picks who auto-assignment gives a new conversation (R29): among the
// candidates under the cap, the one who waited longest since their last
// (never first; then by id, to be deterministic). 0: nobody.
func Next(cands []account.Load, limit int) int64 {
	cands = slices.DeleteFunc(slices.Clone(cands), func(c account.Load) bool { return c.Open >= limit })
	if len(cands) == 0 {
		return 0
	}
	next := slices.MinFunc(cands, func(a, b account.Load) int {
		switch {
		case a.LastAssignedAt == nil && b.LastAssignedAt != nil:
			return -1
		case a.LastAssignedAt != nil && b.LastAssignedAt == nil:
			return 1
		case a.LastAssignedAt != nil && !a.LastAssignedAt.Equal(*b.LastAssignedAt):
			return a.LastAssignedAt.Compare(*b.LastAssignedAt)
		}
		return cmp.Compare(a.AgentID, b.AgentID)
	})
	return next.AgentID
}

// AutoStore is what auto-assignment needs from storage.
type AutoStore interface {
	Account(ctx context.Context, id int64) (*account.Account, error)
	Agent(ctx context.Context, accountID, id int64) (*account.Agent, error)
	SetAutoAssignCap(ctx context.Context, accountID int64, limit int) error
	SetAgentAvailable(ctx context.Context, accountID, agentID int64, available bool) error
	Candidates(ctx context.Context, accountID int64) ([]account.Load, error)
	MarkAutoAssigned(ctx context.Context, accountID, agentID int64, at time.Time) error
}

// Auto is the optional round-robin auto-assignment (R29): each new
// conversation goes to the available agent under the account's cap who
// waited longest. "Available" is a flag each agent sets, not an open
// socket: it holds across instances and reloads, and an agent with the
// workspace open in a background tab is not handed customers by accident.
type Auto struct {
	store  AutoStore
	writer conversation.Writer
	now    func() time.Time
	log    *slog.Logger
	// limit bounds queue.
	limit int
	// wake tells Run that queue has conversations.
	wake chan struct{}

	mu sync.Mutex
	// queue holds the conversations this instance started, waiting for
	// Run, in order. A burst waits in it, however long Run takes to catch
	// up, rather than being left unassigned: agents expect every new
	// conversation to be assigned while auto-assignment is on.
	queue []started
	// passed counts the conversations that found queue full since it
	// last emptied: such a burst is logged twice, as it begins and once
	// the queue has caught up, not once per conversation.
	passed int
}

// started is a conversation waiting to be assigned.
type started struct{ accountID, conversationID int64 }

// maxCap bounds the per-agent cap an admin sets.
const maxCap = 100

// maxQueued bounds the queue at 16 MiB, far past any burst of real
// customers; starts are rate-limited per address.
const maxQueued = 1 << 20

// NewAuto returns the auto-assignment service; Run must be running for
// conversations to be assigned.
func NewAuto(store AutoStore, writer conversation.Writer, now func() time.Time, log *slog.Logger) *Auto {
	return &Auto{store: store, writer: writer, now: now, log: log, limit: maxQueued, wake: make(chan struct{}, 1)}
}

// SetCap sets the admin's account's per-agent cap; 0 turns
// auto-assignment off.
func (a *Auto) SetCap(ctx context.Context, actor *auth.Actor, limit int) (*account.Account, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	if limit < 0 || limit > maxCap {
		return nil, apperr.Invalid("cap", "must be 0 to %d", maxCap)
	}
	if err := a.store.SetAutoAssignCap(ctx, actor.Agent.AccountID, limit); err != nil {
		return nil, err
	}
	return a.store.Account(ctx, actor.Agent.AccountID)
}

// SetAvailable says whether the calling agent takes new conversations.
func (a *Auto) SetAvailable(ctx context.Context, actor *auth.Actor, available bool) (*account.Agent, error) {
	if actor.Agent == nil {
		return nil, apperr.New(apperr.Forbidden, "only agents are available")
	}
	if err := a.store.SetAgentAvailable(ctx, actor.Agent.AccountID, actor.Agent.ID, available); err != nil {
		return nil, err
	}
	return a.store.Agent(ctx, actor.Agent.AccountID, actor.Agent.ID)
}

// Committed takes the events this instance committed; the conversations
// they started are assigned by Run. Only the committing instance sees them,
// so each conversation is considered once. It never blocks the write path:
// past a full queue a conversation stays in the unassigned queue.
func (a *Auto) Committed(evs []*feed.Event) {
	a.mu.Lock()
	queued := false
	for _, e := range evs {
		if e.Kind != feed.KindConversationStarted {
			continue
		}
		if len(a.queue) < a.limit {
			a.queue = append(a.queue, started{e.AccountID, e.ConversationID})
			queued = true
			continue
		}
		a.passed++
		if a.passed == 1 {
			a.log.Warn("auto-assignment queue full: conversations started until it empties stay in the unassigned queue", "conversation", e.ConversationID)
		}
	}
	a.mu.Unlock()
	if queued {
		select {
		case a.wake <- struct{}{}:
		default: // Run is woken already
		}
	}
}

// Run assigns started conversations until ctx ends.
func (a *Auto) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		}
		for queue := a.take(); len(queue) > 0; queue = a.take() {
			for _, s := range queue {
				if ctx.Err() != nil {
					return
				}
				if err := a.assign(ctx, s.accountID, s.conversationID); err != nil && ctx.Err() == nil {
					a.log.Warn("auto-assignment failed", "conversation", s.conversationID, "err", err)
				}
			}
		}
	}
}

// take empties the queue, and returns what it held. Once it was empty
// already, a burst that overflowed it has been caught up with, and is
// logged so.
func (a *Auto) take() []started {
	a.mu.Lock()
	defer a.mu.Unlock()
	queue := a.queue
	a.queue = nil
	if len(queue) == 0 && a.passed > 0 {
		a.log.Warn("auto-assignment queue caught up; conversations started while it was full stay in the unassigned queue", "conversations", a.passed)
		a.passed = 0
	}
	return queue
}

// errTaken: someone was quicker than auto-assignment; nothing to do.
var errTaken = errors.New("already assigned")

func (a *Auto) assign(ctx context.Context, accountID, conversationID int64) error {
	acct, err := a.store.Account(ctx, accountID)
	if err != nil || acct.AutoAssignCap == 0 {
		return err
	}
	cands, err := a.store.Candidates(ctx, accountID)
	if err != nil {
		return err
	}
	to := Next(cands, acct.AutoAssignCap)
	if to == 0 {
		return nil
	}
	_, err = a.writer.Write(ctx, conversation.Assign{
		AccountID: accountID, ConversationID: conversationID, To: to,
		Allowed: func(current int64) error {
			if current != 0 {
				return errTaken
			}
			return nil
		},
	})
	if errors.Is(err, errTaken) {
		return nil
	}
	if err != nil {
		return err
	}
	return a.store.MarkAutoAssigned(ctx, accountID, to, a.now())
}
