package linking

import (
	"context"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/widget"
)

// LanguageStore reads and sets what a conversation is told things in.
type LanguageStore interface {
	Conversation(ctx context.Context, accountID, id int64) (*conversation.Conversation, error)
	Widget(ctx context.Context, accountID, id int64) (*widget.Widget, error)
	SetConversationLanguage(ctx context.Context, accountID, id int64, lang string) error
}

// Languages decides the language of what is sent on channels for a
// conversation (R27): its own, when the end user's widget set one the
// catalog has, else its widget's, else English.
type Languages struct {
	store LanguageStore
}

// NewLanguages returns the language service.
func NewLanguages(store LanguageStore) *Languages {
	return &Languages{store: store}
}

// Parse is the catalog language of tag as a setting stores it, or
// BAD_USER_INPUT naming the supported ones.
func (ls *Languages) Parse(tag string) (string, error) {
	l, err := ParseLanguage(tag)
	return string(l), err
}

// Of is the language of a conversation of the account, for texts sent
// about it on a channel, such as a link request's confirmation.
func (ls *Languages) Of(ctx context.Context, accountID, conversationID int64) (Language, error) {
	c, err := ls.store.Conversation(ctx, accountID, conversationID)
	if err != nil {
		return "", err
	}
	return ls.Conversation(ctx, c)
}

// Conversation is the language of a conversation already read; the
// widget is read only when the conversation has no language of its own.
func (ls *Languages) Conversation(ctx context.Context, c *conversation.Conversation) (Language, error) {
	if l, ok := Match(c.Language); ok {
		return l, nil
	}
	if c.WidgetID == 0 { // begun on a channel: no widget to follow
		return English, nil
	}
	w, err := ls.store.Widget(ctx, c.AccountID, c.WidgetID)
	if err != nil {
		return "", err
	}
	return Choose(w.Language), nil
}

// SetConversation sets the language of the end user's own conversation,
// as the widget learns it (the browser's, or the end user's pick). Another
// end user's conversation is NOT_FOUND, like an unknown id.
func (ls *Languages) SetConversation(ctx context.Context, actor *auth.Actor, id int64, tag string) (*conversation.Conversation, error) {
	if actor.Session == nil {
		return nil, apperr.New(apperr.Forbidden, "only the end user's widget sets a conversation's language")
	}
	l, err := ParseLanguage(tag)
	if err != nil {
		return nil, err
	}
	c, err := ls.store.Conversation(ctx, actor.Session.AccountID, id)
	if err != nil {
		return nil, err
	}
	if c.EndUserID != actor.Session.EndUserID {
		return nil, apperr.NotFoundf("conversation")
	}
	if err := ls.store.SetConversationLanguage(ctx, c.AccountID, c.ID, string(l)); err != nil {
		return nil, err
	}
	c.Language = string(l)
	return c, nil
}
