package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/store"
	"github.com/linkline/linkline/internal/widget"
)

// seedDemo creates, on an empty database only, a demo account with an
// admin, an agent and a widget, and prints how to use them. Tokens are
// shown once: only their hashes are stored.
func seedDemo(ctx context.Context, db *store.DB, publicURL string, out io.Writer) error {
	empty, err := db.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	acct := &account.Account{Name: "Demo Company", Plan: account.PlanSuiteProfessional, AgentWorkspace: true}
	if err := db.NewAccount(ctx, acct); err != nil {
		return err
	}
	adminTok, adminHash := auth.NewAgentToken()
	admin := &account.Agent{AccountID: acct.ID, Name: "Ada Admin", Email: "admin@demo.example", Role: account.RoleAdmin}
	if err := db.NewAgent(ctx, admin, adminHash); err != nil {
		return err
	}
	agentTok, agentHash := auth.NewAgentToken()
	agent := &account.Agent{AccountID: acct.ID, Name: "Alex Agent", Email: "agent@demo.example", Role: account.RoleAgent}
	if err := db.NewAgent(ctx, agent, agentHash); err != nil {
		return err
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	// "*": the demo widget may be embedded in any page you try it from.
	w := &widget.Widget{AccountID: acct.ID, Key: "wk_" + hex.EncodeToString(b), Name: "Demo widget", AllowedOrigins: []string{"*"}}
	if err := db.NewWidget(ctx, w); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, `
Linkline demo account created (shown once; set DEMO=false in production).

  GraphQL endpoint   %[1]s/graphql   (websocket: %[2]s/graphql)
  GraphiQL           %[1]s/
  Widget key         %[3]s
  Admin token        %[4]s
  Agent token        %[5]s

Send the tokens as "Authorization: Bearer <token>" (or in connection_init on websockets).

`, publicURL, "ws"+publicURL[len("http"):], w.Key, adminTok, agentTok)
	return err
}
