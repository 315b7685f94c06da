package store

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
)

// SaveProfile records what a platform's user profile said of an identity
// and when it was read (R16, R27). A profile without a name keeps the name
// the identity has. An identity that does not exist yet is left alone: the
// next read, once it does, records it.
func (db *DB) SaveProfile(ctx context.Context, accountID int64, ch conversation.Channel, externalID string, p channel.Profile, at time.Time) error {
	set := map[string]any{"picture_url": p.PictureURL, "profile_at": at.UTC(), "updated_at": db.now()}
	if p.Name != "" {
		set["display_name"] = p.Name
	}
	return db.scoped(ctx, accountID, "social_identities").
		Where("channel = ? AND external_id = ?", string(ch), externalID).Updates(set).Error
}
