package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

type linkRequestRow struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	Channel        string
	IntegrationID  *int64
	TokenHash      []byte
	Status         string
	RedeemerID     string
	RedeemerName   string
	ExpiresAt      time.Time
	DeepLink       string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (linkRequestRow) TableName() string { return "link_requests" }

func (r *linkRequestRow) domain() *conversation.LinkRequest {
	return &conversation.LinkRequest{
		ID: r.ID, AccountID: r.AccountID, ConversationID: r.ConversationID, Channel: conversation.Channel(r.Channel),
		IntegrationID: idOf(r.IntegrationID), TokenHash: r.TokenHash, Status: conversation.RequestStatus(r.Status),
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt, DeepLink: r.DeepLink, RedeemerID: r.RedeemerID,
	}
}

// leavePending is the update that moves a request out of PENDING, to
// status: the deep link carries the token, so it is kept only while the
// request waits for it.
func leavePending(status conversation.RequestStatus, now time.Time) map[string]any {
	return map[string]any{"status": string(status), "deep_link": "", "updated_at": now}
}

// ReplaceLinkRequest cancels the conversation's pending requests for the
// channel and stores r, in one transaction: asking again replaces.
func (db *DB) ReplaceLinkRequest(ctx context.Context, r *conversation.LinkRequest) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&linkRequestRow{}).
			Where("account_id = ? AND conversation_id = ? AND channel = ? AND status = ?", r.AccountID, r.ConversationID, string(r.Channel), string(conversation.RequestPending)).
			Updates(leavePending(conversation.RequestCancelled, db.now())).Error; err != nil {
			return err
		}
		row := linkRequestRow{
			AccountID: r.AccountID, ConversationID: r.ConversationID, Channel: string(r.Channel), IntegrationID: nullID(r.IntegrationID),
			TokenHash: r.TokenHash, Status: string(r.Status), ExpiresAt: r.ExpiresAt.UTC(), DeepLink: r.DeepLink,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.CreatedAt.UTC(),
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		r.ID = row.ID
		return nil
	})
}

// LinkRequest returns one link request of the account.
func (db *DB) LinkRequest(ctx context.Context, accountID, id int64) (*conversation.LinkRequest, error) {
	var r linkRequestRow
	if err := db.scoped(ctx, accountID, "link_requests").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "link request")
	}
	return r.domain(), nil
}

// PendingLinkRequests lists a conversation's requests in status PENDING,
// oldest first, expired or not.
func (db *DB) PendingLinkRequests(ctx context.Context, accountID, conversationID int64) ([]*conversation.LinkRequest, error) {
	var rows []linkRequestRow
	if err := db.scoped(ctx, accountID, "link_requests").Where("conversation_id = ? AND status = ?", conversationID, string(conversation.RequestPending)).
		Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*conversation.LinkRequest, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// CancelLinkRequest cancels a request still pending, atomically; it
// reports whether it did.
func (db *DB) CancelLinkRequest(ctx context.Context, r *conversation.LinkRequest) (bool, error) {
	res := db.scoped(ctx, r.AccountID, "link_requests").Where("id = ? AND status = ?", r.ID, string(conversation.RequestPending)).
		Updates(leavePending(conversation.RequestCancelled, db.now()))
	return res.RowsAffected > 0, res.Error
}

// RedeemLinkRequest binds the pending request holding tokenHash to the
// redeemer, if it is the integration's, unexpired and unused: one UPDATE,
// so that of concurrent redemptions exactly one wins (R6). It returns the
// request as it stands after, nil when the integration has none with that
// token, and whether this call bound it.
func (db *DB) RedeemLinkRequest(ctx context.Context, tokenHash []byte, it *integration.Integration, redeemer, name string, now, confirmBy time.Time) (*conversation.LinkRequest, bool, error) {
	q := db.gorm.WithContext(ctx).Model(&linkRequestRow{}).
		Where("token_hash = ? AND account_id = ? AND integration_id = ? AND status = ? AND expires_at > ?", tokenHash, it.AccountID, it.ID, string(conversation.RequestPending), now.UTC())
	redeemed := leavePending(conversation.RequestAwaiting, now.UTC())
	redeemed["redeemer_id"], redeemed["redeemer_name"], redeemed["expires_at"] = redeemer, name, confirmBy.UTC()
	res := q.Updates(redeemed)
	if res.Error != nil {
		return nil, false, res.Error
	}
	var r linkRequestRow
	err := db.gorm.WithContext(ctx).Where("token_hash = ? AND account_id = ? AND integration_id = ?", tokenHash, it.AccountID, it.ID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return r.domain(), res.RowsAffected == 1, nil
}

// ExpireLinkRequest records that a pending request expired.
func (db *DB) ExpireLinkRequest(ctx context.Context, r *conversation.LinkRequest) error {
	return db.scoped(ctx, r.AccountID, "link_requests").Where("id = ? AND status = ?", r.ID, string(conversation.RequestPending)).
		Updates(leavePending(conversation.RequestExpired, db.now())).Error
}

// LinkRequestForRedeemer returns a request that the redeemer presented.
func (db *DB) LinkRequestForRedeemer(ctx context.Context, it *integration.Integration, id int64, redeemer string) (*conversation.LinkRequest, error) {
	var r linkRequestRow
	if err := db.scoped(ctx, it.AccountID, "link_requests").Where("id = ? AND integration_id = ? AND redeemer_id = ?", id, it.ID, redeemer).Take(&r).Error; err != nil {
		return nil, notFound(err, "link request")
	}
	return r.domain(), nil
}

// DeclineLinkRequest ends a request awaiting the redeemer's answer.
func (db *DB) DeclineLinkRequest(ctx context.Context, it *integration.Integration, id int64, redeemer string) (bool, error) {
	res := db.scoped(ctx, it.AccountID, "link_requests").
		Where("id = ? AND integration_id = ? AND redeemer_id = ? AND status = ?", id, it.ID, redeemer, string(conversation.RequestAwaiting)).
		Updates(map[string]any{"status": string(conversation.RequestDeclined), "updated_at": db.now()})
	return res.RowsAffected > 0, res.Error
}

// CancelLinkRequests cancels the open requests to a channel of one widget's
// conversations, or of the whole account when widgetID is 0.
func (db *DB) CancelLinkRequests(ctx context.Context, accountID, widgetID int64, ch conversation.Channel) error {
	q := db.scoped(ctx, accountID, "link_requests").Where("channel = ? AND status IN ?", string(ch),
		[]string{string(conversation.RequestPending), string(conversation.RequestAwaiting)})
	if widgetID != 0 {
		q = q.Where("conversation_id IN (?)", db.scoped(ctx, accountID, "conversations").Where("widget_id = ?", widgetID).Select("id"))
	}
	return q.Updates(leavePending(conversation.RequestCancelled, db.now())).Error
}

// LinkedConversations lists the conversations with a link to a channel,
// of one widget or, when widgetID is 0, of the account.
func (db *DB) LinkedConversations(ctx context.Context, accountID, widgetID int64, ch conversation.Channel) ([]int64, error) {
	q := db.scoped(ctx, accountID, "social_identities").Where("channel = ? AND linked_at IS NOT NULL AND conversation_id IS NOT NULL", string(ch))
	if widgetID != 0 {
		q = q.Where("conversation_id IN (?)", db.scoped(ctx, accountID, "conversations").Where("widget_id = ?", widgetID).Select("id"))
	}
	var ids []int64
	err := q.Distinct("conversation_id").Pluck("conversation_id", &ids).Error
	return ids, err
}
