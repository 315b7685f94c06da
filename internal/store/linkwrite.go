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

// note is a system message for a conversation's history.
type note struct {
	conv *conversationRow
	msg  *conversation.Message
}

// activate applies an activation to conversation c within a batch's
// transaction: it claims the request, reads what the plan needs, and
// stores what it decides. It returns the history notes, each with its
// conversation, and the previous conversation (nil: none), whose route
// the plan may have changed with or without a note.
func (a *Appender) activate(tx *gorm.DB, accountID int64, c *conversationRow, l *conversation.Activation, convs map[int64]*conversationRow, now time.Time) ([]note, *conversationRow, error) {
	res := tx.Model(&linkRequestRow{}).
		Where("account_id = ? AND id = ? AND conversation_id = ? AND status = ? AND redeemer_id = ? AND expires_at > ?",
			accountID, l.RequestID, c.ID, l.RequestFrom, l.ExternalID, now).
		Updates(map[string]any{"status": l.RequestTo, "updated_at": now})
	if res.Error != nil {
		return nil, nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, nil, apperr.New(apperr.LinkExpired, "the link request is no longer awaiting confirmation")
	}
	st := conversation.ActivationState{Conversation: c.domain(), Now: now}
	var prev *conversationRow
	var row identityRow
	err := tx.Where("account_id = ? AND channel = ? AND external_id = ?", accountID, string(l.Channel), l.ExternalID).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return nil, nil, err
	default:
		st.Identity = row.domain()
		if row.ConversationID != nil && *row.ConversationID != c.ID {
			if prev, err = a.conversation(tx, convs, accountID, *row.ConversationID); err != nil {
				return nil, nil, err
			}
			st.Previous = prev.domain()
		}
	}
	p := l.Plan(st)
	row = identityRowOf(p.Identity, now)
	if err := tx.Save(&row).Error; err != nil {
		return nil, nil, err
	}
	var notes []note
	if prev != nil {
		if p.EndPrevious != nil {
			if err := endLinks(tx, prev.ID, row.ID, *p.EndPrevious, now); err != nil {
				return nil, nil, err
			}
		}
		if p.PreviousRoute != "" {
			prev.LastChannel = string(p.PreviousRoute)
		}
		if p.PreviousNote != nil {
			notes = append(notes, note{prev, systemNote(prev, now, p.PreviousNote)})
		}
	}
	if p.NewLink {
		if err := tx.Create(&linkRow{AccountID: accountID, ConversationID: c.ID, IdentityID: row.ID, Channel: row.Channel, LinkedAt: now}).Error; err != nil {
			return nil, nil, err
		}
	}
	c.LastChannel = string(p.Route)
	notes = append(notes, note{c, systemNote(c, now, p.Note)})
	return notes, prev, nil
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

// detach applies a detachment to conversation c within a batch's
// transaction: each linked identity moves to the end user the plan gives
// it, and its link ends. It returns the history note and the identity as
// it was linked.
func (a *Appender) detach(tx *gorm.DB, c *conversationRow, d *conversation.Detachment, now time.Time) (*conversation.Message, *conversation.Identity, error) {
	var rows []identityRow
	if err := tx.Where("account_id = ? AND conversation_id = ? AND channel = ? AND linked_at IS NOT NULL", c.AccountID, c.ID, string(d.Channel)).Order("id").Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	linked := domains(rows, (*identityRow).domain)
	p, err := d.Plan(conversation.DetachmentState{Conversation: c.domain(), Linked: linked, Now: now})
	if err != nil {
		return nil, nil, err
	}
	if len(p.Owners) != len(rows) {
		return nil, nil, fmt.Errorf("store: a detachment plan gives %d owners to %d identities", len(p.Owners), len(rows))
	}
	for i, id := range rows {
		own := endUserRow{AccountID: c.AccountID, Name: p.Owners[i].Name, CreatedAt: now}
		if err := tx.Create(&own).Error; err != nil {
			return nil, nil, err
		}
		if err := tx.Model(&identityRow{}).Where("id = ?", id.ID).
			Updates(map[string]any{"end_user_id": own.ID, "conversation_id": nil, "linked_at": nil, "updated_at": now}).Error; err != nil {
			return nil, nil, err
		}
		if err := endLinks(tx, c.ID, id.ID, p.End, now); err != nil {
			return nil, nil, err
		}
	}
	c.LastChannel = string(p.Route)
	var was *conversation.Identity
	if len(linked) > 0 {
		was = linked[0]
	}
	return systemNote(c, now, p.Note), was, nil
}

// endLinks records the end of an identity's active link to a conversation.
func endLinks(tx *gorm.DB, conversationID, identityID int64, end conversation.LinkEnd, now time.Time) error {
	return tx.Model(&linkRow{}).Where("conversation_id = ? AND identity_id = ? AND ended_at IS NULL", conversationID, identityID).
		Updates(map[string]any{"ended_at": now, "ended_by": string(end.By), "end_reason": string(end.Reason)}).Error
}
