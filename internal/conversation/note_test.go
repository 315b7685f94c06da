package conversation

import (
	"strings"
	"testing"
)

// R3, R12, R26: who ended a link decides its reason and the history's
// note; an admin setting's end is a kind of its own.
func TestUnlinkNotes(t *testing.T) {
	for _, tc := range []struct {
		by     LinkActor
		kind   NoteKind
		reason LinkEndReason
		says   string
	}{
		{ActorEndUser, NoteUnlinked, ReasonUnlinked, "by the end user"},
		{ActorAgent, NoteUnlinked, ReasonUnlinked, "by an agent"},
		{ActorAdmin, NoteLinkEndedByAdmin, ReasonDisabledByAdmin, "DISABLED_BY_ADMIN"},
	} {
		u := &Unlink{Channel: ChannelMessenger, EndedBy: tc.by}
		n := u.Note("Ana P.")
		if u.Reason() != tc.reason || n.Kind != tc.kind || n.EndedBy != tc.by || n.Reason != tc.reason || n.Identity != "Ana P." || n.Channel != ChannelMessenger {
			t.Errorf("%s: reason %s, note %+v", tc.by, u.Reason(), n)
		}
		if !strings.Contains(n.Text(), tc.says) || !strings.Contains(n.Text(), "Ana P.") {
			t.Errorf("%s: text %q", tc.by, n.Text())
		}
	}
}

// R13, R27: every kind of note renders a text naming its channel, for
// clients that show text as it is.
func TestNoteTexts(t *testing.T) {
	for _, k := range []NoteKind{NoteLinked, NoteLinkDeclined, NoteLinkMoved, NoteChannelSwitched, NoteUnlinked, NoteLinkEndedByAdmin} {
		n := &Note{Kind: k, Channel: ChannelWhatsApp, Identity: "+30 ••• 5678"}
		if txt := n.Text(); !strings.Contains(txt, "WHATSAPP") || txt == string(k) {
			t.Errorf("%s renders %q", k, txt)
		}
	}
}
