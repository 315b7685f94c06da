package delivery

import (
	"context"
	"slices"
	"time"

	"github.com/linkline/linkline/internal/conversation"
)

// heldReplyWait is how long the job of a reply held for a closed window
// (R33) sleeps before it looks again. ReleaseHeld wakes it the moment the
// end user writes; the wait only bounds a wake-up lost to a crash between
// the release and the wake.
const heldReplyWait = 10 * time.Minute

// maxHeld bounds how long a reply stays held: an answer weeks late is no
// answer, and its job should end.
const maxHeld = 30 * 24 * time.Hour

// ReleaseHeld queues the replies held for identityID's closed window, now
// that the end user has written on it again (R33), and notes it in the
// history. It runs on the webhook's path after the message is stored, so a
// failure retries with the webhook; the state moves from HELD once, so a
// retry releases nothing twice. The replies go out in the order written
// (R34): each job waits for those before it.
func (w *Worker) ReleaseHeld(ctx context.Context, accountID, identityID int64) error {
	s := w.s
	res, err := s.writer.Write(ctx, conversation.DeliveryUpdate{
		AccountID: accountID, IdentityID: identityID, Watermark: s.now(),
		Among: []conversation.DeliveryState{conversation.DeliveryHeld}, State: conversation.DeliveryQueued,
		Apply: func(m *conversation.Message, _ []conversation.DeliveryReport) bool {
			if m.DeliveryState != conversation.DeliveryHeld {
				return false
			}
			m.DeliveryState = conversation.DeliveryQueued
			return true
		},
	})
	if err != nil || len(res.Updated) == 0 {
		return err
	}
	released := slices.Clone(res.Updated)
	slices.SortFunc(released, func(a, b *conversation.Message) int { return int(a.Seq - b.Seq) })
	first := released[0]
	if _, err := s.writer.Write(ctx, conversation.AddNote{AccountID: accountID, ConversationID: first.ConversationID,
		Note: &conversation.Note{Kind: conversation.NoteReplyReleased, Channel: first.Channel}}); err != nil {
		return err
	}
	for _, m := range released {
		if err := w.queue.Wake(ctx, m.ID); err != nil {
			// The job wakes on its own when its wait ends.
			s.log.WarnContext(ctx, "delivery: could not wake a released reply", "message", m.ID, "err", err)
		}
	}
	return nil
}
