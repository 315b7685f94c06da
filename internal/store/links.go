package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/linking"
)

var _ linking.RequestStore = (*DB)(nil)

type linkRequestRow struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	Channel        string
	IntegrationID  *int64
	TokenHash      []byte
	Status         string
	ExpiresAt      time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (linkRequestRow) TableName() string { return "link_requests" }

func (r *linkRequestRow) domain() *linking.Request {
	return &linking.Request{
		ID: r.ID, AccountID: r.AccountID, ConversationID: r.ConversationID, Channel: conversation.Channel(r.Channel),
		IntegrationID: idOf(r.IntegrationID), TokenHash: r.TokenHash, Status: linking.Status(r.Status),
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt,
	}
}

// ReplaceLinkRequest cancels the conversation's pending requests for the
// channel and stores r, in one transaction: asking again replaces.
func (db *DB) ReplaceLinkRequest(ctx context.Context, r *linking.Request) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&linkRequestRow{}).
			Where("account_id = ? AND conversation_id = ? AND channel = ? AND status = ?", r.AccountID, r.ConversationID, string(r.Channel), string(linking.StatusPending)).
			Updates(map[string]any{"status": string(linking.StatusCancelled), "updated_at": db.now()}).Error; err != nil {
			return err
		}
		row := linkRequestRow{
			AccountID: r.AccountID, ConversationID: r.ConversationID, Channel: string(r.Channel), IntegrationID: nullID(r.IntegrationID),
			TokenHash: r.TokenHash, Status: string(r.Status), ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.CreatedAt.UTC(),
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		r.ID = row.ID
		return nil
	})
}

// LinkRequest returns one link request of the account.
func (db *DB) LinkRequest(ctx context.Context, accountID, id int64) (*linking.Request, error) {
	var r linkRequestRow
	if err := db.scoped(ctx, accountID, "link_requests").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "link request")
	}
	return r.domain(), nil
}

// CancelLinkRequest cancels a request still pending, atomically; it
// reports whether it did.
func (db *DB) CancelLinkRequest(ctx context.Context, r *linking.Request) (bool, error) {
	res := db.scoped(ctx, r.AccountID, "link_requests").Where("id = ? AND status = ?", r.ID, string(linking.StatusPending)).
		Updates(map[string]any{"status": string(linking.StatusCancelled), "updated_at": db.now()})
	return res.RowsAffected > 0, res.Error
}
