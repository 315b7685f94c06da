package app

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/linkline/linkline/internal/attachment/attachmenttest"
)

// linkMessenger moves conversation c to Messenger from phone ph (deep link,
// yes), and has the end user write there, which opens the reply window.
func (b *testBundle) linkMessenger(t *testing.T, c conv, ph phone) {
	t.Helper()
	req, r := b.requestLink(t, c, "MESSENGER")
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	ph.post("open", map[string]any{"link": req.DeepLink})
	choices := ph.waitForText("Continue your conversation")
	ph.post("tap", map[string]any{"choiceId": choices[0]})
	ph.waitForText("Linked.")
	b.waitForJobs(t)
}

// R30, R9, R10, R11, R17, R18: issue 12's story end to end. A widget
// conversation linked to WhatsApp and Messenger: the end user's photo from
// the WhatsApp phone arrives while Meta's media reads fail, shows RECEIVING
// to the agent live, and is stored once they answer again, nothing lost;
// the agent replies with a PDF to the widget and a picture to Messenger,
// each reaching its end as the same bytes; a 10 MB picture to WhatsApp is
// refused before anything is queued (the .docx to Instagram is in
// TestFilesRefusedBeforeQueueing). Both databases, local disk and
// S3-protocol storage.
func TestAttachmentsAcrossChannels(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		bothStorages(t, func(t *testing.T, storage func(*Config)) {
			b := setup(t, kind, storage)
			wa := b.connectSandbox(t, "WHATSAPP", "sbx-wa", "15550100001")
			fb := b.connectSandbox(t, "MESSENGER", "sbx-fb", "acme.support")
			b.offer(t, "WHATSAPP", "MESSENGER")
			c := b.start(t, b.widgetKey, "Maria")
			b.mustSend(t, c, "My order arrived broken", "w1")
			waPhone, fbPhone := b.phone(t, wa, "5511900000001"), b.phone(t, fb, "6543210987653748")
			b.link(t, c, waPhone)
			b.linkMessenger(t, c, fbPhone)
			dash := b.watchFeed(t, b.agent)

			// The photo, during an outage of Meta's media reads.
			sbx := b.app.sandbox
			photo := attachmenttest.PNG(t, 64, 48)
			sbx.SetMediaOutage(true)
			waPhone.sendMedia("image", "", "this is how it came", photo)
			if e := dash.nextSaid("feed"); e.Conversation.ID != c.id || e.Message.Channel != "WHATSAPP" || e.Message.Text != "this is how it came" {
				t.Fatalf("the photo's message: %+v", e)
			}
			if m := b.lastSocial(t, c.id); len(m.Attachments) != 1 || m.Attachments[0].State != "RECEIVING" || m.Attachments[0].URL != nil {
				t.Fatalf("during the outage: %+v", m)
			}
			waitFor(t, "failed media reads", func() bool { return sbx.MediaReads() >= 2 })
			sbx.SetMediaOutage(false)
			for dash.nextEvent("feed").Kind != "ATTACHMENT_RECEIVED" {
			}
			m := b.lastSocial(t, c.id)
			if a := m.Attachments; len(a) != 1 || a[0].State != "STORED" || a[0].Kind != "IMAGE" || a[0].URL == nil {
				t.Fatalf("once stored: %+v", m)
			}
			if status, _, body := b.download(t, *m.Attachments[0].URL); status != http.StatusOK || !bytes.Equal(body, photo) {
				t.Fatalf("the agent's download of the photo: %d, %d bytes", status, len(body))
			}

			// A PDF to the widget.
			pdf := b.mustUpload(t, b.agent, c.id, "return-label.pdf", []byte(testPDF))
			var out struct {
				ReplyToConversation struct{ Message filesMessage }
			}
			b.post(t, b.agent, replyFilesMutation, map[string]any{"id": c.id, "text": "Print this label", "cid": "pdf",
				"files": []string{pdf.ID}, "channel": "WEB_WIDGET"}).decode(t, &out)
			if m := out.ReplyToConversation.Message; m.Channel != "WEB_WIDGET" || m.DeliveryState != "SENT" {
				t.Fatalf("the PDF reply: %+v", m)
			}
			h := b.filesHistory(t, c.session, c.id)
			last := h[len(h)-1]
			if last.Text != "Print this label" || len(last.Attachments) != 1 || last.Attachments[0].Name != "return-label.pdf" {
				t.Fatalf("the widget's history: %+v", last)
			}
			if status, _, body := b.download(t, *last.Attachments[0].URL); status != http.StatusOK || string(body) != testPDF {
				t.Fatalf("the widget's download of the PDF: %d %q", status, body)
			}

			// A picture to Messenger.
			before := len(fbPhone.businessLines(t, 1))
			pic := attachmenttest.PNG(t, 30, 20)
			file := b.mustUpload(t, b.agent, c.id, "replacement.png", pic)
			b.post(t, b.agent, replyFilesMutation, map[string]any{"id": c.id, "text": "The replacement", "cid": "png",
				"files": []string{file.ID}, "channel": "MESSENGER"}).decode(t, &out)
			id := out.ReplyToConversation.Message.ID
			b.waitDelivery(t, c.id, id, "DELIVERED")
			var shown *phoneMedia
			for _, l := range fbPhone.businessLines(t, before+1)[before:] {
				if l.Media != nil {
					shown = l.Media
				}
			}
			if shown == nil || shown.Kind != "image" {
				t.Fatalf("the Messenger phone shows no picture: %+v", fbPhone.lines())
			}
			if status, _, body := b.download(t, shown.URL); status != http.StatusOK || !bytes.Equal(body, pic) {
				t.Fatalf("the picture Messenger fetched: %d, %d bytes", status, len(body))
			}

			// A 10 MB picture to WhatsApp: refused, nothing stored.
			n := b.messageCount(t, b.agent, c)
			big := b.mustUpload(t, b.agent, c.id, "big.png", append(attachmenttest.PNG(t, 1000, 1000), bytes.Repeat([]byte{0}, 10<<20)...))
			r := b.post(t, b.agent, replyFilesMutation, map[string]any{"id": c.id, "text": "", "cid": "big", "files": []string{big.ID}, "channel": "WHATSAPP"})
			if r.code() != "ATTACHMENT_NOT_CARRIED" {
				t.Fatalf("a 10 MB picture to WhatsApp: %+v", r.Errors)
			}
			if got := b.messageCount(t, b.agent, c); got != n {
				t.Fatalf("the refused reply was stored: %d messages, want %d", got, n)
			}
		})
	})
}
