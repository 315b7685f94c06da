package widget

import (
	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/social"
)

// Prerequisite is a condition an account must meet for linking (R1).
type Prerequisite string

const (
	PrerequisiteSuitePlan      Prerequisite = "SUITE_PLAN"
	PrerequisiteAgentWorkspace Prerequisite = "AGENT_WORKSPACE"
	PrerequisiteSocialChannel  Prerequisite = "SOCIAL_CHANNEL"
)

// Missing lists the prerequisites an account does not meet (R1).
func Missing(a *account.Account, its []*integration.Integration) []Prerequisite {
	var out []Prerequisite
	if !a.Plan.IsSuite() {
		out = append(out, PrerequisiteSuitePlan)
	}
	if !a.AgentWorkspace {
		out = append(out, PrerequisiteAgentWorkspace)
	}
	if len(active(its)) == 0 {
		out = append(out, PrerequisiteSocialChannel)
	}
	return out
}

// active is the integration each channel goes through: the first active
// one. Disabled and failing integrations carry no traffic.
func active(its []*integration.Integration) map[social.Channel]*integration.Integration {
	out := map[social.Channel]*integration.Integration{}
	for _, it := range its {
		if it.Status == integration.StatusActive && out[it.Channel] == nil {
			out[it.Channel] = it
		}
	}
	return out
}
