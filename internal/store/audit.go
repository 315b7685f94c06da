package store

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/audit"
)

type auditRow struct {
	ID        int64
	AccountID int64
	AgentID   *int64
	ActorName string
	Action    string
	Input     string
	CreatedAt time.Time
}

func (auditRow) TableName() string { return "audit_entries" }

func (r *auditRow) domain() *audit.Entry {
	return &audit.Entry{ID: r.ID, AccountID: r.AccountID, AgentID: idOf(r.AgentID), ActorName: r.ActorName, Action: r.Action, Input: r.Input, At: r.CreatedAt}
}

// NewAuditEntry appends e to its account's audit log.
func (db *DB) NewAuditEntry(ctx context.Context, e *audit.Entry) error {
	r := auditRow{AccountID: e.AccountID, AgentID: nullID(e.AgentID), ActorName: e.ActorName, Action: e.Action, Input: e.Input, CreatedAt: e.At}
	if err := db.gorm.WithContext(ctx).Create(&r).Error; err != nil {
		return err
	}
	e.ID = r.ID
	return nil
}

// AuditEntries returns up to limit entries of the account older than
// before (0: from the newest), newest first.
func (db *DB) AuditEntries(ctx context.Context, accountID, before int64, limit int) ([]*audit.Entry, error) {
	q := db.scoped(ctx, accountID, "audit_entries")
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*auditRow).domain), nil
}
