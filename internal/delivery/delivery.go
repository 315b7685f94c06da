package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/tracing"
)

// Args is the durable job that sends one outbound message.
type Args struct {
	AccountID int64 `json:"account_id"`
	MessageID int64 `json:"message_id"`
	// Held: the message was held for a closed window when queued (R33).
	Held bool `json:"held,omitempty"`
}

// Kind names the job in River.
func (Args) Kind() string { return "deliver_message" }

// InsertOpts keeps one job per message; 15 attempts under DefaultRetryPolicy
// span about six hours, and a reply older than that has missed its moment
// (and usually its window).
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 15, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Store reads what routing and sending need.
type Store interface {
	ConversationIdentity(ctx context.Context, accountID, conversationID int64, ch conversation.Channel) (*conversation.Identity, error)
	ConversationIdentities(ctx context.Context, accountID, conversationID int64) ([]*conversation.Identity, error)
	Identity(ctx context.Context, accountID, id int64) (*conversation.Identity, error)
	IdentityByExternalID(ctx context.Context, accountID int64, ch conversation.Channel, externalID string) (*conversation.Identity, error)
	Message(ctx context.Context, accountID, id int64) (*conversation.Message, error)
	Integration(ctx context.Context, accountID, id int64) (*integration.Integration, error)
	IntegrationSecrets(ctx context.Context, accountID, id int64) (integration.Secrets, error)
	// SentTrace is the traceparent of the attempt that got the platform id
	// externalID; "" when none is known.
	SentTrace(ctx context.Context, accountID int64, externalID string) (string, error)
	// Account tells whether the account allows read marks (R31).
	Account(ctx context.Context, id int64) (*account.Account, error)
	// LastInbound is the newest message the identity sent with a
	// platform id.
	LastInbound(ctx context.Context, accountID, identityID int64) (*conversation.Message, error)
}

// Adapters gives the adapter that serves an integration.
type Adapters interface {
	For(it *integration.Integration) channel.Adapter
}

// Integrations records integrations whose credentials Meta refused.
type Integrations interface {
	MarkFailing(ctx context.Context, it *integration.Integration, reason string) error
}

// Service routes replies and reports delivery.
type Service struct {
	store        Store
	writer       conversation.Writer
	integrations Integrations
	adapters     Adapters
	log          *slog.Logger
	now          func() time.Time
	// Metrics, when set, is told what becomes of replies.
	Metrics Metrics
}

// Metrics observes what becomes of replies, for operators (R38). Any of
// its functions may be nil.
type Metrics struct {
	// Outcome is a reply's new state: sent (the platform took it),
	// delivered, read, held (its integration's credentials were refused)
	// or failed.
	Outcome func(ch conversation.Channel, outcome string)
	// Failed is a failed reply's class: permanent, exhausted,
	// window_closed, integration, recipient or reported.
	Failed func(ch conversation.Channel, class string)
	// Accepted is the time from a reply's commit to the platform taking it.
	Accepted func(ch conversation.Channel, d time.Duration)
	// Attempted is an attempt to send through an integration that ended,
	// sent or failed: the attempts an integration's health counts.
	Attempted func(ch conversation.Channel, integrationID int64, outcome string)
	// Retried is an attempt that failed and will be retried, by class.
	Retried func(reason string)
	// Snoozed is an attempt put off: behind, pair_limit, rate_limited, held.
	Snoozed func(reason string)
}

func (m Metrics) outcome(ch conversation.Channel, outcome string) {
	if m.Outcome != nil {
		m.Outcome(ch, outcome)
	}
}

func (m Metrics) failed(ch conversation.Channel, class string) {
	m.outcome(ch, "failed")
	if m.Failed != nil {
		m.Failed(ch, class)
	}
}

func (m Metrics) accepted(ch conversation.Channel, d time.Duration) {
	m.outcome(ch, "sent")
	if m.Accepted != nil {
		m.Accepted(ch, d)
	}
}

func (m Metrics) attempted(ch conversation.Channel, integrationID int64, outcome string) {
	if m.Attempted != nil {
		m.Attempted(ch, integrationID, outcome)
	}
}

func (m Metrics) retried(reason string) {
	if m.Retried != nil {
		m.Retried(reason)
	}
}

func (m Metrics) snoozed(reason string) {
	if m.Snoozed != nil {
		m.Snoozed(reason)
	}
}

// NewService returns the delivery service.
func NewService(store Store, writer conversation.Writer, integrations Integrations, adapters Adapters, log *slog.Logger, now func() time.Time) *Service {
	return &Service{store: store, writer: writer, integrations: integrations, adapters: adapters, log: log, now: now}
}

var _ conversation.Router = (*Service)(nil)

// Route decides where a reply goes: to the channel the end user used last
// (R11, R14). A social destination is checked up front against its length
// limit, its files (R30), its window and its integration, so a reply that
// cannot be delivered is refused, not queued to fail (R17). Choices get the form
// their channel shows them in (R32), and count towards its length when
// they go as numbered text.
func (s *Service) Route(ctx context.Context, c *conversation.Conversation, d conversation.Draft) (conversation.Route, error) {
	text, choices := d.Text, d.Choices
	ch := c.LastChannel
	if d.To != "" {
		ch = d.To
	}
	if ch == conversation.ChannelWebWidget || ch == "" {
		if c.WidgetID == 0 {
			return conversation.Route{}, apperr.New(apperr.ChannelNotEnabled, "the conversation has no widget")
		}
		return conversation.Route{Channel: conversation.ChannelWebWidget, Form: formFor(conversation.ChannelWebWidget, text, choices)}, nil
	}
	id, err := s.store.ConversationIdentity(ctx, c.AccountID, c.ID, ch)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return conversation.Route{}, apperr.New(apperr.ChannelNotEnabled, "the conversation has no %s identity to reply to", ch)
		}
		return conversation.Route{}, err
	}
	if _, err := s.usable(ctx, id); err != nil {
		return conversation.Route{}, err
	}
	if err := checkAttachments(ch, d.Attachments); err != nil {
		return conversation.Route{}, err
	}
	form := formFor(ch, text, choices)
	if err := checkLength(ch, sentText(&conversation.Message{Text: text, Choices: choices, Form: form})); err != nil {
		return conversation.Route{}, err
	}
	route := conversation.Route{Channel: ch, IdentityID: id.ID, Form: form}
	if w := WindowOf(id, s.now()); !w.Open(s.now()) {
		if d.Hold {
			route.Held = true
			return route, nil
		}
		return conversation.Route{}, apperr.New(CodeWindowClosed, "the %s messaging window has closed; the end user must write first, or the reply be held", ch)
	}
	return route, nil
}

// Windows returns the messaging window of each social identity whose
// messages land in a conversation.
func (s *Service) Windows(ctx context.Context, c *conversation.Conversation) ([]Window, error) {
	ids, err := s.store.ConversationIdentities(ctx, c.AccountID, c.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Window, len(ids))
	for i, id := range ids {
		out[i] = WindowOf(id, s.now())
	}
	return out, nil
}

// Now is the service's clock, for window answers.
func (s *Service) Now() time.Time { return s.now() }

func (s *Service) usable(ctx context.Context, id *conversation.Identity) (*integration.Integration, error) {
	if id.IntegrationID == 0 {
		return nil, apperr.New(apperr.ChannelNotEnabled, "the %s integration was removed", id.Channel)
	}
	it, err := s.store.Integration(ctx, id.AccountID, id.IntegrationID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.New(apperr.ChannelNotEnabled, "the %s integration was removed", id.Channel)
	}
	if err != nil {
		return nil, err
	}
	if it.Status != integration.StatusActive {
		return it, apperr.New(apperr.ChannelNotEnabled, "the %s integration is %s", id.Channel, it.Status)
	}
	return it, nil
}

// heldWait is how long a reply held by a FAILING integration sleeps before
// it looks again. Updating the credentials wakes it at once
// (Worker.Release); the wait only bounds a wake-up that was missed. A held
// reply fails when its messaging window closes, or when the integration is
// disabled or removed.
const heldWait = 10 * time.Minute

// held reports whether replies through it wait for new credentials rather
// than fail: Meta refused its token (R17).
func held(it *integration.Integration) bool {
	return it != nil && it.Status == integration.StatusFailing
}

// sender is the adapter and credentials that send on an integration.
func (s *Service) sender(ctx context.Context, it *integration.Integration) (channel.Adapter, channel.Credentials, error) {
	sec, err := s.store.IntegrationSecrets(ctx, it.AccountID, it.ID)
	if err != nil {
		return nil, channel.Credentials{}, err
	}
	return s.adapters.For(it), channel.CredentialsFor(it, sec), nil
}

// Enqueue inserts the delivery jobs of queued messages into the
// transaction that stores them; each job carries the trace of the write
// that queued its message (origins), so that its attempts continue it.
func Enqueue(ctx context.Context, client *river.Client[*sql.Tx], tx *sql.Tx, msgs []*conversation.Message, origins []context.Context) error {
	params := make([]river.InsertManyParams, len(msgs))
	for i, m := range msgs {
		params[i] = river.InsertManyParams{Args: Args{AccountID: m.AccountID, MessageID: m.ID, Held: m.DeliveryState == conversation.DeliveryHeld}}
		if md := tracing.JobMetadata(origins[i]); md != nil {
			params[i].InsertOpts = &river.InsertOpts{Metadata: md}
		}
	}
	_, err := client.InsertManyTx(ctx, tx, params)
	return err
}

// Worker sends queued messages, one conversation's replies on one channel
// in the order they were written (R34).
type Worker struct {
	river.WorkerDefaults[Args]
	s     *Service
	sends Sends
	queue Queue
	pair  PairLimit
	// Files are the stored files replies carry, and Parts what a send of
	// a file and its text got through; a reply with a file is not sent
	// without them.
	Files Files
	Parts Parts
	// Resent, when set, counts sends that may have reached the phone
	// twice ("unknown_outcome": an earlier attempt's process died
	// mid-send) or did ("sent_twice": the platform gave two ids).
	Resent func(reason string)
}

// NewWorker returns the delivery worker; pair bounds the sends to one
// recipient (DefaultPairLimit; the zero value is no limit).
func NewWorker(s *Service, sends Sends, queue Queue, pair PairLimit) *Worker {
	return &Worker{s: s, sends: sends, queue: queue, pair: pair}
}

// Work sends one message. Transient failures return an error, which River
// retries with backoff; rate limits, and sends over the pair limit, snooze;
// a refused token holds the message until new credentials release it;
// permanent failures mark the message failed with the reason and cancel
// the job. A message sent or
// failed for good wakes the reply waiting behind it.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	s := w.s
	m, err := s.store.Message(ctx, job.Args.AccountID, job.Args.MessageID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if m.DeliveryState == conversation.DeliveryHeld {
		if s.now().Sub(m.CreatedAt) > maxHeld {
			return s.fail(ctx, m, "window_closed", "the end user did not write again while the reply was held")
		}
		// Waiting for the end user to write: ReleaseHeld wakes it.
		s.Metrics.snoozed("held_for_window")
		return river.JobSnooze(heldReplyWait)
	}
	if m.DeliveryState != conversation.DeliveryQueued {
		// Sent by an earlier run whose completion was lost: that run may
		// have ended before it woke the reply behind.
		w.wakeNext(ctx, m)
		return nil
	}
	since := s.now().Add(-orderHorizon)
	if job.Args.Held {
		// A reply held for days is still behind the replies written
		// shortly before it, held with it (R33, R34).
		if held := m.CreatedAt.Add(-orderHorizon); held.Before(since) {
			since = held
		}
	}
	ahead, err := w.sends.QueuedBefore(ctx, m, since)
	if err != nil {
		return err
	}
	if ahead != 0 {
		s.Metrics.snoozed("behind")
		return river.JobSnooze(waitBehind(snoozesOf(job.JobRow)))
	}
	err = w.send(ctx, job, m)
	switch {
	case err == nil || isCancel(err):
	case isSnooze(err):
		return err
	case job.Attempt >= job.MaxAttempts:
		// The job ends here: the message must not stay queued, holding
		// back those after it. The error is ours, not the agent's to read.
		s.log.WarnContext(ctx, "delivery: giving up", "message", m.ID, "attempt", job.Attempt, "err", err)
		if err = s.fail(ctx, m, "exhausted", fmt.Sprintf("gave up after %d attempts", job.Attempt)); !isCancel(err) {
			return err
		}
	default:
		return err
	}
	w.wakeNext(ctx, m)
	return err
}

// send sends m through its channel's adapter, once: a run after a crash
// that finds the platform's id from an earlier attempt records the send
// instead of repeating it.
func (w *Worker) send(ctx context.Context, job *river.Job[Args], m *conversation.Message) error {
	s := w.s
	id, err := s.store.Identity(ctx, m.AccountID, m.IdentityID)
	if err != nil {
		return s.fail(ctx, m, "recipient", "the recipient's identity is gone")
	}
	if id.ConversationID != m.ConversationID {
		return s.fail(ctx, m, "recipient", "the channel was unlinked from the conversation")
	}
	win := WindowOf(id, s.now())
	// A template is what WhatsApp delivers after the window (R33).
	if !win.Open(s.now()) && m.Template == nil {
		return s.fail(ctx, m, "window_closed", "the messaging window closed before the reply could be sent")
	}
	it, err := s.usable(ctx, id)
	if err != nil {
		if held(it) {
			s.Metrics.snoozed("held")
			return river.JobSnooze(heldWait)
		}
		if ae, ok := apperr.As(err); ok {
			return s.fail(ctx, m, "integration", ae.Message)
		}
		return err
	}
	wait, err := w.throttled(ctx, id)
	if err != nil {
		return err
	}
	if wait > 0 {
		s.Metrics.snoozed("pair_limit")
		return river.JobSnooze(wait)
	}
	adapter, creds, err := s.sender(ctx, it)
	if err != nil {
		return err
	}
	var media *channel.Media
	if len(m.Attachments) > 0 {
		md, file, err := w.mediaOf(ctx, id, m, win)
		if apperr.CodeOf(err) == apperr.NotFound {
			return s.fail(ctx, m, "permanent", "the file "+m.Attachments[0].Name+" is no longer stored")
		}
		if err != nil {
			return err
		}
		// Read only: nothing to lose on close.
		defer func() { _ = file.Close() }()
		media = &md
	}
	attempt, sentAs, unfinished, err := w.sends.StartSend(ctx, m.AccountID, m.ID, tracing.Traceparent(ctx))
	if err != nil {
		return err
	}
	log := s.log.With("message", m.ID, "conversation", m.ConversationID, "channel", m.Channel)
	if sentAs != "" {
		log.InfoContext(ctx, "delivery: already sent by an earlier attempt; recording it", "platform_id", sentAs)
		// Ended with neither a platform id nor an error: this attempt
		// sent nothing, and nothing failed (integration health counts
		// neither).
		_, err := w.sends.EndSend(ctx, m.AccountID, attempt, "", "")
		return errors.Join(err, w.sent(ctx, m, sentAs))
	}
	if unfinished > 0 {
		log.WarnContext(ctx, "delivery: an earlier attempt's outcome is unknown (its process died mid-send, or the platform's answer never came); the end user may receive this reply twice", "earlier_attempts", unfinished)
		w.resent("unknown_outcome")
	}
	var sent channel.Sent
	if media != nil {
		sent, err = adapter.SendMedia(ctx, creds, *media)
	} else {
		sent, err = sendReply(ctx, adapter, creds, id, m, win)
	}
	// What the platform answered is recorded even when the job's context
	// has ended: a later run must know whether the message went out.
	record, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err != nil {
		if perr := w.partsSent(record, m.AccountID, attempt, err); perr != nil {
			return errors.Join(err, perr)
		}
		var rerr error
		if meta.Unsure(err) {
			// The platform may have the message: the next attempt must
			// know that it may be a second copy.
			rerr = w.sends.UnsureSend(record, m.AccountID, attempt, err.Error())
		} else {
			_, rerr = w.sends.EndSend(record, m.AccountID, attempt, "", err.Error())
		}
		if rerr != nil {
			return errors.Join(err, rerr)
		}
		s.Metrics.attempted(m.Channel, it.ID, "failed")
		return s.classify(ctx, job, m, it, err)
	}
	ids, err := w.sends.EndSend(record, m.AccountID, attempt, sent.ExternalID, "")
	if err != nil {
		return err
	}
	s.Metrics.attempted(m.Channel, it.ID, "sent")
	if ids > 1 {
		log.WarnContext(ctx, "delivery: the message was sent more than once", "platform_ids", ids, "platform_id", sent.ExternalID)
		w.resent("sent_twice")
	}
	return w.sent(record, m, sent.ExternalID)
}

// recordTimeout bounds the recording of a send's outcome once the job's
// own time is up.
const recordTimeout = 10 * time.Second

// sent moves m to SENT under the platform's id.
func (w *Worker) sent(ctx context.Context, m *conversation.Message, externalID string) error {
	_, err := w.s.writer.Write(ctx, moving(conversation.DeliveryUpdate{
		AccountID: m.AccountID, MessageID: m.ID, State: conversation.DeliverySent, SentAs: externalID,
	}))
	if err == nil {
		w.s.Metrics.accepted(m.Channel, w.s.now().Sub(m.CreatedAt))
	}
	return err
}

// wakeNext wakes the reply waiting behind m, if any. A failure only
// delays it: its job looks again when its snooze ends.
func (w *Worker) wakeNext(ctx context.Context, m *conversation.Message) {
	next, err := w.sends.QueuedAfter(ctx, m)
	if err == nil && next != 0 {
		err = w.queue.Wake(ctx, next)
	}
	if err != nil {
		w.s.log.WarnContext(ctx, "delivery: could not wake the next reply", "message", m.ID, "err", err)
	}
}

// Release wakes the replies held for an integration whose credentials an
// admin has just updated, so that they go out now rather than when their
// wait ends; each is still sent in its conversation's order. Jobs live in
// the database, so the instance that runs one need not be this one.
func (w *Worker) Release(ctx context.Context, accountID, integrationID int64) error {
	ids, err := w.sends.QueuedThrough(ctx, accountID, integrationID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := w.queue.Wake(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (w *Worker) resent(reason string) {
	if w.Resent != nil {
		w.Resent(reason)
	}
}

func isCancel(err error) bool {
	_, ok := errors.AsType[*river.JobCancelError](err)
	return ok
}

func isSnooze(err error) bool {
	_, ok := errors.AsType[*river.JobSnoozeError](err)
	return ok
}

func (s *Service) classify(ctx context.Context, job *river.Job[Args], m *conversation.Message, it *integration.Integration, err error) error {
	class := meta.Classify(err)
	switch class.Kind {
	case meta.TokenInvalid:
		// No retry can fix the token, and failing the reply would lose it
		// for a fault that is ours: it is held, queued, until an admin
		// gives the integration new credentials (see Worker.Release).
		if err := s.integrations.MarkFailing(ctx, it, class.Reason); err != nil {
			return err
		}
		s.log.WarnContext(ctx, "delivery: held until the integration's credentials are updated", "message", m.ID, "integration", it.ID, "reason", class.Reason)
		s.Metrics.outcome(m.Channel, "held")
		s.Metrics.snoozed("held")
		return river.JobSnooze(heldWait)
	case meta.Permanent:
		return s.fail(ctx, m, "permanent", class.Reason)
	case meta.RateLimited:
		if class.RetryAfter > 0 {
			s.Metrics.snoozed("rate_limited")
			return river.JobSnooze(class.RetryAfter)
		}
	}
	if job.Attempt >= job.MaxAttempts {
		return s.fail(ctx, m, "exhausted", "gave up after "+fmt.Sprint(job.Attempt)+" attempts: "+class.Reason)
	}
	s.Metrics.retried(strings.ReplaceAll(class.Kind.String(), " ", "_"))
	s.log.WarnContext(ctx, "delivery: will retry", "message", m.ID, "attempt", job.Attempt, "reason", class.Reason)
	return err
}

// fail marks a message failed with its reason and ends its job for good;
// class is the failure's kind for metrics.
func (s *Service) fail(ctx context.Context, m *conversation.Message, class, reason string) error {
	_, err := s.writer.Write(ctx, moving(conversation.DeliveryUpdate{
		AccountID: m.AccountID, MessageID: m.ID, State: conversation.DeliveryFailed, Error: reason,
	}))
	if err != nil {
		return err
	}
	s.Metrics.failed(m.Channel, class)
	return river.JobCancel(errors.New(reason))
}

// Report applies a delivery report from a webhook (R18): by the message's
// platform id, or for Messenger and Instagram by watermark over everything
// sent to the identity.
func (s *Service) Report(ctx context.Context, it *integration.Integration, st channel.Status) error {
	u := conversation.DeliveryUpdate{AccountID: it.AccountID, Channel: it.Channel, State: st.State}
	if st.ErrorCode != 0 || st.ErrorTitle != "" {
		u.Error = meta.Classify(&meta.Error{Code: st.ErrorCode, Message: st.ErrorTitle}).Reason
	}
	switch {
	case st.ExternalID != "":
		u.ExternalID = st.ExternalID
		// The report belongs to the reply's story: its span links to the
		// attempt that sent it, whose trace began with the agent's reply.
		tp, err := s.store.SentTrace(ctx, it.AccountID, st.ExternalID)
		if err != nil {
			return err
		}
		tracing.LinkTo(ctx, tp)
	case st.Recipient != "":
		id, err := s.store.IdentityByExternalID(ctx, it.AccountID, it.Channel, st.Recipient)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		u.IdentityID, u.Watermark = id.ID, st.Watermark
	default:
		return nil
	}
	if _, err := s.writer.Write(ctx, moving(u)); err != nil {
		return err
	}
	// Meta sends each report at least once: a repeated one counts again.
	switch st.State {
	case conversation.DeliveryDelivered, conversation.DeliveryRead:
		s.Metrics.outcome(it.Channel, strings.ToLower(string(st.State)))
	case conversation.DeliveryFailed:
		s.Metrics.failed(it.Channel, "reported")
	}
	return nil
}

// SendNow sends a text on an integration at once, outside the durable
// queue: for short notices that belong to the moment (linking's answers).
func (s *Service) SendNow(ctx context.Context, it *integration.Integration, t channel.Text) error {
	adapter, creds, err := s.sender(ctx, it)
	if err == nil {
		_, err = adapter.SendText(ctx, creds, t)
	}
	return err
}

// Announce tells an identity something at once, outside the durable queue,
// when the platform would take it: the integration still exists and is not
// refused by Meta (a disabled one still carries its farewell), and the
// 24-hour window is open (a notice is no human agent's reply). What is not
// sent is logged: the change it announces stands either way (R26).
func (s *Service) Announce(ctx context.Context, to *conversation.Identity, text string) {
	log := s.log.With("identity", to.ID, "channel", to.Channel)
	if w := WindowOf(to, s.now()); !w.Open(s.now()) || w.HumanAgent {
		log.InfoContext(ctx, "announcement not sent: the messaging window is closed")
		return
	}
	it, err := s.store.Integration(ctx, to.AccountID, to.IntegrationID)
	if err == nil && it.Status == integration.StatusFailing {
		err = errors.New("the integration is failing")
	}
	if err == nil {
		err = s.SendNow(ctx, it, channel.Text{To: to.ExternalID, Body: text})
	}
	if err != nil {
		log.WarnContext(ctx, "announcement not sent", "err", err)
	}
}

// PromptNow sends a question with reply choices at once (R6).
func (s *Service) PromptNow(ctx context.Context, it *integration.Integration, p channel.Prompt) error {
	adapter, creds, err := s.sender(ctx, it)
	if err == nil {
		_, err = adapter.SendPrompt(ctx, creds, p)
	}
	return err
}
