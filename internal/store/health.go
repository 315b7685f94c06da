package store

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

// RecordWebhook records that a signed webhook arrived for an integration
// at a time, unless one was recorded less than every before: concurrent
// webhooks write the row once a period at most (R38).
func (db *DB) RecordWebhook(ctx context.Context, integrationID int64, at time.Time, every time.Duration) error {
	return db.gorm.WithContext(ctx).Exec(`UPDATE integrations SET last_webhook_at = ?
		WHERE id = ? AND (last_webhook_at IS NULL OR last_webhook_at <= ?)`, at.UTC(), integrationID, at.Add(-every).UTC()).Error
}

// IntegrationSends reads the send attempts through an integration: the
// attempts started since a time, by outcome; when the latest
// successful one ended; and the replies to its identities still queued.
// Attempts are found by their account and time (message_sends_started),
// replies through the partial index of queued messages.
func (db *DB) IntegrationSends(ctx context.Context, accountID, integrationID int64, since time.Time) (integration.Sends, error) {
	var out integration.Sends
	const through = `FROM message_sends s
		JOIN messages m ON m.id = s.message_id
		JOIN social_identities i ON i.id = m.identity_id
		WHERE s.account_id = ? AND i.integration_id = ?`
	var counts struct{ Sent, Failed int }
	// A failed attempt has an error: one Meta or the network gave, or a
	// timeout whose outcome stays unknown (its end is left empty). One
	// that found its message already sent has neither id nor error.
	err := db.gorm.WithContext(ctx).Raw(`SELECT
		COALESCE(SUM(CASE WHEN s.external_id <> '' THEN 1 ELSE 0 END), 0) AS sent,
		COALESCE(SUM(CASE WHEN s.error <> '' THEN 1 ELSE 0 END), 0) AS failed
		`+through+` AND s.started_at >= ?`, accountID, integrationID, since.UTC()).Scan(&counts).Error
	if err != nil {
		return out, err
	}
	out.SentAttempts, out.FailedAttempts = counts.Sent, counts.Failed
	// Plain columns, not aggregates: SQLite gives an aggregate's time as
	// text.
	var last []time.Time
	err = db.gorm.WithContext(ctx).Raw(`SELECT s.ended_at `+through+` AND s.external_id <> '' AND s.ended_at IS NOT NULL
		ORDER BY s.started_at DESC LIMIT 1`, accountID, integrationID).Scan(&last).Error
	if err != nil {
		return out, err
	}
	if len(last) > 0 {
		out.LastSentAt = &last[0]
	}
	const queued = `FROM messages m JOIN social_identities i ON i.id = m.identity_id
		WHERE m.account_id = ? AND m.delivery_state = ? AND i.integration_id = ?`
	var waiting int64
	err = db.gorm.WithContext(ctx).Raw(`SELECT count(*) `+queued, accountID, string(conversation.DeliveryQueued), integrationID).Scan(&waiting).Error
	if err != nil || waiting == 0 {
		return out, err
	}
	out.WaitingReplies = int(waiting)
	var oldest []time.Time
	err = db.gorm.WithContext(ctx).Raw(`SELECT m.created_at `+queued+` ORDER BY m.created_at LIMIT 1`,
		accountID, string(conversation.DeliveryQueued), integrationID).Scan(&oldest).Error
	if err == nil && len(oldest) > 0 {
		out.OldestWaitingAt = &oldest[0]
	}
	return out, err
}
