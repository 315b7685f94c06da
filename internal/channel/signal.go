package channel

import "context"

// Signals is what an adapter shows in the end user's app besides messages
// (R31): the business typing, and the user's messages seen. Adapters whose
// platform has neither do not implement it.
type Signals interface {
	// ShowTyping shows the business typing a reply to user. lastInbound
	// is the platform id of the user's newest message: WhatsApp's
	// indicator hangs on it (and marks it read); the others ignore it.
	ShowTyping(ctx context.Context, c Credentials, user, lastInbound string) error
	// MarkRead shows the user that their message messageID, and what
	// came before it, was read.
	MarkRead(ctx context.Context, c Credentials, user, messageID string) error
}
