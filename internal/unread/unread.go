// Package unread makes sure a widget reply nobody reads is not lost (R33).
// Per widget, an admin may set a delay; a widget reply still unread after
// it is also sent to the end user's most recently used linked channel
// whose messaging window is open, as a copy with a delivery state of its
// own, and the history says so (a SYSTEM note, UNREAD_FALLBACK). The
// follow-up is a durable River job scheduled for the reply's deadline, so
// that it survives restarts and runs once across instances (R22).
package unread

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/delivery"
	"github.com/linkline/linkline/internal/linking"
	"github.com/linkline/linkline/internal/widget"
)

// MaxMinutes bounds a widget's delay: a day. Past it, the end user's
// windows have closed anyway.
const MaxMinutes = 24 * 60

// Args is the durable job that follows up one widget reply.
type Args struct {
	AccountID int64 `json:"account_id"`
	MessageID int64 `json:"message_id"`
}

// Kind names the job in River.
func (Args) Kind() string { return "unread_fallback" }

// InsertOpts keeps one job per reply.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Store reads what the follow-up needs and keeps the widgets' delays.
type Store interface {
	Widget(ctx context.Context, accountID, id int64) (*widget.Widget, error)
	SetUnreadFallback(ctx context.Context, accountID, widgetID int64, minutes int) error
	Message(ctx context.Context, accountID, id int64) (*conversation.Message, error)
	Conversation(ctx context.Context, accountID, id int64) (*conversation.Conversation, error)
	ConversationIdentities(ctx context.Context, accountID, conversationID int64) ([]*conversation.Identity, error)
}

// Router checks a reply against a channel as a reply to it would be:
// identity, integration, length, window (R17).
type Router interface {
	Route(ctx context.Context, c *conversation.Conversation, d conversation.Draft) (conversation.Route, error)
}

// Languages tells what a conversation is told in on channels (R27).
type Languages interface {
	Conversation(ctx context.Context, c *conversation.Conversation) (linking.Language, error)
}

// Scheduler inserts the job to run at a time.
type Scheduler interface {
	Schedule(ctx context.Context, args Args, at time.Time) error
}

// Service schedules and runs follow-ups.
type Service struct {
	store     Store
	writer    conversation.Writer
	router    Router
	languages Languages
	jobs      Scheduler
	log       *slog.Logger
	now       func() time.Time
	// minute is how long one minute of a widget's delay lasts: a minute,
	// but tests shorten it.
	minute time.Duration
}

// NewService returns the follow-up service; minute is one minute of a
// widget's delay (time.Minute but in tests).
func NewService(store Store, writer conversation.Writer, router Router, languages Languages, jobs Scheduler, log *slog.Logger, now func() time.Time, minute time.Duration) *Service {
	return &Service{store: store, writer: writer, router: router, languages: languages, jobs: jobs, log: log, now: now, minute: minute}
}

// SetDelay sets a widget's delay in minutes, 0 to MaxMinutes; 0 turns the
// follow-up off (admins).
func (s *Service) SetDelay(ctx context.Context, actor *auth.Actor, widgetID int64, minutes int) (*widget.Widget, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	if minutes < 0 || minutes > MaxMinutes {
		return nil, apperr.Invalid("minutes", "must be 0 to %d", MaxMinutes)
	}
	if err := s.store.SetUnreadFallback(ctx, actor.Agent.AccountID, widgetID, minutes); err != nil {
		return nil, err
	}
	return s.store.Widget(ctx, actor.Agent.AccountID, widgetID)
}

// Replied schedules the follow-up of a widget reply when its widget asks
// for one. It runs after the reply committed: a crash in between loses the
// follow-up, never the reply, which the widget has.
func (s *Service) Replied(ctx context.Context, c *conversation.Conversation, m *conversation.Message) {
	if m.Channel != conversation.ChannelWebWidget || m.AuthorRole != conversation.AuthorAgent || c.WidgetID == 0 {
		return
	}
	w, err := s.store.Widget(ctx, c.AccountID, c.WidgetID)
	if err == nil && w.UnreadFallbackMinutes > 0 {
		err = s.jobs.Schedule(ctx, Args{AccountID: m.AccountID, MessageID: m.ID}, s.now().Add(time.Duration(w.UnreadFallbackMinutes)*s.minute))
	}
	if err != nil {
		s.log.ErrorContext(ctx, "unread: follow-up not scheduled", "message", m.ID, "err", err)
	}
}

// Follow sends a widget reply still unread to the end user's most
// recently used linked channel whose window is open, and notes it in the
// history. A reply read (or failed) meanwhile, or with no channel to go to,
// is left as it is.
func (s *Service) Follow(ctx context.Context, accountID, messageID int64) error {
	m, err := s.store.Message(ctx, accountID, messageID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if !Unread(m) {
		return nil
	}
	c, err := s.store.Conversation(ctx, accountID, m.ConversationID)
	if err != nil {
		return err
	}
	lang, err := s.languages.Conversation(ctx, c)
	if err != nil {
		return err
	}
	text := linking.Text(lang, linking.TextUnreadFallback, quoted(m))
	to, route, err := s.destination(ctx, c, text)
	if err != nil || to == nil {
		return err
	}
	res, err := s.writer.Write(ctx, conversation.Post{AccountID: accountID, ConversationID: c.ID, Message: &conversation.Message{
		AccountID: accountID, ConversationID: c.ID, Channel: route.Channel,
		AuthorRole: conversation.AuthorAgent, AuthorID: m.AuthorID, AuthorName: m.AuthorName,
		Text: text, ClientMessageID: fmt.Sprintf("unread-fallback:%d", m.ID), IdentityID: route.IdentityID,
		DeliveryState: conversation.DeliveryQueued,
	}})
	if err != nil || res.Duplicate {
		// A duplicate is a retry after the copy was stored: its note
		// followed it, unless the job died between the two writes.
		return err
	}
	_, err = s.writer.Write(ctx, conversation.AddNote{AccountID: accountID, ConversationID: c.ID, Note: &conversation.Note{
		Kind: conversation.NoteUnreadFallback, Channel: route.Channel, Identity: to.Masked(),
	}})
	return err
}

// quoted is how the follow-up quotes a reply: its text, and the names of
// its files, which stay in the widget (R30): a channel may not carry them,
// and the copy is a nudge to read the reply there.
func quoted(m *conversation.Message) string {
	lines := []string{}
	if strings.TrimSpace(m.Text) != "" {
		lines = append(lines, m.Text)
	}
	for _, a := range m.Attachments {
		lines = append(lines, "📎 "+a.Name)
	}
	return strings.Join(lines, "\n")
}

// Unread reports whether a widget reply still waits to be read: sent, or
// delivered to a widget that showed it to nobody.
func Unread(m *conversation.Message) bool {
	return m.Channel == conversation.ChannelWebWidget && m.AuthorRole == conversation.AuthorAgent &&
		(m.DeliveryState == conversation.DeliverySent || m.DeliveryState == conversation.DeliveryDelivered)
}

// destination is the linked identity the end user wrote from most
// recently among those a reply can reach now; nil when none can.
func (s *Service) destination(ctx context.Context, c *conversation.Conversation, text string) (*conversation.Identity, conversation.Route, error) {
	ids, err := s.store.ConversationIdentities(ctx, c.AccountID, c.ID)
	if err != nil {
		return nil, conversation.Route{}, err
	}
	slices.SortFunc(ids, func(a, b *conversation.Identity) int { return -cmp.Compare(lastUsed(a), lastUsed(b)) })
	for _, id := range ids {
		if id.LinkedAt == nil || id.LastInboundAt == nil {
			continue
		}
		if w := delivery.WindowOf(id, s.now()); !w.Open(s.now()) || w.HumanAgent {
			// Past the 24 hours only a person's reply may go (HUMAN_AGENT);
			// this copy is the service's.
			continue
		}
		route, err := s.router.Route(ctx, c, conversation.Draft{Text: text, To: id.Channel})
		if err == nil {
			return id, route, nil
		}
		if apperr.CodeOf(err) == apperr.Internal {
			return nil, conversation.Route{}, err
		}
	}
	s.log.InfoContext(ctx, "unread: no linked channel open for the follow-up", "conversation", c.ID)
	return nil, conversation.Route{}, nil
}

func lastUsed(id *conversation.Identity) int64 {
	if id.LastInboundAt == nil {
		return 0
	}
	return id.LastInboundAt.UnixNano()
}

// Worker runs the follow-up jobs.
type Worker struct {
	river.WorkerDefaults[Args]
	s *Service
}

// NewWorker returns the worker of s's jobs.
func NewWorker(s *Service) *Worker { return &Worker{s: s} }

// Work follows up one reply.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	return w.s.Follow(ctx, job.Args.AccountID, job.Args.MessageID)
}

// Jobs schedules follow-ups through River.
type Jobs struct {
	client *river.Client[*sql.Tx]
}

// NewJobs returns a scheduler inserting through client.
func NewJobs(client *river.Client[*sql.Tx]) Jobs { return Jobs{client: client} }

// Schedule inserts the follow-up to run at at.
func (j Jobs) Schedule(ctx context.Context, args Args, at time.Time) error {
	_, err := j.client.Insert(ctx, args, &river.InsertOpts{ScheduledAt: at})
	return err
}
