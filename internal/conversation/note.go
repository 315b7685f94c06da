package conversation

import "time"

// NoteKind is what a SYSTEM message records (R13, R27). The feed's events
// that carry these messages have the same names.
type NoteKind string

const (
	NoteLinked           NoteKind = "LINKED"
	NoteLinkDeclined     NoteKind = "LINK_DECLINED"
	NoteLinkMoved        NoteKind = "LINK_MOVED"
	NoteChannelSwitched  NoteKind = "CHANNEL_SWITCHED"
	NoteUnlinked         NoteKind = "UNLINKED"
	NoteLinkEndedByAdmin NoteKind = "LINK_ENDED_BY_ADMIN"
	// NoteUnreadFallback: a widget reply nobody read in time was also
	// sent to a linked channel (R33).
	NoteUnreadFallback NoteKind = "UNREAD_FALLBACK"
	// NoteReplyHeld and NoteReplyReleased tell a reply's way past a closed
	// messaging window: held until the end user writes, then queued (R33).
	NoteReplyHeld     NoteKind = "REPLY_HELD"
	NoteReplyReleased NoteKind = "REPLY_RELEASED"
)

// LinkActor is who ended a link (R26).
type LinkActor string

const (
	ActorEndUser LinkActor = "END_USER"
	ActorAgent   LinkActor = "AGENT"
	ActorAdmin   LinkActor = "ADMIN"
)

// LinkEndReason is why a link ended.
type LinkEndReason string

const (
	ReasonUnlinked        LinkEndReason = "UNLINKED"
	ReasonMoved           LinkEndReason = "MOVED"
	ReasonDisabledByAdmin LinkEndReason = "DISABLED_BY_ADMIN"
)

// Note is the data of a SYSTEM message: clients render and translate it
// from these fields; the message's text is its English rendering.
type Note struct {
	Kind    NoteKind `json:"kind"`
	Channel Channel  `json:"channel"`
	// PreviousChannel is, for a switch, the channel used before.
	PreviousChannel Channel `json:"previousChannel,omitempty"`
	// Identity is the identity as the widget shows it (Identity.Masked).
	Identity string        `json:"identity,omitempty"`
	EndedBy  LinkActor     `json:"endedBy,omitempty"`
	Reason   LinkEndReason `json:"reason,omitempty"`
}

// Text renders the note in English, for clients that show text as it is.
func (n *Note) Text() string {
	switch n.Kind {
	case NoteLinked:
		return "Linked " + string(n.Channel) + ": " + n.Identity + ". Replies now go to " + string(n.Channel) + "."
	case NoteLinkDeclined:
		return "Linking " + string(n.Channel) + " was declined on the phone: " + n.Identity
	case NoteLinkMoved:
		return string(n.Channel) + " identity " + n.Identity + " moved to another conversation"
	case NoteChannelSwitched:
		return "Switched to " + string(n.Channel)
	case NoteUnlinked:
		by := "the end user"
		if n.EndedBy == ActorAgent {
			by = "an agent"
		}
		return "Unlinked " + string(n.Channel) + ": " + n.Identity + " (by " + by + ")"
	case NoteLinkEndedByAdmin:
		return string(n.Channel) + " link ended (" + string(ReasonDisabledByAdmin) + "): " + n.Identity
	case NoteUnreadFallback:
		return "Unread in the widget: also sent on " + string(n.Channel) + " to " + n.Identity
	case NoteReplyHeld:
		return "Reply held: the " + string(n.Channel) + " window has closed; it goes out when the customer writes again"
	case NoteReplyReleased:
		return "The customer wrote on " + string(n.Channel) + ": held replies are on their way"
	}
	return string(n.Kind)
}

// Link is a link between a widget conversation and a social identity,
// active (EndedAt nil) or ended (R6, R12, R26).
type Link struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	IdentityID     int64
	Channel        Channel
	// Identity is the identity as the widget shows it: only masked, since
	// an ended link may have been a stranger's.
	Identity  string
	LinkedAt  time.Time
	EndedAt   *time.Time
	EndedBy   LinkActor
	EndReason LinkEndReason
}

// Reroutes is the channel an end user's message moves the reply route to:
// replies follow the end user where they wrote last (R11), and their message
// reopens a closed conversation. "": a message of anyone else.
func (m *Message) Reroutes() Channel {
	if m.AuthorRole != AuthorEndUser {
		return ""
	}
	return m.Channel
}

// Switch is the note a conversation's history takes when m moves the reply
// route from last: only a widget conversation's history shows switches, and
// only when the channel changes (R13). nil: no note.
func (m *Message) Switch(widgetID int64, last Channel) *Note {
	to := m.Reroutes()
	if to == "" || to == last || widgetID == 0 {
		return nil
	}
	return &Note{Kind: NoteChannelSwitched, Channel: to, PreviousChannel: last}
}
