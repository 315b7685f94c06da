package linking

import (
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
)

var (
	linkNow = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	maria   = &conversation.Conversation{ID: 3, AccountID: 1, WidgetID: 5, EndUserID: 8, LastChannel: conversation.ChannelWebWidget}
)

func yesFrom(id, name string, at time.Time) confirmed {
	return confirmed{integration: 7, from: channel.Identity{ID: id, Name: name}, at: at}
}

// R6, R11, R16, R25: a new identity joins the conversation's end user; the
// channel becomes the reply route at once, its window runs from the yes,
// a link starts and the history says who was linked.
func TestPlanActivationOfANewIdentity(t *testing.T) {
	tapped := linkNow.Add(-time.Second)
	p := planActivation(conversation.ActivationState{Conversation: maria, Now: linkNow}, conversation.ChannelWhatsApp, yesFrom("306912345678", "Eleni", tapped))
	id := p.Identity
	if id.ID != 0 || id.EndUserID != 8 || id.ConversationID != 3 || id.IntegrationID != 7 || id.DisplayName != "Eleni" ||
		id.LinkedAt == nil || !id.LinkedAt.Equal(linkNow) || id.LastInboundAt == nil || !id.LastInboundAt.Equal(tapped) {
		t.Errorf("identity: %+v", id)
	}
	if p.Route != conversation.ChannelWhatsApp || !p.NewLink || p.EndPrevious != nil || p.PreviousNote != nil {
		t.Errorf("plan: %+v", p)
	}
	if n := p.Note; n.Kind != conversation.NoteLinked || n.Channel != conversation.ChannelWhatsApp || n.Identity != "+30 ••• 5678" {
		t.Errorf("note: %+v", n)
	}
}

// R8: an identity linked to another conversation moves: that link ends as
// MOVED, by the end user; that conversation's replies fall back to its
// widget and its history says so. A standalone identity's conversation is
// told too, but had no link to end.
func TestPlanActivationMovesTheIdentity(t *testing.T) {
	earlier := linkNow.Add(-time.Hour)
	for _, tc := range []struct {
		name     string
		linkedAt *time.Time
		prev     conversation.Channel
		end      bool
		route    conversation.Channel
	}{
		{"linked elsewhere, replying there", &earlier, conversation.ChannelWhatsApp, true, conversation.ChannelWebWidget},
		{"linked elsewhere, back on its widget", &earlier, conversation.ChannelWebWidget, true, ""},
		{"standalone", nil, conversation.ChannelWhatsApp, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev := &conversation.Conversation{ID: 2, AccountID: 1, EndUserID: 6, LastChannel: tc.prev}
			st := conversation.ActivationState{Conversation: maria, Previous: prev, Now: linkNow, Identity: &conversation.Identity{
				ID: 11, AccountID: 1, Channel: conversation.ChannelWhatsApp, ExternalID: "306912345678", EndUserID: 6,
				ConversationID: 2, LinkedAt: tc.linkedAt, LastInboundAt: &earlier,
			}}
			p := planActivation(st, conversation.ChannelWhatsApp, yesFrom("306912345678", "", time.Time{}))
			if (p.EndPrevious != nil) != tc.end || tc.end && (p.EndPrevious.By != conversation.ActorEndUser || p.EndPrevious.Reason != conversation.ReasonMoved) {
				t.Errorf("end of the previous link: %+v", p.EndPrevious)
			}
			if p.PreviousRoute != tc.route {
				t.Errorf("previous route %q, want %q", p.PreviousRoute, tc.route)
			}
			if n := p.PreviousNote; n == nil || n.Kind != conversation.NoteLinkMoved || n.Reason != conversation.ReasonMoved {
				t.Errorf("previous note: %+v", n)
			}
			if p.Identity.ID != 11 || p.Identity.EndUserID != 8 || p.Identity.ConversationID != 3 || !p.NewLink ||
				!p.Identity.LastInboundAt.Equal(earlier) || st.Identity.ConversationID != 2 {
				t.Errorf("identity %+v (the state's must stay as read: %+v)", p.Identity, st.Identity)
			}
		})
	}
}

// R6: confirming again where the identity is linked already starts no
// second link record.
func TestPlanActivationRelinkingHere(t *testing.T) {
	st := conversation.ActivationState{Conversation: maria, Now: linkNow, Identity: &conversation.Identity{
		ID: 11, AccountID: 1, Channel: conversation.ChannelMessenger, ExternalID: "psid", EndUserID: 8, ConversationID: 3, LinkedAt: &linkNow,
	}}
	if p := planActivation(st, conversation.ChannelMessenger, yesFrom("psid", "Ana Pereira", linkNow)); p.NewLink || p.Identity.DisplayName != "Ana Pereira" {
		t.Errorf("plan: %+v", p)
	}
}

// R3, R12, R26: ending a link detaches every identity linked there onto
// an end user of its own, records who ended it and why, and falls back to
// the widget when replies went there; nothing linked is NOT_FOUND.
func TestPlanDetachment(t *testing.T) {
	onWhatsApp := *maria
	onWhatsApp.LastChannel = conversation.ChannelWhatsApp
	linked := []*conversation.Identity{{ID: 11, AccountID: 1, Channel: conversation.ChannelWhatsApp, ExternalID: "5511977776666", DisplayName: "Stranger", EndUserID: 8, ConversationID: 3}}
	for _, tc := range []struct {
		by     conversation.LinkActor
		kind   conversation.NoteKind
		reason conversation.LinkEndReason
		says   string
	}{
		{conversation.ActorEndUser, conversation.NoteUnlinked, conversation.ReasonUnlinked, "by the end user"},
		{conversation.ActorAgent, conversation.NoteUnlinked, conversation.ReasonUnlinked, "by an agent"},
		{conversation.ActorAdmin, conversation.NoteLinkEndedByAdmin, conversation.ReasonDisabledByAdmin, "DISABLED_BY_ADMIN"},
	} {
		p, err := planDetachment(conversation.DetachmentState{Conversation: &onWhatsApp, Linked: linked, Now: linkNow}, conversation.ChannelWhatsApp, tc.by)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Owners) != 1 || p.Owners[0].ID != 0 || p.Owners[0].Name != "Stranger" || p.Owners[0].AccountID != 1 {
			t.Errorf("%s: owners %+v", tc.by, p.Owners)
		}
		if p.End.By != tc.by || p.End.Reason != tc.reason || p.Route != conversation.ChannelWebWidget {
			t.Errorf("%s: plan %+v", tc.by, p)
		}
		n := p.Note
		if n.Kind != tc.kind || n.EndedBy != tc.by || n.Reason != tc.reason || n.Identity != "+55 ••• 6666" || !strings.Contains(n.Text(), tc.says) {
			t.Errorf("%s: note %+v %q", tc.by, n, n.Text())
		}
	}
	// Replies that went elsewhere stay there.
	if p, _ := planDetachment(conversation.DetachmentState{Conversation: maria, Linked: linked}, conversation.ChannelWhatsApp, conversation.ActorEndUser); p.Route != conversation.ChannelWebWidget {
		t.Errorf("route: %s", p.Route)
	}
	onMessenger := *maria
	onMessenger.LastChannel = conversation.ChannelMessenger
	if p, _ := planDetachment(conversation.DetachmentState{Conversation: &onMessenger, Linked: linked}, conversation.ChannelWhatsApp, conversation.ActorEndUser); p.Route != conversation.ChannelMessenger {
		t.Errorf("route: %s", p.Route)
	}
	if _, err := planDetachment(conversation.DetachmentState{Conversation: maria}, conversation.ChannelWhatsApp, conversation.ActorEndUser); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("nothing linked: %v", err)
	}
}
