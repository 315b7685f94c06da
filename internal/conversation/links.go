package conversation

import "time"

// The writer's link commands. What linking and unlinking mean (R6, R8,
// R11, R12, R25, R26) is decided in package linking, which fills each
// command's Plan: the writer reads the state a plan needs under the
// account's lock, so that concurrent confirmations and unlinks see each
// other, and stores what the plan says.

// Activation links the identity ExternalID on Channel, which confirmed link
// request RequestID, to conversation ConversationID. The request moves from
// status RequestFrom to RequestTo if it is still unexpired and ExternalID's;
// otherwise the command is LINK_EXPIRED and nothing changes.
type Activation struct {
	AccountID              int64
	ConversationID         int64
	RequestID              int64
	RequestFrom, RequestTo string
	Channel                Channel
	ExternalID             string
	Plan                   func(ActivationState) ActivationPlan
}

// ActivationState is what is stored when an activation applies.
type ActivationState struct {
	Conversation *Conversation
	// Identity is the identity of ExternalID on the channel; nil when the
	// channel has not seen it.
	Identity *Identity
	// Previous is the conversation the identity's messages land in now,
	// when it is another one.
	Previous *Conversation
	Now      time.Time
}

// ActivationPlan is what an activation stores.
type ActivationPlan struct {
	// Identity is the identity as it is to be stored (ID 0: a new one).
	Identity *Identity
	// NewLink starts a link record (false: it is linked here already).
	NewLink bool
	// EndPrevious, when set, ends the identity's link to Previous.
	EndPrevious *LinkEnd
	// Route is the conversation's reply route from now on; PreviousRoute
	// Previous's ("": unchanged).
	Route, PreviousRoute Channel
	// Note goes to the conversation's history; PreviousNote, when set, to
	// Previous's.
	Note, PreviousNote *Note
}

// LinkEnd is who ended a link, and why (R26).
type LinkEnd struct {
	By     LinkActor
	Reason LinkEndReason
}

// Detachment ends conversation ConversationID's links on Channel.
type Detachment struct {
	AccountID      int64
	ConversationID int64
	Channel        Channel
	// Plan may refuse, e.g. NOT_FOUND when nothing is linked there.
	Plan func(DetachmentState) (DetachmentPlan, error)
}

// DetachmentState is what is stored when a detachment applies.
type DetachmentState struct {
	Conversation *Conversation
	// Linked are the identities linked to the conversation on the channel.
	Linked []*Identity
	Now    time.Time
}

// DetachmentPlan is what a detachment stores.
type DetachmentPlan struct {
	// Owners are the new end users the Linked identities move to, one
	// each, in order.
	Owners []*EndUser
	End    LinkEnd
	Route  Channel
	Note   *Note
}
