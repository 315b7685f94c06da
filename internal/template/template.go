// Package template keeps each WhatsApp integration's message templates,
// synced from the Cloud API, lists them to agents and sends them with
// parameters validated before queueing (R33): a template is the one message
// WhatsApp delivers after the 24-hour window has closed.
package template

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

// StatusApproved is the status of a template Meta allows to be sent.
const StatusApproved = "APPROVED"

// Template is one of an integration's message templates in one language.
type Template struct {
	ID            int64
	AccountID     int64
	IntegrationID int64
	Name          string
	Language      string
	// Status and Category are Meta's: APPROVED, PENDING, REJECTED, …;
	// MARKETING, UTILITY, AUTHENTICATION.
	Status   string
	Category string
	// Header, Body and Footer are the texts of the template's text
	// components ("" where it has none).
	Header, Body, Footer string
	// Parameters is how many parameters the body takes: {{1}} … {{n}}.
	Parameters int
	SyncedAt   time.Time
}

// placeholder is a parameter's place in a template's text.
var placeholder = regexp.MustCompile(`\{\{(\d+)\}\}`)

// parameters is the number of parameters text takes: its highest {{n}}.
func parameters(text string) int {
	n := 0
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if i, err := strconv.Atoi(m[1]); err == nil && i > n {
			n = i
		}
	}
	return n
}

// Text is the template as the end user reads it, with params in place of
// the body's placeholders: what the history shows.
func (t *Template) Text(params []string) string {
	body := placeholder.ReplaceAllStringFunc(t.Body, func(p string) string {
		i, _ := strconv.Atoi(p[2 : len(p)-2])
		if i < 1 || i > len(params) {
			return p
		}
		return params[i-1]
	})
	var parts []string
	for _, s := range []string{t.Header, body, t.Footer} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n\n")
}

// maxParameter bounds one parameter, in characters.
const maxParameter = 1024

// Check refuses parameters the template cannot be sent with: not one per
// placeholder, blank, or what the Cloud API rejects in a body parameter
// (line breaks, tabs, more than four spaces in a row).
func (t *Template) Check(params []string) error {
	if t.Status != StatusApproved {
		return apperr.Invalid("templateId", "names a template that is %s, not approved", t.Status)
	}
	if len(params) != t.Parameters {
		return apperr.Invalid("parameters", "are %d; template %s takes %d", len(params), t.Name, t.Parameters)
	}
	for i, p := range params {
		field := fmt.Sprintf("parameters[%d]", i)
		switch {
		case strings.TrimSpace(p) == "":
			return apperr.Invalid(field, "is blank")
		case !utf8.ValidString(p) || utf8.RuneCountInString(p) > maxParameter:
			return apperr.Invalid(field, "must be valid text of at most %d characters", maxParameter)
		case strings.ContainsAny(p, "\n\r\t") || strings.Contains(p, "     "):
			return apperr.Invalid(field, "may not hold line breaks, tabs or more than four spaces in a row")
		}
	}
	return nil
}

// fromChannel is a template as the Cloud API listed it.
func fromChannel(it *integration.Integration, ct channel.Template, now time.Time) *Template {
	t := &Template{AccountID: it.AccountID, IntegrationID: it.ID, Name: ct.Name, Language: ct.Language,
		Status: ct.Status, Category: ct.Category, SyncedAt: now}
	for _, c := range ct.Components {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			if strings.EqualFold(c.Format, "TEXT") || c.Format == "" {
				t.Header = c.Text
			}
		case "BODY":
			t.Body = c.Text
		case "FOOTER":
			t.Footer = c.Text
		}
	}
	t.Parameters = parameters(t.Body)
	return t
}

// Store keeps templates and reads what sending them needs. Every read is
// scoped by account.
type Store interface {
	// ReplaceTemplates makes ts the integration's templates: new ones
	// added, changed ones updated, missing ones removed.
	ReplaceTemplates(ctx context.Context, accountID, integrationID int64, ts []*Template) error
	// Templates lists the account's templates, of one integration when
	// integrationID is not 0, by name and language.
	Templates(ctx context.Context, accountID, integrationID int64) ([]*Template, error)
	Template(ctx context.Context, accountID, id int64) (*Template, error)
	Integration(ctx context.Context, accountID, id int64) (*integration.Integration, error)
	IntegrationSecrets(ctx context.Context, accountID, id int64) (integration.Secrets, error)
	ConversationIdentity(ctx context.Context, accountID, conversationID int64, ch conversation.Channel) (*conversation.Identity, error)
}

// Lister lists an integration's templates from the platform (the WhatsApp
// adapter).
type Lister interface {
	Templates(ctx context.Context, c channel.Credentials) ([]channel.Template, error)
}

// Adapters gives the adapter that serves an integration.
type Adapters interface {
	For(it *integration.Integration) channel.Adapter
}

// Conversations finds the conversations an actor may see.
type Conversations interface {
	Get(ctx context.Context, actor *auth.Actor, id int64) (*conversation.Conversation, error)
}

// Service syncs, lists and sends templates.
type Service struct {
	store    Store
	adapters Adapters
	convs    Conversations
	writer   conversation.Writer
	log      *slog.Logger
	now      func() time.Time
}

// NewService returns the template service.
func NewService(store Store, adapters Adapters, convs Conversations, writer conversation.Writer, log *slog.Logger, now func() time.Time) *Service {
	return &Service{store: store, adapters: adapters, convs: convs, writer: writer, log: log, now: now}
}

// Sync reads an integration's templates from the Cloud API again, on an
// agent's demand, and returns them.
func (s *Service) Sync(ctx context.Context, actor *auth.Actor, integrationID int64) ([]*Template, error) {
	if err := auth.Require(actor, auth.RoleAgent); err != nil {
		return nil, err
	}
	it, err := s.store.Integration(ctx, actor.AccountID(), integrationID)
	if err != nil {
		return nil, err
	}
	if err := s.sync(ctx, it); err != nil {
		return nil, err
	}
	return s.store.Templates(ctx, it.AccountID, it.ID)
}

// Saved syncs the templates of a WhatsApp integration an admin has just
// connected or updated. The integration stands whatever Meta answers: a
// failure is logged, and an agent can sync again.
func (s *Service) Saved(ctx context.Context, it *integration.Integration) {
	if it.Channel != conversation.ChannelWhatsApp {
		return
	}
	if err := s.sync(ctx, it); err != nil {
		s.log.WarnContext(ctx, "templates: sync after saving the integration failed", "integration", it.ID, "err", err)
	}
}

func (s *Service) sync(ctx context.Context, it *integration.Integration) error {
	if it.Channel != conversation.ChannelWhatsApp {
		return apperr.Invalid("integrationId", "is not a WhatsApp integration: only WhatsApp has templates")
	}
	lister, ok := s.adapters.For(it).(Lister)
	if !ok {
		return apperr.Invalid("integrationId", "names an integration whose adapter lists no templates")
	}
	sec, err := s.store.IntegrationSecrets(ctx, it.AccountID, it.ID)
	if err != nil {
		return err
	}
	listed, err := lister.Templates(ctx, channel.CredentialsFor(it, sec))
	if err != nil {
		return apperr.New(apperr.ChannelNotEnabled, "the templates could not be read from WhatsApp: %v", err)
	}
	ts := make([]*Template, 0, len(listed))
	for _, ct := range listed {
		if ct.Name != "" && ct.Language != "" {
			ts = append(ts, fromChannel(it, ct, s.now().UTC()))
		}
	}
	return s.store.ReplaceTemplates(ctx, it.AccountID, it.ID, ts)
}

// List returns the account's templates, of one integration when
// integrationID is not 0.
func (s *Service) List(ctx context.Context, actor *auth.Actor, integrationID int64) ([]*Template, error) {
	if err := auth.Require(actor, auth.RoleAgent); err != nil {
		return nil, err
	}
	return s.store.Templates(ctx, actor.AccountID(), integrationID)
}

// Get returns one of the account's templates.
func (s *Service) Get(ctx context.Context, actor *auth.Actor, id int64) (*Template, error) {
	if err := auth.Require(actor, auth.RoleAgent); err != nil {
		return nil, err
	}
	return s.store.Template(ctx, actor.AccountID(), id)
}

// SendInput is a template an agent sends to a conversation's WhatsApp.
type SendInput struct {
	ConversationID  int64
	TemplateID      int64
	Parameters      []string
	ClientMessageID string
}

// Send queues a template to the conversation's WhatsApp identity, its
// parameters checked against the template first. The 24-hour window does
// not apply: templates are what may be sent after it.
func (s *Service) Send(ctx context.Context, actor *auth.Actor, in SendInput) (*conversation.Written, error) {
	if err := auth.Require(actor, auth.RoleAgent); err != nil {
		return nil, err
	}
	if err := conversation.CheckClientMessageID(in.ClientMessageID); err != nil {
		return nil, err
	}
	m, err := s.Message(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	return s.writer.Write(ctx, conversation.Post{AccountID: m.AccountID, ConversationID: m.ConversationID, Message: m})
}

// Message is the queued message that sends a template, checked; Send
// writes it, and a held reply writes it with itself (R33).
func (s *Service) Message(ctx context.Context, actor *auth.Actor, in SendInput) (*conversation.Message, error) {
	c, err := s.convs.Get(ctx, actor, in.ConversationID)
	if err != nil {
		return nil, err
	}
	if c.Status == conversation.StatusClosed {
		return nil, apperr.New(apperr.ConversationClosed, "the conversation is closed: reopen it to send")
	}
	t, err := s.store.Template(ctx, c.AccountID, in.TemplateID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.Invalid("templateId", "names no template of the account")
	}
	if err != nil {
		return nil, err
	}
	if err := t.Check(in.Parameters); err != nil {
		return nil, err
	}
	id, err := s.store.ConversationIdentity(ctx, c.AccountID, c.ID, conversation.ChannelWhatsApp)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.New(apperr.ChannelNotEnabled, "the conversation has no WhatsApp identity to send to")
	}
	if err != nil {
		return nil, err
	}
	if id.IntegrationID != t.IntegrationID {
		return nil, apperr.Invalid("templateId", "belongs to another WhatsApp number than the conversation's")
	}
	it, err := s.store.Integration(ctx, c.AccountID, id.IntegrationID)
	if err != nil {
		return nil, err
	}
	if it.Status == integration.StatusDisabled {
		return nil, apperr.New(apperr.ChannelNotEnabled, "the WhatsApp integration is disabled")
	}
	return &conversation.Message{
		AccountID: c.AccountID, ConversationID: c.ID, Channel: conversation.ChannelWhatsApp,
		AuthorRole: conversation.AuthorAgent, AuthorID: actor.Agent.ID, AuthorName: actor.Agent.Name,
		Text: t.Text(in.Parameters), ClientMessageID: in.ClientMessageID, IdentityID: id.ID,
		DeliveryState: conversation.DeliveryQueued,
		Template:      &conversation.SentTemplate{Name: t.Name, Language: t.Language, Parameters: in.Parameters},
	}, nil
}

// Opener is the template a held reply sends at once before itself (R33),
// checked when the reply is: conversation.SendInput.Opener.
func (s *Service) Opener(actor *auth.Actor, in SendInput) func(ctx context.Context) (*conversation.Message, error) {
	return func(ctx context.Context) (*conversation.Message, error) {
		if err := auth.Require(actor, auth.RoleAgent); err != nil {
			return nil, err
		}
		return s.Message(ctx, actor, in)
	}
}
