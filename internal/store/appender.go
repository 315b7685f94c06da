package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
)

// NotifyChannel is the PostgreSQL channel on which committed event
// positions are announced to every instance.
const NotifyChannel = "linkline_events"

// Appender is the one write path for conversations and their events. It
// groups the writes that arrive while a transaction is in flight into the
// next transaction, so that under load many messages share one commit and
// one NOTIFY (PostgreSQL commits INSERT+NOTIFY about 3,000 times a second
// here, but 50-row batches far faster). Events are numbered under the
// account's row lock, which makes positions visible in commit order, and
// they are published to the broker only after commit.
type Appender struct {
	db       *DB
	publish  func([]*feed.Event)
	enqueue  EnqueueDeliveries
	log      *slog.Logger
	maxBatch int
	// Committed, when set, observes each committed batch's size.
	Committed func(writes int)
	// Queued, when set, observes each committed reply that waits to be sent
	// to a social channel.
	Queued func(ch conversation.Channel)

	reqs    chan *writeReq
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

type writeReq struct {
	cmd conversation.Command
	// origin is the caller's context, values only: the delivery jobs of
	// the write carry its trace (see EnqueueDeliveries).
	origin context.Context
	res    *conversation.Written
	evs    []*feed.Event
	err    error
	done   chan struct{}
}

var _ conversation.Writer = (*Appender)(nil)

// errShuttingDown answers writes that arrive after Close.
var errShuttingDown = errors.New("store: shutting down")

// EnqueueDeliveries inserts the delivery jobs of queued outbound messages
// into the transaction that stores them. origins[i] is the context of the
// write that queued msgs[i]: the batch's own context is every caller's, so
// a job learns the trace it continues from its origin.
type EnqueueDeliveries func(ctx context.Context, tx *sql.Tx, msgs []*conversation.Message, origins []context.Context) error

// NewAppender returns an Appender; publish receives committed events in
// order, enqueue the deliveries of queued messages. Run must be started.
func NewAppender(db *DB, publish func([]*feed.Event), enqueue EnqueueDeliveries, log *slog.Logger, maxBatch int) *Appender {
	if maxBatch <= 0 {
		maxBatch = 256
	}
	return &Appender{
		db: db, publish: publish, enqueue: enqueue, log: log, maxBatch: maxBatch,
		reqs: make(chan *writeReq, maxBatch), stop: make(chan struct{}), stopped: make(chan struct{}),
	}
}

// Write applies cmd and returns once it has committed. A command that was
// queued is carried out even when ctx ends meanwhile: the caller learns
// its outcome, never a guess.
func (a *Appender) Write(ctx context.Context, cmd conversation.Command) (*conversation.Written, error) {
	r := &writeReq{cmd: cmd, origin: context.WithoutCancel(ctx), done: make(chan struct{})}
	select {
	case a.reqs <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-a.stop:
		return nil, errShuttingDown
	}
	<-r.done
	return r.res, r.err
}

// Run commits batches until Close, then drains what was queued.
func (a *Appender) Run() {
	defer close(a.stopped)
	for {
		var first *writeReq
		select {
		case first = <-a.reqs:
		case <-a.stop:
			for {
				select {
				case r := <-a.reqs:
					a.commit([]*writeReq{r})
				default:
					return
				}
			}
		}
		batch := []*writeReq{first}
	fill:
		for len(batch) < a.maxBatch {
			select {
			case r := <-a.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		a.commit(batch)
	}
}

// Close stops taking writes, finishes those queued and returns when the
// last has committed.
func (a *Appender) Close() {
	a.once.Do(func() { close(a.stop) })
	<-a.stopped
}

func (a *Appender) commit(batch []*writeReq) {
	// Background context: a batch mixes many callers, and a write once
	// taken is finished even if its caller has gone (see Write).
	ctx := context.Background()
	err := a.apply(ctx, batch)
	if err != nil && len(batch) > 1 {
		// One bad write must not fail its neighbours: retry alone.
		for _, r := range batch {
			a.commit([]*writeReq{r})
		}
		return
	}
	if err != nil {
		batch[0].err = err
		close(batch[0].done)
		return
	}
	var evs []*feed.Event
	for _, r := range batch {
		evs = append(evs, r.evs...)
	}
	if len(evs) > 0 {
		a.publish(evs)
	}
	if a.Committed != nil {
		a.Committed(len(batch))
	}
	for _, r := range batch {
		close(r.done)
	}
	a.db.settleLog(ctx)
}

type dedupKey struct {
	conv   int64
	role   string
	author int64
	client string
}

// batch is one transaction's state: what the batch read under the
// accounts' locks, and the rows and events its commands add, which are
// written together at the end.
type batch struct {
	tx *gorm.DB
	// sql is tx's database/sql transaction, for the statements of batchSQL.
	sql  *sql.Tx
	post bool
	now  time.Time
	// seqs are the accounts' event positions; convs the conversations the
	// commands touch, as they leave them.
	seqs  map[int64]int64
	convs map[int64]*conversationRow
	// existing and external are the messages already stored, by client
	// message id and by platform id (R18). An optimistic batch has not
	// read existing: its inserts skip the messages stored before, and
	// finding one (errStoredBefore) makes the batch run again with the
	// read. Retried sends are rare, so most batches save a read.
	optimistic bool
	existing   map[dedupKey]*conversation.Message
	external   map[string]*conversation.Message
	// delivered holds the messages the batch moved, as it left them.
	delivered map[int64]*messageRow
	touched   map[int64]bool
	msgs      []*conversation.Message
	// origins[i] is the context of the write that added msgs[i].
	origins []context.Context
	evs     []*feed.Event
}

// write is one command's part of a batch.
type write struct {
	*batch
	account int64
	res     *conversation.Written
	evs     []*feed.Event
}

// errStoredBefore rolls back an optimistic batch that holds a message
// stored before.
var errStoredBefore = errors.New("store: a message of the batch was stored before")

// apply runs one batch in one transaction, first optimistically. It sets
// each request's result only when the transaction commits.
func (a *Appender) apply(ctx context.Context, reqs []*writeReq) error {
	err := a.applyOnce(ctx, reqs, true)
	if errors.Is(err, errStoredBefore) {
		err = a.applyOnce(ctx, reqs, false)
	}
	return err
}

func (a *Appender) applyOnce(ctx context.Context, reqs []*writeReq, optimistic bool) error {
	writes := make([]*write, len(reqs))
	var b *batch
	err := a.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if b, err = a.read(ctx, tx, reqs, optimistic); err != nil {
			return err
		}
		for i, r := range reqs {
			n := len(b.msgs)
			if writes[i], err = b.apply(r.cmd); err != nil {
				return err
			}
			for range b.msgs[n:] {
				b.origins = append(b.origins, r.origin)
			}
		}
		return a.store(ctx, b)
	})
	if err != nil {
		return translate(err)
	}
	if a.Queued != nil {
		for _, m := range b.msgs {
			if m.DeliveryState == conversation.DeliveryQueued {
				a.Queued(m.Channel)
			}
		}
	}
	for i, r := range reqs {
		r.res, r.evs = writes[i].res, writes[i].evs
	}
	return nil
}

// read locks the batch's accounts and reads what its commands will look up.
func (a *Appender) read(ctx context.Context, tx *gorm.DB, reqs []*writeReq, optimistic bool) (*batch, error) {
	stx, err := sqlTx(tx)
	if err != nil {
		return nil, err
	}
	b := &batch{
		tx: tx, sql: stx, post: a.db.postgres, now: a.db.now(), convs: map[int64]*conversationRow{}, optimistic: optimistic,
		delivered: map[int64]*messageRow{}, touched: map[int64]bool{},
	}
	var acctIDs, convIDs []int64
	var keys []dedupKey
	for _, r := range reqs {
		acctIDs = append(acctIDs, r.cmd.Account())
		if id := conversationOf(r.cmd); id != 0 {
			convIDs = append(convIDs, id)
		}
		if p, ok := r.cmd.(conversation.Post); ok {
			m := p.Message
			keys = append(keys, dedupKey{p.ConversationID, string(m.AuthorRole), m.AuthorID, m.ClientMessageID})
		}
	}
	acctIDs = slices.Compact(slices.Sorted(slices.Values(acctIDs)))
	convIDs = slices.Compact(slices.Sorted(slices.Values(convIDs)))

	// Lock the accounts in id order (no deadlocks between instances): the
	// lock orders every event of an account.
	if b.seqs, err = a.db.hot.lock(ctx, stx, acctIDs); err != nil {
		return nil, err
	}
	if len(convIDs) > 0 {
		rows, err := a.db.hot.conversations(ctx, stx, convIDs)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			b.convs[rows[i].ID] = &rows[i]
		}
	}
	// The messages already stored under the batch's client message ids
	// (R18). The account rows are locked, so no other transaction can add
	// one of them before this one commits.
	b.existing = make(map[dedupKey]*conversation.Message, len(keys))
	if len(keys) > 0 && !optimistic {
		rows, err := a.db.hot.messages(ctx, stx, keys)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			r := &rows[i]
			b.existing[dedupKey{r.ConversationID, r.AuthorRole, r.AuthorID, r.ClientMessageID}] = r.domain()
		}
	}
	if b.external, err = externalMessages(tx, reqs); err != nil {
		return nil, err
	}
	return b, nil
}

// conversationOf is the conversation a command names, 0 for none.
func conversationOf(cmd conversation.Command) int64 {
	switch c := cmd.(type) {
	case conversation.Post:
		return c.ConversationID
	case conversation.SetStatus:
		return c.ConversationID
	case conversation.Assign:
		return c.ConversationID
	case conversation.AddNote:
		return c.ConversationID
	case conversation.Activation:
		return c.ConversationID
	case conversation.Detachment:
		return c.ConversationID
	}
	return 0
}

// apply adds one command's rows and events to the batch.
func (b *batch) apply(cmd conversation.Command) (*write, error) {
	w := &write{batch: b, account: cmd.Account(), res: &conversation.Written{}}
	if _, ok := b.seqs[w.account]; !ok {
		return nil, apperr.NotFoundf("account")
	}
	var err error
	switch cmd := cmd.(type) {
	case conversation.Start:
		err = w.start(cmd)
	case conversation.Post:
		err = w.post(cmd)
	case conversation.Receive:
		err = w.receive(cmd)
	case conversation.SetStatus:
		err = w.setStatus(cmd)
	case conversation.Assign:
		err = w.assign(cmd)
	case conversation.AddNote:
		err = w.addNote(cmd)
	case conversation.DeliveryUpdate:
		err = w.deliver(cmd)
	case conversation.Activation:
		err = w.activate(cmd)
	case conversation.Detachment:
		err = w.detach(cmd)
	case conversation.Attach:
		err = w.attach(cmd)
	default:
		err = fmt.Errorf("store: unknown command %T", cmd)
	}
	if err != nil {
		return nil, err
	}
	b.evs = append(b.evs, w.evs...)
	return w, nil
}

// emit numbers an event of conversation c in its account and in c.
func (w *write) emit(c *conversationRow, kind feed.Kind, m *conversation.Message) *feed.Event {
	w.seqs[w.account]++
	c.LastSeq++
	c.ActivitySeq = w.seqs[w.account]
	c.UpdatedAt = w.now
	w.touched[c.ID] = true
	e := &feed.Event{
		AccountID: w.account, AccountSeq: w.seqs[w.account],
		ConversationID: c.ID, ConversationSeq: c.LastSeq, Kind: kind, At: w.now, Message: m,
	}
	w.evs = append(w.evs, e)
	return e
}

// note adds a SYSTEM message to c's history, with the event of its note's
// kind (R27).
func (w *write) note(c *conversationRow, m *conversation.Message) *feed.Event {
	e := w.emit(c, feed.Kind(m.Note.Kind), m)
	m.Seq = c.LastSeq
	w.msgs = append(w.msgs, m)
	return e
}

// done gives every event of the write in c, and the result, c as the write
// left it; events of other conversations (a move) carry their own, as their
// subscribers may see only them.
func (w *write) done(c *conversationRow) {
	snap := c.domain()
	for _, e := range w.evs {
		if e.ConversationID == c.ID {
			e.Conversation = snap
		}
	}
	w.res.Conversation = snap
}

// own returns a conversation of the write's account the batch has read,
// and of endUserID when it is not 0: NOT_FOUND otherwise.
func (w *write) own(id, endUserID int64) (*conversationRow, error) {
	c := w.convs[id]
	if c == nil || c.AccountID != w.account || endUserID != 0 && c.EndUserID != endUserID {
		return nil, apperr.NotFoundf("conversation")
	}
	w.touched[c.ID] = true
	return c, nil
}

// conversation returns a conversation row of the write's account, loading
// it when the batch has not yet.
func (w *write) conversation(id int64) (*conversationRow, error) {
	if c := w.convs[id]; c != nil {
		return c, nil
	}
	var c conversationRow
	if err := w.tx.Where("account_id = ? AND id = ?", w.account, id).Take(&c).Error; err != nil {
		return nil, notFound(err, "conversation")
	}
	w.convs[id] = &c
	return &c, nil
}

func (w *write) post(p conversation.Post) error {
	c, err := w.own(p.ConversationID, p.EndUserID)
	if err != nil {
		return err
	}
	w.append(c, p.Message, nil)
	return nil
}

func (w *write) receive(r conversation.Receive) error {
	if prev, ok := w.external[externalKey(string(r.From.Channel), r.Message.ExternalID)]; ok {
		w.res.Message, w.res.Duplicate = prev, true
		if c, err := w.conversation(prev.ConversationID); err == nil {
			w.res.Conversation = c.domain()
		}
		return nil
	}
	sender, c, started, err := w.resolveSocial(&r.From)
	if err != nil {
		return err
	}
	if started {
		w.res.Started = true
		w.emit(c, feed.KindConversationStarted, nil)
	}
	w.append(c, r.Message, sender)
	return nil
}

// append adds message m to c, unless its author sent it before (R18). An
// end user's message reopens the conversation and moves the reply route
// (R11), which a widget conversation's history notes (R13).
func (w *write) append(c *conversationRow, m *conversation.Message, sender *identityRow) {
	key := dedupKey{c.ID, string(m.AuthorRole), m.AuthorID, m.ClientMessageID}
	if sender != nil {
		key.author = sender.EndUserID
	}
	if prev, ok := w.existing[key]; ok {
		w.res.Conversation, w.res.Message, w.res.Duplicate = c.domain(), prev, true
		return
	}
	if to := m.Reroutes(); to != "" {
		if c.Status != string(conversation.StatusOpen) {
			c.Status = string(conversation.StatusOpen)
			w.emit(c, feed.KindConversationUpdated, nil)
		}
		if n := m.Switch(idOf(c.WidgetID), conversation.Channel(c.LastChannel)); n != nil {
			w.note(c, systemNote(c, w.now, n))
		}
		c.LastChannel = string(to)
	}
	msg := *m
	msg.CreatedAt = w.now
	if sender != nil {
		msg.ConversationID, msg.AuthorID, msg.IdentityID = c.ID, sender.EndUserID, sender.ID
		w.external[externalKey(sender.Channel, msg.ExternalID)] = &msg
	}
	w.emit(c, feed.KindMessageAdded, &msg)
	msg.Seq = c.LastSeq
	c.LastMessageAt = &w.now
	w.msgs = append(w.msgs, &msg)
	w.existing[key] = &msg
	w.res.Message = &msg
	w.done(c)
}

func (w *write) setStatus(s conversation.SetStatus) error {
	c, err := w.own(s.ConversationID, 0)
	if err != nil {
		return err
	}
	if conversation.Status(c.Status) != s.Status {
		c.Status = string(s.Status)
		w.emit(c, feed.KindConversationUpdated, nil)
	}
	w.done(c)
	return nil
}

func (w *write) assign(a conversation.Assign) error {
	c, err := w.own(a.ConversationID, 0)
	if err != nil {
		return err
	}
	current := idOf(c.AssigneeID)
	if current != a.To {
		if err := a.Allowed(current); err != nil {
			return err
		}
		c.AssigneeID = nullID(a.To)
		w.emit(c, feed.KindAssigned, nil)
	}
	w.done(c)
	return nil
}

func (w *write) addNote(n conversation.AddNote) error {
	c, err := w.own(n.ConversationID, 0)
	if err != nil {
		return err
	}
	w.note(c, systemNote(c, w.now, n.Note))
	w.done(c)
	return nil
}

// store writes what the batch's commands added, with the delivery jobs of
// the replies it queued, and announces the new positions.
func (a *Appender) store(ctx context.Context, b *batch) error {
	if len(b.msgs) == 0 && len(b.evs) == 0 && len(b.touched) == 0 {
		return nil
	}
	if err := a.db.hot.write(ctx, b.sql, b); err != nil {
		return err
	}
	var queued []*conversation.Message
	var origins []context.Context
	for i, m := range b.msgs {
		if m.Delivers() {
			queued = append(queued, m)
			origins = append(origins, b.origins[i])
		}
	}
	if len(queued) == 0 {
		return nil
	}
	// The deliveries commit with their messages, or neither.
	return a.enqueue(ctx, b.sql, queued, origins)
}

// start creates the rows of a new conversation, and its end user and
// session when they are new.
func (w *write) start(st conversation.Start) error {
	tx, now, res := w.tx, w.now, w.res
	eu := st.EndUser
	if eu.ID == 0 {
		r := endUserRow{AccountID: w.account, WidgetID: nullID(st.WidgetID), Name: eu.Name, Email: eu.Email, ExternalID: eu.ExternalID, CreatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		res.EndUser = r.domain()
	} else {
		var r endUserRow
		if err := tx.Where("account_id = ? AND id = ?", w.account, eu.ID).Take(&r).Error; err != nil {
			return notFound(err, "end user")
		}
		res.EndUser = r.domain()
	}
	if st.Session != nil {
		s := sessionRow{AccountID: w.account, WidgetID: st.WidgetID, EndUserID: res.EndUser.ID, TokenHash: st.Session.TokenHash, CreatedAt: now, ExpiresAt: st.Session.ExpiresAt.UTC()}
		if err := tx.Create(&s).Error; err != nil {
			return err
		}
		res.SessionID = s.ID
	}
	c := &conversationRow{
		AccountID: w.account, WidgetID: nullID(st.WidgetID), EndUserID: res.EndUser.ID,
		Status: string(conversation.StatusOpen), LastChannel: string(st.Channel), Language: st.Language, CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.Create(c).Error; err != nil {
		return err
	}
	w.convs[c.ID] = c
	res.Started = true
	w.emit(c, feed.KindConversationStarted, nil)
	w.done(c)
	return nil
}

// notifyPayload lists "account:position" pairs, well under NOTIFY's 8,000
// byte limit for any batch.
func notifyPayload(seqs map[int64]int64) string {
	parts := make([]string, 0, len(seqs))
	for id, seq := range seqs {
		parts = append(parts, strconv.FormatInt(id, 10)+":"+strconv.FormatInt(seq, 10))
	}
	return strings.Join(parts, ",")
}

// translate keeps coded errors and wraps the rest.
func translate(err error) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	return fmt.Errorf("store: write: %w", err)
}

func externalKey(channel, externalID string) string { return channel + "\x00" + externalID }

// externalMessages finds the social messages of the batch already stored
// under their platform ids (R18).
func externalMessages(tx *gorm.DB, reqs []*writeReq) (map[string]*conversation.Message, error) {
	var ids []string
	for _, r := range reqs {
		if rc, ok := r.cmd.(conversation.Receive); ok {
			ids = append(ids, rc.Message.ExternalID)
		}
	}
	out := map[string]*conversation.Message{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []messageRow
	if err := tx.Where("external_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		out[externalKey(rows[i].Channel, rows[i].ExternalID)] = rows[i].domain()
	}
	return out, nil
}

// resolveSocial finds the identity a social message came from, creating it
// (with its end user) on its first message, and the conversation its
// messages land in, opening one when it has none. It runs under the
// account's lock, so concurrent first messages resolve to one identity.
func (w *write) resolveSocial(s *conversation.SocialSender) (*identityRow, *conversationRow, bool, error) {
	tx, accountID, now := w.tx, w.account, w.now
	var id identityRow
	err := tx.Where("account_id = ? AND channel = ? AND external_id = ?", accountID, string(s.Channel), s.ExternalID).Take(&id).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		eu := endUserRow{AccountID: accountID, Name: s.Name, CreatedAt: now}
		if err := tx.Create(&eu).Error; err != nil {
			return nil, nil, false, err
		}
		id = identityRow{AccountID: accountID, Channel: string(s.Channel), ExternalID: s.ExternalID, DisplayName: s.Name,
			EndUserID: eu.ID, IntegrationID: nullID(s.IntegrationID), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&id).Error; err != nil {
			return nil, nil, false, err
		}
	case err != nil:
		return nil, nil, false, err
	}
	var c *conversationRow
	started := false
	if id.ConversationID != nil {
		if c, err = w.conversation(*id.ConversationID); err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return nil, nil, false, err
		}
	}
	if c == nil {
		c = &conversationRow{AccountID: accountID, EndUserID: id.EndUserID, Status: string(conversation.StatusOpen),
			LastChannel: string(s.Channel), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(c).Error; err != nil {
			return nil, nil, false, err
		}
		w.convs[c.ID] = c
		id.ConversationID = &c.ID
		started = true
	}
	if s.Name != "" {
		id.DisplayName = s.Name
	}
	if id.LastInboundAt == nil || s.At.After(*id.LastInboundAt) {
		at := s.At.UTC()
		id.LastInboundAt = &at
	}
	id.IntegrationID = nullID(s.IntegrationID)
	id.UpdatedAt = now
	if err := tx.Save(&id).Error; err != nil {
		return nil, nil, false, err
	}
	var eu endUserRow
	if err := tx.Where("id = ?", id.EndUserID).Take(&eu).Error; err != nil {
		return nil, nil, false, err
	}
	w.res.EndUser = eu.domain()
	return &id, c, started, nil
}
