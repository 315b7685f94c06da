// Package feed streams what happens in conversations to widgets and agent
// dashboards: events with cursors, resumable subscriptions that replay what
// a client missed from the database and then go live (R21), and an
// in-process broker that never waits for a slow subscriber (R24), and
// wake-ups for state that widgets watch (R3). Both hang off one backbone,
// fed by this instance's writer and, across instances, by PostgreSQL
// LISTEN/NOTIFY (R22).
package feed

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// Kind is what an event says happened.
type Kind string

const (
	KindConversationStarted Kind = "CONVERSATION_STARTED"
	KindConversationUpdated Kind = "CONVERSATION_UPDATED"
	KindMessageAdded        Kind = "MESSAGE_ADDED"
	// KindDeliveryStateChanged: an outbound message moved forward (R17).
	KindDeliveryStateChanged Kind = "DELIVERY_STATE_CHANGED"
	// KindAssigned: the conversation's assignee changed (R29).
	KindAssigned Kind = "ASSIGNED"
	// KindPresence: an agent is viewing or replying, or stopped (R29).
	// Live only: never stored, numbered or replayed.
	KindPresence Kind = "PRESENCE"
	// KindTyping: the end user or an agent is typing (R31). Live only,
	// like PRESENCE, but on the conversation's feed too.
	KindTyping Kind = "TYPING"
	// KindAttachmentReceived: a file an end user sent on a social channel
	// was fetched and stored, or could not be (R30).
	KindAttachmentReceived Kind = "ATTACHMENT_RECEIVED"
	// The kinds of a SYSTEM message's event are its note's (R27).
	KindLinked           = Kind(conversation.NoteLinked)
	KindLinkDeclined     = Kind(conversation.NoteLinkDeclined)
	KindLinkMoved        = Kind(conversation.NoteLinkMoved)
	KindChannelSwitched  = Kind(conversation.NoteChannelSwitched)
	KindUnlinked         = Kind(conversation.NoteUnlinked)
	KindLinkEndedByAdmin = Kind(conversation.NoteLinkEndedByAdmin)
	KindUnreadFallback   = Kind(conversation.NoteUnreadFallback)
	KindReplyHeld        = Kind(conversation.NoteReplyHeld)
	KindReplyReleased    = Kind(conversation.NoteReplyReleased)
)

// Event is one committed change. Events are numbered twice: densely per
// account (the agents' feed) and densely per conversation (a widget's feed).
// Both numbers are assigned under the account's row lock, so they become
// visible in order: a reader that has seen n can never later find n-1.
type Event struct {
	AccountID       int64
	AccountSeq      int64
	ConversationID  int64
	ConversationSeq int64
	Kind            Kind
	At              time.Time
	// Conversation is the conversation as it stood after the event.
	Conversation *conversation.Conversation
	// Message is set on MESSAGE_ADDED, and on the kinds of SYSTEM
	// messages.
	Message *conversation.Message
	// Presence is set on PRESENCE.
	Presence *Presence `json:",omitempty"`
	// Typing is set on TYPING.
	Typing *Typing `json:",omitempty"`
}

// Activity is what an agent is doing in a conversation (R29).
type Activity string

const (
	ActivityViewing Activity = "VIEWING"
	ActivityTyping  Activity = "TYPING"
	// ActivityLeft: the agent stopped viewing the conversation.
	ActivityLeft Activity = "LEFT"
)

// Valid reports whether a is a known activity.
func (a Activity) Valid() bool {
	return a == ActivityViewing || a == ActivityTyping || a == ActivityLeft
}

// Presence says what an agent is doing in the event's conversation.
type Presence struct {
	AgentID  int64
	Activity Activity
}

// Typing says who is typing in the event's conversation (R31). It names
// the typist only as the other side may see them: an agent by display
// name, never by email or id.
type Typing struct {
	Role conversation.AuthorRole
	Name string
	// Until is when the indicator lapses unless the typist says so again:
	// a typist who stops or goes away sends nothing.
	Until time.Time
}

// Live reports whether e is a live-only event, never stored or replayed.
func (e *Event) Live() bool { return e.Presence != nil || e.Typing != nil }

// Scope is what one subscription follows: a whole account, or one
// conversation of it.
type Scope struct {
	AccountID      int64
	ConversationID int64
}

func (s Scope) seq(e *Event) int64 {
	if s.ConversationID != 0 {
		return e.ConversationSeq
	}
	return e.AccountSeq
}

// Delivery is an event as one subscriber receives it, with the cursor to
// resume after it.
type Delivery struct {
	*Event
	Cursor string
}

// Cursor returns the opaque cursor for position seq in scope.
func (s Scope) Cursor(seq int64) string {
	var raw string
	if s.ConversationID != 0 {
		raw = fmt.Sprintf("c:%d:%d", s.ConversationID, seq)
	} else {
		raw = fmt.Sprintf("a:%d:%d", s.AccountID, seq)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// parseCursor returns the position a cursor names in scope. A cursor of
// another scope, or one that does not decode, is CURSOR_INVALID.
func (s Scope) parseCursor(cursor string) (int64, error) {
	invalid := apperr.New(apperr.CursorInvalid, "the cursor does not belong to this subscription")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, invalid
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 {
		return 0, invalid
	}
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || seq < 0 {
		return 0, invalid
	}
	if s.ConversationID != 0 && (parts[0] != "c" || id != s.ConversationID) ||
		s.ConversationID == 0 && (parts[0] != "a" || id != s.AccountID) {
		return 0, invalid
	}
	return seq, nil
}

// Store reads committed events.
type Store interface {
	// Events returns up to limit events of scope after position after, in
	// order.
	Events(ctx context.Context, s Scope, after int64, limit int) ([]*Event, error)
	// Head returns the position of the newest event of scope (0: none).
	Head(ctx context.Context, s Scope) (int64, error)
	// HasEvent reports whether the event at position seq is still kept.
	HasEvent(ctx context.Context, s Scope, seq int64) (bool, error)
}

// checkCursor tells whether everything after seq can still be replayed.
// Events are pruned oldest first, so that holds when seq is the newest
// position or when the event right after it is still kept.
func checkCursor(ctx context.Context, st Store, s Scope, seq int64) error {
	head, err := st.Head(ctx, s)
	if err != nil {
		return err
	}
	if seq > head {
		return apperr.New(apperr.CursorInvalid, "the cursor is ahead of this feed")
	}
	if seq == head {
		return nil
	}
	ok, err := st.HasEvent(ctx, s, seq+1)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.CursorExpired, "events after this cursor are no longer kept; reload and subscribe again")
	}
	return nil
}
