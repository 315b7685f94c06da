package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/linking"
)

// note is a system message for a conversation's history.
type note struct {
	conv *conversationRow
	msg  *conversation.Message
}

// activateLink links the identity that confirmed request l.RequestID to
// conversation c, within a batch's transaction, and makes its channel c's
// reply route with the window the confirmation opened (R11, R25). It
// returns the history notes to add: one in c, and one in the conversation
// the identity leaves (R8).
func (a *Appender) activateLink(tx *gorm.DB, accountID int64, c *conversationRow, l *conversation.LinkActivation, convs map[int64]*conversationRow, now time.Time) ([]note, error) {
	res := tx.Model(&linkRequestRow{}).
		Where("account_id = ? AND id = ? AND conversation_id = ? AND status = ? AND redeemer_id = ? AND expires_at > ?",
			accountID, l.RequestID, c.ID, string(linking.StatusAwaiting), l.ExternalID, now).
		Updates(map[string]any{"status": string(linking.StatusLinked), "updated_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, apperr.New(apperr.LinkExpired, "the link request is no longer awaiting confirmation")
	}
	var id identityRow
	err := tx.Where("account_id = ? AND channel = ? AND external_id = ?", accountID, string(l.Channel), l.ExternalID).Take(&id).Error
	var notes []note
	relinked := false
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		id = identityRow{AccountID: accountID, Channel: string(l.Channel), ExternalID: l.ExternalID, DisplayName: l.Name, CreatedAt: now}
	case err != nil:
		return nil, err
	case id.ConversationID != nil && *id.ConversationID == c.ID:
		relinked = id.LinkedAt != nil
	case id.ConversationID != nil:
		old, err := a.conversation(tx, convs, accountID, *id.ConversationID)
		if err != nil {
			return nil, err
		}
		if id.LinkedAt != nil {
			if err := endLinks(tx, old.ID, id.ID, conversation.ActorEndUser, conversation.ReasonMoved, now); err != nil {
				return nil, err
			}
			if old.LastChannel == string(l.Channel) {
				old.LastChannel = string(conversation.ChannelWebWidget)
			}
		}
		notes = append(notes, note{old, systemNote(old, now, &conversation.Note{
			Kind: conversation.NoteLinkMoved, Channel: l.Channel, Identity: id.domain().Masked(),
			EndedBy: conversation.ActorEndUser, Reason: conversation.ReasonMoved,
		})})
	}
	id.EndUserID, id.ConversationID, id.IntegrationID = c.EndUserID, &c.ID, nullID(l.IntegrationID)
	id.LinkedAt, id.UpdatedAt = &now, now
	if l.Name != "" {
		id.DisplayName = l.Name
	}
	if at := l.At.UTC(); !l.At.IsZero() && (id.LastInboundAt == nil || at.After(*id.LastInboundAt)) {
		id.LastInboundAt = &at
	}
	if err := tx.Save(&id).Error; err != nil {
		return nil, err
	}
	if !relinked {
		if err := tx.Create(&linkRow{AccountID: accountID, ConversationID: c.ID, IdentityID: id.ID, Channel: string(l.Channel), LinkedAt: now}).Error; err != nil {
			return nil, err
		}
	}
	c.LastChannel = string(l.Channel)
	notes = append(notes, note{c, systemNote(c, now, &conversation.Note{Kind: conversation.NoteLinked, Channel: l.Channel, Identity: id.domain().Masked()})})
	return notes, nil
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

// unlink ends conversation c's link to a channel within a batch's
// transaction. The identity is detached from c's end user onto an end user
// of its own, so that what it sends later opens a conversation she cannot
// see (R12, R26). It returns the history note and the identity as it was
// linked.
func (a *Appender) unlink(tx *gorm.DB, c *conversationRow, u *conversation.Unlink, now time.Time) (*conversation.Message, *conversation.Identity, error) {
	var ids []identityRow
	if err := tx.Where("account_id = ? AND conversation_id = ? AND channel = ? AND linked_at IS NOT NULL", c.AccountID, c.ID, string(u.Channel)).Find(&ids).Error; err != nil {
		return nil, nil, err
	}
	if len(ids) == 0 {
		return nil, nil, apperr.NotFoundf("link")
	}
	for i := range ids {
		own := endUserRow{AccountID: c.AccountID, Name: ids[i].DisplayName, CreatedAt: now}
		if err := tx.Create(&own).Error; err != nil {
			return nil, nil, err
		}
		if err := tx.Model(&identityRow{}).Where("id = ?", ids[i].ID).
			Updates(map[string]any{"end_user_id": own.ID, "conversation_id": nil, "linked_at": nil, "updated_at": now}).Error; err != nil {
			return nil, nil, err
		}
		if err := endLinks(tx, c.ID, ids[i].ID, u.EndedBy, u.Reason(), now); err != nil {
			return nil, nil, err
		}
	}
	if c.LastChannel == string(u.Channel) {
		c.LastChannel = string(conversation.ChannelWebWidget)
	}
	was := ids[0].domain()
	return systemNote(c, now, u.Note(was.Masked())), was, nil
}

// endLinks records the end of an identity's active link to a conversation.
func endLinks(tx *gorm.DB, conversationID, identityID int64, by conversation.LinkActor, why conversation.LinkEndReason, now time.Time) error {
	return tx.Model(&linkRow{}).Where("conversation_id = ? AND identity_id = ? AND ended_at IS NULL", conversationID, identityID).
		Updates(map[string]any{"ended_at": now, "ended_by": string(by), "end_reason": string(why)}).Error
}
