package linking

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/widget"
)

// fakeSettingsStore is one Suite account with an active WhatsApp
// integration, a widget offering it, and linked conversations.
type fakeSettingsStore struct {
	widget    *widget.Widget
	linked    []int64
	cancelled []conversation.Channel
}

func (f *fakeSettingsStore) Account(context.Context, int64) (*account.Account, error) {
	return &account.Account{ID: 1, Plan: account.PlanSuiteProfessional, AgentWorkspace: true}, nil
}

func (f *fakeSettingsStore) Integrations(context.Context, int64) ([]*integration.Integration, error) {
	return []*integration.Integration{{ID: 7, AccountID: 1, Channel: conversation.ChannelWhatsApp, Status: integration.StatusActive}}, nil
}

func (f *fakeSettingsStore) Widgets(context.Context, int64) ([]*widget.Widget, error) {
	return []*widget.Widget{f.widget}, nil
}

func (f *fakeSettingsStore) Widget(context.Context, int64, int64) (*widget.Widget, error) {
	w := *f.widget
	return &w, nil
}

func (f *fakeSettingsStore) SetWidgetChannels(_ context.Context, _, _ int64, channels []string) error {
	f.widget.SocialChannels = channels
	return nil
}

func (f *fakeSettingsStore) SetWidgetLanguage(context.Context, int64, int64, string) error {
	return nil
}

func (f *fakeSettingsStore) CancelLinkRequests(_ context.Context, _, _ int64, ch conversation.Channel) error {
	f.cancelled = append(f.cancelled, ch)
	return nil
}

func (f *fakeSettingsStore) LinkedConversations(context.Context, int64, int64, conversation.Channel) ([]int64, error) {
	return f.linked, nil
}

// fakeEnder ends links; conversation 3's had ended meanwhile.
type fakeEnder struct{ ended []int64 }

func (f *fakeEnder) EndLink(_ context.Context, _, id int64, ch conversation.Channel) (*conversation.Identity, error) {
	f.ended = append(f.ended, id)
	if id == 3 {
		return nil, nil
	}
	return &conversation.Identity{ID: 100 + id, AccountID: 1, Channel: ch, ExternalID: "phone"}, nil
}

type fakeAnnouncer struct{ told []string }

func (f *fakeAnnouncer) Announce(_ context.Context, to *conversation.Identity, text string) {
	f.told = append(f.told, fmt.Sprint(to.ID, " ", text))
}

// greekFor speaks Greek to conversation 4, English to the rest.
type greekFor int64

func (g greekFor) Of(_ context.Context, _, conversationID int64) (Language, error) {
	if conversationID == int64(g) {
		return Greek, nil
	}
	return English, nil
}

// R3, R26, R27: deselecting a channel cancels its pending requests, ends
// every active link to it, and tells each end user still linked on the
// channel, in the conversation's language.
func TestDeselectingEndsAndAnnounces(t *testing.T) {
	st := &fakeSettingsStore{widget: &widget.Widget{ID: 5, AccountID: 1, SocialChannels: []string{"WHATSAPP"}}, linked: []int64{2, 3, 4}}
	ender, ann := &fakeEnder{}, &fakeAnnouncer{}
	woken := 0
	s := NewSettings(st, ender, ann, greekFor(4), func(context.Context, int64) error { woken++; return nil })
	admin := &auth.Actor{Agent: &account.Agent{ID: 9, AccountID: 1, Role: account.RoleAdmin}}
	if _, err := s.SetChannels(t.Context(), admin, 5, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.cancelled, []conversation.Channel{conversation.ChannelWhatsApp}) || !slices.Equal(ender.ended, []int64{2, 3, 4}) {
		t.Errorf("cancelled %v, ended %v", st.cancelled, ender.ended)
	}
	want := []string{"102 " + Text(English, TextLinkEndedByAdmin), "104 " + Text(Greek, TextLinkEndedByAdmin)}
	if !slices.Equal(ann.told, want) {
		t.Errorf("announced %q, want each ended link's identity told in its conversation's language", ann.told)
	}
	if woken != 1 {
		t.Errorf("open widgets woken %d times", woken)
	}
	// Saving again with nothing deselected ends nothing.
	ender.ended, ann.told = nil, nil
	if _, err := s.SetChannels(t.Context(), admin, 5, nil); err != nil || len(ender.ended) != 0 || len(ann.told) != 0 {
		t.Errorf("saving unchanged settings: %v, ended %v, told %v", err, ender.ended, ann.told)
	}
}
