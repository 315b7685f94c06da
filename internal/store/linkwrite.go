package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// activate applies an activation: it claims the request, reads what the
// plan needs, and stores what it decides, with a note in the history of
// each conversation the plan changes.
func (w *write) activate(l conversation.Activation) error {
	c, err := w.own(l.ConversationID, 0)
	if err != nil {
		return err
	}
	tx, accountID, now := w.tx, w.account, w.now
	res := tx.Model(&linkRequestRow{}).
		Where("account_id = ? AND id = ? AND conversation_id = ? AND status = ? AND redeemer_id = ? AND expires_at > ?",
			accountID, l.RequestID, c.ID, l.RequestFrom, l.ExternalID, now).
		Updates(map[string]any{"status": l.RequestTo, "updated_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.LinkExpired, "the link request is no longer awaiting confirmation")
	}
	st := conversation.ActivationState{Conversation: c.domain(), Now: now}
	var prev *conversationRow
	var row identityRow
	err = tx.Where("account_id = ? AND channel = ? AND external_id = ?", accountID, string(l.Channel), l.ExternalID).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return err
	default:
		st.Identity = row.domain()
		if row.ConversationID != nil && *row.ConversationID != c.ID {
			if prev, err = w.conversation(*row.ConversationID); err != nil {
				return err
			}
			st.Previous = prev.domain()
		}
	}
	p := l.Plan(st)
	row = identityRowOf(p.Identity, now)
	if err := tx.Save(&row).Error; err != nil {
		return err
	}
	if prev != nil {
		// The previous conversation's route may change without a note.
		w.touched[prev.ID] = true
		if p.EndPrevious != nil {
			if err := endLinks(tx, prev.ID, row.ID, *p.EndPrevious, now); err != nil {
				return err
			}
		}
		if p.PreviousRoute != "" {
			prev.LastChannel = string(p.PreviousRoute)
		}
		if p.PreviousNote != nil {
			w.note(prev, systemNote(prev, now, p.PreviousNote)).Conversation = prev.domain()
		}
	}
	if p.NewLink {
		if err := tx.Create(&linkRow{AccountID: accountID, ConversationID: c.ID, IdentityID: row.ID, Channel: row.Channel, LinkedAt: now}).Error; err != nil {
			return err
		}
	}
	c.LastChannel = string(p.Route)
	w.note(c, systemNote(c, now, p.Note))
	w.done(c)
	return nil
}

// systemNote is a history entry the service writes (R13, R27): shown in
// the widget and to agents, never sent to a social channel.
func systemNote(c *conversationRow, now time.Time, n *conversation.Note) *conversation.Message {
	text := n.Text()
	return &conversation.Message{
		AccountID: c.AccountID, ConversationID: c.ID, Channel: conversation.ChannelWebWidget,
		AuthorRole: conversation.AuthorSystem, Text: text, Note: n, CreatedAt: now,
		ClientMessageID: fmt.Sprintf("sys:%x", sha256.Sum256([]byte(now.Format(time.RFC3339Nano)+text)))[:40],
	}
}

// detach applies a detachment: each linked identity moves to the end user
// the plan gives it, and its link ends; the history notes it, and the
// result holds the identity as it was linked.
func (w *write) detach(d conversation.Detachment) error {
	c, err := w.own(d.ConversationID, 0)
	if err != nil {
		return err
	}
	tx, now := w.tx, w.now
	var rows []identityRow
	if err := tx.Where("account_id = ? AND conversation_id = ? AND channel = ? AND linked_at IS NOT NULL", c.AccountID, c.ID, string(d.Channel)).Order("id").Find(&rows).Error; err != nil {
		return err
	}
	linked := domains(rows, (*identityRow).domain)
	p, err := d.Plan(conversation.DetachmentState{Conversation: c.domain(), Linked: linked, Now: now})
	if err != nil {
		return err
	}
	if len(p.Owners) != len(rows) {
		return fmt.Errorf("store: a detachment plan gives %d owners to %d identities", len(p.Owners), len(rows))
	}
	for i, id := range rows {
		own := endUserRow{AccountID: c.AccountID, Name: p.Owners[i].Name, CreatedAt: now}
		if err := tx.Create(&own).Error; err != nil {
			return err
		}
		if err := tx.Model(&identityRow{}).Where("id = ?", id.ID).
			Updates(map[string]any{"end_user_id": own.ID, "conversation_id": nil, "linked_at": nil, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := endLinks(tx, c.ID, id.ID, p.End, now); err != nil {
			return err
		}
	}
	c.LastChannel = string(p.Route)
	if len(linked) > 0 {
		w.res.Detached = linked[0]
	}
	w.note(c, systemNote(c, now, p.Note))
	w.done(c)
	return nil
}

// endLinks records the end of an identity's active link to a conversation.
func endLinks(tx *gorm.DB, conversationID, identityID int64, end conversation.LinkEnd, now time.Time) error {
	return tx.Model(&linkRow{}).Where("conversation_id = ? AND identity_id = ? AND ended_at IS NULL", conversationID, identityID).
		Updates(map[string]any{"ended_at": now, "ended_by": string(end.By), "end_reason": string(end.Reason)}).Error
}
