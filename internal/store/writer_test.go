package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/store"
)

// The writer's conformance suite. The rules are the domain's: they reach
// the writer as plans and Apply functions, and the ones here are the
// tests' own, so that what is checked is that the store stores what it is
// told, whatever that is, on every database, through its interfaces only.

const (
	whatsApp  = conversation.ChannelWhatsApp
	messenger = conversation.ChannelMessenger
	web       = conversation.ChannelWebWidget
)

func (f *fixture) write(t *testing.T, w conversation.Command) *conversation.Written {
	t.Helper()
	res, err := f.appender.Write(t.Context(), w)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// head is the position of the account's newest event.
func (f *fixture) head(t *testing.T) int64 {
	t.Helper()
	seq, err := f.db.Head(t.Context(), feed.Scope{AccountID: f.acct.ID})
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// eventsAfter are the account's events after a position.
func (f *fixture) eventsAfter(t *testing.T, after int64) []*feed.Event {
	t.Helper()
	evs, err := f.db.Events(t.Context(), feed.Scope{AccountID: f.acct.ID}, after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// checkFeeds checks what every write leaves behind (R21): the account's
// events numbered 1, 2, 3… and each conversation's too, and the same
// events published, each carrying its own conversation as it stood after
// the event and, when it has one, a message of that conversation.
func (f *fixture) checkFeeds(t *testing.T) {
	t.Helper()
	evs := f.eventsAfter(t, 0)
	perConv := map[int64]int64{}
	for i, e := range evs {
		perConv[e.ConversationID]++
		if e.AccountSeq != int64(i+1) || e.ConversationSeq != perConv[e.ConversationID] {
			t.Errorf("event %d (%s) at %d/%d, want %d/%d", i, e.Kind, e.AccountSeq, e.ConversationSeq, i+1, perConv[e.ConversationID])
		}
	}
	f.mu.Lock()
	published := slices.Clone(f.events)
	f.mu.Unlock()
	if len(published) != len(evs) {
		t.Fatalf("%d events published, %d stored", len(published), len(evs))
	}
	for i, e := range published {
		s := evs[i]
		if e.AccountSeq != s.AccountSeq || e.ConversationID != s.ConversationID || e.ConversationSeq != s.ConversationSeq || e.Kind != s.Kind {
			t.Errorf("published %+v, stored %+v", e, s)
		}
		if c := e.Conversation; c == nil || c.ID != e.ConversationID || c.LastSeq < e.ConversationSeq {
			t.Errorf("event %d (%s) of conversation %d carries %+v", e.AccountSeq, e.Kind, e.ConversationID, c)
		}
		if m := e.Message; m != nil && (m.ConversationID != e.ConversationID || s.Message == nil || s.Message.ID != m.ID) {
			t.Errorf("event %d (%s) of conversation %d carries message %+v", e.AccountSeq, e.Kind, e.ConversationID, m)
		}
	}
}

// where lists events as "KIND@conversation".
func where(evs []*feed.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%s@%d", e.Kind, e.ConversationID)
	}
	return out
}

func at(kind feed.Kind, conversationID int64) string {
	return fmt.Sprintf("%s@%d", kind, conversationID)
}

func (f *fixture) conversation(t *testing.T, id int64) *conversation.Conversation {
	t.Helper()
	c, err := f.db.Conversation(t.Context(), f.acct.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) identity(t *testing.T, ch conversation.Channel, externalID string) *conversation.Identity {
	t.Helper()
	id, err := f.db.IdentityByExternalID(t.Context(), f.acct.ID, ch, externalID)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) links(t *testing.T, conversationID int64) []*conversation.Link {
	t.Helper()
	ls, err := f.db.ConversationLinks(t.Context(), f.acct.ID, conversationID)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// notes are a conversation's SYSTEM messages, oldest first.
func (f *fixture) notes(t *testing.T, conversationID int64) []*conversation.Note {
	t.Helper()
	msgs, err := f.db.Messages(t.Context(), f.acct.ID, conversationID, conversation.Page{First: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []*conversation.Note
	for _, m := range msgs {
		if m.AuthorRole == conversation.AuthorSystem {
			if m.Note == nil || m.Text != m.Note.Text() || m.ConversationID != conversationID {
				t.Errorf("system message %+v", m)
			}
			out = append(out, m.Note)
		}
	}
	return out
}

func (f *fixture) integration(t *testing.T, ch conversation.Channel) *integration.Integration {
	t.Helper()
	now := f.clock.Now()
	it := &integration.Integration{AccountID: f.acct.ID, Channel: ch, Status: integration.StatusActive, Sandbox: true,
		BusinessID: "b-" + string(ch), WebhookKey: "wk-" + string(ch), CreatedAt: now, UpdatedAt: now}
	if err := f.db.CreateIntegration(t.Context(), it, integration.Secrets{}); err != nil {
		t.Fatal(err)
	}
	return it
}

// awaiting stores a link request of c that redeemer took up on it's
// channel and may confirm until confirmBy.
func (f *fixture) awaiting(t *testing.T, c *conversation.Conversation, it *integration.Integration, redeemer string, confirmBy time.Time) int64 {
	t.Helper()
	now := f.clock.Now()
	hash := sha256.Sum256(fmt.Append(nil, "token ", now.UnixNano()))
	r := &conversation.LinkRequest{AccountID: f.acct.ID, ConversationID: c.ID, Channel: it.Channel, IntegrationID: it.ID,
		TokenHash: hash[:], Status: conversation.RequestPending,
		ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	if err := f.db.ReplaceLinkRequest(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	got, bound, err := f.db.RedeemLinkRequest(t.Context(), r.TokenHash, it, redeemer, "Ana", now, confirmBy)
	if err != nil || !bound || got.ID != r.ID || got.Status != conversation.RequestAwaiting || got.RedeemerID != redeemer {
		t.Fatalf("redeem: %+v %v %v", got, bound, err)
	}
	return r.ID
}

func (f *fixture) requestStatus(t *testing.T, id int64) conversation.RequestStatus {
	t.Helper()
	r, err := f.db.LinkRequest(t.Context(), f.acct.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

func activation(c *conversation.Conversation, requestID int64, ch conversation.Channel, externalID string, plan func(conversation.ActivationState) conversation.ActivationPlan) conversation.Activation {
	return conversation.Activation{AccountID: c.AccountID, ConversationID: c.ID,
		RequestID: requestID, RequestFrom: string(conversation.RequestAwaiting), RequestTo: string(conversation.RequestLinked),
		Channel: ch, ExternalID: externalID, Plan: plan,
	}
}

// link links externalID on it's channel to c with a plain plan: the
// identity, new or not, joins c and its end user.
func (f *fixture) link(t *testing.T, c *conversation.Conversation, it *integration.Integration, externalID string) *conversation.Identity {
	t.Helper()
	req := f.awaiting(t, c, it, externalID, f.clock.Now().Add(time.Hour))
	f.write(t, activation(c, req, it.Channel, externalID, func(st conversation.ActivationState) conversation.ActivationPlan {
		id := &conversation.Identity{AccountID: c.AccountID, Channel: it.Channel, ExternalID: externalID, DisplayName: "name " + externalID, CreatedAt: st.Now}
		if st.Identity != nil {
			id = st.Identity
		}
		id.EndUserID, id.ConversationID, id.IntegrationID, id.LinkedAt = c.EndUserID, c.ID, it.ID, &st.Now
		return conversation.ActivationPlan{Identity: id, NewLink: true, Route: it.Channel,
			Note: &conversation.Note{Kind: conversation.NoteLinked, Channel: it.Channel, Identity: id.Masked()}}
	}))
	return f.identity(t, it.Channel, externalID)
}

// social is a message an end user sent on it's channel from externalID.
func (f *fixture) social(it *integration.Integration, from, externalID string) conversation.Receive {
	return conversation.Receive{
		AccountID: f.acct.ID,
		From:      conversation.SocialSender{Channel: it.Channel, IntegrationID: it.ID, ExternalID: from, Name: "Ana Pereira", At: f.clock.Now()},
		Message: &conversation.Message{AccountID: f.acct.ID, Channel: it.Channel, AuthorRole: conversation.AuthorEndUser,
			AuthorName: "Ana Pereira", Text: "hi " + externalID, ClientMessageID: "ext:" + externalID, ExternalID: externalID},
	}
}

// outbound stores an agent's reply to an identity, in a delivery state.
func (f *fixture) outbound(t *testing.T, c *conversation.Conversation, id *conversation.Identity, state conversation.DeliveryState) *conversation.Message {
	t.Helper()
	return f.write(t, conversation.Post{AccountID: c.AccountID, ConversationID: c.ID, Message: &conversation.Message{
		AccountID: c.AccountID, ConversationID: c.ID, Channel: id.Channel, AuthorRole: conversation.AuthorAgent,
		Text: "reply", ClientMessageID: fmt.Sprint("reply ", f.clock.Now().UnixNano()), IdentityID: id.ID, DeliveryState: state,
	}}).Message
}

func (f *fixture) message(t *testing.T, id int64) *conversation.Message {
	t.Helper()
	m, err := f.db.Message(t.Context(), f.acct.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// refused is a plan that must not be asked for.
func refused(t *testing.T) func(conversation.ActivationState) conversation.ActivationPlan {
	return func(conversation.ActivationState) conversation.ActivationPlan {
		t.Error("an activation that does not apply was planned")
		return conversation.ActivationPlan{}
	}
}

// R6: a request is activated once, by the identity that redeemed it, for
// its own conversation, before it expires; any other activation is
// LINK_EXPIRED and leaves no trace: no identity, no link, no event, the
// request as it was.
func TestWriterActivationRefusals(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		it := f.integration(t, whatsApp)
		c, other := f.startConversation(t), f.startConversation(t)
		live := f.awaiting(t, c, it, "306911111111", f.clock.Now().Add(time.Hour))
		stale := f.awaiting(t, c, it, "306922222222", f.clock.Now().Add(-time.Second))
		head := f.head(t)
		for _, tc := range []struct {
			name string
			w    conversation.Activation
		}{
			{"in another status", func() conversation.Activation {
				w := activation(c, live, whatsApp, "306911111111", refused(t))
				w.RequestFrom = string(conversation.RequestPending)
				return w
			}()},
			{"by another identity", activation(c, live, whatsApp, "306922222222", refused(t))},
			{"expired", activation(c, stale, whatsApp, "306922222222", refused(t))},
			{"for another conversation", activation(other, live, whatsApp, "306911111111", refused(t))},
			{"unknown", activation(c, live+100, whatsApp, "306911111111", refused(t))},
		} {
			if _, err := f.appender.Write(t.Context(), tc.w); apperr.CodeOf(err) != apperr.LinkExpired {
				t.Errorf("%s: %v, want LINK_EXPIRED", tc.name, err)
			}
		}
		if got := f.head(t); got != head {
			t.Errorf("refused activations added events: head %d, was %d", got, head)
		}
		for _, ext := range []string{"306911111111", "306922222222"} {
			if id, err := f.db.IdentityByExternalID(t.Context(), f.acct.ID, whatsApp, ext); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("refused activations stored an identity: %+v %v", id, err)
			}
		}
		for _, conv := range []*conversation.Conversation{c, other} {
			if ls := f.links(t, conv.ID); len(ls) != 0 {
				t.Errorf("refused activations stored links: %+v", ls)
			}
			if got := f.conversation(t, conv.ID); got.LastChannel != web {
				t.Errorf("refused activations moved the route to %s", got.LastChannel)
			}
		}
		if s := f.requestStatus(t, live); s != conversation.RequestAwaiting {
			t.Errorf("request in %s after refusals", s)
		}

		// The live request activates once; a second time it no longer
		// awaits confirmation.
		w := activation(c, live, whatsApp, "306911111111", func(st conversation.ActivationState) conversation.ActivationPlan {
			return conversation.ActivationPlan{Identity: &conversation.Identity{AccountID: f.acct.ID, Channel: whatsApp, ExternalID: "306911111111",
				EndUserID: c.EndUserID, ConversationID: c.ID, LinkedAt: &st.Now, CreatedAt: st.Now},
				NewLink: true, Route: whatsApp, Note: &conversation.Note{Kind: conversation.NoteLinked, Channel: whatsApp}}
		})
		f.write(t, w)
		head = f.head(t)
		w.Plan = refused(t)
		if _, err := f.appender.Write(t.Context(), w); apperr.CodeOf(err) != apperr.LinkExpired {
			t.Errorf("second activation: %v, want LINK_EXPIRED", err)
		}
		if got := f.head(t); got != head || len(f.links(t, c.ID)) != 1 {
			t.Errorf("second activation changed something: head %d, was %d; links %+v", got, head, f.links(t, c.ID))
		}
		f.checkFeeds(t)
	})
}

// R6, R8, R16, R26, R27: an activation hands its plan what is stored (the
// identity, if any, and the conversation its messages land in when it is
// another one), and stores what the plan returns: the identity, the link,
// the end of the previous link, both routes and both notes, each note with
// its event in its own conversation.
func TestWriterActivationStoresThePlan(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		it := f.integration(t, whatsApp)
		c1, c2 := f.startConversation(t), f.startConversation(t)
		const phone = "306912345678"
		var seen conversation.ActivationState

		// A new identity.
		inbound := time.Date(2025, 2, 28, 8, 0, 0, 0, time.UTC)
		linked := &conversation.Note{Kind: conversation.NoteLinked, Channel: whatsApp, Identity: "+30 ••• 5678"}
		head := f.head(t)
		r1 := f.awaiting(t, c1, it, phone, f.clock.Now().Add(time.Hour))
		res := f.write(t, activation(c1, r1, whatsApp, phone, func(st conversation.ActivationState) conversation.ActivationPlan {
			seen = st
			return conversation.ActivationPlan{
				Identity: &conversation.Identity{AccountID: f.acct.ID, Channel: whatsApp, ExternalID: phone, DisplayName: "Ana Pereira",
					EndUserID: st.Conversation.EndUserID, IntegrationID: it.ID, ConversationID: st.Conversation.ID,
					LastInboundAt: &inbound, LinkedAt: &st.Now, CreatedAt: st.Now},
				NewLink: true, Route: whatsApp, Note: linked,
			}
		}))
		if seen.Identity != nil || seen.Previous != nil || seen.Conversation == nil || seen.Conversation.ID != c1.ID || seen.Now.IsZero() {
			t.Errorf("state of a new identity: %+v", seen)
		}
		id := f.identity(t, whatsApp, phone)
		if id.DisplayName != "Ana Pereira" || id.EndUserID != c1.EndUserID || id.ConversationID != c1.ID || id.IntegrationID != it.ID ||
			id.LastInboundAt == nil || !id.LastInboundAt.Equal(inbound) || id.LinkedAt == nil || !id.LinkedAt.Equal(seen.Now) {
			t.Errorf("stored identity %+v", id)
		}
		if ls := f.links(t, c1.ID); len(ls) != 1 || ls[0].IdentityID != id.ID || ls[0].Channel != whatsApp || ls[0].EndedAt != nil {
			t.Errorf("links of c1: %+v", ls)
		}
		if got := f.conversation(t, c1.ID); got.LastChannel != whatsApp || res.Conversation.LastChannel != whatsApp {
			t.Errorf("route %s (written %s), want WHATSAPP", got.LastChannel, res.Conversation.LastChannel)
		}
		if s := f.requestStatus(t, r1); s != conversation.RequestLinked {
			t.Errorf("request in %s", s)
		}
		if ns := f.notes(t, c1.ID); len(ns) != 1 || !reflect.DeepEqual(ns[0], linked) {
			t.Errorf("notes of c1: %+v", ns)
		}
		if got, want := where(f.eventsAfter(t, head)), []string{at(feed.KindLinked, c1.ID)}; !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}

		// The identity moves from c1 to c2: the state names c1 as where
		// its messages land now; c1's link ends as the plan says, and
		// each conversation gets its note and its route.
		head = f.head(t)
		moved := &conversation.Note{Kind: conversation.NoteLinkMoved, Channel: whatsApp, Identity: "+30 ••• 5678",
			EndedBy: conversation.ActorAdmin, Reason: conversation.ReasonMoved}
		r2 := f.awaiting(t, c2, it, phone, f.clock.Now().Add(time.Hour))
		f.write(t, activation(c2, r2, whatsApp, phone, func(st conversation.ActivationState) conversation.ActivationPlan {
			seen = st
			next := *st.Identity
			next.EndUserID, next.ConversationID, next.LinkedAt, next.DisplayName = st.Conversation.EndUserID, st.Conversation.ID, &st.Now, "Ana P."
			return conversation.ActivationPlan{
				Identity: &next, NewLink: true,
				EndPrevious: &conversation.LinkEnd{By: conversation.ActorAdmin, Reason: conversation.ReasonMoved},
				Route:       whatsApp, PreviousRoute: messenger, Note: linked, PreviousNote: moved,
			}
		}))
		if seen.Identity == nil || seen.Identity.ID != id.ID || seen.Identity.ConversationID != c1.ID || seen.Previous == nil || seen.Previous.ID != c1.ID {
			t.Errorf("state of a move: identity %+v, previous %+v", seen.Identity, seen.Previous)
		}
		if got := f.identity(t, whatsApp, phone); got.ID != id.ID || got.ConversationID != c2.ID || got.EndUserID != c2.EndUserID || got.DisplayName != "Ana P." {
			t.Errorf("moved identity %+v", got)
		}
		if ls := f.links(t, c1.ID); len(ls) != 1 || ls[0].EndedAt == nil || ls[0].EndedBy != conversation.ActorAdmin || ls[0].EndReason != conversation.ReasonMoved {
			t.Errorf("links of c1: %+v", ls)
		}
		if ls := f.links(t, c2.ID); len(ls) != 1 || ls[0].IdentityID != id.ID || ls[0].EndedAt != nil {
			t.Errorf("links of c2: %+v", ls)
		}
		if r1, r2 := f.conversation(t, c1.ID).LastChannel, f.conversation(t, c2.ID).LastChannel; r1 != messenger || r2 != whatsApp {
			t.Errorf("routes %s and %s, want MESSENGER and WHATSAPP", r1, r2)
		}
		if ns := f.notes(t, c1.ID); len(ns) != 2 || !reflect.DeepEqual(ns[1], moved) {
			t.Errorf("notes of c1: %+v", ns)
		}
		if ns := f.notes(t, c2.ID); len(ns) != 1 || !reflect.DeepEqual(ns[0], linked) {
			t.Errorf("notes of c2: %+v", ns)
		}
		if got, want := where(f.eventsAfter(t, head)), []string{at(feed.KindLinkMoved, c1.ID), at(feed.KindLinked, c2.ID)}; !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}

		// Confirmed again where it is linked: no previous conversation,
		// and no new link when the plan says so.
		r3 := f.awaiting(t, c2, it, phone, f.clock.Now().Add(time.Hour))
		f.write(t, activation(c2, r3, whatsApp, phone, func(st conversation.ActivationState) conversation.ActivationPlan {
			seen = st
			return conversation.ActivationPlan{Identity: st.Identity, Route: whatsApp, Note: linked}
		}))
		if seen.Identity == nil || seen.Identity.ConversationID != c2.ID || seen.Previous != nil {
			t.Errorf("state of a confirmation where it is linked: identity %+v, previous %+v", seen.Identity, seen.Previous)
		}
		if ls := f.links(t, c2.ID); len(ls) != 1 {
			t.Errorf("links of c2: %+v", ls)
		}

		// An identity with a conversation of its own, never linked:
		// Previous names it, and its route is stored even with no note
		// for it.
		const other = "306987654321"
		own := f.write(t, f.social(it, other, "wamid.own")).Conversation
		head = f.head(t)
		r4 := f.awaiting(t, c1, it, other, f.clock.Now().Add(time.Hour))
		f.write(t, activation(c1, r4, whatsApp, other, func(st conversation.ActivationState) conversation.ActivationPlan {
			seen = st
			next := *st.Identity
			next.EndUserID, next.ConversationID, next.LinkedAt = st.Conversation.EndUserID, st.Conversation.ID, &st.Now
			return conversation.ActivationPlan{Identity: &next, NewLink: true, Route: whatsApp, PreviousRoute: web, Note: linked}
		}))
		if seen.Identity == nil || seen.Identity.LinkedAt != nil || seen.Previous == nil || seen.Previous.ID != own.ID {
			t.Errorf("state of a standalone identity: identity %+v, previous %+v", seen.Identity, seen.Previous)
		}
		if got := f.conversation(t, own.ID); got.LastChannel != web {
			t.Errorf("previous route %s, want the plan's WEB_WIDGET", got.LastChannel)
		}
		if ls := f.links(t, c1.ID); len(ls) != 2 || ls[1].EndedAt != nil {
			t.Errorf("links of c1: %+v", ls)
		}
		if got, want := where(f.eventsAfter(t, head)), []string{at(feed.KindLinked, c1.ID)}; !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		f.checkFeeds(t)
	})
}

// R12, R26, R3: a detachment hands its plan exactly the identities linked
// to the conversation on the channel; each moves to a new end user of the
// plan's name and leaves the conversation, its link ends as the plan says,
// and the route and note are stored. A plan that refuses changes nothing.
func TestWriterDetachment(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		wa, fb := f.integration(t, whatsApp), f.integration(t, messenger)
		c, other := f.startConversation(t), f.startConversation(t)
		a1, a2 := f.link(t, c, wa, "306900000001"), f.link(t, c, wa, "306900000002")
		m1 := f.link(t, c, fb, "psid-1")
		b1 := f.link(t, other, wa, "306900000003")
		// An identity whose messages land in c but is not linked.
		req := f.awaiting(t, c, wa, "306900000004", f.clock.Now().Add(time.Hour))
		f.write(t, activation(c, req, whatsApp, "306900000004", func(st conversation.ActivationState) conversation.ActivationPlan {
			return conversation.ActivationPlan{Identity: &conversation.Identity{AccountID: f.acct.ID, Channel: whatsApp, ExternalID: "306900000004",
				EndUserID: c.EndUserID, ConversationID: c.ID, CreatedAt: st.Now}, Route: whatsApp,
				Note: &conversation.Note{Kind: conversation.NoteLinked, Channel: whatsApp}}
		}))
		unlinked := f.identity(t, whatsApp, "306900000004")

		// The plan refuses: nothing changes.
		head := f.head(t)
		_, err := f.appender.Write(t.Context(), conversation.Detachment{AccountID: f.acct.ID, ConversationID: c.ID,
			Channel: whatsApp,
			Plan: func(conversation.DetachmentState) (conversation.DetachmentPlan, error) {
				return conversation.DetachmentPlan{}, apperr.NotFoundf("link")
			},
		})
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("refused detachment: %v, want NOT_FOUND", err)
		}
		if got := f.head(t); got != head {
			t.Errorf("refused detachment added events")
		}
		for _, id := range []*conversation.Identity{a1, a2} {
			if got := f.identity(t, whatsApp, id.ExternalID); got.ConversationID != c.ID || got.EndUserID != c.EndUserID || got.LinkedAt == nil {
				t.Errorf("refused detachment moved %+v", got)
			}
		}
		for _, l := range f.links(t, c.ID) {
			if l.EndedAt != nil {
				t.Errorf("refused detachment ended %+v", l)
			}
		}

		var seen conversation.DetachmentState
		note := &conversation.Note{Kind: conversation.NoteUnlinked, Channel: whatsApp, Identity: "+30 ••• 0001",
			EndedBy: conversation.ActorAgent, Reason: conversation.ReasonUnlinked}
		res := f.write(t, conversation.Detachment{AccountID: f.acct.ID, ConversationID: c.ID,
			Channel: whatsApp,
			Plan: func(st conversation.DetachmentState) (conversation.DetachmentPlan, error) {
				seen = st
				return conversation.DetachmentPlan{
					Owners: []*conversation.EndUser{{Name: "first"}, {Name: "second"}},
					End:    conversation.LinkEnd{By: conversation.ActorAgent, Reason: conversation.ReasonUnlinked},
					Route:  messenger, Note: note,
				}, nil
			},
		})
		var linkedIDs []int64
		for _, id := range seen.Linked {
			linkedIDs = append(linkedIDs, id.ID)
		}
		if !slices.Equal(linkedIDs, []int64{a1.ID, a2.ID}) || seen.Conversation == nil || seen.Conversation.ID != c.ID || seen.Now.IsZero() {
			t.Errorf("detachment state lists %v of conversation %+v, want %v", linkedIDs, seen.Conversation, []int64{a1.ID, a2.ID})
		}
		if d := res.Detached; d == nil || d.ID != a1.ID || d.ConversationID != c.ID || d.EndUserID != c.EndUserID || d.LinkedAt == nil {
			t.Errorf("detached %+v, want a1 as it was linked", d)
		}
		for i, id := range []*conversation.Identity{a1, a2} {
			got := f.identity(t, whatsApp, id.ExternalID)
			if got.ConversationID != 0 || got.LinkedAt != nil || got.EndUserID == c.EndUserID {
				t.Errorf("detached identity %+v", got)
			}
			if owner, err := f.db.EndUser(t.Context(), f.acct.ID, got.EndUserID); err != nil || owner.Name != []string{"first", "second"}[i] {
				t.Errorf("owner of %s: %+v %v", id.ExternalID, owner, err)
			}
		}
		for _, l := range f.links(t, c.ID) {
			ended := l.IdentityID == a1.ID || l.IdentityID == a2.ID
			if ended != (l.EndedAt != nil) || ended && (l.EndedBy != conversation.ActorAgent || l.EndReason != conversation.ReasonUnlinked) {
				t.Errorf("link %+v", l)
			}
		}
		if got := f.identity(t, messenger, m1.ExternalID); got.ConversationID != c.ID || got.LinkedAt == nil {
			t.Errorf("the other channel's identity was detached: %+v", got)
		}
		if got := f.identity(t, whatsApp, b1.ExternalID); got.ConversationID != other.ID || got.LinkedAt == nil || f.links(t, other.ID)[0].EndedAt != nil {
			t.Errorf("another conversation's identity was detached: %+v", got)
		}
		if got := f.identity(t, whatsApp, unlinked.ExternalID); got.ConversationID != c.ID || got.EndUserID != c.EndUserID {
			t.Errorf("an identity not linked was detached: %+v", got)
		}
		if got := f.conversation(t, c.ID); got.LastChannel != messenger || res.Conversation.LastChannel != messenger {
			t.Errorf("route %s, want the plan's MESSENGER", got.LastChannel)
		}
		if ns := f.notes(t, c.ID); !reflect.DeepEqual(ns[len(ns)-1], note) {
			t.Errorf("last note %+v, want %+v", ns[len(ns)-1], note)
		}
		if got, want := where(f.eventsAfter(t, head)), []string{at(feed.KindUnlinked, c.ID)}; !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		f.checkFeeds(t)
	})
}

// applying is an Apply that records what it is handed and moves the
// message to state.
type applying struct {
	mu    sync.Mutex
	seen  []conversation.Message
	kept  [][]conversation.DeliveryReport
	state conversation.DeliveryState
	// sentAs, when set, is recorded as the message's platform id.
	sentAs string
}

func (a *applying) apply(m *conversation.Message, kept []conversation.DeliveryReport) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen, a.kept = append(a.seen, *m), append(a.kept, kept)
	if a.state == "" {
		return false
	}
	m.DeliveryState, m.DeliveryError = a.state, "err "+string(a.state)
	if a.sentAs != "" {
		m.ExternalID = a.sentAs
	}
	for _, r := range kept {
		m.DeliveryState = r.State
	}
	return true
}

func (a *applying) ids() []int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []int64
	for _, m := range a.seen {
		out = append(out, m.ID)
	}
	return out
}

func deliveryOf(accountID int64, d conversation.DeliveryUpdate) conversation.DeliveryUpdate {
	d.AccountID = accountID
	return d
}

// hold keeps one of the appender's batches in flight, its update of message
// id waiting, until release is called; release returns once that batch has
// committed. The writes queued meanwhile make the next batch.
func (f *fixture) hold(t *testing.T, id int64) (release func()) {
	entered, released := make(chan struct{}), make(chan struct{})
	var held sync.WaitGroup
	held.Go(func() {
		_, err := f.appender.Write(context.Background(), deliveryOf(f.acct.ID, conversation.DeliveryUpdate{MessageID: id,
			Apply: func(*conversation.Message, []conversation.DeliveryReport) bool {
				close(entered)
				<-released
				return false
			}}))
		if err != nil {
			t.Error(err)
		}
	})
	<-entered
	return func() {
		close(released)
		held.Wait()
	}
}

// R17, R18: a delivery update finds the messages it names (by id, by
// platform id, by identity and watermark), hands each to Apply and stores
// and announces what Apply changed; a report that overtook its send is
// kept and handed over once, when the send is recorded.
func TestWriterDelivery(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		it := f.integration(t, whatsApp)
		first := f.write(t, f.social(it, "306900000001", "wamid.in1"))
		c := first.Conversation
		id := f.identity(t, whatsApp, "306900000001")

		// By message id; no change, no event.
		m1 := f.outbound(t, c, id, conversation.DeliveryQueued)
		head := f.head(t)
		a := &applying{}
		if res := f.write(t, deliveryOf(f.acct.ID, conversation.DeliveryUpdate{MessageID: m1.ID, State: conversation.DeliverySent, Apply: a.apply})); len(res.Updated) != 0 {
			t.Errorf("an update Apply did not change: %+v", res.Updated)
		}
		if !slices.Equal(a.ids(), []int64{m1.ID}) || f.head(t) != head || f.message(t, m1.ID).DeliveryState != conversation.DeliveryQueued {
			t.Errorf("no change: applied to %v, head %d (was %d)", a.ids(), f.head(t), head)
		}
		a = &applying{state: conversation.DeliverySent}
		res := f.write(t, deliveryOf(f.acct.ID, conversation.DeliveryUpdate{MessageID: m1.ID, Apply: a.apply}))
		if got := f.message(t, m1.ID); got.DeliveryState != conversation.DeliverySent || got.DeliveryError != "err SENT" ||
			len(res.Updated) != 1 || res.Updated[0].ID != m1.ID || res.Updated[0].DeliveryState != conversation.DeliverySent {
			t.Errorf("stored %+v, written %+v", got, res.Updated)
		}
		evs := f.eventsAfter(t, head)
		if got, want := where(evs), []string{at(feed.KindDeliveryStateChanged, c.ID)}; !slices.Equal(got, want) || evs[0].Message.ID != m1.ID {
			t.Errorf("events %v, want %v", got, want)
		}

		// Reports that overtook the send are kept, then handed to the
		// update that records it, oldest first and once.
		m2 := f.outbound(t, c, id, conversation.DeliveryQueued)
		head = f.head(t)
		for _, state := range []conversation.DeliveryState{conversation.DeliveryDelivered, conversation.DeliveryRead} {
			res := f.write(t, deliveryOf(f.acct.ID, conversation.DeliveryUpdate{Channel: whatsApp, ExternalID: "wamid.out2", State: state, Error: "e " + string(state),
				Apply: func(*conversation.Message, []conversation.DeliveryReport) bool {
					t.Error("a report of an unknown send was applied")
					return false
				}}))
			if len(res.Updated) != 0 {
				t.Errorf("a kept report updated %+v", res.Updated)
			}
		}
		if f.head(t) != head {
			t.Errorf("kept reports added events")
		}
		a = &applying{state: conversation.DeliverySent, sentAs: "wamid.out2"}
		send := conversation.DeliveryUpdate{MessageID: m2.ID, SentAs: "wamid.out2", Apply: a.apply}
		f.write(t, deliveryOf(f.acct.ID, send))
		if got := f.message(t, m2.ID); got.ExternalID != "wamid.out2" || got.DeliveryState != conversation.DeliveryRead {
			t.Errorf("stored %+v", got)
		}
		f.write(t, deliveryOf(f.acct.ID, send)) // a retried job records it again
		wantKept := [][]conversation.DeliveryReport{
			{{State: conversation.DeliveryDelivered, Error: "e DELIVERED"}, {State: conversation.DeliveryRead, Error: "e READ"}},
			nil,
		}
		if !reflect.DeepEqual(a.kept, wantKept) {
			t.Errorf("kept reports handed over: %+v, want %+v", a.kept, wantKept)
		}
		// Now the platform id names it.
		a = &applying{state: conversation.DeliveryFailed}
		f.write(t, deliveryOf(f.acct.ID, conversation.DeliveryUpdate{Channel: whatsApp, ExternalID: "wamid.out2", Apply: a.apply}))
		if !slices.Equal(a.ids(), []int64{m2.ID}) || a.kept[0] != nil || f.message(t, m2.ID).DeliveryState != conversation.DeliveryFailed {
			t.Errorf("report by platform id: applied to %v with %v", a.ids(), a.kept)
		}

		// By watermark: the identity's messages in a state of Among,
		// created up to the watermark.
		f.write(t, f.social(it, "306900000002", "wamid.in2"))
		other := f.identity(t, whatsApp, "306900000002")
		w1 := f.outbound(t, c, other, conversation.DeliverySent)
		f.outbound(t, c, other, conversation.DeliveryRead)
		w3 := f.outbound(t, c, other, conversation.DeliveryDelivered)
		f.outbound(t, c, id, conversation.DeliverySent)
		w5 := f.outbound(t, c, other, conversation.DeliverySent)
		head = f.head(t)
		a = &applying{state: conversation.DeliveryRead}
		res = f.write(t, deliveryOf(f.acct.ID, conversation.DeliveryUpdate{IdentityID: other.ID, Watermark: w3.CreatedAt,
			Among: []conversation.DeliveryState{conversation.DeliverySent, conversation.DeliveryDelivered}, Apply: a.apply}))
		if got, want := a.ids(), []int64{w1.ID, w3.ID}; !slices.Equal(got, want) || len(res.Updated) != 2 {
			t.Errorf("watermark applied to %v, want %v; updated %d", got, want, len(res.Updated))
		}
		if f.message(t, w5.ID).DeliveryState != conversation.DeliverySent {
			t.Errorf("a message after the watermark moved")
		}
		if got := where(f.eventsAfter(t, head)); len(got) != 2 {
			t.Errorf("events %v, want two", got)
		}
		f.checkFeeds(t)
	})
}

// R17, R18: two updates of one message committed in one batch see each
// other: the second is handed the message as the first left it.
func TestWriterDeliveryInOneBatch(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		it := f.integration(t, whatsApp)
		c := f.write(t, f.social(it, "306900000001", "wamid.in")).Conversation
		id := f.identity(t, whatsApp, "306900000001")
		gate := f.outbound(t, c, id, conversation.DeliveryQueued)
		// The appender takes into its next batch every write queued
		// while one is in flight; the gate holds one in flight until
		// both updates are on their way. Should they still be taken
		// apart, the round is played again.
		for round := 0; ; round++ {
			if round == 10 {
				t.Fatal("the two updates never shared a batch")
			}
			m := f.outbound(t, c, id, conversation.DeliveryQueued)
			release := f.hold(t, gate.ID)
			var mu sync.Mutex
			var saw []conversation.DeliveryState
			// Each update moves the message one state on from where it
			// finds it.
			step := func(m *conversation.Message, _ []conversation.DeliveryReport) bool {
				mu.Lock()
				defer mu.Unlock()
				saw = append(saw, m.DeliveryState)
				m.DeliveryState = map[conversation.DeliveryState]conversation.DeliveryState{
					conversation.DeliveryQueued: conversation.DeliverySent, conversation.DeliverySent: conversation.DeliveryDelivered,
				}[m.DeliveryState]
				return true
			}
			f.mu.Lock()
			before := len(f.batches)
			f.mu.Unlock()
			var started, done sync.WaitGroup
			for range 2 {
				started.Add(1)
				done.Go(func() {
					started.Done()
					if _, err := f.appender.Write(context.Background(), deliveryOf(f.acct.ID, conversation.DeliveryUpdate{MessageID: m.ID, Apply: step})); err != nil {
						t.Error(err)
					}
				})
			}
			started.Wait()
			release()
			done.Wait()
			f.mu.Lock()
			batches := slices.Clone(f.batches[before:])
			f.mu.Unlock()
			if !slices.Equal(batches, []int{1, 2}) {
				continue
			}
			if want := []conversation.DeliveryState{conversation.DeliveryQueued, conversation.DeliverySent}; !slices.Equal(saw, want) {
				t.Errorf("updates in one batch saw %v, want %v", saw, want)
			}
			if got := f.message(t, m.ID).DeliveryState; got != conversation.DeliveryDelivered {
				t.Errorf("stored %s, want DELIVERED", got)
			}
			break
		}
		f.checkFeeds(t)
	})
}

// R13, R27: a note is a SYSTEM message whose data survives storage, every
// kind and every field, with an event of its kind.
func TestWriterNotes(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		c := f.startConversation(t)
		kinds := []conversation.NoteKind{conversation.NoteLinked, conversation.NoteLinkDeclined, conversation.NoteLinkMoved,
			conversation.NoteChannelSwitched, conversation.NoteUnlinked, conversation.NoteLinkEndedByAdmin}
		var want []*conversation.Note
		for _, kind := range kinds {
			head := f.head(t)
			n := &conversation.Note{Kind: kind, Channel: conversation.ChannelInstagram, PreviousChannel: messenger,
				Identity: "Ana P. " + string(kind), EndedBy: conversation.ActorAdmin, Reason: conversation.ReasonDisabledByAdmin}
			want = append(want, n)
			f.write(t, conversation.AddNote{AccountID: f.acct.ID, ConversationID: c.ID, Note: n})
			evs := f.eventsAfter(t, head)
			if len(evs) != 1 || evs[0].Kind != feed.Kind(kind) || evs[0].Message == nil || !reflect.DeepEqual(evs[0].Message.Note, n) ||
				evs[0].Message.AuthorRole != conversation.AuthorSystem {
				t.Errorf("events of a %s note: %v", kind, where(evs))
			}
		}
		if got := f.notes(t, c.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("notes read back:\n%+v\nwant\n%+v", got, want)
		}
		f.checkFeeds(t)
	})
}

// R11, R13: writing from a channel makes it the route; the history notes
// the switch only as Message.Switch says: in a widget conversation, when the
// channel changes.
func TestWriterSwitches(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		it := f.integration(t, whatsApp)
		widgetConv := f.startConversation(t)
		own := f.write(t, f.social(it, "306900000001", "wamid.in")).Conversation
		for i, tc := range []struct {
			c    *conversation.Conversation
			from conversation.Channel
		}{
			{widgetConv, whatsApp},
			{widgetConv, whatsApp},
			{widgetConv, web},
			{own, messenger},
			{own, messenger},
		} {
			before := f.conversation(t, tc.c.ID)
			head := f.head(t)
			w := message(tc.c, fmt.Sprint("switch ", i))
			w.Message.Channel = tc.from
			f.write(t, w)
			note := w.Message.Switch(before.WidgetID, before.LastChannel)
			want := []string{at(feed.KindMessageAdded, tc.c.ID)}
			if note != nil {
				want = append([]string{at(feed.KindChannelSwitched, tc.c.ID)}, want...)
			}
			evs := f.eventsAfter(t, head)
			if got := where(evs); !slices.Equal(got, want) {
				t.Errorf("write %d from %s after %s: events %v, want %v", i, tc.from, before.LastChannel, got, want)
			} else if note != nil && !reflect.DeepEqual(evs[0].Message.Note, note) {
				t.Errorf("write %d: note %+v, want %+v", i, evs[0].Message.Note, note)
			}
			if got := f.conversation(t, tc.c.ID).LastChannel; got != tc.from {
				t.Errorf("write %d: route %s, want %s", i, got, tc.from)
			}
		}
		if ns := f.notes(t, widgetConv.ID); len(ns) != 2 {
			t.Errorf("%d switch notes in the widget conversation, want 2", len(ns))
		}
		if ns := f.notes(t, own.ID); len(ns) != 0 {
			t.Errorf("a social conversation noted switches: %+v", ns)
		}
		f.checkFeeds(t)
	})
}

// R18: the same platform message id from a social sender is one message,
// however often and however concurrently it arrives; concurrent first
// messages of one identity open one conversation.
func TestWriterSocialIdempotency(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		it := f.integration(t, whatsApp)
		first := f.write(t, f.social(it, "306900000001", "wamid.1"))
		again := f.write(t, f.social(it, "306900000001", "wamid.1"))
		if !first.Started || again.Started || !again.Duplicate || again.Message.ID != first.Message.ID || again.Conversation.ID != first.Conversation.ID {
			t.Errorf("a repeated message: %+v, first %+v", again, first)
		}

		// Ten copies of one message, and ten first messages of another
		// identity, all at once.
		const n = 10
		var wg sync.WaitGroup
		copies, firsts := make([]*conversation.Written, n), make([]*conversation.Written, n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				res, err := f.appender.Write(context.Background(), f.social(it, "306900000001", "wamid.2"))
				if err != nil {
					t.Error(err)
					return
				}
				copies[i] = res
			}()
			go func() {
				defer wg.Done()
				res, err := f.appender.Write(context.Background(), f.social(it, "306900000002", fmt.Sprint("wamid.first.", i)))
				if err != nil {
					t.Error(err)
					return
				}
				firsts[i] = res
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		duplicates, started := 0, 0
		for i := range n {
			if copies[i].Message.ID != copies[0].Message.ID || copies[i].Conversation.ID != first.Conversation.ID {
				t.Errorf("copy %d: message %d in %d", i, copies[i].Message.ID, copies[i].Conversation.ID)
			}
			if copies[i].Duplicate {
				duplicates++
			}
			if firsts[i].Started {
				started++
			}
			if firsts[i].Conversation.ID != firsts[0].Conversation.ID {
				t.Errorf("first messages opened conversations %d and %d", firsts[0].Conversation.ID, firsts[i].Conversation.ID)
			}
		}
		if duplicates != n-1 || started != 1 {
			t.Errorf("%d duplicates of %d copies, %d conversations started by %d first messages", duplicates, n, started, n)
		}
		msgs, err := f.db.Messages(t.Context(), f.acct.ID, first.Conversation.ID, conversation.Page{First: 100})
		if err != nil || len(msgs) != 2 {
			t.Errorf("%d messages in the first conversation, want 2: %v", len(msgs), err)
		}
		ids, err := f.db.ConversationIdentities(t.Context(), f.acct.ID, firsts[0].Conversation.ID)
		if err != nil || len(ids) != 1 || ids[0].ExternalID != "306900000002" {
			t.Errorf("identities of the new conversation: %+v %v", ids, err)
		}
		if msgs, err := f.db.Messages(t.Context(), f.acct.ID, firsts[0].Conversation.ID, conversation.Page{First: 100}); err != nil || len(msgs) != n {
			t.Errorf("%d messages in the new conversation, want %d: %v", len(msgs), n, err)
		}
		f.checkFeeds(t)
	})
}

// R18: a message sent again after it committed is the stored one, whether
// it comes alone or in a batch with new messages (whose optimistic insert
// then runs again with the read); nothing of it is numbered twice.
func TestWriterResendAfterCommit(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		c := f.startConversation(t)
		first := f.write(t, message(c, "once"))
		head := f.head(t)
		again := f.write(t, message(c, "once"))
		if !again.Duplicate || again.Message.ID != first.Message.ID || f.head(t) != head {
			t.Fatalf("sent again alone: %+v, head %d, was %d", again, f.head(t), head)
		}
		var wg sync.WaitGroup
		res := make([]*conversation.Written, 8)
		for i := range res {
			wg.Go(func() {
				id := fmt.Sprint("new ", i)
				if i%2 == 0 {
					id = "once"
				}
				r, err := f.appender.Write(context.Background(), message(c, id))
				if err != nil {
					t.Error(err)
				}
				res[i] = r
			})
		}
		wg.Wait()
		for i, r := range res {
			if r == nil {
				continue
			}
			if dup := i%2 == 0; r.Duplicate != dup || dup && r.Message.ID != first.Message.ID {
				t.Errorf("write %d: duplicate %v, message %d (first %d)", i, r.Duplicate, r.Message.ID, first.Message.ID)
			}
		}
		want := make([]string, 4)
		for i := range want {
			want[i] = at(feed.KindMessageAdded, c.ID)
		}
		if got := where(f.eventsAfter(t, head)); !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		f.checkFeeds(t)
	})
}

// R18, R21: batches of every size store every row. A batch's rows are
// written by as many statements as the database needs (on SQLite, one per
// prepared size that the row count is made of), and this runs batches on
// both sides of those sizes: each Post is a message, an event and a
// conversation. Each batch also resends the previous one's first message,
// which makes it read the stored messages for all its own.
func TestWriterBatchSizes(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		it := f.integration(t, whatsApp)
		c := f.write(t, f.social(it, "306900000001", "wamid.in")).Conversation
		gate := f.outbound(t, c, f.identity(t, whatsApp, "306900000001"), conversation.DeliveryQueued)
		var convs []*conversation.Conversation
		var resend *conversation.Written
		for _, n := range []int{1, 2, 3, 64, 65, 130} {
			for len(convs) < n {
				convs = append(convs, f.startConversation(t))
			}
			// The gate holds a batch in flight until the n writes are
			// queued, and the next batch takes them all.
			release := f.hold(t, gate.ID)
			written := make([]*conversation.Written, n)
			var wg sync.WaitGroup
			for i, c := range convs[:n] {
				id := fmt.Sprint(n, "/", i)
				if i == n-1 && resend != nil {
					id, c = resend.Message.ClientMessageID, convs[0]
				}
				wg.Go(func() {
					var err error
					if written[i], err = f.appender.Write(context.Background(), message(c, id)); err != nil {
						t.Error(err)
					}
				})
			}
			for store.Queued(f.appender) < n {
				runtime.Gosched()
			}
			f.mu.Lock()
			before := len(f.batches)
			f.mu.Unlock()
			release()
			wg.Wait()
			f.mu.Lock()
			batches := slices.Clone(f.batches[before:])
			f.mu.Unlock()
			if !slices.Equal(batches, []int{1, n}) {
				t.Fatalf("%d writes committed in batches %v, want [1 %d]", n, batches, n)
			}
			for i, w := range written {
				if w == nil {
					t.Fatalf("write %d of %d has no result", i, n)
				}
				stored := f.message(t, w.Message.ID)
				if stored.Text != w.Message.Text || stored.ConversationID != w.Message.ConversationID {
					t.Errorf("write %d of %d: stored %q in %d, wrote %q in %d", i, n, stored.Text, stored.ConversationID, w.Message.Text, w.Message.ConversationID)
				}
				if got := f.conversation(t, w.Message.ConversationID).LastSeq; got < w.Message.Seq {
					t.Errorf("write %d of %d: conversation at position %d, behind its message's %d", i, n, got, w.Message.Seq)
				}
			}
			if resend != nil && (!written[n-1].Duplicate || written[n-1].Message.ID != resend.Message.ID) {
				t.Errorf("batch of %d: the resent message was stored again (%d, first %d)", n, written[n-1].Message.ID, resend.Message.ID)
			}
			resend = written[0]
		}
		f.checkFeeds(t)
	})
}
