package store

import (
	"context"

	"github.com/linkline/linkline/internal/apperr"
)

// SetWidgetLanguage stores the language of what is sent on channels for a
// widget's conversations (R27).
func (db *DB) SetWidgetLanguage(ctx context.Context, accountID, id int64, lang string) error {
	return db.setLanguage(ctx, accountID, "widgets", id, lang, "widget")
}

// SetConversationLanguage stores a conversation's own language (R27). It
// is a setting, not an event of the conversation, so it bypasses the
// appender.
func (db *DB) SetConversationLanguage(ctx context.Context, accountID, id int64, lang string) error {
	return db.setLanguage(ctx, accountID, "conversations", id, lang, "conversation")
}

func (db *DB) setLanguage(ctx context.Context, accountID int64, table string, id int64, lang, what string) error {
	res := db.scoped(ctx, accountID, table).Where("id = ?", id).Update("language", lang)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.NotFoundf(what)
	}
	return nil
}
