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
// conversation c, within a batch's transaction; it returns the history
// notes to add: one in c, and one in the conversation the identity leaves.
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
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		id = identityRow{AccountID: accountID, Channel: string(l.Channel), ExternalID: l.ExternalID, DisplayName: l.Name, CreatedAt: now}
	case err != nil:
		return nil, err
	case id.ConversationID != nil && *id.ConversationID != c.ID:
		old, err := a.conversation(tx, convs, accountID, *id.ConversationID)
		if err != nil {
			return nil, err
		}
		notes = append(notes, note{old, systemNote(old, now, string(l.Channel)+" identity "+id.domain().Masked()+" moved to another conversation")})
	}
	id.EndUserID, id.ConversationID, id.IntegrationID = c.EndUserID, &c.ID, nullID(l.IntegrationID)
	id.LinkedAt, id.UpdatedAt = &now, now
	if l.Name != "" {
		id.DisplayName = l.Name
	}
	if err := tx.Save(&id).Error; err != nil {
		return nil, err
	}
	notes = append(notes, note{c, systemNote(c, now, "Linked "+string(l.Channel)+": "+id.domain().Masked())})
	return notes, nil
}

// systemNote is a history entry the service writes (R13): shown in the
// widget and to agents, never sent to a social channel.
func systemNote(c *conversationRow, now time.Time, text string) *conversation.Message {
	return &conversation.Message{
		AccountID: c.AccountID, ConversationID: c.ID, Channel: conversation.ChannelWebWidget,
		AuthorRole: conversation.AuthorSystem, Text: text, ClientMessageID: fmt.Sprintf("sys:%x", sha256.Sum256([]byte(now.Format(time.RFC3339Nano)+text)))[:40], CreatedAt: now,
	}
}

// unlink ends conversation c's link to a channel within a batch's
// transaction, and returns the history note saying so.
func (a *Appender) unlink(tx *gorm.DB, c *conversationRow, u *conversation.Unlink, now time.Time) (*conversation.Message, error) {
	var ids []identityRow
	if err := tx.Where("account_id = ? AND conversation_id = ? AND channel = ? AND linked_at IS NOT NULL", c.AccountID, c.ID, string(u.Channel)).Find(&ids).Error; err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, apperr.NotFoundf("link")
	}
	for i := range ids {
		if err := tx.Model(&identityRow{}).Where("id = ?", ids[i].ID).
			Updates(map[string]any{"conversation_id": nil, "linked_at": nil, "updated_at": now}).Error; err != nil {
			return nil, err
		}
	}
	if c.LastChannel == string(u.Channel) {
		c.LastChannel = string(conversation.ChannelWebWidget)
	}
	text := "Unlinked " + string(u.Channel) + ": " + ids[0].domain().Masked()
	if u.Reason == conversation.DisabledByAdmin {
		text = string(u.Channel) + " link ended (" + conversation.DisabledByAdmin + "): " + ids[0].domain().Masked()
	}
	return systemNote(c, now, text), nil
}
