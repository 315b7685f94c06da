package conversation

import (
	"strings"
	"testing"
)

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

// R11, R13: writing from another channel moves the reply route; only a
// widget conversation's history notes the switch, and only a real one.
func TestSwitch(t *testing.T) {
	w := &Message{AuthorRole: AuthorEndUser, Channel: ChannelWhatsApp}
	if n := w.Switch(5, ChannelWebWidget); n == nil || n.Kind != NoteChannelSwitched || n.Channel != ChannelWhatsApp || n.PreviousChannel != ChannelWebWidget {
		t.Errorf("a switch: %+v", n)
	}
	if n := w.Switch(5, ChannelWhatsApp); n != nil {
		t.Errorf("the same channel again: %+v", n)
	}
	if n := w.Switch(0, ChannelMessenger); n != nil {
		t.Errorf("a conversation begun on a channel: %+v", n)
	}
	if n := (&Message{AuthorRole: AuthorAgent, Channel: ChannelWhatsApp}).Switch(5, ChannelMessenger); n != nil {
		t.Errorf("an agent's reply: %+v", n)
	}
}
