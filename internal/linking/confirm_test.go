package linking

import (
	"context"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

// fakeConfirmStore holds one request awaiting its redeemer's answer.
type fakeConfirmStore struct {
	req      *Request
	declined bool
}

func (f *fakeConfirmStore) RedeemLinkRequest(context.Context, []byte, *integration.Integration, string, string, time.Time, time.Time) (*Request, Refusal, error) {
	return f.req, "", nil
}

func (f *fakeConfirmStore) DeclineLinkRequest(context.Context, *integration.Integration, int64, string) (bool, error) {
	ok := !f.declined
	f.declined = true
	return ok, nil
}

func (f *fakeConfirmStore) LinkRequestForRedeemer(context.Context, *integration.Integration, int64, string) (*Request, error) {
	return f.req, nil
}

type fakeWriter struct{ writes []conversation.Write }

func (f *fakeWriter) Write(_ context.Context, w conversation.Write) (*conversation.Written, error) {
	f.writes = append(f.writes, w)
	return &conversation.Written{}, nil
}

type fakeSender struct{ texts []string }

func (f *fakeSender) SendNow(_ context.Context, _ *integration.Integration, t channel.Text) error {
	f.texts = append(f.texts, t.Body)
	return nil
}

func (f *fakeSender) PromptNow(_ context.Context, _ *integration.Integration, p channel.Prompt) error {
	f.texts = append(f.texts, p.Body)
	return nil
}

func confirmSetup(now time.Time) (*Confirmations, *fakeConfirmStore, *fakeWriter, *fakeSender) {
	st := &fakeConfirmStore{req: &Request{ID: 42, AccountID: 1, ConversationID: 3, Channel: conversation.ChannelWhatsApp, Status: StatusAwaiting, ExpiresAt: now.Add(time.Minute)}}
	w, s := &fakeWriter{}, &fakeSender{}
	return NewConfirmations(st, w, s, greekFor(3), func(context.Context, int64) error { return nil }, func() time.Time { return now }), st, w, s
}

var wa = &integration.Integration{ID: 7, AccountID: 1, Channel: conversation.ChannelWhatsApp}

// R11, R25: the yes tap links with the tap's time, from which the channel's
// window runs.
func TestConfirmingLinksWithTheTapsTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cf, _, w, _ := confirmSetup(now)
	tapped := now.Add(-2 * time.Second)
	in := &channel.Inbound{From: channel.Identity{ID: "306912345678"}, Kind: "button", ChoiceID: "link-yes:42", Timestamp: tapped}
	if ok, err := cf.Handle(t.Context(), wa, in); !ok || err != nil {
		t.Fatalf("handled %v, %v", ok, err)
	}
	if len(w.writes) != 1 || w.writes[0].Activate == nil || w.writes[0].ConversationID != 3 {
		t.Fatalf("writes: %+v", w.writes)
	}
	a := w.writes[0].Activate
	p := a.Plan(conversation.ActivationState{Conversation: &conversation.Conversation{ID: 3, AccountID: 1, EndUserID: 8, LastChannel: conversation.ChannelWebWidget}, Now: now})
	if a.RequestID != 42 || a.RequestFrom != string(StatusAwaiting) || a.RequestTo != string(StatusLinked) || a.ExternalID != "306912345678" ||
		p.Identity.LastInboundAt == nil || !p.Identity.LastInboundAt.Equal(tapped) || p.Identity.IntegrationID != 7 {
		t.Errorf("activation %+v, plan %+v", a, p.Identity)
	}
}

// R6, R13, R27: a no links nothing, the conversation's history says it was
// declined, by whom (masked), and the phone is answered in the
// conversation's language; a retried answer notes nothing twice.
func TestDecliningIsNoted(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cf, st, w, s := confirmSetup(now)
	in := &channel.Inbound{From: channel.Identity{ID: "306912345678"}, Kind: "button", ChoiceID: "link-no:42", Timestamp: now}
	for range 2 {
		if _, err := cf.Handle(t.Context(), wa, in); err != nil {
			t.Fatal(err)
		}
	}
	if !st.declined || len(w.writes) != 1 {
		t.Fatalf("declined %v, writes %+v", st.declined, w.writes)
	}
	n := w.writes[0].Note
	if n == nil || n.Kind != conversation.NoteLinkDeclined || n.Identity != "+30 ••• 5678" || w.writes[0].ConversationID != 3 || w.writes[0].Activate != nil {
		t.Errorf("note: %+v", w.writes[0])
	}
	if len(s.texts) != 1 || s.texts[0] != Text(Greek, TextDeclined) {
		t.Errorf("told the phone %q, want the Greek answer", s.texts)
	}
}
