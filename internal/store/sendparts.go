package store

import (
	"context"
	"strings"
)

// PartsSent records the platform ids of the calls an attempt made before
// it failed, in order.
func (db *DB) PartsSent(ctx context.Context, accountID, attempt int64, ids []string) error {
	return db.scoped(ctx, accountID, "message_sends").Where("id = ?", attempt).
		Update("parts", strings.Join(ids, " ")).Error
}

// SentParts returns the platform ids of the calls the message's earlier
// attempts made before they failed: the most any one made, as each retry
// goes on from where the one before it stopped.
func (db *DB) SentParts(ctx context.Context, accountID, messageID int64) ([]string, error) {
	var all []string
	err := db.scoped(ctx, accountID, "message_sends").Where("message_id = ? AND parts <> ''", messageID).
		Order("id").Pluck("parts", &all).Error
	var most []string
	for _, p := range all {
		if ids := strings.Fields(p); len(ids) > len(most) {
			most = ids
		}
	}
	return most, err
}
