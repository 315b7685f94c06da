package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/widget"
)

var (
	_ account.TeamStore = (*DB)(nil)
	_ auth.TokenStore   = (*DB)(nil)
	_ widget.AdminStore = (*DB)(nil)
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
// without regard to case: the active one, if there is one.
func (db *DB) AgentByEmail(ctx context.Context, accountID int64, email string) (*account.Agent, error) {
	var r agentRow
	if err := db.scoped(ctx, accountID, "agents").Where("lower(email) = ?", strings.ToLower(email)).
		Order("deactivated_at IS NOT NULL, id").Take(&r).Error; err != nil {
		return nil, notFound(err, "agent")
	}
	return r.domain(), nil
}

// SetAgentToken replaces an agent's API tokens with one: the old ones are
// revoked.
func (db *DB) SetAgentToken(ctx context.Context, accountID, agentID int64, tokenHash []byte) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a agentRow
		if err := tx.Table("agents").Where("account_id = ? AND id = ?", accountID, agentID).Take(&a).Error; err != nil {
			return notFound(err, "agent")
		}
		now := db.now()
		if err := tx.Table("agent_tokens").Where("account_id = ? AND agent_id = ? AND revoked_at IS NULL", accountID, agentID).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		return tx.Create(&agentTokenRow{AccountID: accountID, AgentID: agentID, Name: "rotated token", TokenHash: tokenHash, CreatedAt: now}).Error
	})
}

// Agents lists the account's agents and admins, oldest first.
func (db *DB) Agents(ctx context.Context, accountID int64) ([]*account.Agent, error) {
	var rows []agentRow
	if err := db.scoped(ctx, accountID, "agents").Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*agentRow).domain), nil
}

// SetAgentRole changes an agent's role.
func (db *DB) SetAgentRole(ctx context.Context, accountID, id int64, role account.Role) error {
	return updated(db.scoped(ctx, accountID, "agents").Where("id = ?", id).Update("role", string(role)), "agent")
}

// DeactivateAgent marks an agent deactivated: none of their tokens
// authenticates any more.
func (db *DB) DeactivateAgent(ctx context.Context, accountID, id int64, at time.Time) error {
	return updated(db.scoped(ctx, accountID, "agents").Where("id = ? AND deactivated_at IS NULL", id).Update("deactivated_at", at.UTC()), "agent")
}

// SetAgentWorkspace switches an account's agent workspace on or off.
func (db *DB) SetAgentWorkspace(ctx context.Context, accountID int64, on bool) error {
	return updated(db.gorm.WithContext(ctx).Model(&accountRow{}).Where("id = ?", accountID).Update("agent_workspace", on), "account")
}

// NewAPIToken stores an agent's new API token by its hash.
func (db *DB) NewAPIToken(ctx context.Context, t *auth.APIToken, hash []byte) error {
	r := agentTokenRow{AccountID: t.AccountID, AgentID: t.AgentID, Name: t.Name, TokenHash: hash, CreatedAt: db.now(), ExpiresAt: t.ExpiresAt}
	if err := db.gorm.WithContext(ctx).Create(&r).Error; err != nil {
		return err
	}
	t.ID, t.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// APITokens lists an agent's tokens that are not revoked, oldest first.
func (db *DB) APITokens(ctx context.Context, accountID, agentID int64) ([]*auth.APIToken, error) {
	var rows []agentTokenRow
	if err := db.scoped(ctx, accountID, "agent_tokens").Where("agent_id = ? AND revoked_at IS NULL", agentID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*agentTokenRow).domain), nil
}

// APIToken returns one of the account's tokens that is not revoked.
func (db *DB) APIToken(ctx context.Context, accountID, id int64) (*auth.APIToken, error) {
	var r agentTokenRow
	if err := db.scoped(ctx, accountID, "agent_tokens").Where("id = ? AND revoked_at IS NULL", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "API token")
	}
	return r.domain(), nil
}

// RevokeAPIToken revokes a token: it never authenticates again.
func (db *DB) RevokeAPIToken(ctx context.Context, accountID, id int64, at time.Time) error {
	return updated(db.scoped(ctx, accountID, "agent_tokens").Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", at.UTC()), "API token")
}

// TokenUsed records when a token was last used.
func (db *DB) TokenUsed(ctx context.Context, id int64, at time.Time) error {
	return db.gorm.WithContext(ctx).Model(&agentTokenRow{}).Where("id = ?", id).Update("last_used_at", at.UTC()).Error
}

// EndSession ends a widget session now: its token is expired.
func (db *DB) EndSession(ctx context.Context, accountID, id int64, at time.Time) error {
	return updated(db.scoped(ctx, accountID, "widget_sessions").Where("id = ?", id).Update("expires_at", at.UTC()), "session")
}

// RenameWidget renames a widget.
func (db *DB) RenameWidget(ctx context.Context, accountID, id int64, name string) error {
	return updated(db.scoped(ctx, accountID, "widgets").Where("id = ? AND deleted_at IS NULL", id).Update("name", name), "widget")
}

// SetWidgetOrigins stores where a widget may be used from.
func (db *DB) SetWidgetOrigins(ctx context.Context, accountID, id int64, origins []string) error {
	b, err := json.Marshal(origins)
	if err != nil {
		return err
	}
	return updated(db.scoped(ctx, accountID, "widgets").Where("id = ? AND deleted_at IS NULL", id).Update("allowed_origins", string(b)), "widget")
}

// DeleteWidget marks a widget deleted; its conversations stay.
func (db *DB) DeleteWidget(ctx context.Context, accountID, id int64, at time.Time) error {
	return updated(db.scoped(ctx, accountID, "widgets").Where("id = ? AND deleted_at IS NULL", id).Update("deleted_at", at.UTC()), "widget")
}

// RevocationsChannel is the PostgreSQL channel on which revoked grants
// are announced, so that every instance closes the sockets holding them.
const RevocationsChannel = "linkline_revocations"

// AnnounceRevoked tells the other instances that a grant was revoked
// (after commit, as NOTIFY is).
func (db *DB) AnnounceRevoked(ctx context.Context, r auth.Revocation) error {
	if !db.postgres {
		return nil
	}
	return db.gorm.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", RevocationsChannel, r.String()).Error
}

// updated is the outcome of an update of one row: NOT_FOUND when no row
// matched.
func updated(res *gorm.DB, what string) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.NotFoundf(what)
	}
	return nil
}
