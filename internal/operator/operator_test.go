package operator

import (
	"bytes"
	"context"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
)

type fakeStore struct {
	accounts []*account.Account
	agents   []*account.Agent
	tokens   map[int64][]byte
	revoked  []auth.Revocation
}

func (f *fakeStore) NewAccount(_ context.Context, a *account.Account) error {
	a.ID = int64(len(f.accounts) + 1)
	f.accounts = append(f.accounts, a)
	return nil
}

func (f *fakeStore) NewAgent(_ context.Context, a *account.Agent, hash []byte) error {
	a.ID = int64(len(f.agents) + 1)
	f.agents = append(f.agents, a)
	if f.tokens == nil {
		f.tokens = map[int64][]byte{}
	}
	f.tokens[a.ID] = hash
	return nil
}

func (f *fakeStore) Accounts(context.Context) ([]*account.Account, error) { return f.accounts, nil }

func (f *fakeStore) SetAccountPlan(_ context.Context, id int64, p account.Plan) error {
	for _, a := range f.accounts {
		if a.ID == id {
			a.Plan = p
			return nil
		}
	}
	return apperr.NotFoundf("account")
}

func (f *fakeStore) AgentByEmail(_ context.Context, accountID int64, email string) (*account.Agent, error) {
	for _, a := range f.agents {
		if a.AccountID == accountID && strings.EqualFold(a.Email, email) {
			return a, nil
		}
	}
	return nil, apperr.NotFoundf("agent")
}

func (f *fakeStore) SetAgentToken(_ context.Context, _, agentID int64, hash []byte) error {
	f.tokens[agentID] = hash
	return nil
}

func (f *fakeStore) AnnounceRevoked(_ context.Context, r auth.Revocation) error {
	f.revoked = append(f.revoked, r)
	return nil
}

// run runs the command args name with its flags, as the wiring does.
func run(t *testing.T, st Store, args ...string) (string, error) {
	t.Helper()
	cmd, rest, ok := Lookup(args)
	if !ok {
		t.Fatalf("no command %q", args)
	}
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cmd.Flags(fs)
	if err := fs.Parse(rest); err != nil {
		return "", err
	}
	var out bytes.Buffer
	err := cmd.Run(t.Context(), st, &out)
	return out.String(), err
}

// tokenIn is the token a command printed on its last line.
func tokenIn(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// R1, R20: an operator bootstraps an account with its first admin, whose
// token is printed once and stored only as a hash; bad input changes
// nothing.
func TestCreateAccount(t *testing.T) {
	st := &fakeStore{}
	for _, bad := range [][]string{
		{"-plan", "SUITE_TEAM", "-admin-name", "Ann", "-admin-email", "ann@acme.example"},
		{"-name", "Acme", "-plan", "GOLD", "-admin-name", "Ann", "-admin-email", "ann@acme.example"},
		{"-name", "Acme", "-plan", "SUITE_TEAM", "-admin-name", "Ann", "-admin-email", "ann"},
		{"-name", "Acme", "-plan", "SUITE_TEAM", "-admin-email", "ann@acme.example"},
	} {
		if _, err := run(t, st, append([]string{"accounts", "create"}, bad...)...); apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("%v: %v, want BAD_USER_INPUT", bad, err)
		}
	}
	if len(st.accounts) != 0 || len(st.agents) != 0 {
		t.Fatalf("refused input stored %+v %+v", st.accounts, st.agents)
	}
	out, err := run(t, st, "accounts", "create", "-name", " Acme Ltd ", "-plan", "SUITE_TEAM", "-admin-name", "Ann", "-admin-email", "ann@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.accounts) != 1 || st.accounts[0].Name != "Acme Ltd" || st.accounts[0].Plan != account.PlanSuiteTeam || !st.accounts[0].AgentWorkspace {
		t.Errorf("account %+v", st.accounts)
	}
	if len(st.agents) != 1 || st.agents[0].Role != account.RoleAdmin || st.agents[0].AccountID != 1 {
		t.Errorf("admin %+v", st.agents)
	}
	if tok := tokenIn(out); !bytes.Equal(auth.HashToken(tok), st.tokens[1]) {
		t.Errorf("printed token %q is not the stored one", tok)
	}
}

// R20, R28: a lost admin token is replaced, and running servers are told
// to drop the old one at once; an agent's is not the operator's to rotate.
func TestRotateAdminToken(t *testing.T) {
	st := &fakeStore{}
	if _, err := Bootstrap(t.Context(), st, NewAccount{Name: "Acme", Plan: account.PlanSuiteTeam, AdminName: "Ann", AdminEmail: "ann@acme.example"}); err != nil {
		t.Fatal(err)
	}
	_ = st.NewAgent(t.Context(), &account.Agent{AccountID: 1, Email: "al@acme.example", Role: account.RoleAgent}, []byte("agent"))
	old := st.tokens[1]
	out, err := run(t, st, "admins", "rotate-token", "-account", "1", "-email", "ANN@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if tok := tokenIn(out); bytes.Equal(st.tokens[1], old) || !bytes.Equal(auth.HashToken(tok), st.tokens[1]) {
		t.Errorf("token not rotated to the printed one: %q", tok)
	}
	if want := []auth.Revocation{{Grant: auth.GrantAgent, ID: 1}}; !slices.Equal(st.revoked, want) {
		t.Errorf("announced %v, want %v", st.revoked, want)
	}
	if _, err := run(t, st, "admins", "rotate-token", "-account", "1", "-email", "al@acme.example"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an agent's token: %v, want NOT_FOUND", err)
	}
	if _, err := run(t, st, "admins", "rotate-token", "-account", "2", "-email", "ann@acme.example"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another account: %v, want NOT_FOUND", err)
	}
}

// R1: plans are changed only to known plans, and listed.
func TestSetPlanAndList(t *testing.T) {
	st := &fakeStore{}
	if _, err := Bootstrap(t.Context(), st, NewAccount{Name: "Acme", Plan: account.PlanSupportTeam, AdminName: "Ann", AdminEmail: "ann@acme.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, st, "accounts", "set-plan", "-account", "1", "-plan", "GOLD"); apperr.CodeOf(err) != apperr.BadUserInput || st.accounts[0].Plan != account.PlanSupportTeam {
		t.Errorf("unknown plan: %v, plan %s", err, st.accounts[0].Plan)
	}
	if _, err := run(t, st, "accounts", "set-plan", "-account", "1", "-plan", "SUITE_GROWTH"); err != nil || st.accounts[0].Plan != account.PlanSuiteGrowth {
		t.Errorf("set-plan: %v, plan %s", err, st.accounts[0].Plan)
	}
	out, err := run(t, st, "accounts", "list")
	if err != nil || !strings.Contains(out, "Acme") || !strings.Contains(out, "SUITE_GROWTH") {
		t.Errorf("list: %v\n%s", err, out)
	}
}
