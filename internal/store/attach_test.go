package store_test

import (
	"reflect"
	"testing"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
	"github.com/linkline/linkline/internal/store"
)

// R30: a social message's files are stored with it while they are
// received; each is settled once, with an event for those watching, and a
// second settlement of the same file changes nothing.
func TestWriterAttach(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		it := f.integration(t, whatsApp)
		rc := f.social(it, "306900000001", "wamid.photo")
		rc.Message.Text = ""
		rc.Message.Attachments = []conversation.Attachment{
			{Kind: conversation.KindImage, State: conversation.AttachmentReceiving, Name: "photo.jpg", ContentType: "image/jpeg"},
			{Kind: conversation.KindSticker, State: conversation.AttachmentReceiving, Name: "sticker.webp", ContentType: "image/webp"},
		}
		rc.Message.Location = &conversation.Location{Latitude: 37.97, Longitude: 23.72, Name: "Syntagma", Address: "Athens"}
		m := f.write(t, rc).Message
		if got := f.message(t, m.ID); len(got.Attachments) != 2 || got.Attachments[0].State != conversation.AttachmentReceiving ||
			!reflect.DeepEqual(got.Location, rc.Message.Location) || got.Attachments[1].ConversationID != m.ConversationID {
			t.Fatalf("stored %+v, location %+v", got.Attachments, got.Location)
		}

		stored := conversation.Attachment{ID: 42, Kind: conversation.KindImage, State: conversation.AttachmentStored, Name: "photo.jpg",
			ContentType: "image/jpeg", Size: 1234, Width: 640, Height: 480}
		head := f.head(t)
		res := f.write(t, conversation.Attach{AccountID: f.acct.ID, MessageID: m.ID, Index: 0, Attachment: stored})
		evs := f.eventsAfter(t, head)
		if res.Duplicate || len(evs) != 1 || evs[0].Kind != feed.KindAttachmentReceived || evs[0].Message == nil ||
			evs[0].Message.Attachments[0].ID != 42 || evs[0].Message.Attachments[1].State != conversation.AttachmentReceiving {
			t.Fatalf("settling: %+v, events %v", res, where(evs))
		}
		got := f.message(t, m.ID).Attachments
		stored.AccountID, stored.ConversationID = f.acct.ID, m.ConversationID
		if !reflect.DeepEqual(got[0], stored) {
			t.Fatalf("read back %+v, want %+v", got[0], stored)
		}

		// Again, as a retried fetch would: nothing changes.
		head = f.head(t)
		again := stored
		again.ID = 43
		if res := f.write(t, conversation.Attach{AccountID: f.acct.ID, MessageID: m.ID, Index: 0, Attachment: again}); !res.Duplicate {
			t.Fatalf("a second settlement: %+v", res)
		}
		if evs := f.eventsAfter(t, head); len(evs) != 0 || f.message(t, m.ID).Attachments[0].ID != 42 {
			t.Fatalf("a second settlement changed the message: %v", where(evs))
		}

		// The other fails; a message that is not there is NOT_FOUND.
		f.write(t, conversation.Attach{AccountID: f.acct.ID, MessageID: m.ID, Index: 1,
			Attachment: conversation.Attachment{Kind: conversation.KindSticker, State: conversation.AttachmentFailed, Name: "sticker.webp", ContentType: "image/webp"}})
		if got := f.message(t, m.ID).Attachments[1]; got.State != conversation.AttachmentFailed {
			t.Fatalf("failed file: %+v", got)
		}
		if _, err := f.appender.Write(t.Context(), conversation.Attach{AccountID: f.acct.ID, MessageID: m.ID + 1000, Attachment: stored}); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("settling a file of no message: %v", err)
		}
		f.checkFeeds(t)
	})
}
