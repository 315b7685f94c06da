package store

import (
	"context"

	"github.com/linkline/linkline/internal/conversation"
)

// SetReadMarks says whether the account's agents mark social messages read
// on the platforms (R31).
func (db *DB) SetReadMarks(ctx context.Context, accountID int64, on bool) error {
	return updated(db.gorm.WithContext(ctx).Model(&accountRow{}).Where("id = ?", accountID).Update("read_marks", on), "account")
}

// SetUnreadFallback stores a widget's unread fallback delay (R33).
func (db *DB) SetUnreadFallback(ctx context.Context, accountID, widgetID int64, minutes int) error {
	return updated(db.gorm.WithContext(ctx).Model(&widgetRow{}).Where("account_id = ? AND id = ? AND deleted_at IS NULL", accountID, widgetID).
		Update("unread_fallback_minutes", minutes), "widget")
}

// LastInbound returns the newest message the identity sent that has a
// platform id: what WhatsApp's typing indicator hangs on.
func (db *DB) LastInbound(ctx context.Context, accountID, identityID int64) (*conversation.Message, error) {
	var r messageRow
	err := db.scoped(ctx, accountID, "messages").
		Where("identity_id = ? AND author_role = ? AND external_id <> ''", identityID, string(conversation.AuthorEndUser)).
		Order("id DESC").Take(&r).Error
	if err != nil {
		return nil, notFound(err, "message")
	}
	return r.domain(), nil
}
