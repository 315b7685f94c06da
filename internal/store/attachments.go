package store

import (
	"context"
	"fmt"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
)

type attachmentRow struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	SHA256         string `gorm:"column:sha256"`
	Size           int64
	ContentType    string
	Name           string
	Width          int
	Height         int
	CreatedAt      time.Time
}

func (attachmentRow) TableName() string { return "attachments" }

func (r *attachmentRow) domain() *attachment.Attachment {
	return &attachment.Attachment{ID: r.ID, AccountID: r.AccountID, ConversationID: r.ConversationID, SHA256: r.SHA256,
		Size: r.Size, ContentType: r.ContentType, Name: r.Name, Width: r.Width, Height: r.Height, CreatedAt: r.CreatedAt}
}

// NewAttachment records a stored file in its conversation.
func (db *DB) NewAttachment(ctx context.Context, a *attachment.Attachment) error {
	r := attachmentRow{AccountID: a.AccountID, ConversationID: a.ConversationID, SHA256: a.SHA256, Size: a.Size,
		ContentType: a.ContentType, Name: a.Name, Width: a.Width, Height: a.Height, CreatedAt: a.CreatedAt}
	if err := db.gorm.WithContext(ctx).Create(&r).Error; err != nil {
		return err
	}
	a.ID = r.ID
	return nil
}

// Attachment returns one attachment of the account.
func (db *DB) Attachment(ctx context.Context, accountID, id int64) (*attachment.Attachment, error) {
	var r attachmentRow
	if err := db.scoped(ctx, accountID, "attachments").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "file")
	}
	return r.domain(), nil
}

// Attachments returns stored files of a conversation as messages carry
// them, in the order of ids: NOT_FOUND when one is not the conversation's.
func (db *DB) Attachments(ctx context.Context, accountID, conversationID int64, ids []int64) ([]conversation.Attachment, error) {
	var rows []attachmentRow
	if err := db.scoped(ctx, accountID, "attachments").Where("conversation_id = ? AND id IN ?", conversationID, ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	byID := make(map[int64]*attachmentRow, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	out := make([]conversation.Attachment, len(ids))
	for i, id := range ids {
		r := byID[id]
		if r == nil {
			return nil, apperr.NotFoundf("file")
		}
		out[i] = r.carried()
	}
	return out, nil
}

// carried is the file as a message carries it.
func (r *attachmentRow) carried() conversation.Attachment {
	return conversation.Attachment{ID: r.ID, Kind: conversation.KindOf(r.ContentType), State: conversation.AttachmentStored,
		Name: r.Name, ContentType: r.ContentType, Size: r.Size, Width: r.Width, Height: r.Height,
		AccountID: r.AccountID, ConversationID: r.ConversationID}
}

// attach settles a received file of a message (conversation.Attach).
func (w *write) attach(a conversation.Attach) error {
	var row messageRow
	if err := w.tx.Where("account_id = ? AND id = ?", w.account, a.MessageID).Take(&row).Error; err != nil {
		return notFound(err, "message")
	}
	if m := w.delivered[row.ID]; m != nil {
		row = *m
	}
	m := row.domain()
	w.res.Message = m
	if a.Index < 0 || a.Index >= len(m.Attachments) {
		return fmt.Errorf("store: message %d has no attachment %d", m.ID, a.Index)
	}
	if m.Attachments[a.Index].State != conversation.AttachmentReceiving {
		w.res.Duplicate = true
		return nil
	}
	m.Attachments[a.Index] = a.Attachment
	row.Attachments = messageRowOf(m).Attachments
	if err := w.tx.Model(&messageRow{}).Where("id = ?", row.ID).Update("attachments", row.Attachments).Error; err != nil {
		return err
	}
	w.delivered[row.ID] = &row
	c, err := w.conversation(row.ConversationID)
	if err != nil {
		return err
	}
	m = row.domain()
	w.res.Message = m
	w.emit(c, feed.KindAttachmentReceived, m).Conversation = c.domain()
	return nil
}
