package account

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/apperr"
)

// TeamStore is what managing an account's agents needs from storage.
type TeamStore interface {
	Agents(ctx context.Context, accountID int64) ([]*Agent, error)
	Agent(ctx context.Context, accountID, id int64) (*Agent, error)
	AgentByEmail(ctx context.Context, accountID int64, email string) (*Agent, error)
	// NewAgent creates an agent holding a first API token, with tokenHash.
	NewAgent(ctx context.Context, a *Agent, tokenHash []byte) error
	SetAgentRole(ctx context.Context, accountID, id int64, role Role) error
	DeactivateAgent(ctx context.Context, accountID, id int64, at time.Time) error
}

// Team is how admins manage the agents and admins of their account (R28):
// invite them, change their roles, deactivate them.
type Team struct {
	store TeamStore
	now   func() time.Time
	// newToken mints an API token and the hash to store (auth's).
	newToken func() (token string, hash []byte)
	// revoke ends, at once and on every instance, what an agent holds as
	// authenticated: cached lookups, and open sockets, which close.
	revoke func(ctx context.Context, accountID, agentID int64) error
}

// NewTeam returns the team service.
func NewTeam(store TeamStore, now func() time.Time, newToken func() (string, []byte), revoke func(ctx context.Context, accountID, agentID int64) error) *Team {
	return &Team{store: store, now: now, newToken: newToken, revoke: revoke}
}

// Lengths people type, bounded so that lists stay lists.
const (
	maxName  = 200
	maxEmail = 254
)

// Invited is a new member and their first API token, shown once.
type Invited struct {
	Agent *Agent
	Token string
}

// Members lists the account's agents and admins, deactivated ones too.
func (t *Team) Members(ctx context.Context, by *Agent) ([]*Agent, error) {
	if err := admin(by); err != nil {
		return nil, err
	}
	return t.store.Agents(ctx, by.AccountID)
}

// Invite adds an agent or admin to the admin's account and returns their
// first API token: the only time it is known. An email already used by an
// active member of the account is refused.
func (t *Team) Invite(ctx context.Context, by *Agent, name, email string, role Role) (*Invited, error) {
	if err := admin(by); err != nil {
		return nil, err
	}
	name, email = strings.TrimSpace(name), strings.TrimSpace(email)
	switch {
	case name == "":
		return nil, apperr.Invalid("name", "is required")
	case utf8.RuneCountInString(name) > maxName:
		return nil, apperr.Invalid("name", "is longer than %d characters", maxName)
	case len(email) > maxEmail || !strings.Contains(strings.Trim(email, "@"), "@") || strings.ContainsAny(email, " \t\r\n"):
		return nil, apperr.Invalid("email", "is not an email address")
	case !role.Valid():
		return nil, apperr.Invalid("role", "must be ADMIN or AGENT")
	}
	same, err := t.store.AgentByEmail(ctx, by.AccountID, email)
	switch {
	case err == nil && same.Active():
		return nil, apperr.Invalid("email", "belongs to a member of the account already")
	case err != nil && apperr.CodeOf(err) != apperr.NotFound:
		return nil, err
	}
	tok, hash := t.newToken()
	a := &Agent{AccountID: by.AccountID, Name: name, Email: email, Role: role}
	if err := t.store.NewAgent(ctx, a, hash); err != nil {
		return nil, err
	}
	return &Invited{Agent: a, Token: tok}, nil
}

// SetRole makes a member an admin or an agent. The account keeps at least
// one active admin.
func (t *Team) SetRole(ctx context.Context, by *Agent, id int64, role Role) (*Agent, error) {
	if err := admin(by); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, apperr.Invalid("role", "must be ADMIN or AGENT")
	}
	a, err := t.store.Agent(ctx, by.AccountID, id)
	if err != nil {
		return nil, err
	}
	if a.Role == role {
		return a, nil
	}
	if role != RoleAdmin {
		if err := t.keepsAnAdmin(ctx, a); err != nil {
			return nil, err
		}
	}
	if err := t.store.SetAgentRole(ctx, a.AccountID, a.ID, role); err != nil {
		return nil, err
	}
	a.Role = role
	// Open sockets and cached lookups carry the old role: the agent
	// reconnects with the new one.
	return a, t.revoke(ctx, a.AccountID, a.ID)
}

// Deactivate ends a member's access: their tokens stop working and their
// open sockets close at once, on every instance (R28). Their name stays
// on what they wrote. The account keeps at least one active admin.
func (t *Team) Deactivate(ctx context.Context, by *Agent, id int64) (*Agent, error) {
	if err := admin(by); err != nil {
		return nil, err
	}
	a, err := t.store.Agent(ctx, by.AccountID, id)
	if err != nil {
		return nil, err
	}
	if !a.Active() {
		return a, nil
	}
	if err := t.keepsAnAdmin(ctx, a); err != nil {
		return nil, err
	}
	now := t.now().UTC()
	if err := t.store.DeactivateAgent(ctx, a.AccountID, a.ID, now); err != nil {
		return nil, err
	}
	a.DeactivatedAt = &now
	return a, t.revoke(ctx, a.AccountID, a.ID)
}

// keepsAnAdmin refuses to take the last active admin away: nobody could
// manage the account through the API any more.
func (t *Team) keepsAnAdmin(ctx context.Context, leaving *Agent) error {
	if leaving.Role != RoleAdmin || !leaving.Active() {
		return nil
	}
	all, err := t.store.Agents(ctx, leaving.AccountID)
	if err != nil {
		return err
	}
	for _, a := range all {
		if a.ID != leaving.ID && a.Role == RoleAdmin && a.Active() {
			return nil
		}
	}
	return apperr.New(apperr.BadUserInput, "the account's last active admin cannot stop being one")
}

func admin(by *Agent) error {
	if by == nil {
		return apperr.New(apperr.Unauthenticated, "a bearer token is required")
	}
	if by.Role != RoleAdmin {
		return apperr.New(apperr.Forbidden, "only admins manage the account's members")
	}
	return nil
}
