package graph

import (
	"context"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/assignment"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/audit"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/delivery"
	"github.com/linkline/linkline/internal/feed"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/linking"
	"github.com/linkline/linkline/internal/receipt"
	"github.com/linkline/linkline/internal/template"
	"github.com/linkline/linkline/internal/typing"
	"github.com/linkline/linkline/internal/unread"
	"github.com/linkline/linkline/internal/widget"
)

// Accounts reads accounts and agents for the viewer and node queries.
type Accounts interface {
	Account(ctx context.Context, id int64) (*account.Account, error)
	Agent(ctx context.Context, accountID, id int64) (*account.Agent, error)
}

// Resolver holds the services the resolvers call; internal/app wires it.
type Resolver struct {
	Conv       *conversation.Service
	WidgetKeys *widget.Service
	Accounts   Accounts
	// Feed streams events and wakes state watchers.
	Feed *feed.Backbone
	// Channels manages social channel integrations.
	Channels *integration.Service
	// Deliveries answers questions about reply windows.
	Deliveries *delivery.Service
	// Settings holds linking prerequisites, widget settings and menus.
	Settings *widget.Settings
	// Links creates and cancels link requests.
	Links *linking.Requests
	// Languages decides and sets what conversations are told things in
	// on channels (R27).
	Languages *linking.Languages
	// Unlinks ends links (R12).
	Unlinks *linking.Unlinks
	// Menus serves widgets by their public key to pages without a
	// conversation.
	Menus *widget.Menus
	// Admin creates, changes and deletes widgets, and switches the agent
	// workspace (R28).
	Admin *widget.Admin
	// Team invites, changes and deactivates agents and admins (R28).
	Team *account.Team
	// Tokens manages API tokens and signs widget sessions out (R28).
	Tokens *auth.Tokens
	// Audit records admin actions and lists them (R28).
	Audit *audit.Log
	// Assignments take, assign and release conversations (R29).
	Assignments *assignment.Service
	// Auto is the round-robin auto-assignment (R29).
	Auto *assignment.Auto
	// Presenter shows live who is viewing or replying (R29).
	Presenter *assignment.Presenter
	// Typing shows live who is typing (R31).
	Typing *typing.Service
	// Receipts take read receipts both ways (R31).
	Receipts *receipt.Service
	// Unread follows up widget replies nobody reads (R33).
	Unread *unread.Service
	// Templates syncs, lists and sends WhatsApp templates (R33).
	Templates *template.Service
	// Attachments signs the download URLs of messages' files (R30).
	Attachments *attachment.Service
	// PublicURL is where the service is reached, for webhook and file
	// URLs.
	PublicURL string

	// maxSubscriptions is set by NewHandler from its config.
	maxSubscriptions int
}
