package store

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/conversation"
)

// sendRow is one attempt to send an outbound message (R34).
type sendRow struct {
	ID         int64
	AccountID  int64
	MessageID  int64
	StartedAt  time.Time
	EndedAt    *time.Time
	ExternalID string
	Error      string
	// Trace is the attempt's W3C traceparent, for the status webhooks that
	// report on what it sent.
	Trace string
}

func (sendRow) TableName() string { return "message_sends" }

// StartSend records that an attempt to send a message begins, in trace. It
// returns the attempt's id, the platform id an earlier attempt got back (""
// when none did), and how many earlier attempts have no outcome (see
// UnsureSend).
func (db *DB) StartSend(ctx context.Context, accountID, messageID int64, trace string) (attempt int64, sentAs string, unfinished int, err error) {
	var earlier []sendRow
	if err := db.scoped(ctx, accountID, "message_sends").Where("message_id = ?", messageID).Order("id").Find(&earlier).Error; err != nil {
		return 0, "", 0, err
	}
	for _, r := range earlier {
		switch {
		case r.ExternalID != "" && sentAs == "":
			sentAs = r.ExternalID
		case r.EndedAt == nil:
			unfinished++
		}
	}
	r := sendRow{AccountID: accountID, MessageID: messageID, StartedAt: db.now(), Trace: trace}
	if err := db.gorm.WithContext(ctx).Create(&r).Error; err != nil {
		return 0, "", 0, err
	}
	return r.ID, sentAs, unfinished, nil
}

// EndSend records an attempt's outcome: the platform's id of the message,
// or why the send failed. It returns how many platform ids the message has
// now: more than one means it was sent more than once.
func (db *DB) EndSend(ctx context.Context, accountID, attempt int64, sentAs, failure string) (ids int, err error) {
	q := db.scoped(ctx, accountID, "message_sends").Where("id = ?", attempt).
		Updates(map[string]any{"ended_at": db.now(), "external_id": sentAs, "error": failure})
	if q.Error != nil || sentAs == "" {
		return 0, q.Error
	}
	var n int64
	err = db.gorm.WithContext(ctx).Raw(`SELECT count(DISTINCT s.external_id) FROM message_sends s
		JOIN message_sends a ON a.message_id = s.message_id
		WHERE a.id = ? AND a.account_id = ? AND s.external_id <> ''`, attempt, accountID).Scan(&n).Error
	return int(n), err
}

// UnsureSend records why an attempt's outcome is unknown, leaving it
// without an end: to the next attempt, like one whose process died.
func (db *DB) UnsureSend(ctx context.Context, accountID, attempt int64, why string) error {
	return db.scoped(ctx, accountID, "message_sends").Where("id = ?", attempt).Update("error", why).Error
}

// SentTrace returns the trace of the attempt that got the platform id
// externalID; "" when there is none, or it was not traced.
func (db *DB) SentTrace(ctx context.Context, accountID int64, externalID string) (string, error) {
	var traces []string
	err := db.scoped(ctx, accountID, "message_sends").Where("external_id = ?", externalID).
		Order("id DESC").Limit(1).Pluck("trace", &traces).Error
	if err != nil || len(traces) == 0 {
		return "", err
	}
	return traces[0], nil
}

// SendsTo returns when the attempts to send to an identity since a time
// began, oldest first.
func (db *DB) SendsTo(ctx context.Context, accountID, identityID int64, since time.Time) ([]time.Time, error) {
	var at []time.Time
	err := db.gorm.WithContext(ctx).Raw(`SELECT s.started_at FROM message_sends s
		JOIN messages m ON m.id = s.message_id AND m.account_id = s.account_id
		WHERE s.account_id = ? AND m.identity_id = ? AND s.started_at > ?
		ORDER BY s.started_at`, accountID, identityID, since.UTC()).Scan(&at).Error
	return at, err
}

// QueuedBefore returns the id of the first reply written before m in its
// conversation, to the same channel, that is still queued and was written
// after since; 0 when there is none.
func (db *DB) QueuedBefore(ctx context.Context, m *conversation.Message, since time.Time) (int64, error) {
	return db.queued(ctx, m, "seq < ? AND created_at > ?", m.Seq, since.UTC())
}

// QueuedAfter returns the id of the first reply written after m in its
// conversation, to the same channel, that is still queued; 0 when there
// is none.
func (db *DB) QueuedAfter(ctx context.Context, m *conversation.Message) (int64, error) {
	return db.queued(ctx, m, "seq > ?", m.Seq)
}

// QueuedThrough returns the ids of the replies still queued to identities
// of an integration, oldest first.
func (db *DB) QueuedThrough(ctx context.Context, accountID, integrationID int64) ([]int64, error) {
	var ids []int64
	err := db.scoped(ctx, accountID, "messages").
		Where("delivery_state = ? AND identity_id IN (SELECT id FROM social_identities WHERE account_id = ? AND integration_id = ?)",
			string(conversation.DeliveryQueued), accountID, integrationID).
		Order("id").Pluck("id", &ids).Error
	return ids, err
}

func (db *DB) queued(ctx context.Context, m *conversation.Message, where string, args ...any) (int64, error) {
	var ids []int64
	err := db.scoped(ctx, m.AccountID, "messages").
		Where("conversation_id = ? AND channel = ? AND delivery_state = ?", m.ConversationID, string(m.Channel), string(conversation.DeliveryQueued)).
		Where(where, args...).Order("seq").Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}
