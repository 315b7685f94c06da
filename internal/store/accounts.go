package store

import (
	"context"
	"strings"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
)

// Accounts lists every account, oldest first: an operator's view, across
// tenants.
func (db *DB) Accounts(ctx context.Context) ([]*account.Account, error) {
	var rows []accountRow
	if err := db.gorm.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*accountRow).domain), nil
}

// SetAccountPlan changes an account's plan.
func (db *DB) SetAccountPlan(ctx context.Context, id int64, plan account.Plan) error {
	res := db.gorm.WithContext(ctx).Model(&accountRow{}).Where("id = ?", id).Update("plan", string(plan))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.NotFoundf("account")
	}
	return nil
}

// AgentByEmail returns the account's agent or admin with email, compared
// without regard to case.
func (db *DB) AgentByEmail(ctx context.Context, accountID int64, email string) (*account.Agent, error) {
	var r agentRow
	if err := db.scoped(ctx, accountID, "agents").Where("lower(email) = ?", strings.ToLower(email)).Order("id").Take(&r).Error; err != nil {
		return nil, notFound(err, "agent")
	}
	return r.domain(), nil
}

// SetAgentToken replaces an agent's API token: the old one stops working.
func (db *DB) SetAgentToken(ctx context.Context, accountID, agentID int64, tokenHash []byte) error {
	res := db.scoped(ctx, accountID, "agents").Where("id = ?", agentID).Update("token_hash", tokenHash)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.NotFoundf("agent")
	}
	return nil
}
