package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/channel/sandbox"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/operator"
	"github.com/linkline/linkline/internal/social"
	"github.com/linkline/linkline/internal/store"
	"github.com/linkline/linkline/internal/widget"
)

// demoServices are the services the demo account is made with: the same
// an operator and an admin use, so that the demo shows what they do.
type demoServices struct {
	team         *account.Team
	widgets      *widget.Admin
	settings     *widget.Settings
	integrations *integration.Service
}

// seedDemo creates, on an empty database only, a demo account with an
// admin, an agent and a widget, and prints how to use them. Tokens are
// shown once: only their hashes are stored.
func seedDemo(ctx context.Context, db *store.DB, sv demoServices, publicURL string, out io.Writer) error {
	empty, err := db.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	// The operators' own bootstrap, then what the admin does through the
	// API.
	boot, err := operator.Bootstrap(ctx, db, operator.NewAccount{Name: "Demo Company", Plan: account.PlanSuiteProfessional,
		AgentWorkspace: true, AdminName: "Ada Admin", AdminEmail: "admin@demo.example"})
	if err != nil {
		return err
	}
	acct, adminTok := boot.Account, boot.AdminToken
	asAdmin := &auth.Actor{Agent: boot.Admin}
	agent, err := sv.team.Invite(ctx, boot.Admin, "Alex Agent", "agent@demo.example", account.RoleAgent)
	if err != nil {
		return err
	}
	agentTok := agent.Token
	// Any origin: the demo widget may be embedded in any page you try it
	// from.
	w, err := sv.widgets.Create(ctx, asAdmin, widget.NewWidget{Name: "Demo widget", AnyOrigin: true})
	if err != nil {
		return err
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	// Sandbox integrations: the whole flow runs with simulated phones.
	sandboxes := map[conversation.Channel]string{}
	for _, ch := range []struct {
		channel            conversation.Channel
		businessID, handle string
	}{
		{conversation.ChannelWhatsApp, "sbx-wa-" + hex.EncodeToString(b[:4]), "15550100001"},
		{conversation.ChannelMessenger, "sbx-fb-" + hex.EncodeToString(b[:4]), "demo.company"},
		{conversation.ChannelInstagram, "sbx-ig-" + hex.EncodeToString(b[:4]), "demo.company"},
	} {
		it := &integration.Integration{AccountID: acct.ID, Channel: ch.channel, Status: integration.StatusActive, Sandbox: true,
			BusinessID: ch.businessID, Handle: ch.handle, DisplayName: "Demo " + string(ch.channel)}
		sec := integration.Secrets{AccessToken: sandbox.AccessToken(ch.businessID), AppSecret: "sbs_" + hex.EncodeToString(b), VerifyToken: "sbv_" + hex.EncodeToString(b)}
		if err := sv.integrations.Create(ctx, it, sec); err != nil {
			return err
		}
		sandboxes[ch.channel] = it.WebhookKey
	}
	// The demo widget offers every channel, so that the demo page shows
	// the options icon at once.
	if _, err := sv.settings.SetChannels(ctx, asAdmin, w.ID, social.Socials()); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, `
Linkline demo account created (shown once; set DEMO=false in production).

  Open first         %[1]s/demo?key=%[3]s   (a host page with the web widget)
  Agent workspace    %[1]s/workspace   (sign in with the agent token below)
  Admin settings     %[1]s/admin   (sign in with the admin token below)
  GraphQL endpoint   %[1]s/graphql   (websocket: %[2]s/graphql)
  GraphiQL           %[1]s/   (with links to every page)
  Widget key         %[3]s
  Admin token        %[4]s
  Agent token        %[5]s

Send the tokens as "Authorization: Bearer <token>" (or in connection_init on websockets).

Sandbox phones: open one, paste the widget's "Open the app" link in it, confirm, chat.
  WhatsApp   %[1]s/phone?key=%[6]s
  Messenger  %[1]s/phone?key=%[7]s
  Instagram  %[1]s/phone?key=%[8]s
  (their API: %[1]s/sandbox/{key}/phones/{user}, README "Sandbox phones")

`, publicURL, "ws"+publicURL[len("http"):], w.Key, adminTok, agentTok,
		sandboxes[conversation.ChannelWhatsApp], sandboxes[conversation.ChannelMessenger], sandboxes[conversation.ChannelInstagram])
	return err
}
