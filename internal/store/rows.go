package store

import (
	"encoding/json"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/widget"
)

// Rows mirror the tables of migrations/; the domain never sees them.

// domains converts rows read in a batch with their domain method, e.g.
// domains(rows, (*messageRow).domain).
func domains[R, D any](rows []R, domain func(*R) D) []D {
	out := make([]D, len(rows))
	for i := range rows {
		out[i] = domain(&rows[i])
	}
	return out
}

type accountRow struct {
	ID             int64
	Name           string
	Plan           string
	AgentWorkspace bool
	EventSeq       int64
	AutoAssignCap  int
	ReadMarks      bool
	CreatedAt      time.Time
}

func (accountRow) TableName() string { return "accounts" }

func (r *accountRow) domain() *account.Account {
	return &account.Account{ID: r.ID, Name: r.Name, Plan: account.Plan(r.Plan), AgentWorkspace: r.AgentWorkspace, AutoAssignCap: r.AutoAssignCap, ReadMarks: r.ReadMarks, CreatedAt: r.CreatedAt}
}

type agentRow struct {
	ID            int64
	AccountID     int64
	Name          string
	Email         string
	Role          string
	Available     bool
	CreatedAt     time.Time
	DeactivatedAt *time.Time
}

func (agentRow) TableName() string { return "agents" }

func (r *agentRow) domain() *account.Agent {
	return &account.Agent{ID: r.ID, AccountID: r.AccountID, Name: r.Name, Email: r.Email, Role: account.Role(r.Role), Available: r.Available, CreatedAt: r.CreatedAt, DeactivatedAt: r.DeactivatedAt}
}

type agentTokenRow struct {
	ID         int64
	AccountID  int64
	AgentID    int64
	Name       string
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

func (agentTokenRow) TableName() string { return "agent_tokens" }

func (r *agentTokenRow) domain() *auth.APIToken {
	return &auth.APIToken{ID: r.ID, AccountID: r.AccountID, AgentID: r.AgentID, Name: r.Name, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, ExpiresAt: r.ExpiresAt}
}

type widgetRow struct {
	ID             int64
	AccountID      int64
	PublicKey      string
	Name           string
	AllowedOrigins string
	SocialChannels string
	Language       string
	// UnreadFallbackMinutes: see widget.Widget.
	UnreadFallbackMinutes int
	CreatedAt             time.Time
	DeletedAt             *time.Time
}

func (widgetRow) TableName() string { return "widgets" }

func (r *widgetRow) domain() *widget.Widget {
	w := &widget.Widget{ID: r.ID, AccountID: r.AccountID, Key: r.PublicKey, Name: r.Name, Language: r.Language,
		UnreadFallbackMinutes: r.UnreadFallbackMinutes, CreatedAt: r.CreatedAt, DeletedAt: r.DeletedAt}
	// Both are written by us as JSON arrays.
	_ = json.Unmarshal([]byte(r.AllowedOrigins), &w.AllowedOrigins)
	_ = json.Unmarshal([]byte(r.SocialChannels), &w.SocialChannels)
	return w
}

type endUserRow struct {
	ID         int64
	AccountID  int64
	WidgetID   *int64
	Name       string
	Email      string
	ExternalID string
	CreatedAt  time.Time
}

func (endUserRow) TableName() string { return "end_users" }

func (r *endUserRow) domain() *conversation.EndUser {
	return &conversation.EndUser{ID: r.ID, AccountID: r.AccountID, WidgetID: idOf(r.WidgetID), Name: r.Name, Email: r.Email, ExternalID: r.ExternalID, CreatedAt: r.CreatedAt}
}

type sessionRow struct {
	ID        int64
	AccountID int64
	WidgetID  int64
	EndUserID int64
	TokenHash []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (sessionRow) TableName() string { return "widget_sessions" }

func (r *sessionRow) domain() *auth.Session {
	return &auth.Session{ID: r.ID, AccountID: r.AccountID, WidgetID: r.WidgetID, EndUserID: r.EndUserID, ExpiresAt: r.ExpiresAt}
}

type conversationRow struct {
	ID            int64
	AccountID     int64
	WidgetID      *int64
	EndUserID     int64
	Status        string
	LastChannel   string
	LastSeq       int64
	ActivitySeq   int64
	LastMessageAt *time.Time
	Language      string
	AssigneeID    *int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (conversationRow) TableName() string { return "conversations" }

func (r *conversationRow) domain() *conversation.Conversation {
	return &conversation.Conversation{
		ID: r.ID, AccountID: r.AccountID, WidgetID: idOf(r.WidgetID), EndUserID: r.EndUserID,
		Status: conversation.Status(r.Status), LastChannel: conversation.Channel(r.LastChannel),
		LastSeq: r.LastSeq, ActivitySeq: r.ActivitySeq, LastMessageAt: r.LastMessageAt, Language: r.Language, AssigneeID: idOf(r.AssigneeID), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

type messageRow struct {
	ID              int64
	AccountID       int64
	ConversationID  int64
	Seq             int64
	Channel         string
	AuthorRole      string
	AuthorID        int64
	AuthorName      string
	Text            string
	ClientMessageID string
	ExternalID      string
	IdentityID      *int64
	DeliveryState   string
	DeliveryError   string
	NoteKind        string
	// Note holds a SYSTEM message's note as JSON.
	Note      string
	CreatedAt time.Time
	// Choices holds an agent's reply choices as JSON ('' for none).
	Choices    string
	ChoiceForm string
	ChoiceID   string
	// Template holds the WhatsApp template a message sends, as JSON ('':
	// none).
	Template string
	// Attachments and Location hold the files a message carries and the
	// place it shares, as JSON ('': none).
	Attachments string
	Location    string
}

func (messageRow) TableName() string { return "messages" }

func (r *messageRow) domain() *conversation.Message {
	m := &conversation.Message{
		ID: r.ID, AccountID: r.AccountID, ConversationID: r.ConversationID, Seq: r.Seq,
		Channel: conversation.Channel(r.Channel), AuthorRole: conversation.AuthorRole(r.AuthorRole),
		AuthorID: r.AuthorID, AuthorName: r.AuthorName, Text: r.Text, ClientMessageID: r.ClientMessageID,
		ExternalID: r.ExternalID, IdentityID: idOf(r.IdentityID), DeliveryState: conversation.DeliveryState(r.DeliveryState),
		DeliveryError: r.DeliveryError, CreatedAt: r.CreatedAt,
		Form: conversation.ChoiceForm(r.ChoiceForm), ChoiceID: r.ChoiceID,
	}
	if r.Choices != "" {
		// Written by messageRowOf from valid choices.
		_ = json.Unmarshal([]byte(r.Choices), &m.Choices)
	}
	if r.Template != "" {
		m.Template = &conversation.SentTemplate{}
		_ = json.Unmarshal([]byte(r.Template), m.Template)
	}
	if r.Attachments != "" {
		_ = json.Unmarshal([]byte(r.Attachments), &m.Attachments)
		for i := range m.Attachments {
			m.Attachments[i].AccountID, m.Attachments[i].ConversationID = r.AccountID, r.ConversationID
		}
	}
	if r.Location != "" {
		m.Location = &conversation.Location{}
		_ = json.Unmarshal([]byte(r.Location), m.Location)
	}
	if r.NoteKind != "" {
		// Written by messageRowOf; a note that no longer decodes keeps
		// at least its kind.
		m.Note = &conversation.Note{}
		_ = json.Unmarshal([]byte(r.Note), m.Note)
		m.Note.Kind = conversation.NoteKind(r.NoteKind)
	}
	return m
}

func messageRowOf(m *conversation.Message) messageRow {
	r := messageRow{
		AccountID: m.AccountID, ConversationID: m.ConversationID, Seq: m.Seq, Channel: string(m.Channel),
		AuthorRole: string(m.AuthorRole), AuthorID: m.AuthorID, AuthorName: m.AuthorName, Text: m.Text,
		ClientMessageID: m.ClientMessageID, ExternalID: m.ExternalID, IdentityID: nullID(m.IdentityID),
		DeliveryState: string(m.DeliveryState), DeliveryError: m.DeliveryError, CreatedAt: m.CreatedAt,
		ChoiceForm: string(m.Form), ChoiceID: m.ChoiceID,
	}
	if len(m.Choices) > 0 {
		b, _ := json.Marshal(m.Choices) // strings only: cannot fail
		r.Choices = string(b)
	}
	if m.Template != nil {
		b, _ := json.Marshal(m.Template) // strings only: cannot fail
		r.Template = string(b)
	}
	if len(m.Attachments) > 0 {
		b, _ := json.Marshal(m.Attachments) // strings and numbers only: cannot fail
		r.Attachments = string(b)
	}
	if m.Location != nil {
		b, _ := json.Marshal(m.Location) // finite numbers (checked by the adapters) and strings: cannot fail
		r.Location = string(b)
	}
	if m.Note != nil {
		b, _ := json.Marshal(m.Note) // strings only: cannot fail
		r.NoteKind, r.Note = string(m.Note.Kind), string(b)
	}
	return r
}

type eventRow struct {
	ID              int64
	AccountID       int64
	AccountSeq      int64
	ConversationID  int64
	ConversationSeq int64
	Kind            string
	MessageID       *int64
	CreatedAt       time.Time
}

func (eventRow) TableName() string { return "events" }

// nullID stores id 0 (none) as NULL.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func idOf(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

type identityRow struct {
	ID             int64
	AccountID      int64
	Channel        string
	ExternalID     string
	DisplayName    string
	EndUserID      int64
	IntegrationID  *int64
	ConversationID *int64
	LastInboundAt  *time.Time
	LinkedAt       *time.Time
	PictureURL     string
	ProfileAt      *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (identityRow) TableName() string { return "social_identities" }

func (r *identityRow) domain() *conversation.Identity {
	return &conversation.Identity{
		ID: r.ID, AccountID: r.AccountID, Channel: conversation.Channel(r.Channel), ExternalID: r.ExternalID,
		DisplayName: r.DisplayName, EndUserID: r.EndUserID, IntegrationID: idOf(r.IntegrationID),
		ConversationID: idOf(r.ConversationID), LastInboundAt: r.LastInboundAt, LinkedAt: r.LinkedAt,
		PictureURL: r.PictureURL, ProfileAt: r.ProfileAt, CreatedAt: r.CreatedAt,
	}
}

// identityRowOf is the row of an identity as of now.
func identityRowOf(id *conversation.Identity, now time.Time) identityRow {
	return identityRow{
		ID: id.ID, AccountID: id.AccountID, Channel: string(id.Channel), ExternalID: id.ExternalID, DisplayName: id.DisplayName,
		EndUserID: id.EndUserID, IntegrationID: nullID(id.IntegrationID), ConversationID: nullID(id.ConversationID),
		LastInboundAt: id.LastInboundAt, LinkedAt: id.LinkedAt, PictureURL: id.PictureURL, ProfileAt: id.ProfileAt,
		CreatedAt: id.CreatedAt, UpdatedAt: now,
	}
}

type linkRow struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	IdentityID     int64
	Channel        string
	LinkedAt       time.Time
	EndedAt        *time.Time
	EndedBy        string
	EndReason      string
}

func (linkRow) TableName() string { return "links" }

func (r *linkRow) domain(masked string) *conversation.Link {
	return &conversation.Link{
		ID: r.ID, AccountID: r.AccountID, ConversationID: r.ConversationID, IdentityID: r.IdentityID,
		Channel: conversation.Channel(r.Channel), Identity: masked, LinkedAt: r.LinkedAt, EndedAt: r.EndedAt,
		EndedBy: conversation.LinkActor(r.EndedBy), EndReason: conversation.LinkEndReason(r.EndReason),
	}
}
