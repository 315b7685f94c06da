package account

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
)

// fakeTeam is one account's members.
type fakeTeam struct {
	agents []*Agent
	writes int
}

func (f *fakeTeam) Agents(context.Context, int64) ([]*Agent, error) { return f.agents, nil }

func (f *fakeTeam) Agent(_ context.Context, accountID, id int64) (*Agent, error) {
	for _, a := range f.agents {
		if a.ID == id && a.AccountID == accountID {
			c := *a
			return &c, nil
		}
	}
	return nil, apperr.NotFoundf("agent")
}

func (f *fakeTeam) AgentByEmail(_ context.Context, _ int64, email string) (*Agent, error) {
	for _, a := range f.agents {
		if a.Email == email && a.Active() {
			return a, nil
		}
	}
	return nil, apperr.NotFoundf("agent")
}

func (f *fakeTeam) NewAgent(_ context.Context, a *Agent, _ []byte) error {
	f.writes++
	a.ID = int64(len(f.agents) + 1)
	f.agents = append(f.agents, a)
	return nil
}

func (f *fakeTeam) SetAgentRole(_ context.Context, _, id int64, role Role) error {
	f.writes++
	f.agents[id-1].Role = role
	return nil
}

func (f *fakeTeam) DeactivateAgent(_ context.Context, _, id int64, at time.Time) error {
	f.writes++
	f.agents[id-1].DeactivatedAt = &at
	return nil
}

// R28: admins invite, change roles and deactivate; input is checked before
// anything is written; the last active admin stays; a role change or a
// deactivation ends the agent's grant, so their sockets reconnect with
// what they now hold, or not at all.
func TestTeam(t *testing.T) {
	ctx := context.Background()
	st := &fakeTeam{agents: []*Agent{
		{ID: 1, AccountID: 5, Email: "boss@acme.example", Role: RoleAdmin},
		{ID: 2, AccountID: 5, Email: "al@acme.example", Role: RoleAgent},
	}}
	var revoked []int64
	team := NewTeam(st, time.Now, func() (string, []byte) { return "lla_secret", []byte("hash") }, func(_ context.Context, _, id int64) error {
		revoked = append(revoked, id)
		return nil
	})
	boss, al := st.agents[0], st.agents[1]

	for name, tc := range map[string]struct {
		by                 *Agent
		name, email, field string
		role               Role
		code               apperr.Code
	}{
		"an agent":     {al, "X", "x@acme.example", "", RoleAgent, apperr.Forbidden},
		"nobody":       {nil, "X", "x@acme.example", "", RoleAgent, apperr.Unauthenticated},
		"no name":      {boss, " ", "x@acme.example", "name", RoleAgent, apperr.BadUserInput},
		"no at":        {boss, "X", "x.acme.example", "email", RoleAgent, apperr.BadUserInput},
		"only an at":   {boss, "X", "@", "email", RoleAgent, apperr.BadUserInput},
		"a space":      {boss, "X", "x y@acme.example", "email", RoleAgent, apperr.BadUserInput},
		"taken":        {boss, "X", "al@acme.example", "email", RoleAgent, apperr.BadUserInput},
		"unknown role": {boss, "X", "x@acme.example", "role", Role("OWNER"), apperr.BadUserInput},
	} {
		_, err := team.Invite(ctx, tc.by, tc.name, tc.email, tc.role)
		if e, ok := apperr.As(err); !ok || e.Code != tc.code || e.Field != tc.field {
			t.Errorf("%s: %v", name, err)
		}
	}
	if st.writes != 0 {
		t.Fatalf("refused invitations wrote %d times", st.writes)
	}
	in, err := team.Invite(ctx, boss, " Sam ", " sam@acme.example ", RoleAgent)
	if err != nil || in.Token != "lla_secret" || in.Agent.Name != "Sam" || in.Agent.Email != "sam@acme.example" || in.Agent.AccountID != 5 {
		t.Fatalf("invited %+v %v", in, err)
	}

	if _, err := team.SetRole(ctx, boss, boss.ID, RoleAgent); apperr.CodeOf(err) != apperr.BadUserInput {
		t.Errorf("demoting the last admin: %v", err)
	}
	if _, err := team.Deactivate(ctx, boss, boss.ID); apperr.CodeOf(err) != apperr.BadUserInput {
		t.Errorf("deactivating the last admin: %v", err)
	}
	if _, err := team.Deactivate(ctx, al, in.Agent.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an agent deactivating: %v", err)
	}
	if _, err := team.Deactivate(ctx, &Agent{ID: 9, AccountID: 6, Role: RoleAdmin}, al.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another account's admin: %v", err)
	}
	if a, err := team.SetRole(ctx, boss, al.ID, RoleAdmin); err != nil || a.Role != RoleAdmin {
		t.Fatalf("promote: %+v %v", a, err)
	}
	if a, err := team.Deactivate(ctx, boss, al.ID); err != nil || a.Active() {
		t.Fatalf("deactivate: %+v %v", a, err)
	}
	if a, err := team.Deactivate(ctx, boss, al.ID); err != nil || a.Active() {
		t.Fatalf("deactivate again: %+v %v", a, err)
	}
	// Only one admin is active again: the boss stays one.
	if _, err := team.SetRole(ctx, boss, boss.ID, RoleAgent); apperr.CodeOf(err) != apperr.BadUserInput {
		t.Errorf("demoting the last active admin: %v", err)
	}
	if !slices.Equal(revoked, []int64{al.ID, al.ID}) {
		t.Errorf("grants ended for %v, want the promotion's and the deactivation's", revoked)
	}
	// The email of a deactivated member is free.
	if _, err := team.Invite(ctx, boss, "Al", "al@acme.example", RoleAgent); err != nil {
		t.Errorf("inviting a deactivated member's email: %v", err)
	}
}
