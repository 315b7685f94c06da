package unread

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/linking"
	"github.com/linkline/linkline/internal/widget"
)

var now = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

type fakes struct {
	msg       conversation.Message
	ids       []*conversation.Identity
	refused   map[conversation.Channel]bool
	written   []conversation.Command
	duplicate bool
	scheduled []time.Time
	minutes   int
}

func (f *fakes) Widget(context.Context, int64, int64) (*widget.Widget, error) {
	return &widget.Widget{ID: 3, UnreadFallbackMinutes: f.minutes}, nil
}
func (f *fakes) SetUnreadFallback(context.Context, int64, int64, int) error { return nil }
func (f *fakes) Message(context.Context, int64, int64) (*conversation.Message, error) {
	m := f.msg
	return &m, nil
}
func (f *fakes) Conversation(context.Context, int64, int64) (*conversation.Conversation, error) {
	return &conversation.Conversation{ID: 7, AccountID: 1, WidgetID: 3}, nil
}
func (f *fakes) ConversationIdentities(context.Context, int64, int64) ([]*conversation.Identity, error) {
	return f.ids, nil
}
func (f *fakes) Route(_ context.Context, _ *conversation.Conversation, d conversation.Draft) (conversation.Route, error) {
	to := d.To
	if f.refused[to] {
		return conversation.Route{}, apperr.New(apperr.ChannelNotEnabled, "off")
	}
	for _, id := range f.ids {
		if id.Channel == to {
			return conversation.Route{Channel: to, IdentityID: id.ID}, nil
		}
	}
	return conversation.Route{}, apperr.NotFoundf("identity")
}
func (f *fakes) Write(_ context.Context, c conversation.Command) (*conversation.Written, error) {
	f.written = append(f.written, c)
	return &conversation.Written{Duplicate: f.duplicate}, nil
}
func (f *fakes) Schedule(_ context.Context, _ Args, at time.Time) error {
	f.scheduled = append(f.scheduled, at)
	return nil
}

type greek struct{}

func (greek) Conversation(context.Context, *conversation.Conversation) (linking.Language, error) {
	return linking.Greek, nil
}

func identity(id int64, ch conversation.Channel, wrote time.Duration) *conversation.Identity {
	at, linked := now.Add(-wrote), now.Add(-48*time.Hour)
	return &conversation.Identity{ID: id, Channel: ch, ExternalID: "5511900000001", LastInboundAt: &at, LinkedAt: &linked}
}

func newService(f *fakes) *Service {
	return NewService(f, f, f, greek{}, f, slog.New(slog.DiscardHandler), func() time.Time { return now }, time.Minute)
}

// R33: an unread widget reply goes to the linked channel the end user
// wrote from most recently among those whose window is open and that a
// reply can reach, in the conversation's language, followed by the note;
// a reply read meanwhile, or with nowhere to go, stays as it is.
func TestFollow(t *testing.T) {
	reply := conversation.Message{ID: 9, AccountID: 1, ConversationID: 7, Channel: conversation.ChannelWebWidget,
		AuthorRole: conversation.AuthorAgent, AuthorID: 2, AuthorName: "Nikos", Text: "Your parcel left", DeliveryState: conversation.DeliveryDelivered}
	f := &fakes{msg: reply, refused: map[conversation.Channel]bool{conversation.ChannelInstagram: true}, ids: []*conversation.Identity{
		identity(1, conversation.ChannelWhatsApp, 3*time.Hour),
		identity(2, conversation.ChannelMessenger, 2*time.Hour),
		identity(3, conversation.ChannelInstagram, time.Hour),      // newest, but its integration is off
		identity(4, conversation.ChannelWhatsApp, 30*24*time.Hour), // window long closed
	}}
	s := newService(f)
	if err := s.Follow(t.Context(), 1, 9); err != nil {
		t.Fatal(err)
	}
	if len(f.written) != 2 {
		t.Fatalf("written: %+v", f.written)
	}
	p := f.written[0].(conversation.Post)
	want := linking.Text(linking.Greek, linking.TextUnreadFallback, "Your parcel left")
	if m := p.Message; m.Channel != conversation.ChannelMessenger || m.IdentityID != 2 || m.Text != want ||
		m.DeliveryState != conversation.DeliveryQueued || m.AuthorName != "Nikos" || m.ClientMessageID != "unread-fallback:9" {
		t.Errorf("copy: %+v", m)
	}
	if n := f.written[1].(conversation.AddNote).Note; n.Kind != conversation.NoteUnreadFallback || n.Channel != conversation.ChannelMessenger {
		t.Errorf("note: %+v", n)
	}

	for _, tc := range []struct {
		name string
		edit func(f *fakes)
	}{
		{"read meanwhile", func(f *fakes) { f.msg.DeliveryState = conversation.DeliveryRead }},
		{"no open channel", func(f *fakes) { f.ids = f.ids[3:] }},
		{"an end user's message", func(f *fakes) { f.msg.AuthorRole = conversation.AuthorEndUser }},
	} {
		g := &fakes{msg: reply, ids: f.ids, refused: f.refused}
		tc.edit(g)
		if err := newService(g).Follow(t.Context(), 1, 9); err != nil || len(g.written) != 0 {
			t.Errorf("%s: %v, wrote %+v", tc.name, err, g.written)
		}
	}
	dup := &fakes{msg: reply, ids: f.ids, refused: f.refused, duplicate: true}
	if err := newService(dup).Follow(t.Context(), 1, 9); err != nil || len(dup.written) != 1 {
		t.Errorf("a retry after the copy: %v, wrote %d", err, len(dup.written))
	}
}

// R33: a widget reply is scheduled for its widget's delay; none when the
// widget has none, or for replies elsewhere.
func TestReplied(t *testing.T) {
	c := &conversation.Conversation{ID: 7, AccountID: 1, WidgetID: 3}
	m := &conversation.Message{ID: 9, Channel: conversation.ChannelWebWidget, AuthorRole: conversation.AuthorAgent}
	f := &fakes{minutes: 5}
	s := newService(f)
	s.Replied(t.Context(), c, m)
	s.Replied(t.Context(), c, &conversation.Message{ID: 10, Channel: conversation.ChannelWhatsApp, AuthorRole: conversation.AuthorAgent})
	if len(f.scheduled) != 1 || !f.scheduled[0].Equal(now.Add(5*time.Minute)) {
		t.Errorf("scheduled: %v", f.scheduled)
	}
	f.minutes = 0
	s.Replied(t.Context(), c, m)
	if len(f.scheduled) != 1 {
		t.Errorf("off: %v", f.scheduled)
	}
}

// R30, R33: the follow-up quotes a reply's files by name; the files stay in
// the widget.
func TestFollowQuotesFiles(t *testing.T) {
	reply := conversation.Message{ID: 9, AccountID: 1, ConversationID: 7, Channel: conversation.ChannelWebWidget,
		AuthorRole: conversation.AuthorAgent, AuthorID: 2, Text: "", DeliveryState: conversation.DeliverySent,
		Attachments: []conversation.Attachment{{ID: 5, Name: "invoice.pdf", State: conversation.AttachmentStored}, {ID: 6, Name: "map.png"}}}
	f := &fakes{msg: reply, ids: []*conversation.Identity{identity(1, conversation.ChannelWhatsApp, time.Hour)}}
	if err := newService(f).Follow(t.Context(), 1, 9); err != nil || len(f.written) == 0 {
		t.Fatalf("%v, wrote %+v", err, f.written)
	}
	m := f.written[0].(conversation.Post).Message
	if want := linking.Text(linking.Greek, linking.TextUnreadFallback, "📎 invoice.pdf\n📎 map.png"); m.Text != want || len(m.Attachments) != 0 {
		t.Errorf("copy %q with %d files, want %q", m.Text, len(m.Attachments), want)
	}
}
