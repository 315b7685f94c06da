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
	req      *conversation.LinkRequest
	declined bool
}

func (f *fakeConfirmStore) RedeemLinkRequest(context.Context, []byte, *integration.Integration, string, string, time.Time, time.Time) (*conversation.LinkRequest, bool, error) {
	return f.req, true, nil
}

func (f *fakeConfirmStore) ExpireLinkRequest(context.Context, *conversation.LinkRequest) error {
	return nil
}

func (f *fakeConfirmStore) DeclineLinkRequest(context.Context, *integration.Integration, int64, string) (bool, error) {
	ok := !f.declined
	f.declined = true
	return ok, nil
}

func (f *fakeConfirmStore) LinkRequestForRedeemer(context.Context, *integration.Integration, int64, string) (*conversation.LinkRequest, error) {
	return f.req, nil
}

type fakeWriter struct{ writes []conversation.Command }

func (f *fakeWriter) Write(_ context.Context, w conversation.Command) (*conversation.Written, error) {
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
	st := &fakeConfirmStore{req: &conversation.LinkRequest{ID: 42, AccountID: 1, ConversationID: 3, Channel: conversation.ChannelWhatsApp, Status: conversation.RequestAwaiting, ExpiresAt: now.Add(time.Minute)}}
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
	if len(w.writes) != 1 {
		t.Fatalf("writes: %+v", w.writes)
	}
	a, ok := w.writes[0].(conversation.Activation)
	if !ok || a.ConversationID != 3 || a.AccountID != 1 {
		t.Fatalf("writes: %+v", w.writes)
	}
	p := a.Plan(conversation.ActivationState{Conversation: &conversation.Conversation{ID: 3, AccountID: 1, EndUserID: 8, LastChannel: conversation.ChannelWebWidget}, Now: now})
	if a.RequestID != 42 || a.RequestFrom != string(conversation.RequestAwaiting) || a.RequestTo != string(conversation.RequestLinked) || a.ExternalID != "306912345678" ||
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
	add, ok := w.writes[0].(conversation.AddNote)
	if n := add.Note; !ok || n == nil || n.Kind != conversation.NoteLinkDeclined || n.Identity != "+30 ••• 5678" || add.ConversationID != 3 {
		t.Errorf("note: %+v", w.writes[0])
	}
	if len(s.texts) != 1 || s.texts[0] != Text(Greek, TextDeclined) {
		t.Errorf("told the phone %q, want the Greek answer", s.texts)
	}
}

// R6: a presented token links only a pending, unexpired request of its
// channel, once; the same redeemer again is a retried webhook, not a
// refusal; anything else says why.
func TestRefusalOf(t *testing.T) {
	req := func(st conversation.RequestStatus, redeemer string) *conversation.LinkRequest {
		return &conversation.LinkRequest{ID: 1, Status: st, RedeemerID: redeemer}
	}
	for _, tc := range []struct {
		name  string
		r     *conversation.LinkRequest
		bound bool
		want  Refusal
	}{
		{"bound now", req(conversation.RequestAwaiting, "306900000001"), true, ""},
		{"the same redeemer again", req(conversation.RequestAwaiting, "306900000001"), false, ""},
		{"another redeemer", req(conversation.RequestAwaiting, "306900000002"), false, RefusedUsed},
		{"no such token on the channel", nil, false, RefusedUnknown},
		{"pending past its expiry", req(conversation.RequestPending, ""), false, RefusedExpired},
		{"expired", req(conversation.RequestExpired, ""), false, RefusedExpired},
		{"cancelled", req(conversation.RequestCancelled, ""), false, RefusedCancelled},
		{"linked", req(conversation.RequestLinked, "306900000001"), false, RefusedUsed},
		{"declined", req(conversation.RequestDeclined, "306900000001"), false, RefusedUsed},
	} {
		if got := refusalOf(tc.r, tc.bound, "306900000001"); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
