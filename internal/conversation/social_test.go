package conversation

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"
)

// capture is a Writer that keeps what it was asked to write.
type capture struct{ cmds []Command }

func (c *capture) Write(_ context.Context, cmd Command) (*Written, error) {
	c.cmds = append(c.cmds, cmd)
	return &Written{}, nil
}

// R30: a social message's files are stored RECEIVING with their kind, name
// and declared type, its text being their caption, empty or not; a place
// is kept when it is one on Earth; without either, a message of another
// kind says what arrived.
func TestReceiveFilesAndPlaces(t *testing.T) {
	w := &capture{}
	s := NewService(Config{MaxTextRunes: 100}, nil, w, nil, nil, nil, time.Now)
	photo := Attachment{Kind: KindImage, Name: "photo.jpg", ContentType: "image/jpeg", State: AttachmentStored, ID: 5}
	here := &Location{Latitude: -23.56, Longitude: -46.65, Name: "Paulista"}
	for _, tc := range []struct {
		name     string
		in       Incoming
		text     string
		files    []Attachment
		location *Location
	}{
		{"a photo without caption", Incoming{Kind: "image", Attachments: []Attachment{photo}}, "",
			[]Attachment{{Kind: KindImage, Name: "photo.jpg", ContentType: "image/jpeg", State: AttachmentReceiving}}, nil},
		{"a photo with its caption", Incoming{Kind: "image", Text: "the box", Attachments: []Attachment{photo}}, "the box",
			[]Attachment{{Kind: KindImage, Name: "photo.jpg", ContentType: "image/jpeg", State: AttachmentReceiving}}, nil},
		{"a place", Incoming{Kind: "location", Location: here}, "", nil, here},
		{"a place off Earth", Incoming{Kind: "location", Location: &Location{Latitude: math.NaN()}}, "[location]", nil, nil},
		{"nothing to fetch", Incoming{Kind: "image"}, "[image]", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.cmds = nil
			tc.in.AccountID, tc.in.Channel, tc.in.From, tc.in.ExternalID = 1, ChannelWhatsApp, "5511987654321", "wamid.1"
			if _, err := s.Receive(t.Context(), tc.in); err != nil {
				t.Fatal(err)
			}
			m := w.cmds[0].(Receive).Message
			if m.Text != tc.text || !reflect.DeepEqual(m.Attachments, tc.files) || !reflect.DeepEqual(m.Location, tc.location) {
				t.Errorf("text %q, files %+v, location %+v", m.Text, m.Attachments, m.Location)
			}
		})
	}
}
