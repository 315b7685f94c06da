// Package operator is the command line an operator runs against the
// service's database, with the server's own configuration: bootstrap an
// account with its first admin, list accounts, change an account's plan,
// rotate a lost admin token. Tokens are printed once; only their hashes
// are stored.
package operator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
)

// Store is what the commands read and write.
type Store interface {
	NewAccount(ctx context.Context, a *account.Account) error
	NewAgent(ctx context.Context, a *account.Agent, tokenHash []byte) error
	Accounts(ctx context.Context) ([]*account.Account, error)
	SetAccountPlan(ctx context.Context, id int64, plan account.Plan) error
	AgentByEmail(ctx context.Context, accountID int64, email string) (*account.Agent, error)
	SetAgentToken(ctx context.Context, accountID, agentID int64, tokenHash []byte) error
	// AnnounceRevoked tells running servers that share the database that
	// a grant was revoked, so that they close what holds it at once.
	AnnounceRevoked(ctx context.Context, r auth.Revocation) error
}

// Command is one operator command. Flags binds its flags into the server's
// flag set before parsing; Run runs it after.
type Command struct {
	// Name is how it is called, e.g. "accounts create".
	Name    string
	Summary string
	Flags   func(fs *flag.FlagSet)
	Run     func(ctx context.Context, st Store, out io.Writer) error
}

// Commands are the operator commands, in the order help lists them.
// "migrate" is the wiring's: opening the database migrates it.
func Commands() []*Command {
	return []*Command{createAccount(), listAccounts(), setPlan(), rotateAdminToken()}
}

// Lookup finds the command args start with and returns the arguments
// after its name.
func Lookup(args []string) (*Command, []string, bool) {
	for _, c := range Commands() {
		words := strings.Fields(c.Name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.Name {
			return c, args[len(words):], true
		}
	}
	return nil, nil, false
}

// IsCommand reports whether word starts an operator command.
func IsCommand(word string) bool {
	for _, c := range Commands() {
		if strings.Fields(c.Name)[0] == word {
			return true
		}
	}
	return false
}

// NewAccount is an account to bootstrap with its first admin.
type NewAccount struct {
	Name           string
	Plan           account.Plan
	AgentWorkspace bool
	AdminName      string
	AdminEmail     string
}

func (n NewAccount) check() error {
	var errs []error
	if strings.TrimSpace(n.Name) == "" {
		errs = append(errs, apperr.Invalid("name", "is required"))
	}
	if !n.Plan.Valid() {
		errs = append(errs, apperr.Invalid("plan", "must be one of %s", plans()))
	}
	if strings.TrimSpace(n.AdminName) == "" {
		errs = append(errs, apperr.Invalid("admin-name", "is required"))
	}
	if !strings.Contains(n.AdminEmail, "@") {
		errs = append(errs, apperr.Invalid("admin-email", "is not an email address"))
	}
	return errors.Join(errs...)
}

// Bootstrapped is a new account, its first admin and the admin's token.
type Bootstrapped struct {
	Account    *account.Account
	Admin      *account.Agent
	AdminToken string
}

// Bootstrap creates an account with its first admin, whose token it
// returns: the only time it is known.
func Bootstrap(ctx context.Context, st Store, n NewAccount) (*Bootstrapped, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	acct := &account.Account{Name: strings.TrimSpace(n.Name), Plan: n.Plan, AgentWorkspace: n.AgentWorkspace}
	if err := st.NewAccount(ctx, acct); err != nil {
		return nil, err
	}
	tok, hash := auth.NewAgentToken()
	admin := &account.Agent{AccountID: acct.ID, Name: strings.TrimSpace(n.AdminName), Email: strings.TrimSpace(n.AdminEmail), Role: account.RoleAdmin}
	if err := st.NewAgent(ctx, admin, hash); err != nil {
		return nil, err
	}
	return &Bootstrapped{Account: acct, Admin: admin, AdminToken: tok}, nil
}

func plans() string {
	ps := []account.Plan{account.PlanSupportTeam, account.PlanSuiteTeam, account.PlanSuiteGrowth, account.PlanSuiteProfessional, account.PlanSuiteEnterprise}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

func createAccount() *Command {
	var n NewAccount
	var plan string
	return &Command{
		Name:    "accounts create",
		Summary: "create an account with its first admin, and print the admin's token once",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&n.Name, "name", "", "the account's name (required)")
			fs.StringVar(&plan, "plan", "", "the account's plan: "+plans()+" (required)")
			fs.BoolVar(&n.AgentWorkspace, "agent-workspace", true, "switch the agent workspace on")
			fs.StringVar(&n.AdminName, "admin-name", "", "the first admin's name (required)")
			fs.StringVar(&n.AdminEmail, "admin-email", "", "the first admin's email (required)")
		},
		Run: func(ctx context.Context, st Store, out io.Writer) error {
			n.Plan = account.Plan(plan)
			b, err := Bootstrap(ctx, st, n)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(out, "account %d %q created on plan %s, with admin %d <%s>.\n"+
				"Admin token (shown once; send it as \"Authorization: Bearer <token>\"):\n%s\n",
				b.Account.ID, b.Account.Name, b.Account.Plan, b.Admin.ID, b.Admin.Email, b.AdminToken)
			return err
		},
	}
}

func listAccounts() *Command {
	return &Command{
		Name:    "accounts list",
		Summary: "list every account",
		Flags:   func(*flag.FlagSet) {},
		Run: func(ctx context.Context, st Store, out io.Writer) error {
			accts, err := st.Accounts(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			_, _ = fmt.Fprintln(tw, "ID\tNAME\tPLAN\tAGENT WORKSPACE\tCREATED")
			for _, a := range accts {
				_, _ = fmt.Fprintf(tw, "%d\t%s\t%s\t%t\t%s\n", a.ID, a.Name, a.Plan, a.AgentWorkspace, a.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"))
			}
			return tw.Flush()
		},
	}
}

func setPlan() *Command {
	var id int64
	var plan string
	return &Command{
		Name:    "accounts set-plan",
		Summary: "change an account's plan",
		Flags: func(fs *flag.FlagSet) {
			fs.Int64Var(&id, "account", 0, "the account's id (required)")
			fs.StringVar(&plan, "plan", "", "the new plan: "+plans()+" (required)")
		},
		Run: func(ctx context.Context, st Store, out io.Writer) error {
			if !account.Plan(plan).Valid() {
				return apperr.Invalid("plan", "must be one of %s", plans())
			}
			if err := st.SetAccountPlan(ctx, id, account.Plan(plan)); err != nil {
				return err
			}
			_, err := fmt.Fprintf(out, "account %d is on plan %s.\n", id, plan)
			return err
		},
	}
}

func rotateAdminToken() *Command {
	var id int64
	var email string
	return &Command{
		Name:    "admins rotate-token",
		Summary: "give an admin a new token, printed once; the old one stops working, and running servers on PostgreSQL close its sockets at once",
		Flags: func(fs *flag.FlagSet) {
			fs.Int64Var(&id, "account", 0, "the admin's account id (required)")
			fs.StringVar(&email, "email", "", "the admin's email (required)")
		},
		Run: func(ctx context.Context, st Store, out io.Writer) error {
			admin, err := st.AgentByEmail(ctx, id, email)
			if err != nil {
				return err
			}
			if admin.Role != account.RoleAdmin {
				return apperr.NotFoundf("admin")
			}
			tok, hash := auth.NewAgentToken()
			if err := st.SetAgentToken(ctx, id, admin.ID, hash); err != nil {
				return err
			}
			// A lost token may be in a stranger's hands: servers must not
			// trust it for as long as they cache lookups (R28).
			if err := st.AnnounceRevoked(ctx, auth.Revocation{Grant: auth.GrantAgent, ID: admin.ID}); err != nil {
				return err
			}
			_, err = fmt.Fprintf(out, "admin %d <%s> of account %d has a new token (shown once); the old one no longer works:\n%s\n",
				admin.ID, admin.Email, id, tok)
			return err
		},
	}
}
