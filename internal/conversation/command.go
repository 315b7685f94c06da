package conversation

import (
	"context"
	"time"
)

// The Writer's commands. Each kind of change to conversations is a type of
// its own, and the Writer applies each one with the events it produces in
// one transaction, often shared with other callers' commands: a message and
// its event commit together or not at all, and subscribers hear of them
// only after commit (R21). What a command means is decided before it is
// written, or by the plan it carries; the Writer reads, numbers and stores.

// Command is one change a Writer applies: Start, Post, Receive, SetStatus,
// Assign, AddNote, DeliveryUpdate, Activation, Detachment or Attach.
type Command interface {
	// Account is the account whose events the command numbers.
	Account() int64
	command()
}

// Writer applies commands durably. It may group concurrent calls into one
// transaction; each call returns once its command has committed.
type Writer interface {
	Write(ctx context.Context, c Command) (*Written, error)
}

// Written is the outcome of one command.
type Written struct {
	// Started is true when the command opened the conversation.
	Started      bool
	Conversation *Conversation
	EndUser      *EndUser
	SessionID    int64
	Message      *Message
	// Duplicate is true when Message had been stored before (R18): nothing
	// was written.
	Duplicate bool
	// Updated are the messages a DeliveryUpdate moved.
	Updated []*Message
	// Detached is the identity a Detachment detached, as it was linked.
	Detached *Identity
}

// Start opens a widget conversation, with its end user and session when
// they are new.
type Start struct {
	AccountID int64
	// EndUser is created when its ID is 0.
	EndUser  *EndUser
	WidgetID int64
	Channel  Channel
	// Session is created with the end user when set.
	Session *NewSession
	// Language is the end user's language tag, kept as the widget sent it
	// ("": follow the widget) (R27).
	Language string
}

// NewSession is a widget session to store with a new end user.
type NewSession struct {
	TokenHash []byte
	ExpiresAt time.Time
}

// Post appends a message to a conversation, unless its author already sent
// one with the same ClientMessageID (R18); the Writer assigns its ID and
// Seq. An end user's message also reopens the conversation and moves the
// reply route to its channel (see Message.Reroutes).
type Post struct {
	AccountID      int64
	ConversationID int64
	// EndUserID, when set, is who the conversation must belong to: the
	// command is NOT_FOUND otherwise, checked in its transaction, which
	// saves a read before each message.
	EndUserID int64
	Message   *Message
}

// Receive appends a message from a social identity. The identity, its end
// user and its conversation are found, or created, in the command's
// transaction, so that two first messages at once open one conversation.
// The message is deduplicated by its ExternalID (R18).
type Receive struct {
	AccountID int64
	From      SocialSender
	Message   *Message
}

// SocialSender is the social identity a message came from.
type SocialSender struct {
	Channel       Channel
	IntegrationID int64
	ExternalID    string
	// Name is the profile name, when the payload has one.
	Name string
	// At is when the end user wrote: the customer-service window runs
	// from it (R17).
	At time.Time
}

// Assign gives a conversation to agent To, or to nobody when To is 0 (R29).
// Allowed decides, in the command's transaction, whether the change may
// replace the current assignee (0: nobody), so that two agents taking the
// same conversation at once cannot both have it. Nothing is written when
// the assignee is already To.
type Assign struct {
	AccountID      int64
	ConversationID int64
	To             int64
	Allowed        func(current int64) error
}

// SetStatus closes or reopens a conversation; it changes nothing when the
// status is already Status.
type SetStatus struct {
	AccountID      int64
	ConversationID int64
	Status         Status
}

// AddNote adds a SYSTEM message saying what happened to a conversation's
// history (R13, R27).
type AddNote struct {
	AccountID      int64
	ConversationID int64
	Note           *Note
}

// DeliveryUpdate moves outbound messages as a send or a report says (R17,
// R18). It names its messages one of four ways: by MessageID; by Channel
// and ExternalID (a status report: if no message has that id yet, the
// report is kept, and handed to Apply when the send is recorded); by
// IdentityID and Watermark (every message sent to the identity up to then
// and still in a state of Among, as Messenger reports delivery and reads);
// or by ConversationID, Channel and UpToSeq (every message of the
// conversation on the channel up to that position and in a state of Among,
// as the widget acknowledges and reads replies, R31).
type DeliveryUpdate struct {
	AccountID      int64
	MessageID      int64
	Channel        Channel
	ExternalID     string
	IdentityID     int64
	Watermark      time.Time
	ConversationID int64
	UpToSeq        int64
	Among          []DeliveryState

	State DeliveryState
	// SentAs records the platform's id of a send.
	SentAs string
	Error  string
	// Apply moves one named message, given the reports kept for its send
	// (when SentAs records it), and reports whether it changed. Package
	// delivery decides how.
	Apply func(m *Message, kept []DeliveryReport) bool
}

// DeliveryReport is a report kept because it overtook the recording of
// its send.
type DeliveryReport struct {
	State DeliveryState
	Error string
}

// Account is the account the command writes in.
func (c Start) Account() int64 { return c.AccountID }

// Account is the account the command writes in.
func (c Post) Account() int64 { return c.AccountID }

// Account is the account the command writes in.
func (c Receive) Account() int64 { return c.AccountID }

// Account is the account the command writes in.
func (c SetStatus) Account() int64 { return c.AccountID }

// Account is the account the command writes in.
func (c Assign) Account() int64 { return c.AccountID }

// Account is the account the command writes in.
func (c AddNote) Account() int64 { return c.AccountID }

// Account is the account the command writes in.
func (c DeliveryUpdate) Account() int64 { return c.AccountID }

// Account is the account the command writes in.
func (c Activation) Account() int64 { return c.AccountID }

// Account is the account the command writes in.
func (c Detachment) Account() int64 { return c.AccountID }

func (Start) command()          {}
func (Post) command()           {}
func (Receive) command()        {}
func (SetStatus) command()      {}
func (Assign) command()         {}
func (AddNote) command()        {}
func (DeliveryUpdate) command() {}
func (Activation) command()     {}
func (Detachment) command()     {}
