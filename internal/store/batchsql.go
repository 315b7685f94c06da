package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/linkline/linkline/internal/feed"
)

// batchSQL speaks a batch's frequent statements — the lock, the reads every
// message needs and the rows every batch adds — to one database, in the
// form that costs it least. PostgreSQL is a round trip away: each read is
// one statement over arrays whatever the batch's size, and all the writes
// are one statement. SQLite is in process, where parsing is what costs:
// it runs statements prepared once, one per kind of row.
type batchSQL interface {
	// lock locks the accounts, in id order, and returns their event
	// positions.
	lock(ctx context.Context, tx *sql.Tx, accounts []int64) (map[int64]int64, error)
	conversations(ctx context.Context, tx *sql.Tx, ids []int64) ([]conversationRow, error)
	// messages returns the stored messages with any of the keys.
	messages(ctx context.Context, tx *sql.Tx, keys []dedupKey) ([]messageRow, error)
	// write inserts the batch's messages, setting their IDs, and its
	// events, and stores the conversations it touched and the accounts'
	// positions. In an optimistic batch it skips the messages stored
	// before, and then fails with errStoredBefore.
	write(ctx context.Context, tx *sql.Tx, b *batch) error
	// close releases what the statements hold.
	close() error
}

const conversationColumns = "id, account_id, widget_id, end_user_id, status, last_channel, last_seq, activity_seq, last_message_at, language, assignee_id, created_at, updated_at"

func scanConversation(rows *sql.Rows) (conversationRow, error) {
	var c conversationRow
	err := rows.Scan(&c.ID, &c.AccountID, &c.WidgetID, &c.EndUserID, &c.Status, &c.LastChannel, &c.LastSeq, &c.ActivitySeq,
		&c.LastMessageAt, &c.Language, &c.AssigneeID, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

const messageColumns = "id, account_id, conversation_id, seq, channel, author_role, author_id, author_name, text, client_message_id, " +
	"external_id, identity_id, delivery_state, delivery_error, note_kind, note, created_at, choices, choice_form, choice_id, template, attachments, location"

func scanMessage(rows *sql.Rows) (messageRow, error) {
	var m messageRow
	err := rows.Scan(&m.ID, &m.AccountID, &m.ConversationID, &m.Seq, &m.Channel, &m.AuthorRole, &m.AuthorID, &m.AuthorName, &m.Text,
		&m.ClientMessageID, &m.ExternalID, &m.IdentityID, &m.DeliveryState, &m.DeliveryError, &m.NoteKind, &m.Note, &m.CreatedAt,
		&m.Choices, &m.ChoiceForm, &m.ChoiceID, &m.Template, &m.Attachments, &m.Location)
	return m, err
}

// collect reads every row of a query.
func collect[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// messageID is the id of an event's message, nil for none.
func messageID(e *feed.Event) *int64 {
	if e.Message == nil {
		return nil
	}
	return &e.Message.ID
}

// postgresBatch is batchSQL for PostgreSQL: every statement's text is fixed,
// so the driver prepares it once per connection.
type postgresBatch struct{}

func (postgresBatch) close() error { return nil }

func (postgresBatch) lock(ctx context.Context, tx *sql.Tx, accounts []int64) (map[int64]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, event_seq FROM accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE", accounts)
	return scanSeqs(rows, err)
}

func scanSeqs(rows *sql.Rows, err error) (map[int64]int64, error) {
	pairs, err := collect(rows, err, func(rows *sql.Rows) ([2]int64, error) {
		var p [2]int64
		return p, rows.Scan(&p[0], &p[1])
	})
	seqs := make(map[int64]int64, len(pairs))
	for _, p := range pairs {
		seqs[p[0]] = p[1]
	}
	return seqs, err
}

func (postgresBatch) conversations(ctx context.Context, tx *sql.Tx, ids []int64) ([]conversationRow, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+conversationColumns+" FROM conversations WHERE id = ANY($1)", ids)
	return collect(rows, err, scanConversation)
}

func (postgresBatch) messages(ctx context.Context, tx *sql.Tx, keys []dedupKey) ([]messageRow, error) {
	conv, role, author, client := make([]int64, len(keys)), make([]string, len(keys)), make([]int64, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		conv[i], role[i], author[i], client[i] = k.conv, k.role, k.author, k.client
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+messageColumns+" FROM messages WHERE (conversation_id, author_role, author_id, client_message_id) IN "+
		"(SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]))", conv, role, author, client)
	return collect(rows, err, scanMessage)
}

// postgresWrite is every write of a batch in one statement. The messages'
// ids come back from the insert; an event of a new message finds its id by
// the message's position in its conversation, an event of a stored one
// names it. The account positions are announced to every instance at
// commit (NOTIFY), from the statement's last row.
const postgresWrite = `WITH m AS (
	INSERT INTO messages (account_id, conversation_id, seq, channel, author_role, author_id, author_name, text,
		client_message_id, external_id, identity_id, delivery_state, delivery_error, note_kind, note, created_at,
		choices, choice_form, choice_id, template, attachments, location)
	SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[],
		$9::text[], $10::text[], $11::bigint[], $12::text[], $13::text[], $14::text[], $15::text[], $16::timestamptz[],
		$37::text[], $38::text[], $39::text[], $40::text[], $41::text[], $42::text[])
	%s
	RETURNING id, conversation_id, seq
), e AS (
	INSERT INTO events (account_id, account_seq, conversation_id, conversation_seq, kind, message_id, created_at)
	SELECT u.account_id, u.account_seq, u.conversation_id, u.conversation_seq, u.kind, coalesce(u.message_id, m.id), u.created_at
	FROM unnest($17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[], $21::text[], $22::bigint[], $23::bigint[], $24::timestamptz[])
		AS u(account_id, account_seq, conversation_id, conversation_seq, kind, message_id, message_seq, created_at)
	LEFT JOIN m ON m.conversation_id = u.conversation_id AND m.seq = u.message_seq
), c AS (
	UPDATE conversations SET status = u.status, last_channel = u.last_channel, last_seq = u.last_seq,
		activity_seq = u.activity_seq, last_message_at = u.last_message_at, updated_at = u.updated_at, assignee_id = u.assignee_id
	FROM unnest($25::bigint[], $26::text[], $27::text[], $28::bigint[], $29::bigint[], $30::timestamptz[], $31::timestamptz[], $36::bigint[])
		AS u(id, status, last_channel, last_seq, activity_seq, last_message_at, updated_at, assignee_id)
	WHERE conversations.id = u.id
), a AS (
	UPDATE accounts SET event_seq = u.event_seq FROM unnest($32::bigint[], $33::bigint[]) AS u(id, event_seq)
	WHERE accounts.id = u.id AND $35
), n AS (
	SELECT pg_notify('` + NotifyChannel + `', $34) WHERE $35
)
SELECT conversation_id, seq, id FROM m
UNION ALL SELECT 0, 0, 0 FROM n`

// skipStored is the clause of an optimistic batch's message insert.
const skipStored = "ON CONFLICT DO NOTHING"

// The two forms of postgresWrite.
var (
	postgresWriteChecked    = fmt.Sprintf(postgresWrite, "")
	postgresWriteOptimistic = fmt.Sprintf(postgresWrite, skipStored)
)

func (postgresBatch) write(ctx context.Context, tx *sql.Tx, b *batch) error {
	n := len(b.msgs)
	ma, mc, ms, mau := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	mch, mrole, mname, mtext, mclient, mext := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	mident := make([]*int64, n)
	mstate, merr, mkind, mnote := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	mat := make([]time.Time, n)
	mchoices, mform, mchosen, mtemplate := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	mfiles, mplace := make([]string, n), make([]string, n)
	for i, msg := range b.msgs {
		r := messageRowOf(msg)
		ma[i], mc[i], ms[i], mau[i] = r.AccountID, r.ConversationID, r.Seq, r.AuthorID
		mch[i], mrole[i], mname[i], mtext[i], mclient[i], mext[i] = r.Channel, r.AuthorRole, r.AuthorName, r.Text, r.ClientMessageID, r.ExternalID
		mident[i], mstate[i], merr[i], mkind[i], mnote[i], mat[i] = r.IdentityID, r.DeliveryState, r.DeliveryError, r.NoteKind, r.Note, r.CreatedAt
		mchoices[i], mform[i], mchosen[i], mtemplate[i] = r.Choices, r.ChoiceForm, r.ChoiceID, r.Template
		mfiles[i], mplace[i] = r.Attachments, r.Location
	}
	k := len(b.evs)
	ea, es, ec, ecs := make([]int64, k), make([]int64, k), make([]int64, k), make([]int64, k)
	ekind, emsg, emseq, eat := make([]string, k), make([]*int64, k), make([]*int64, k), make([]time.Time, k)
	for i, e := range b.evs {
		ea[i], es[i], ec[i], ecs[i], ekind[i], eat[i] = e.AccountID, e.AccountSeq, e.ConversationID, e.ConversationSeq, string(e.Kind), e.At
		switch {
		case e.Message == nil:
		case e.Message.ID != 0:
			emsg[i] = &e.Message.ID
		default:
			emseq[i] = &e.Message.Seq
		}
	}
	ids := sortedIDs(b.touched)
	cid, cst, clast, cseq, cact := make([]int64, len(ids)), make([]string, len(ids)), make([]string, len(ids)), make([]int64, len(ids)), make([]int64, len(ids))
	clm, cup, cas := make([]*time.Time, len(ids)), make([]time.Time, len(ids)), make([]*int64, len(ids))
	for i, id := range ids {
		c := b.convs[id]
		cid[i], cst[i], clast[i], cseq[i], cact[i], clm[i], cup[i] = c.ID, c.Status, c.LastChannel, c.LastSeq, c.ActivitySeq, c.LastMessageAt, c.UpdatedAt
		cas[i] = c.AssigneeID
	}
	accts := sortedIDs(b.seqs)
	aseq := make([]int64, len(accts))
	for i, id := range accts {
		aseq[i] = b.seqs[id]
	}
	stmt := postgresWriteChecked
	if b.optimistic {
		stmt = postgresWriteOptimistic
	}
	rows, err := tx.QueryContext(ctx, stmt,
		ma, mc, ms, mch, mrole, mau, mname, mtext, mclient, mext, mident, mstate, merr, mkind, mnote, mat,
		ea, es, ec, ecs, ekind, emsg, emseq, eat,
		cid, cst, clast, cseq, cact, clm, cup,
		accts, aseq, notifyPayload(b.seqs), k > 0, cas,
		mchoices, mform, mchosen, mtemplate, mfiles, mplace)
	got := make(map[messageAt]int64, n)
	if err := scanMessageIDs(got, rows, err); err != nil {
		return err
	}
	return setMessageIDs(b, got)
}

// sqliteBatch is batchSQL for SQLite. SQLite parses and plans a statement
// in more time than it takes to run one of a batch's, so each statement is
// prepared once, at open, for every row count that is a power of two up to
// sqliteRows, and kept. A read of n keys runs once, its keys padded to the
// next prepared size with copies of the last (IN ignores duplicates); a
// write of n rows runs once per power of two in n's binary form.
type sqliteBatch struct {
	// stmts[kind][k] is kind's statement for 1<<k rows.
	stmts [sqliteKinds][]*sql.Stmt
}

// sqliteRows is the most rows one prepared statement takes: a larger batch
// runs in several, and the prepared forms stay a few.
const sqliteRows = 64

type sqliteKind int

const (
	readAccounts sqliteKind = iota
	readConversations
	readMessages
	insertMessages
	insertStoredMessages
	insertEvents
	updateConversations
	updateAccounts
	sqliteKinds
)

const insertMessage = "INSERT INTO messages (account_id, conversation_id, seq, channel, author_role, author_id, author_name, text, " +
	"client_message_id, external_id, identity_id, delivery_state, delivery_error, note_kind, note, created_at, " +
	"choices, choice_form, choice_id, template, attachments, location) VALUES "

// sqliteStatements is each kind's text for n rows.
var sqliteStatements = [sqliteKinds]func(n int) string{
	readAccounts: func(n int) string { return "SELECT id, event_seq FROM accounts WHERE id IN " + tuples(1, n) },
	readConversations: func(n int) string {
		return "SELECT " + conversationColumns + " FROM conversations WHERE id IN " + tuples(1, n)
	},
	readMessages: func(n int) string {
		return "SELECT " + messageColumns + " FROM messages WHERE (conversation_id, author_role, author_id, client_message_id) IN (VALUES " +
			tuples(n, 4) + ")"
	},
	insertMessages: func(n int) string { return insertMessage + tuples(n, 22) + " RETURNING conversation_id, seq, id" },
	insertStoredMessages: func(n int) string {
		return insertMessage + tuples(n, 22) + " " + skipStored + " RETURNING conversation_id, seq, id"
	},
	insertEvents: func(n int) string {
		return "INSERT INTO events (account_id, account_seq, conversation_id, conversation_seq, kind, message_id, created_at) VALUES " + tuples(n, 7)
	},
	updateConversations: func(n int) string {
		return "UPDATE conversations SET status = u.column2, last_channel = u.column3, last_seq = u.column4, " +
			"activity_seq = u.column5, last_message_at = u.column6, updated_at = u.column7, assignee_id = u.column8 FROM (VALUES " + tuples(n, 8) + ") AS u " +
			"WHERE conversations.id = u.column1"
	},
	updateAccounts: func(n int) string {
		return "UPDATE accounts SET event_seq = u.column2 FROM (VALUES " + tuples(n, 2) + ") AS u WHERE accounts.id = u.column1"
	},
}

// prepareSQLite prepares every statement of sqliteBatch on db.
func prepareSQLite(ctx context.Context, db *sql.DB) (*sqliteBatch, error) {
	s := &sqliteBatch{}
	for kind, text := range sqliteStatements {
		for n := 1; n <= sqliteRows; n *= 2 {
			st, err := db.PrepareContext(ctx, text(n)) //nolint:sqlclosecheck // kept until DB.Close closes them (close)
			if err != nil {
				return nil, errors.Join(fmt.Errorf("store: prepare: %w", err), s.close())
			}
			s.stmts[kind] = append(s.stmts[kind], st)
		}
	}
	return s, nil
}

// tuples is n parenthesized groups of width placeholders: "(?,?),(?,?)".
func tuples(n, width int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}

// query runs kind's statement for n rows on tx, the largest prepared size
// that fits first: add appends row i's values to args, and scan reads the
// rows of each statement that returns some (nil: none does). With pad, n
// rows run as one statement of the next prepared size, the last row
// repeated to fill it.
func (s *sqliteBatch) query(ctx context.Context, tx *sql.Tx, kind sqliteKind, n int, pad bool,
	add func(args []any, i int) []any, scan func(*sql.Rows, error) error) error {
	var args []any
	for i := 0; i < n; {
		k := bits.Len(uint(min(n-i, sqliteRows))) - 1
		if size := 1 << k; pad && size < n-i && size < sqliteRows {
			k++
		}
		size := 1 << k
		args = args[:0]
		for j := i; j < i+size; j++ {
			args = add(args, min(j, n-1))
		}
		if err := run(ctx, tx, s.stmts[kind][k], args, scan); err != nil {
			return err
		}
		i += size
	}
	return nil
}

// run runs a prepared statement in tx.
func run(ctx context.Context, tx *sql.Tx, prepared *sql.Stmt, args []any, scan func(*sql.Rows, error) error) error {
	st := tx.StmtContext(ctx, prepared)
	defer func() { _ = st.Close() }()
	if scan == nil {
		_, err := st.ExecContext(ctx, args...)
		return err
	}
	rows, err := st.QueryContext(ctx, args...) //nolint:rowserrcheck // scan reads them through collect, which checks rows.Err
	return scan(rows, err)
}

// close closes the prepared statements.
func (s *sqliteBatch) close() error {
	var errs []error
	for _, stmts := range s.stmts {
		for _, st := range stmts {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

func (s *sqliteBatch) lock(ctx context.Context, tx *sql.Tx, accounts []int64) (map[int64]int64, error) {
	// SQLite locks the whole database for the transaction (BEGIN
	// IMMEDIATE): reading the positions is enough.
	seqs := make(map[int64]int64, len(accounts))
	err := s.query(ctx, tx, readAccounts, len(accounts), true, func(args []any, i int) []any { return append(args, accounts[i]) },
		func(rows *sql.Rows, err error) error {
			read, err := scanSeqs(rows, err)
			maps.Copy(seqs, read)
			return err
		})
	return seqs, err
}

func (s *sqliteBatch) conversations(ctx context.Context, tx *sql.Tx, ids []int64) ([]conversationRow, error) {
	var out []conversationRow
	err := s.query(ctx, tx, readConversations, len(ids), true, func(args []any, i int) []any { return append(args, ids[i]) },
		func(rows *sql.Rows, err error) error {
			read, err := collect(rows, err, scanConversation)
			out = append(out, read...)
			return err
		})
	return out, err
}

func (s *sqliteBatch) messages(ctx context.Context, tx *sql.Tx, keys []dedupKey) ([]messageRow, error) {
	var out []messageRow
	err := s.query(ctx, tx, readMessages, len(keys), true, func(args []any, i int) []any {
		k := keys[i]
		return append(args, k.conv, k.role, k.author, k.client)
	}, func(rows *sql.Rows, err error) error {
		read, err := collect(rows, err, scanMessage)
		out = append(out, read...)
		return err
	})
	return out, err
}

func (s *sqliteBatch) write(ctx context.Context, tx *sql.Tx, b *batch) error {
	insert := insertMessages
	if b.optimistic {
		insert = insertStoredMessages
	}
	ids := make(map[messageAt]int64, len(b.msgs))
	if err := s.query(ctx, tx, insert, len(b.msgs), false, func(args []any, i int) []any {
		r := messageRowOf(b.msgs[i])
		return append(args, r.AccountID, r.ConversationID, r.Seq, r.Channel, r.AuthorRole, r.AuthorID, r.AuthorName, r.Text,
			r.ClientMessageID, r.ExternalID, r.IdentityID, r.DeliveryState, r.DeliveryError, r.NoteKind, r.Note, r.CreatedAt,
			r.Choices, r.ChoiceForm, r.ChoiceID, r.Template, r.Attachments, r.Location)
	}, func(rows *sql.Rows, err error) error { return scanMessageIDs(ids, rows, err) }); err != nil {
		return err
	}
	if err := setMessageIDs(b, ids); err != nil {
		return err
	}
	if err := s.query(ctx, tx, insertEvents, len(b.evs), false, func(args []any, i int) []any {
		e := b.evs[i]
		return append(args, e.AccountID, e.AccountSeq, e.ConversationID, e.ConversationSeq, string(e.Kind), messageID(e), e.At)
	}, nil); err != nil {
		return err
	}
	touched := sortedIDs(b.touched)
	if err := s.query(ctx, tx, updateConversations, len(touched), false, func(args []any, i int) []any {
		c := b.convs[touched[i]]
		return append(args, c.ID, c.Status, c.LastChannel, c.LastSeq, c.ActivitySeq, c.LastMessageAt, c.UpdatedAt, c.AssigneeID)
	}, nil); err != nil {
		return err
	}
	if len(b.evs) == 0 {
		return nil
	}
	accts := sortedIDs(b.seqs)
	return s.query(ctx, tx, updateAccounts, len(accts), false, func(args []any, i int) []any {
		return append(args, accts[i], b.seqs[accts[i]])
	}, nil)
}

// messageAt is a message's place: its conversation and position there.
type messageAt struct{ conv, seq int64 }

// scanMessageIDs reads the (conversation, position, id) rows an insert
// returns into ids.
func scanMessageIDs(ids map[messageAt]int64, rows *sql.Rows, err error) error {
	_, err = collect(rows, err, func(rows *sql.Rows) (struct{}, error) {
		var p messageAt
		var id int64
		err := rows.Scan(&p.conv, &p.seq, &id)
		ids[p] = id
		return struct{}{}, err
	})
	return err
}

// setMessageIDs gives the batch's messages the ids the insert returned.
func setMessageIDs(b *batch, ids map[messageAt]int64) error {
	for _, m := range b.msgs {
		if m.ID = ids[messageAt{m.ConversationID, m.Seq}]; m.ID != 0 {
			continue
		}
		if b.optimistic {
			return errStoredBefore
		}
		return fmt.Errorf("store: message %d/%d was not inserted", m.ConversationID, m.Seq)
	}
	return nil
}

// sortedIDs are a map's keys in order: rows are written in id order, so
// that concurrent transactions take their locks in one order.
func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
