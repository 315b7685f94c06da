package conversation

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/widget"
)

// Store is what the service reads. Every read is scoped by account.
type Store interface {
	Conversation(ctx context.Context, accountID, id int64) (*Conversation, error)
	Conversations(ctx context.Context, accountID int64, f Filter, p Page) ([]*Conversation, error)
	EndUserConversations(ctx context.Context, accountID, endUserID int64, p Page) ([]*Conversation, error)
	Messages(ctx context.Context, accountID, conversationID int64, p Page) ([]*Message, error)
	Message(ctx context.Context, accountID, id int64) (*Message, error)
	EndUser(ctx context.Context, accountID, id int64) (*EndUser, error)
	EndUserIdentities(ctx context.Context, accountID, endUserID int64) ([]*Identity, error)
	ConversationIdentities(ctx context.Context, accountID, conversationID int64) ([]*Identity, error)
	// ChannelMessages pages through the messages a conversation exchanged
	// with one identity on a channel.
	ChannelMessages(ctx context.Context, accountID, conversationID int64, ch Channel, identityID int64, p Page) ([]*Message, error)
	// ConversationLinks lists a conversation's links, oldest first.
	ConversationLinks(ctx context.Context, accountID, conversationID int64) ([]*Link, error)
	// LatestChoices is the conversation's newest message that offers
	// choices (R32); NOT_FOUND when none does.
	LatestChoices(ctx context.Context, accountID, conversationID int64) (*Message, error)
	IdentityByExternalID(ctx context.Context, accountID int64, ch Channel, externalID string) (*Identity, error)
	// Attachments returns stored files of a conversation, in the order
	// of ids: NOT_FOUND when one is not the conversation's.
	Attachments(ctx context.Context, accountID, conversationID int64, ids []int64) ([]Attachment, error)
}

// Route is where a reply goes.
type Route struct {
	Channel Channel
	// IdentityID is the social identity a social reply goes to.
	IdentityID int64
	// Form is how the channel shows the reply's choices (R32).
	Form ChoiceForm
	// Held: the channel's window has closed and the reply asked to be
	// held; it waits for the end user to write again (R33).
	Held bool
}

// Draft is a reply as the agent wrote it, for the Router to check.
type Draft struct {
	Text    string
	Choices []Choice
	// To names the destination; empty: where the end user wrote last.
	To Channel
	// Hold asks for the reply to be held rather than refused when the
	// destination's window has closed (R33).
	Hold bool
	// Attachments are the files it carries, each to be checked against
	// what the destination carries (R30).
	Attachments []Attachment
}

// Router decides where a reply goes and refuses, up front, what its
// destination cannot take (R11, R14, R17, R32, R33).
type Router interface {
	Route(ctx context.Context, c *Conversation, d Draft) (Route, error)
}

// Widgets finds widgets by their public key.
type Widgets interface {
	ByKey(ctx context.Context, key string) (*widget.Widget, error)
}

// Config holds the service's limits.
type Config struct {
	// MaxTextRunes bounds a message's length in Unicode code points.
	MaxTextRunes int
	// SessionTTL is how long a widget session token stays valid.
	SessionTTL time.Duration
}

// DefaultConfig holds the defaults. 4,096 code points is WhatsApp's limit
// for a text message, the largest any channel carries, so nothing a widget
// accepts is too long everywhere.
var DefaultConfig = Config{MaxTextRunes: 4096, SessionTTL: 30 * 24 * time.Hour}

// Service runs conversations.
type Service struct {
	cfg     Config
	store   Store
	writer  Writer
	widgets Widgets
	router  Router
	limiter *auth.Limiter
	now     func() time.Time
	// Replied, when set, is told of each new agent reply once stored, so
	// that a widget reply nobody reads can be followed up (R33). The
	// reply stands whatever it answers.
	Replied func(ctx context.Context, c *Conversation, m *Message)
}

// NewService returns a conversation service.
func NewService(cfg Config, store Store, writer Writer, widgets Widgets, router Router, limiter *auth.Limiter, now func() time.Time) *Service {
	return &Service{cfg: cfg, store: store, writer: writer, widgets: widgets, router: router, limiter: limiter, now: now}
}

// StartInput is what a widget may say about its end user. All optional.
type StartInput struct {
	WidgetKey  string
	Origin     string
	Name       string
	Email      string
	ExternalID string
	// Language is a language tag such as the browser's, e.g. el-GR.
	Language string
}

// Started is a new conversation; SessionToken is set when a new widget
// session was created, and is shown only this once.
type Started struct {
	Conversation *Conversation
	EndUser      *EndUser
	SessionToken string
}

// Start opens a conversation from a widget. An anonymous caller becomes a new
// end user with a new session token; an end user with a session of the same
// widget starts another conversation of their own.
func (s *Service) Start(ctx context.Context, actor *auth.Actor, in StartInput) (*Started, error) {
	if actor.Agent != nil {
		return nil, apperr.New(apperr.Forbidden, "conversations are started by end users from a widget")
	}
	w, err := s.widgets.ByKey(ctx, in.WidgetKey)
	if err != nil {
		return nil, err
	}
	if !w.AllowsOrigin(in.Origin) {
		return nil, apperr.New(apperr.Forbidden, "origin %q may not use this widget", in.Origin)
	}
	if actor.Session != nil && actor.Session.WidgetID != w.ID {
		return nil, apperr.New(apperr.Forbidden, "this session belongs to another widget")
	}
	for field, v := range map[string]string{"name": in.Name, "email": in.Email, "externalId": in.ExternalID} {
		if err := checkText(field, v, 200, true); err != nil {
			return nil, err
		}
	}
	if in.Email != "" && !strings.Contains(in.Email, "@") {
		return nil, apperr.Invalid("email", "is not an email address")
	}
	if err := checkLanguageTag(in.Language); err != nil {
		return nil, err
	}
	if err := s.limiter.Allow(ctx, actor, auth.ActionStart); err != nil {
		return nil, err
	}
	st := Start{AccountID: w.AccountID, WidgetID: w.ID, Channel: ChannelWebWidget, Language: in.Language}
	var token string
	if actor.Session != nil {
		st.EndUser = &EndUser{ID: actor.Session.EndUserID}
	} else {
		var hash []byte
		token, hash = auth.NewSessionToken()
		st.EndUser = &EndUser{AccountID: w.AccountID, WidgetID: w.ID, Name: in.Name, Email: in.Email, ExternalID: in.ExternalID}
		st.Session = &NewSession{TokenHash: hash, ExpiresAt: s.now().Add(s.cfg.SessionTTL)}
	}
	res, err := s.writer.Write(ctx, st)
	if err != nil {
		return nil, err
	}
	return &Started{Conversation: res.Conversation, EndUser: res.EndUser, SessionToken: token}, nil
}

// SendInput is a message from the end user or an agent.
type SendInput struct {
	ConversationID  int64
	Text            string
	ClientMessageID string
	// Channel, on an agent's reply, names where it goes (R14); empty:
	// where the end user wrote last.
	Channel Channel
	// Choices, on an agent's reply, are offered with it (R32).
	Choices []Choice
	// ChoiceID, on an end user's message, is the widget button tapped: a
	// choice of the conversation's latest offer.
	ChoiceID string
	// Hold, on an agent's reply, holds it instead of refusing it when its
	// channel's window has closed (R33).
	Hold bool
	// Opener, on a held reply, gives a message to send at once before it,
	// a template; it is not sent when the reply is not held.
	Opener func(ctx context.Context) (*Message, error)
	// AttachmentIDs name files uploaded into the conversation for the
	// message to carry (R30).
	AttachmentIDs []int64
}

// Send appends an end user's message from the widget. A message to a closed
// conversation reopens it: the customer is talking again.
func (s *Service) Send(ctx context.Context, actor *auth.Actor, in SendInput) (*Written, error) {
	if err := s.checkSend(in); err != nil {
		return nil, err
	}
	if actor.Session == nil {
		return nil, apperr.New(apperr.Forbidden, "only the end user sends from the widget")
	}
	if err := s.limiter.Allow(ctx, actor, auth.ActionSend); err != nil {
		return nil, err
	}
	if in.ConversationID <= 0 {
		return nil, apperr.NotFoundf("conversation")
	}
	// No read first: the writer checks that the conversation is this end
	// user's in the same transaction, which saves a query per message.
	// Only an answer to choices reads them first.
	sess := actor.Session
	chosen, err := s.chosen(ctx, sess.AccountID, in.ConversationID, in.Text, in.ChoiceID)
	if err != nil {
		return nil, err
	}
	// Files of another end user's conversation are NOT_FOUND here, so
	// the writer's ownership check covers them too.
	files, err := s.attachments(ctx, sess.AccountID, in.ConversationID, in.AttachmentIDs)
	if err != nil {
		return nil, err
	}
	res, err := s.writer.Write(ctx, Post{
		AccountID:      sess.AccountID,
		ConversationID: in.ConversationID,
		EndUserID:      sess.EndUserID,
		Message: &Message{
			AccountID: sess.AccountID, ConversationID: in.ConversationID, Channel: ChannelWebWidget,
			AuthorRole: AuthorEndUser, AuthorID: sess.EndUserID,
			Text: in.Text, ClientMessageID: in.ClientMessageID, ChoiceID: chosen, Attachments: files,
		},
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Reply appends an agent's message, for the channel the end user used last
// (R11, R14). A reply to a social channel is queued for delivery in the
// same transaction (R17).
func (s *Service) Reply(ctx context.Context, actor *auth.Actor, in SendInput) (*Written, error) {
	if err := s.checkSend(in); err != nil {
		return nil, err
	}
	if actor.Agent == nil {
		return nil, apperr.New(apperr.Forbidden, "only agents reply")
	}
	c, err := s.Get(ctx, actor, in.ConversationID)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusClosed {
		return nil, apperr.New(apperr.ConversationClosed, "the conversation is closed: reopen it to reply")
	}
	if in.Channel != "" && !in.Channel.Valid() {
		return nil, apperr.Invalid("channel", "is not a known channel")
	}
	if err := CheckChoices(in.Choices); err != nil {
		return nil, err
	}
	if len(in.Choices) > 0 && len(in.AttachmentIDs) > 0 {
		return nil, apperr.Invalid("attachmentIds", "cannot go with choices: send the file, then the question")
	}
	files, err := s.attachments(ctx, c.AccountID, c.ID, in.AttachmentIDs)
	if err != nil {
		return nil, err
	}
	route, err := s.router.Route(ctx, c, Draft{Text: in.Text, Choices: in.Choices, To: in.Channel, Hold: in.Hold, Attachments: files})
	if err != nil {
		return nil, err
	}
	m := &Message{
		AccountID: c.AccountID, ConversationID: c.ID, Channel: route.Channel,
		AuthorRole: AuthorAgent, AuthorID: actor.Agent.ID, AuthorName: actor.Agent.Name,
		Text: in.Text, ClientMessageID: in.ClientMessageID, IdentityID: route.IdentityID, Attachments: files,
	}
	if len(in.Choices) > 0 {
		m.Choices, m.Form = in.Choices, route.Form
	}
	m.DeliveryState = DeliveryQueued
	if route.Channel == ChannelWebWidget {
		// Sent once stored: the widget's feed carries it. The widget's
		// acknowledgement and read mark move it on (R31).
		m.DeliveryState = DeliverySent
	}
	if route.Held {
		return s.hold(ctx, c, m, in.Opener)
	}
	res, err := s.writer.Write(ctx, Post{AccountID: c.AccountID, ConversationID: c.ID, Message: m})
	if err != nil {
		return nil, err
	}
	if s.Replied != nil && !res.Duplicate {
		s.Replied(ctx, c, res.Message)
	}
	return res, nil
}

// hold stores m as HELD for its closed channel (R33), after the opener
// when there is one, and notes it in the history: package delivery
// releases it when the end user writes again. Everything is checked before
// anything is written.
func (s *Service) hold(ctx context.Context, c *Conversation, m *Message, opener func(context.Context) (*Message, error)) (*Written, error) {
	m.DeliveryState = DeliveryHeld
	var first *Message
	if opener != nil {
		var err error
		if first, err = opener(ctx); err != nil {
			return nil, err
		}
		// The opener is part of the same reply: a retry of the reply
		// must not send it twice (R18).
		first.ClientMessageID = "opener:" + m.ClientMessageID
		if len(first.ClientMessageID) > 64 {
			first.ClientMessageID = first.ClientMessageID[:64]
		}
		if _, err := s.writer.Write(ctx, Post{AccountID: c.AccountID, ConversationID: c.ID, Message: first}); err != nil {
			return nil, err
		}
	}
	res, err := s.writer.Write(ctx, Post{AccountID: c.AccountID, ConversationID: c.ID, Message: m})
	if err != nil || res.Duplicate {
		return res, err
	}
	_, err = s.writer.Write(ctx, AddNote{AccountID: c.AccountID, ConversationID: c.ID, Note: &Note{Kind: NoteReplyHeld, Channel: m.Channel}})
	return res, err
}

// chosen is the id of the choice an end user's message answers (R32): the
// tapped id, which must be one of the conversation's latest offer, or the
// number typed in answer to it; "" for a message that answers none.
func (s *Service) chosen(ctx context.Context, accountID, conversationID int64, text, tapped string) (string, error) {
	if tapped == "" && choiceNumber(text) == 0 {
		return "", nil
	}
	offer, err := s.store.LatestChoices(ctx, accountID, conversationID)
	if apperr.CodeOf(err) == apperr.NotFound {
		err, offer = nil, &Message{}
	}
	switch {
	case err != nil:
		return "", err
	case tapped == "":
		return Chosen(text, offer.Choices), nil
	case !Offers(offer.Choices, tapped):
		return "", apperr.Invalid("choiceId", "is not a choice of the conversation's latest offer")
	}
	return tapped, nil
}

// SetStatus closes or reopens a conversation (agents only).
func (s *Service) SetStatus(ctx context.Context, actor *auth.Actor, id int64, st Status) (*Conversation, error) {
	if !st.Valid() {
		return nil, apperr.Invalid("status", "is not a known status")
	}
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if actor.Agent == nil {
		return nil, apperr.New(apperr.Forbidden, "only agents change a conversation's status")
	}
	if c.Status == st {
		return c, nil
	}
	res, err := s.writer.Write(ctx, SetStatus{AccountID: c.AccountID, ConversationID: c.ID, Status: st})
	if err != nil {
		return nil, err
	}
	return res.Conversation, nil
}

// Get returns a conversation the actor may see: an agent any of its account,
// an end user only their own. Anything else is NOT_FOUND, like an unknown id.
func (s *Service) Get(ctx context.Context, actor *auth.Actor, id int64) (*Conversation, error) {
	acct := actor.AccountID()
	if acct == 0 || id <= 0 {
		return nil, apperr.NotFoundf("conversation")
	}
	c, err := s.store.Conversation(ctx, acct, id)
	if err != nil {
		return nil, err
	}
	if actor.Session != nil && c.EndUserID != actor.Session.EndUserID {
		return nil, apperr.NotFoundf("conversation")
	}
	return c, nil
}

// Readable returns nil when the actor may read conversation id, and
// NOT_FOUND otherwise, as Get does.
func (s *Service) Readable(ctx context.Context, actor *auth.Actor, id int64) error {
	_, err := s.Get(ctx, actor, id)
	return err
}

// List returns the account's conversations, most recently updated first.
func (s *Service) List(ctx context.Context, actor *auth.Actor, f Filter, p Page) ([]*Conversation, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, apperr.Invalid("status", "is not a known status")
	}
	if f.Channel != "" && !f.Channel.Valid() {
		return nil, apperr.Invalid("channel", "is not a known channel")
	}
	if actor.Session != nil {
		return s.store.EndUserConversations(ctx, actor.Session.AccountID, actor.Session.EndUserID, p)
	}
	if f.Assignee == AssigneeMine {
		f.AssigneeID = actor.Agent.ID
	}
	if f.Search != "" {
		var err error
		if f.Matching, err = ParseSearch(f.Search); err != nil {
			return nil, err
		}
	}
	return s.store.Conversations(ctx, actor.AccountID(), f, p)
}

// Messages returns a window of a conversation's history, oldest first. The
// conversation must come from Get, so the caller is already authorized.
func (s *Service) Messages(ctx context.Context, c *Conversation, p Page) ([]*Message, error) {
	return s.store.Messages(ctx, c.AccountID, c.ID, p)
}

// Message returns one message the actor may see.
func (s *Service) Message(ctx context.Context, actor *auth.Actor, id int64) (*Message, error) {
	acct := actor.AccountID()
	if acct == 0 {
		return nil, apperr.NotFoundf("message")
	}
	m, err := s.store.Message(ctx, acct, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, actor, m.ConversationID); err != nil {
		return nil, apperr.NotFoundf("message")
	}
	return m, nil
}

// EndUserOf returns an end user the actor may see: agents see any of their
// account, an end user only themself.
func (s *Service) EndUserOf(ctx context.Context, actor *auth.Actor, id int64) (*EndUser, error) {
	acct := actor.AccountID()
	if acct == 0 || actor.Session != nil && actor.Session.EndUserID != id {
		return nil, apperr.NotFoundf("end user")
	}
	return s.store.EndUser(ctx, acct, id)
}

// Identities returns an end user's social identities, for the customer
// card (R16). The end user must come from EndUser or EndUserOf.
func (s *Service) Identities(ctx context.Context, eu *EndUser) ([]*Identity, error) {
	return s.store.EndUserIdentities(ctx, eu.AccountID, eu.ID)
}

// Transcript is what one channel's app shows of a conversation (R10): the
// messages exchanged through it with the identity linked there last, from
// its first link on. An unlink leaves them, since the app still shows
// them, and relinking the same identity continues the same thread, as the
// phone does. The linking dialogue and the service's notes are not part of
// it. A conversation that began on the channel shows its identity's
// messages. For the widget: everything (R9).
func (s *Service) Transcript(ctx context.Context, c *Conversation, ch Channel, p Page) ([]*Message, error) {
	if ch == ChannelWebWidget {
		return s.store.Messages(ctx, c.AccountID, c.ID, p)
	}
	identity, err := s.transcriptIdentity(ctx, c, ch)
	if err != nil || identity == 0 {
		return []*Message{}, err
	}
	return s.store.ChannelMessages(ctx, c.AccountID, c.ID, ch, identity, p)
}

// transcriptIdentity is whose thread a channel's transcript shows: the
// identity linked last on the channel, else the one whose messages land in
// the conversation (a conversation begun there); 0 for none.
func (s *Service) transcriptIdentity(ctx context.Context, c *Conversation, ch Channel) (int64, error) {
	links, err := s.store.ConversationLinks(ctx, c.AccountID, c.ID)
	if err != nil {
		return 0, err
	}
	for _, l := range slices.Backward(links) {
		if l.Channel == ch {
			return l.IdentityID, nil
		}
	}
	ids, err := s.store.ConversationIdentities(ctx, c.AccountID, c.ID)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if id.Channel == ch {
			return id.ID, nil
		}
	}
	return 0, nil
}

// Links returns every link a conversation the caller may see (from Get)
// has had, oldest first, with who ended it (R26).
func (s *Service) Links(ctx context.Context, c *Conversation) ([]*Link, error) {
	return s.store.ConversationLinks(ctx, c.AccountID, c.ID)
}

// LinkedIdentities returns the identities linked to a conversation the
// caller may see (from Get).
func (s *Service) LinkedIdentities(ctx context.Context, c *Conversation) ([]*Identity, error) {
	ids, err := s.store.ConversationIdentities(ctx, c.AccountID, c.ID)
	if err != nil {
		return nil, err
	}
	out := []*Identity{}
	for _, id := range ids {
		if id.LinkedAt != nil {
			out = append(out, id)
		}
	}
	return out, nil
}

// EndUser returns the end user of a conversation the caller may see.
func (s *Service) EndUser(ctx context.Context, c *Conversation) (*EndUser, error) {
	return s.store.EndUser(ctx, c.AccountID, c.EndUserID)
}

// checkSend checks what a message says. Text is needed, unless files are
// what it says.
func (s *Service) checkSend(in SendInput) error {
	files := len(in.AttachmentIDs) > 0
	if err := checkText("text", in.Text, s.cfg.MaxTextRunes, files); err != nil {
		return err
	}
	if !files && strings.TrimSpace(in.Text) == "" {
		return apperr.Invalid("text", "is blank")
	}
	return CheckClientMessageID(in.ClientMessageID)
}

// CheckClientMessageID validates an idempotency key chosen by a client.
func CheckClientMessageID(id string) error {
	if id == "" || len(id) > 64 {
		return apperr.Invalid("clientMessageId", "must be 1 to 64 characters")
	}
	for _, r := range id {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_.:", r))) {
			return apperr.Invalid("clientMessageId", "may hold only ASCII letters, digits and - _ . :")
		}
	}
	return nil
}

// checkLanguageTag accepts what can be a language tag (BCP 47 allows 35
// characters of letters, digits and hyphens; browsers and Java also send
// underscores). Whether the catalog speaks it is decided when texts are
// sent: an unknown language follows the widget's.
func checkLanguageTag(tag string) error {
	if len(tag) > 35 {
		return apperr.Invalid("language", "is not a language tag")
	}
	for _, r := range tag {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')) {
			return apperr.Invalid("language", "is not a language tag")
		}
	}
	return nil
}

// checkText rejects what no channel can carry or show: invalid UTF-8, NUL
// and other control characters, and text over limit code points.
func checkText(field, s string, limit int, allowEmpty bool) error {
	if !utf8.ValidString(s) {
		return apperr.Invalid(field, "is not valid UTF-8")
	}
	if !allowEmpty && s == "" {
		return apperr.Invalid(field, "is empty")
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return apperr.Invalid(field, "is %d characters long; the limit is %d", n, limit)
	}
	for _, r := range s {
		if r == 0 {
			return apperr.Invalid(field, "contains a NUL character")
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return apperr.Invalid(field, "contains a control character")
		}
	}
	return nil
}
