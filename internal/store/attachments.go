package store

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/attachment"
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
