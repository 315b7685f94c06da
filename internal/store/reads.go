package store

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
	"github.com/linkline/linkline/internal/widget"
)

var (
	_ auth.Store         = (*DB)(nil)
	_ widget.Store       = (*DB)(nil)
	_ conversation.Store = (*DB)(nil)
	_ feed.Store         = (*DB)(nil)
)

// AgentToken finds an API token that is not revoked, and its agent, who is
// not deactivated. Token hashes are unique across accounts, so this is the
// one read not scoped by account: it is how the account is learnt.
func (db *DB) AgentToken(ctx context.Context, hash []byte) (*account.Agent, *auth.APIToken, error) {
	var t agentTokenRow
	if err := db.gorm.WithContext(ctx).Where("token_hash = ? AND revoked_at IS NULL", hash).Take(&t).Error; err != nil {
		return nil, nil, notFound(err, "agent")
	}
	var a agentRow
	if err := db.scoped(ctx, t.AccountID, "agents").Where("id = ? AND deactivated_at IS NULL", t.AgentID).Take(&a).Error; err != nil {
		return nil, nil, notFound(err, "agent")
	}
	return a.domain(), t.domain(), nil
}

// SessionByTokenHash finds the widget session holding a token. Like
// AgentByTokenHash it is how the account is learnt.
func (db *DB) SessionByTokenHash(ctx context.Context, hash []byte) (*auth.Session, error) {
	var r sessionRow
	if err := db.gorm.WithContext(ctx).Where("token_hash = ?", hash).Take(&r).Error; err != nil {
		return nil, notFound(err, "session")
	}
	return r.domain(), nil
}

// WidgetByKey finds a widget by its public key (public, unscoped: the key is
// how a widget names its account).
func (db *DB) WidgetByKey(ctx context.Context, key string) (*widget.Widget, error) {
	var r widgetRow
	if err := db.gorm.WithContext(ctx).Where("public_key = ? AND deleted_at IS NULL", key).Take(&r).Error; err != nil {
		return nil, notFound(err, "widget")
	}
	return r.domain(), nil
}

// Account returns an account.
func (db *DB) Account(ctx context.Context, id int64) (*account.Account, error) {
	var r accountRow
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "account")
	}
	return r.domain(), nil
}

// Conversation returns one conversation of the account.
func (db *DB) Conversation(ctx context.Context, accountID, id int64) (*conversation.Conversation, error) {
	var r conversationRow
	if err := db.scoped(ctx, accountID, "conversations").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "conversation")
	}
	return r.domain(), nil
}

// Conversations lists the account's conversations, most recent activity
// first; p.After is the activity position to continue below.
func (db *DB) Conversations(ctx context.Context, accountID int64, f conversation.Filter, p conversation.Page) ([]*conversation.Conversation, error) {
	q := db.scoped(ctx, accountID, "conversations")
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Channel != "" {
		q = q.Where("last_channel = ?", string(f.Channel))
	}
	if f.UpdatedSince != nil {
		q = q.Where("updated_at >= ?", f.UpdatedSince.UTC())
	}
	switch f.Assignee {
	case conversation.AssigneeMine:
		q = q.Where("assignee_id = ?", f.AssigneeID)
	case conversation.AssigneeUnassigned:
		q = q.Where("assignee_id IS NULL")
	}
	if f.Matching != nil {
		q = db.matching(ctx, q, accountID, f.Matching)
	}
	return db.conversationPage(q, p)
}

// matching narrows q to the conversations s finds (R29): by message text
// through each database's full-text index, by end user or social identity
// by substring. Substrings compare lowercased (on SQLite, ASCII letters only).
func (db *DB) matching(ctx context.Context, q *gorm.DB, accountID int64, s *conversation.Search) *gorm.DB {
	like := "%" + likeEscaper.Replace(strings.ToLower(s.Text)) + "%"
	users := db.scoped(ctx, accountID, "end_users").Select("id").
		Where(`(lower(name) LIKE ? ESCAPE '\' OR lower(email) LIKE ? ESCAPE '\')`, like, like)
	identity := db.gorm.Where(`lower(external_id) LIKE ? ESCAPE '\' OR lower(display_name) LIKE ? ESCAPE '\'`, like, like)
	if s.Number != "" {
		identity = identity.Or("external_id LIKE ?", "%"+s.Number+"%")
	}
	// Grouped: an OR beside the account's condition would escape it.
	ids := db.scoped(ctx, accountID, "social_identities").Select("end_user_id").Where(identity)
	cond := db.gorm.Where("conversations.end_user_id IN (?)", users).Or("conversations.end_user_id IN (?)", ids)
	if len(s.Words) > 0 {
		var texts *gorm.DB
		if db.postgres {
			texts = db.scoped(ctx, accountID, "messages").Select("conversation_id").
				Where("to_tsvector('simple', text) @@ plainto_tsquery('simple', ?)", strings.Join(s.Words, " "))
		} else {
			texts = db.scoped(ctx, accountID, "messages").Select("messages.conversation_id").
				Joins("JOIN messages_fts ON messages_fts.rowid = messages.id").
				Where("messages_fts MATCH ?", ftsPhrases(s.Words))
		}
		cond = cond.Or("conversations.id IN (?)", texts)
	}
	return q.Where(cond)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// ftsPhrases quotes each word, so that FTS5 reads none as an operator;
// FTS5 requires all of them.
func ftsPhrases(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	return strings.Join(quoted, " ")
}

// EndUserConversations lists one end user's conversations, most recent
// activity first.
func (db *DB) EndUserConversations(ctx context.Context, accountID, endUserID int64, p conversation.Page) ([]*conversation.Conversation, error) {
	return db.conversationPage(db.scoped(ctx, accountID, "conversations").Where("end_user_id = ?", endUserID), p)
}

func (db *DB) conversationPage(q *gorm.DB, p conversation.Page) ([]*conversation.Conversation, error) {
	if p.After > 0 {
		q = q.Where("activity_seq < ?", p.After)
	}
	var rows []conversationRow
	if err := q.Order("activity_seq DESC").Limit(p.First).Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*conversationRow).domain), nil
}

// ActivitySeq returns the position a conversation holds in the agents' list,
// for its cursor.
func (db *DB) ActivitySeq(ctx context.Context, accountID, id int64) (int64, error) {
	var seq int64
	err := db.scoped(ctx, accountID, "conversations").Where("id = ?", id).Select("activity_seq").Take(&seq).Error
	return seq, notFound(err, "conversation")
}

// Messages returns a window of a conversation's messages in order: the
// first p.First after p.After, or the last p.Last before p.Before.
func (db *DB) Messages(ctx context.Context, accountID, conversationID int64, p conversation.Page) ([]*conversation.Message, error) {
	q := db.scoped(ctx, accountID, "messages").Where("conversation_id = ?", conversationID)
	var rows []messageRow
	if p.Last > 0 {
		if p.Before > 0 {
			q = q.Where("seq < ?", p.Before)
		}
		if err := q.Order("seq DESC").Limit(p.Last).Find(&rows).Error; err != nil {
			return nil, err
		}
		slices.Reverse(rows)
	} else {
		if p.After > 0 {
			q = q.Where("seq > ?", p.After)
		}
		if err := q.Order("seq").Limit(p.First).Find(&rows).Error; err != nil {
			return nil, err
		}
	}
	return domains(rows, (*messageRow).domain), nil
}

// Message returns one message of the account.
func (db *DB) Message(ctx context.Context, accountID, id int64) (*conversation.Message, error) {
	var r messageRow
	if err := db.scoped(ctx, accountID, "messages").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "message")
	}
	return r.domain(), nil
}

// Agent returns an agent of the account.
func (db *DB) Agent(ctx context.Context, accountID, id int64) (*account.Agent, error) {
	var r agentRow
	if err := db.scoped(ctx, accountID, "agents").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "agent")
	}
	return r.domain(), nil
}

// EndUser returns an end user of the account.
func (db *DB) EndUser(ctx context.Context, accountID, id int64) (*conversation.EndUser, error) {
	var r endUserRow
	if err := db.scoped(ctx, accountID, "end_users").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "end user")
	}
	return r.domain(), nil
}

// Events reads committed events of a scope after a position, in order, with
// their messages and the conversations' current state.
func (db *DB) Events(ctx context.Context, s feed.Scope, after int64, limit int) ([]*feed.Event, error) {
	q := db.scoped(ctx, s.AccountID, "events")
	col := "account_seq"
	if s.ConversationID != 0 {
		q, col = q.Where("conversation_id = ?", s.ConversationID), "conversation_seq"
	}
	var rows []eventRow
	if err := q.Where(col+" > ?", after).Order(col).Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	var msgIDs, convIDs []int64
	for _, r := range rows {
		if r.MessageID != nil {
			msgIDs = append(msgIDs, *r.MessageID)
		}
		convIDs = append(convIDs, r.ConversationID)
	}
	msgs := map[int64]*conversation.Message{}
	if len(msgIDs) > 0 {
		var mrows []messageRow
		if err := db.scoped(ctx, s.AccountID, "messages").Where("id IN ?", msgIDs).Find(&mrows).Error; err != nil {
			return nil, err
		}
		for i := range mrows {
			msgs[mrows[i].ID] = mrows[i].domain()
		}
	}
	var crows []conversationRow
	if err := db.scoped(ctx, s.AccountID, "conversations").Where("id IN ?", slices.Compact(slices.Sorted(slices.Values(convIDs)))).Find(&crows).Error; err != nil {
		return nil, err
	}
	convs := map[int64]*conversation.Conversation{}
	for i := range crows {
		convs[crows[i].ID] = crows[i].domain()
	}
	out := make([]*feed.Event, len(rows))
	for i, r := range rows {
		e := &feed.Event{
			AccountID: r.AccountID, AccountSeq: r.AccountSeq, ConversationID: r.ConversationID,
			ConversationSeq: r.ConversationSeq, Kind: feed.Kind(r.Kind), At: r.CreatedAt,
			Conversation: convs[r.ConversationID],
		}
		if r.MessageID != nil {
			e.Message = msgs[*r.MessageID]
		}
		out[i] = e
	}
	return out, nil
}

// Head returns the newest position of a scope.
func (db *DB) Head(ctx context.Context, s feed.Scope) (int64, error) {
	var seq int64
	var err error
	if s.ConversationID != 0 {
		err = db.scoped(ctx, s.AccountID, "conversations").Where("id = ?", s.ConversationID).Select("last_seq").Take(&seq).Error
	} else {
		err = db.gorm.WithContext(ctx).Table("accounts").Where("id = ?", s.AccountID).Select("event_seq").Take(&seq).Error
	}
	return seq, notFound(err, "feed")
}

// HasEvent reports whether the event at a position of a scope is still kept.
func (db *DB) HasEvent(ctx context.Context, s feed.Scope, seq int64) (bool, error) {
	q := db.scoped(ctx, s.AccountID, "events")
	if s.ConversationID != 0 {
		q = q.Where("conversation_id = ? AND conversation_seq = ?", s.ConversationID, seq)
	} else {
		q = q.Where("account_seq = ?", seq)
	}
	var n int64
	err := q.Limit(1).Count(&n).Error
	return n > 0, err
}

// PruneEvents deletes events older than before. Messages stay: histories
// are read from them; only replay by cursor is bounded (CURSOR_EXPIRED).
func (db *DB) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	res := db.gorm.WithContext(ctx).Where("created_at < ?", before.UTC()).Delete(&eventRow{})
	return res.RowsAffected, res.Error
}

// NewAccount creates an account.
func (db *DB) NewAccount(ctx context.Context, a *account.Account) error {
	r := accountRow{Name: a.Name, Plan: string(a.Plan), AgentWorkspace: a.AgentWorkspace, CreatedAt: db.now()}
	if err := db.gorm.WithContext(ctx).Create(&r).Error; err != nil {
		return err
	}
	a.ID, a.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// NewAgent creates an agent holding a first API token, with tokenHash.
func (db *DB) NewAgent(ctx context.Context, a *account.Agent, tokenHash []byte) error {
	r := agentRow{AccountID: a.AccountID, Name: a.Name, Email: a.Email, Role: string(a.Role), CreatedAt: db.now()}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return tx.Create(&agentTokenRow{AccountID: r.AccountID, AgentID: r.ID, Name: firstTokenName, TokenHash: tokenHash, CreatedAt: r.CreatedAt}).Error
	})
	if err != nil {
		return err
	}
	a.ID, a.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// firstTokenName names the token an agent is created with.
const firstTokenName = "first token"

// NewWidget creates a widget.
func (db *DB) NewWidget(ctx context.Context, w *widget.Widget) error {
	origins, err := json.Marshal(w.AllowedOrigins)
	if err != nil {
		return err
	}
	if w.AllowedOrigins == nil {
		origins = []byte("[]")
	}
	r := widgetRow{AccountID: w.AccountID, PublicKey: w.Key, Name: w.Name, AllowedOrigins: string(origins), SocialChannels: "[]", Language: cmp.Or(w.Language, widget.DefaultLanguage), CreatedAt: db.now()}
	if err := db.gorm.WithContext(ctx).Create(&r).Error; err != nil {
		return err
	}
	w.ID, w.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// Empty reports whether no account exists yet (first run).
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Table("accounts").Limit(1).Count(&n).Error
	return n == 0, err
}

// ConversationIdentity returns the identity whose messages land in a
// conversation on a channel.
func (db *DB) ConversationIdentity(ctx context.Context, accountID, conversationID int64, ch conversation.Channel) (*conversation.Identity, error) {
	var r identityRow
	if err := db.scoped(ctx, accountID, "social_identities").Where("conversation_id = ? AND channel = ?", conversationID, string(ch)).Take(&r).Error; err != nil {
		return nil, notFound(err, "identity")
	}
	return r.domain(), nil
}

// Identity returns one identity of the account.
func (db *DB) Identity(ctx context.Context, accountID, id int64) (*conversation.Identity, error) {
	var r identityRow
	if err := db.scoped(ctx, accountID, "social_identities").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "identity")
	}
	return r.domain(), nil
}

// IdentityByExternalID finds an identity by the end user's id on a channel.
func (db *DB) IdentityByExternalID(ctx context.Context, accountID int64, ch conversation.Channel, externalID string) (*conversation.Identity, error) {
	var r identityRow
	if err := db.scoped(ctx, accountID, "social_identities").Where("channel = ? AND external_id = ?", string(ch), externalID).Take(&r).Error; err != nil {
		return nil, notFound(err, "identity")
	}
	return r.domain(), nil
}

// EndUserIdentities lists an end user's social identities (R16).
func (db *DB) EndUserIdentities(ctx context.Context, accountID, endUserID int64) ([]*conversation.Identity, error) {
	var rows []identityRow
	if err := db.scoped(ctx, accountID, "social_identities").Where("end_user_id = ?", endUserID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*identityRow).domain), nil
}

// ConversationIdentities lists the identities whose messages land in a
// conversation.
func (db *DB) ConversationIdentities(ctx context.Context, accountID, conversationID int64) ([]*conversation.Identity, error) {
	var rows []identityRow
	if err := db.scoped(ctx, accountID, "social_identities").Where("conversation_id = ?", conversationID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*identityRow).domain), nil
}

// Widgets lists the account's widgets that are not deleted.
func (db *DB) Widgets(ctx context.Context, accountID int64) ([]*widget.Widget, error) {
	var rows []widgetRow
	if err := db.scoped(ctx, accountID, "widgets").Where("deleted_at IS NULL").Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*widgetRow).domain), nil
}

// Widget returns one widget of the account, deleted or not: a deleted
// widget's conversations still follow its language.
func (db *DB) Widget(ctx context.Context, accountID, id int64) (*widget.Widget, error) {
	var r widgetRow
	if err := db.scoped(ctx, accountID, "widgets").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "widget")
	}
	return r.domain(), nil
}

// SetWidgetChannels stores a widget's social channel settings.
func (db *DB) SetWidgetChannels(ctx context.Context, accountID, id int64, channels []string) error {
	b, err := json.Marshal(channels)
	if err != nil {
		return err
	}
	res := db.scoped(ctx, accountID, "widgets").Where("id = ?", id).Update("social_channels", string(b))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.NotFoundf("widget")
	}
	return nil
}

// ChannelMessages returns a window of the messages a conversation
// exchanged with one identity on a channel, oldest first.
func (db *DB) ChannelMessages(ctx context.Context, accountID, conversationID int64, ch conversation.Channel, identityID int64, p conversation.Page) ([]*conversation.Message, error) {
	q := db.scoped(ctx, accountID, "messages").Where("conversation_id = ? AND channel = ? AND identity_id = ?", conversationID, string(ch), identityID)
	if p.After > 0 {
		q = q.Where("seq > ?", p.After)
	}
	var rows []messageRow
	if err := q.Order("seq").Limit(p.First).Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*messageRow).domain), nil
}

// ConversationLinks lists a conversation's links, oldest first, each with
// its identity shown masked.
func (db *DB) ConversationLinks(ctx context.Context, accountID, conversationID int64) ([]*conversation.Link, error) {
	var rows []linkRow
	if err := db.scoped(ctx, accountID, "links").Where("conversation_id = ?", conversationID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.IdentityID
	}
	var idRows []identityRow
	if err := db.scoped(ctx, accountID, "social_identities").Where("id IN ?", ids).Find(&idRows).Error; err != nil {
		return nil, err
	}
	masked := map[int64]string{}
	for i := range idRows {
		masked[idRows[i].ID] = idRows[i].domain().Masked()
	}
	out := make([]*conversation.Link, len(rows))
	for i, r := range rows {
		out[i] = r.domain(masked[r.IdentityID])
	}
	return out, nil
}

// LatestChoices returns the conversation's newest message that offers
// reply choices (R32).
func (db *DB) LatestChoices(ctx context.Context, accountID, conversationID int64) (*conversation.Message, error) {
	var r messageRow
	if err := db.scoped(ctx, accountID, "messages").Where("conversation_id = ? AND choices <> ''", conversationID).
		Order("seq DESC").Take(&r).Error; err != nil {
		return nil, notFound(err, "message")
	}
	return r.domain(), nil
}
