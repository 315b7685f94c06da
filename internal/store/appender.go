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

	reqs    chan *writeReq
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

type writeReq struct {
	w    conversation.Write
	res  *conversation.Written
	evs  []*feed.Event
	err  error
	done chan struct{}
}

var _ conversation.Writer = (*Appender)(nil)

// errShuttingDown answers writes that arrive after Close.
var errShuttingDown = errors.New("store: shutting down")

// EnqueueDeliveries inserts the delivery jobs of queued outbound messages
// into the transaction that stores them.
type EnqueueDeliveries func(ctx context.Context, tx *sql.Tx, msgs []*conversation.Message) error

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

// Write applies w and returns once it has committed. A write that was
// queued is carried out even when ctx ends meanwhile: the caller learns
// its outcome, never a guess.
func (a *Appender) Write(ctx context.Context, w conversation.Write) (*conversation.Written, error) {
	r := &writeReq{w: w, done: make(chan struct{})}
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
}

type dedupKey struct {
	conv   int64
	role   string
	author int64
	client string
}

// apply runs one batch in one transaction. It sets each request's result
// only when the transaction commits.
func (a *Appender) apply(ctx context.Context, batch []*writeReq) error {
	now := a.db.now()
	type result struct {
		res *conversation.Written
		evs []*feed.Event
	}
	results := make([]result, len(batch))
	err := a.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var acctIDs, convIDs []int64
		for _, r := range batch {
			acctIDs = append(acctIDs, r.w.AccountID)
			if r.w.ConversationID != 0 {
				convIDs = append(convIDs, r.w.ConversationID)
			}
		}
		acctIDs = slices.Compact(slices.Sorted(slices.Values(acctIDs)))
		convIDs = slices.Compact(slices.Sorted(slices.Values(convIDs)))

		// Lock the accounts in id order (no deadlocks between instances):
		// the lock orders every event of an account.
		lockSQL := "SELECT id, event_seq FROM accounts WHERE id IN (" + placeholders(len(acctIDs)) + ") ORDER BY id"
		if a.db.postgres {
			lockSQL += " FOR UPDATE"
		}
		var accts []accountRow
		if err := tx.Raw(lockSQL, int64Args(acctIDs)...).Scan(&accts).Error; err != nil {
			return err
		}
		seqs := map[int64]int64{}
		for _, ac := range accts {
			seqs[ac.ID] = ac.EventSeq
		}

		convs := map[int64]*conversationRow{}
		if len(convIDs) > 0 {
			var rows []conversationRow
			if err := tx.Where("id IN ?", convIDs).Find(&rows).Error; err != nil {
				return err
			}
			for i := range rows {
				convs[rows[i].ID] = &rows[i]
			}
		}

		existing, err := a.existingMessages(tx, batch)
		if err != nil {
			return err
		}
		external, err := a.externalMessages(tx, batch)
		if err != nil {
			return err
		}

		var newMsgs []*conversation.Message
		var allEvs []*feed.Event
		touched := map[int64]bool{}
		// delivered holds the messages this batch moved, as it left them.
		delivered := map[int64]*messageRow{}
		for i, r := range batch {
			w := r.w
			if _, ok := seqs[w.AccountID]; !ok {
				return apperr.NotFoundf("account")
			}
			res := &conversation.Written{}
			var c *conversationRow
			var evs []*feed.Event
			emit := func(kind feed.Kind, m *conversation.Message) {
				seqs[w.AccountID]++
				c.LastSeq++
				c.ActivitySeq = seqs[w.AccountID]
				c.UpdatedAt = now
				evs = append(evs, &feed.Event{
					AccountID: w.AccountID, AccountSeq: seqs[w.AccountID],
					ConversationID: c.ID, ConversationSeq: c.LastSeq, Kind: kind, At: now, Message: m,
				})
			}
			// addNote adds a SYSTEM message to c's history, with the
			// event of its note's kind (R27).
			addNote := func(m *conversation.Message) {
				emit(feed.Kind(m.Note.Kind), m)
				m.Seq = c.LastSeq
				newMsgs = append(newMsgs, m)
			}
			if d := w.Delivery; d != nil {
				moved, err := a.deliver(tx, w.AccountID, d, delivered, now)
				if err != nil {
					return err
				}
				for _, row := range moved {
					if c, err = a.conversation(tx, convs, w.AccountID, row.ConversationID); err != nil {
						return err
					}
					touched[c.ID] = true
					m := row.domain()
					emit(feed.KindDeliveryStateChanged, m)
					evs[len(evs)-1].Conversation = c.domain()
					res.Updated = append(res.Updated, m)
				}
				allEvs = append(allEvs, evs...)
				results[i] = result{res: res, evs: evs}
				continue
			}
			var sender *identityRow
			switch {
			case w.Social != nil:
				ek := externalKey(string(w.Social.Channel), w.Message.ExternalID)
				if prev, ok := external[ek]; ok {
					res.Message, res.Duplicate = prev, true
					if pc, err := a.conversation(tx, convs, w.AccountID, prev.ConversationID); err == nil {
						res.Conversation = pc.domain()
					}
					results[i] = result{res: res}
					continue
				}
				var started bool
				if sender, c, started, err = a.resolveSocial(tx, w.AccountID, w.Social, convs, now, res); err != nil {
					return err
				}
				if started {
					res.Started = true
					emit(feed.KindConversationStarted, nil)
				}
			case w.Start != nil:
				if c, err = a.start(tx, w.AccountID, w.Start, now, res); err != nil {
					return err
				}
				convs[c.ID] = c
				res.Started = true
				emit(feed.KindConversationStarted, nil)
			default:
				c = convs[w.ConversationID]
				if c == nil || c.AccountID != w.AccountID || w.EndUserID != 0 && c.EndUserID != w.EndUserID {
					return apperr.NotFoundf("conversation")
				}
			}
			var key dedupKey
			if m := w.Message; m != nil {
				key = dedupKey{c.ID, string(m.AuthorRole), m.AuthorID, m.ClientMessageID}
				if prev, ok := existing[key]; ok {
					res.Conversation, res.Message, res.Duplicate = c.domain(), prev, true
					results[i] = result{res: res}
					continue
				}
			}
			touched[c.ID] = true
			if l := w.Activate; l != nil {
				notes, prev, err := a.activate(tx, w.AccountID, c, l, convs, now)
				if err != nil {
					return err
				}
				if prev != nil {
					touched[prev.ID] = true
				}
				// Each note goes to its own conversation's history.
				target := c
				for _, n := range notes {
					c = n.conv
					touched[c.ID] = true
					addNote(n.msg)
					evs[len(evs)-1].Conversation = c.domain()
				}
				c = target
			}
			if d := w.Detach; d != nil {
				m, was, err := a.detach(tx, c, d, now)
				if err != nil {
					return err
				}
				res.Detached = was
				addNote(m)
			}
			if w.Note != nil {
				addNote(systemNote(c, now, w.Note))
			}
			if w.SetStatus != "" && conversation.Status(c.Status) != w.SetStatus {
				c.Status = string(w.SetStatus)
				emit(feed.KindConversationUpdated, nil)
			}
			if w.WroteFrom != "" {
				if n := w.Switch(idOf(c.WidgetID), conversation.Channel(c.LastChannel)); n != nil {
					addNote(systemNote(c, now, n))
				}
				c.LastChannel = string(w.WroteFrom)
			}
			if w.Message != nil {
				m := *w.Message
				m.CreatedAt = now
				if sender != nil {
					m.ConversationID, m.AuthorID, m.IdentityID = c.ID, sender.EndUserID, sender.ID
					external[externalKey(string(w.Social.Channel), m.ExternalID)] = &m
				}
				emit(feed.KindMessageAdded, &m)
				m.Seq = c.LastSeq
				c.LastMessageAt = &now
				newMsgs = append(newMsgs, &m)
				existing[key] = &m
				res.Message = &m
			}
			// Every event of this write in c carries c as the write left
			// it; a note in another conversation (a move) carries that
			// one, as its own subscribers may see only it.
			snap := c.domain()
			for _, e := range evs {
				if e.ConversationID == c.ID {
					e.Conversation = snap
				}
			}
			res.Conversation = snap
			allEvs = append(allEvs, evs...)
			results[i] = result{res: res, evs: evs}
		}

		if len(newMsgs) > 0 {
			rows := make([]messageRow, len(newMsgs))
			for i, m := range newMsgs {
				rows[i] = messageRowOf(m)
			}
			if err := tx.Create(&rows).Error; err != nil {
				return err
			}
			var queued []*conversation.Message
			for i, m := range newMsgs {
				m.ID = rows[i].ID
				if m.DeliveryState == conversation.DeliveryQueued {
					queued = append(queued, m)
				}
			}
			if len(queued) > 0 {
				stx, err := sqlTx(tx)
				if err != nil {
					return err
				}
				// The deliveries commit with their messages, or neither.
				if err := a.enqueue(ctx, stx, queued); err != nil {
					return err
				}
			}
		}
		if len(allEvs) > 0 {
			if err := insertEvents(tx, allEvs); err != nil {
				return err
			}
		}
		if err := a.updateConversations(tx, convs, touched); err != nil {
			return err
		}
		if len(allEvs) > 0 {
			if err := a.updateAccounts(tx, seqs); err != nil {
				return err
			}
			if a.db.postgres {
				if err := tx.Exec("SELECT pg_notify(?, ?)", NotifyChannel, notifyPayload(seqs)).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return translate(err)
	}
	for i, r := range batch {
		r.res, r.evs = results[i].res, results[i].evs
	}
	return nil
}

// existingMessages finds the messages already stored under the client
// message ids of the batch (R18). The account rows are locked, so no other
// transaction can add one of them before we commit.
func (a *Appender) existingMessages(tx *gorm.DB, batch []*writeReq) (map[dedupKey]*conversation.Message, error) {
	var convIDs []int64
	var clientIDs []string
	for _, r := range batch {
		if r.w.Message != nil {
			convIDs = append(convIDs, r.w.ConversationID)
			clientIDs = append(clientIDs, r.w.Message.ClientMessageID)
		}
	}
	out := map[dedupKey]*conversation.Message{}
	if len(convIDs) == 0 {
		return out, nil
	}
	var rows []messageRow
	if err := tx.Where("conversation_id IN ? AND client_message_id IN ?", convIDs, clientIDs).Find(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		r := &rows[i]
		out[dedupKey{r.ConversationID, r.AuthorRole, r.AuthorID, r.ClientMessageID}] = r.domain()
	}
	return out, nil
}

// start creates the rows of a new conversation and fills res.
func (a *Appender) start(tx *gorm.DB, accountID int64, st *conversation.Start, now time.Time, res *conversation.Written) (*conversationRow, error) {
	eu := st.EndUser
	if eu.ID == 0 {
		r := endUserRow{AccountID: accountID, WidgetID: nullID(st.WidgetID), Name: eu.Name, Email: eu.Email, ExternalID: eu.ExternalID, CreatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return nil, err
		}
		res.EndUser = r.domain()
	} else {
		var r endUserRow
		if err := tx.Where("account_id = ? AND id = ?", accountID, eu.ID).Take(&r).Error; err != nil {
			return nil, notFound(err, "end user")
		}
		res.EndUser = r.domain()
	}
	if st.Session != nil {
		s := sessionRow{AccountID: accountID, WidgetID: st.WidgetID, EndUserID: res.EndUser.ID, TokenHash: st.Session.TokenHash, CreatedAt: now, ExpiresAt: st.Session.ExpiresAt.UTC()}
		if err := tx.Create(&s).Error; err != nil {
			return nil, err
		}
		res.SessionID = s.ID
	}
	c := &conversationRow{
		AccountID: accountID, WidgetID: nullID(st.WidgetID), EndUserID: res.EndUser.ID,
		Status: string(conversation.StatusOpen), LastChannel: string(st.Channel), Language: st.Language, CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.Create(c).Error; err != nil {
		return nil, err
	}
	return c, nil
}

// updateConversations writes the counters and state of every touched
// conversation in one statement.
func (a *Appender) updateConversations(tx *gorm.DB, convs map[int64]*conversationRow, touched map[int64]bool) error {
	if len(touched) == 0 {
		return nil
	}
	ids := slices.Sorted(func(yield func(int64) bool) {
		for id := range touched {
			if !yield(id) {
				return
			}
		}
	})
	cols := []struct {
		name, cast string
		val        func(c *conversationRow) any
	}{
		{"status", "text", func(c *conversationRow) any { return c.Status }},
		{"last_channel", "text", func(c *conversationRow) any { return c.LastChannel }},
		{"last_seq", "bigint", func(c *conversationRow) any { return c.LastSeq }},
		{"activity_seq", "bigint", func(c *conversationRow) any { return c.ActivitySeq }},
		{"last_message_at", "timestamptz", func(c *conversationRow) any { return c.LastMessageAt }},
		{"updated_at", "timestamptz", func(c *conversationRow) any { return c.UpdatedAt }},
	}
	var sb strings.Builder
	var args []any
	sb.WriteString("UPDATE conversations SET ")
	for i, col := range cols {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(col.name + " = CASE id")
		for _, id := range ids {
			sb.WriteString(" WHEN ? THEN " + a.param(col.cast))
			args = append(args, id, col.val(convs[id]))
		}
		sb.WriteString(" END")
	}
	sb.WriteString(" WHERE id IN (" + placeholders(len(ids)) + ")")
	args = append(args, int64Args(ids)...)
	return tx.Exec(sb.String(), args...).Error
}

func (a *Appender) updateAccounts(tx *gorm.DB, seqs map[int64]int64) error {
	ids := slices.Sorted(func(yield func(int64) bool) {
		for id := range seqs {
			if !yield(id) {
				return
			}
		}
	})
	var sb strings.Builder
	var args []any
	sb.WriteString("UPDATE accounts SET event_seq = CASE id")
	for _, id := range ids {
		sb.WriteString(" WHEN ? THEN " + a.param("bigint"))
		args = append(args, id, seqs[id])
	}
	sb.WriteString(" END WHERE id IN (" + placeholders(len(ids)) + ")")
	args = append(args, int64Args(ids)...)
	return tx.Exec(sb.String(), args...).Error
}

// param is a placeholder of a SQL type. PostgreSQL cannot infer the type of
// a parameter inside CASE; SQLite needs no cast (and would mangle times).
func (a *Appender) param(sqlType string) string {
	if a.db.postgres {
		return "CAST(? AS " + sqlType + ")"
	}
	return "?"
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

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
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
func (a *Appender) externalMessages(tx *gorm.DB, batch []*writeReq) (map[string]*conversation.Message, error) {
	var ids []string
	for _, r := range batch {
		if r.w.Social != nil {
			ids = append(ids, r.w.Message.ExternalID)
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

// conversation returns a conversation row of the account, loading it into
// convs when the batch has not yet.
func (a *Appender) conversation(tx *gorm.DB, convs map[int64]*conversationRow, accountID, id int64) (*conversationRow, error) {
	if c := convs[id]; c != nil {
		return c, nil
	}
	var c conversationRow
	if err := tx.Where("account_id = ? AND id = ?", accountID, id).Take(&c).Error; err != nil {
		return nil, notFound(err, "conversation")
	}
	convs[id] = &c
	return &c, nil
}

// resolveSocial finds the identity a social message came from, creating it
// (with its end user) on its first message, and the conversation its
// messages land in, opening one when it has none. It runs under the
// account's lock, so concurrent first messages resolve to one identity.
func (a *Appender) resolveSocial(tx *gorm.DB, accountID int64, s *conversation.SocialSender, convs map[int64]*conversationRow, now time.Time, res *conversation.Written) (*identityRow, *conversationRow, bool, error) {
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
		if c, err = a.conversation(tx, convs, accountID, *id.ConversationID); err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return nil, nil, false, err
		}
	}
	if c == nil {
		c = &conversationRow{AccountID: accountID, EndUserID: id.EndUserID, Status: string(conversation.StatusOpen),
			LastChannel: string(s.Channel), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(c).Error; err != nil {
			return nil, nil, false, err
		}
		convs[c.ID] = c
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
	res.EndUser = eu.domain()
	return &id, c, started, nil
}

// insertEvents stores a batch's events in one statement. It is gorm's
// Create without the reflection and the RETURNING the writer has no use
// for: events are the rows every write adds.
func insertEvents(tx *gorm.DB, evs []*feed.Event) error {
	var sb strings.Builder
	sb.WriteString("INSERT INTO events (account_id, account_seq, conversation_id, conversation_seq, kind, message_id, created_at) VALUES ")
	args := make([]any, 0, 7*len(evs))
	for i, e := range evs {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(?,?,?,?,?,?,?)")
		var message *int64
		if e.Message != nil {
			message = &e.Message.ID
		}
		args = append(args, e.AccountID, e.AccountSeq, e.ConversationID, e.ConversationSeq, string(e.Kind), message, e.At)
	}
	return tx.Exec(sb.String(), args...).Error
}
