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
