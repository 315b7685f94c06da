package linking

import (
	"context"
	"testing"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/widget"
)

// languageStore keeps one account's conversations and widgets in memory.
type languageStore struct {
	convs       map[int64]*conversation.Conversation
	widgets     map[int64]*widget.Widget
	widgetReads int
}

func (s *languageStore) Conversation(_ context.Context, accountID, id int64) (*conversation.Conversation, error) {
	c, ok := s.convs[id]
	if !ok || c.AccountID != accountID {
		return nil, apperr.NotFoundf("conversation")
	}
	cp := *c
	return &cp, nil
}

func (s *languageStore) Widget(_ context.Context, accountID, id int64) (*widget.Widget, error) {
	s.widgetReads++
	w, ok := s.widgets[id]
	if !ok || w.AccountID != accountID {
		return nil, apperr.NotFoundf("widget")
	}
	return w, nil
}

func (s *languageStore) SetConversationLanguage(_ context.Context, accountID, id int64, lang string) error {
	c, ok := s.convs[id]
	if !ok || c.AccountID != accountID {
		return apperr.NotFoundf("conversation")
	}
	c.Language = lang
	return nil
}

func newLanguageStore() *languageStore {
	return &languageStore{
		convs: map[int64]*conversation.Conversation{
			1: {ID: 1, AccountID: 7, WidgetID: 3, EndUserID: 10},
			2: {ID: 2, AccountID: 7, WidgetID: 3, EndUserID: 10, Language: "en-GB"},
			3: {ID: 3, AccountID: 7, WidgetID: 3, EndUserID: 11, Language: "fr"},
			4: {ID: 4, AccountID: 7, EndUserID: 12}, // begun on WhatsApp
		},
		widgets: map[int64]*widget.Widget{3: {ID: 3, AccountID: 7, Language: "el"}},
	}
}

// R27: a conversation speaks its own language when the catalog has it,
// else its widget's, else English; the widget is read only when needed.
func TestLanguageOfConversation(t *testing.T) {
	st := newLanguageStore()
	ls := NewLanguages(st)
	for id, want := range map[int64]Language{1: Greek, 2: English, 3: Greek, 4: English} {
		got, err := ls.Of(t.Context(), 7, id)
		if err != nil || got != want {
			t.Errorf("conversation %d: %q %v, want %q", id, got, err, want)
		}
	}
	if st.widgetReads != 2 {
		t.Errorf("widget read %d times, want 2 (conversations 1 and 3)", st.widgetReads)
	}
	if _, err := ls.Of(t.Context(), 8, 1); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another account's conversation: %v", err)
	}
}

// R27, R20: only the end user sets the language of her own conversation,
// to one the catalog has; anything else changes nothing.
func TestSetConversationLanguage(t *testing.T) {
	st := newLanguageStore()
	ls := NewLanguages(st)
	maria := &auth.Actor{Session: &auth.Session{AccountID: 7, WidgetID: 3, EndUserID: 10}}

	c, err := ls.SetConversation(t.Context(), maria, 2, "EL-gr")
	if err != nil || c.Language != "el" || st.convs[2].Language != "el" {
		t.Fatalf("set el: %+v %v", c, err)
	}
	if _, err := ls.SetConversation(t.Context(), maria, 2, "fr"); apperr.CodeOf(err) != apperr.BadUserInput {
		t.Errorf("fr: %v", err)
	}
	if _, err := ls.SetConversation(t.Context(), maria, 3, "en"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another end user's conversation: %v", err)
	}
	if _, err := ls.SetConversation(t.Context(), maria, 99, "en"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown conversation: %v", err)
	}
	agent := &auth.Actor{Agent: &account.Agent{AccountID: 7, Role: account.RoleAdmin}}
	if _, err := ls.SetConversation(t.Context(), agent, 2, "en"); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an agent: %v", err)
	}
	if st.convs[2].Language != "el" || st.convs[3].Language != "fr" {
		t.Errorf("refused calls changed languages: %q %q", st.convs[2].Language, st.convs[3].Language)
	}
}
