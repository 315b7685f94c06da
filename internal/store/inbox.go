package store

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/integration"
)

// Enqueue inserts a durable job into the transaction that asks for it.
type Enqueue func(ctx context.Context, tx *sql.Tx, inboxID int64) error

type inboxRow struct {
	ID            int64
	IntegrationID int64
	Body          []byte
	ReceivedAt    time.Time
	ProcessedAt   *time.Time
}

func (inboxRow) TableName() string { return "webhook_inbox" }

// Inbox stores webhook bodies with the job that processes them.
type Inbox struct {
	db      *DB
	enqueue Enqueue
}

// NewInbox returns the webhook inbox; enqueue adds the processing job.
func NewInbox(db *DB, enqueue Enqueue) *Inbox { return &Inbox{db: db, enqueue: enqueue} }

// Receive stores a webhook body and its processing job in one transaction:
// once it returns, the body will be processed even if the process dies.
func (in *Inbox) Receive(ctx context.Context, integrationID int64, body []byte) error {
	return in.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r := inboxRow{IntegrationID: integrationID, Body: body, ReceivedAt: in.db.now()}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		stx, err := sqlTx(tx)
		if err != nil {
			return err
		}
		return in.enqueue(ctx, stx, r.ID)
	})
}

// Webhook returns a stored body, its integration, and whether it was
// processed already.
func (in *Inbox) Webhook(ctx context.Context, id int64) (integrationID int64, body []byte, processed bool, err error) {
	var r inboxRow
	if err := in.db.gorm.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return 0, nil, false, notFound(err, "webhook")
	}
	return r.IntegrationID, r.Body, r.ProcessedAt != nil, nil
}

// Processed marks a stored body as done.
func (in *Inbox) Processed(ctx context.Context, id int64) error {
	return in.db.gorm.WithContext(ctx).Model(&inboxRow{}).Where("id = ?", id).Update("processed_at", in.db.now()).Error
}

// WebhookIntegration returns the integration a stored webhook came to:
// the processing job knows only its id. Unscoped: it is how the account is
// learnt.
func (db *DB) WebhookIntegration(ctx context.Context, integrationID int64) (*integration.Integration, error) {
	var r integrationRow
	if err := db.gorm.WithContext(ctx).Where("id = ?", integrationID).Take(&r).Error; err != nil {
		return nil, notFound(err, "integration")
	}
	return r.domain(), nil
}

// Prune deletes bodies processed before before; unprocessed ones stay.
func (in *Inbox) Prune(ctx context.Context, before time.Time) (int64, error) {
	res := in.db.gorm.WithContext(ctx).Where("processed_at < ?", before.UTC()).Delete(&inboxRow{})
	return res.RowsAffected, res.Error
}
