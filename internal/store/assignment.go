package store

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/account"
)

// SetAutoAssignCap sets the account's per-agent cap of auto-assigned open
// conversations (0: off).
func (db *DB) SetAutoAssignCap(ctx context.Context, accountID int64, limit int) error {
	return updated(db.gorm.WithContext(ctx).Model(&accountRow{}).Where("id = ?", accountID).Update("auto_assign_cap", limit), "account")
}

// SetAgentAvailable says whether an agent takes auto-assigned conversations.
func (db *DB) SetAgentAvailable(ctx context.Context, accountID, agentID int64, available bool) error {
	return updated(db.scoped(ctx, accountID, "agents").Where("id = ?", agentID).Update("available", available), "agent")
}

// Candidates lists the account's active, available agents with how many
// open conversations each has and when each was last auto-assigned one.
func (db *DB) Candidates(ctx context.Context, accountID int64) ([]account.Load, error) {
	var rows []struct {
		ID             int64
		Open           int
		LastAssignedAt *time.Time
	}
	err := db.scoped(ctx, accountID, "agents").
		Select("agents.id, agents.last_assigned_at, (SELECT count(*) FROM conversations c WHERE c.account_id = agents.account_id AND c.assignee_id = agents.id AND c.status = 'OPEN') AS open").
		Where("agents.available AND agents.deactivated_at IS NULL").Scan(&rows).Error
	out := make([]account.Load, len(rows))
	for i, r := range rows {
		out[i] = account.Load{AgentID: r.ID, Open: r.Open, LastAssignedAt: r.LastAssignedAt}
	}
	return out, err
}

// MarkAutoAssigned records when an agent was last auto-assigned a
// conversation: the round continues after them.
func (db *DB) MarkAutoAssigned(ctx context.Context, accountID, agentID int64, at time.Time) error {
	return db.scoped(ctx, accountID, "agents").Where("id = ?", agentID).Update("last_assigned_at", at.UTC()).Error
}
