// Package account holds the tenants of the service: accounts and the agents
// and admins who work in them (R1, R20).
package account

import "time"

// Plan is an account's subscription plan. Linking social channels needs a
// Suite plan (R1).
type Plan string

const (
	PlanSupportTeam       Plan = "SUPPORT_TEAM"
	PlanSuiteTeam         Plan = "SUITE_TEAM"
	PlanSuiteGrowth       Plan = "SUITE_GROWTH"
	PlanSuiteProfessional Plan = "SUITE_PROFESSIONAL"
	PlanSuiteEnterprise   Plan = "SUITE_ENTERPRISE"
)

// IsSuite reports whether the plan is one of the Suite plans.
func (p Plan) IsSuite() bool {
	switch p {
	case PlanSuiteTeam, PlanSuiteGrowth, PlanSuiteProfessional, PlanSuiteEnterprise:
		return true
	}
	return false
}

// Account is one customer company, the unit of tenancy: every query is
// scoped by it.
type Account struct {
	ID             int64
	Name           string
	Plan           Plan
	AgentWorkspace bool
	// AutoAssignCap is how many open conversations round-robin
	// auto-assignment gives each available agent at most; 0: off (R29).
	AutoAssignCap int
	// ReadMarks: agents reading a conversation mark the end user's social
	// messages read on the platform (R31). Off by default.
	ReadMarks bool
	CreatedAt time.Time
}

// Role is what an agent may do in its account.
type Role string

const (
	RoleAdmin Role = "ADMIN"
	RoleAgent Role = "AGENT"
)

// Agent is a person answering conversations; admins are agents with more
// rights.
type Agent struct {
	ID        int64
	AccountID int64
	Name      string
	Email     string
	Role      Role
	// Available agents take new conversations from auto-assignment (R29).
	Available bool
	CreatedAt time.Time
	// DeactivatedAt is set once an admin deactivated the agent: none of
	// their tokens works any more (R28).
	DeactivatedAt *time.Time
}

// Load is an active agent who said they are available, with their share of
// the work, as auto-assignment weighs it (R29).
type Load struct {
	AgentID int64
	// Open is how many open conversations they have.
	Open int
	// LastAssignedAt is when auto-assignment last gave them one; nil: never.
	LastAssignedAt *time.Time
}

// Active reports whether the agent may still work in the account.
func (a *Agent) Active() bool { return a.DeactivatedAt == nil }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleAgent }

// Valid reports whether p is a known plan.
func (p Plan) Valid() bool {
	return p == PlanSupportTeam || p.IsSuite()
}
