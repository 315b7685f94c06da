package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/attachment/attachmenttest"
)

// sendMedia sends body from the phone as a file of kind.
func (p phone) sendMedia(kind, name, caption string, body []byte) map[string]any {
	p.t.Helper()
	q := url.Values{"kind": {kind}, "name": {name}, "caption": {caption}}
	return p.request("media?"+q.Encode(), "application/octet-stream", bytes.NewReader(body))
}

// socialFiles is the last message of a social conversation as the agent
// reads it, with its files and place.
type socialFiles struct {
	Text        string
	Attachments []fileOut
	Location    *struct {
		Latitude, Longitude float64
		Name, Address       string
	}
}

func (b *testBundle) lastSocial(t *testing.T, convID string) socialFiles {
	t.Helper()
	var out struct {
		Conversation struct {
			Messages struct{ Edges []struct{ Node socialFiles } }
		}
	}
	b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { messages(last: 1) { edges { node { text `+fileFields+
		` location { latitude longitude name address } } } } } }`, map[string]any{"id": convID}).decode(t, &out)
	e := out.Conversation.Messages.Edges
	if len(e) != 1 {
		t.Fatalf("conversation %s has no messages", convID)
	}
	return e[0].Node
}

// waImage is the WhatsApp webhook of an image message, as the sandbox
// phone sends it: what Meta delivers again when it retries.
func waImage(business, user, wamid, mediaID string, data []byte) string {
	sum := sha256.Sum256(data)
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":%[1]q,"changes":[{"field":"messages","value":{
"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100001","phone_number_id":%[1]q},
"contacts":[{"profile":{"name":"Ana"},"wa_id":%[2]q}],
"messages":[{"from":%[2]q,"id":%[3]q,"timestamp":"%[4]d","type":"image","image":{"caption":"the box as it arrived","mime_type":"image/png","sha256":%[5]q,"id":%[6]q}}]}}]}]}`,
		business, user, wamid, time.Now().Unix(), base64.StdEncoding.EncodeToString(sum[:]), mediaID)
}

// R30, R18: a photo from a WhatsApp phone arrives at once as a message
// whose file is RECEIVING; while the Graph API's media reads fail it stays
// so, and the webhook delivered again queues no second fetch; once they
// answer, the file is fetched by media id with the integration's token,
// STORED, announced live as ATTACHMENT_RECEIVED, and downloads as the
// same bytes. On both databases, on local disk and S3-protocol storage.
func TestInboundWhatsAppPhoto(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		bothStorages(t, func(t *testing.T, storage func(*Config)) {
			b := setup(t, kind, storage)
			it, ph, c := b.sandboxConversation(t, "WHATSAPP", "sbx-wa", "15550100001", "5511900000001")
			dash := b.watchFeed(t, b.agent)
			sbx := b.app.sandbox
			photo := attachmenttest.PNG(t, 64, 48)

			// R30: Meta's media reads fail for a while.
			sbx.SetMediaOutage(true)
			sent := ph.sendMedia("image", "", "the box as it arrived", photo)
			if e := dash.nextMessage("feed"); e.Message.Text != "the box as it arrived" || e.Conversation.ID != c.id {
				t.Fatalf("the photo's message: %+v", e)
			}
			m := b.lastSocial(t, c.id)
			if len(m.Attachments) != 1 || m.Attachments[0].State != "RECEIVING" || m.Attachments[0].Kind != "IMAGE" ||
				m.Attachments[0].Name != "photo.png" || m.Attachments[0].URL != nil {
				t.Fatalf("while the outage lasts: %+v", m)
			}
			waitFor(t, "a failed media read", func() bool { return sbx.MediaReads() >= 2 })

			// R18: Meta delivers the webhook again meanwhile.
			si, err := sandboxIntegrations{b.app.DB}.SandboxByKey(t.Context(), it.WebhookURL[strings.LastIndex(it.WebhookURL, "/")+1:])
			if err != nil {
				t.Fatal(err)
			}
			mediaID := ph.lastMediaID()
			again := waImage("sbx-wa", "5511900000001", sent["messageId"].(string), mediaID, photo)
			for range 2 {
				if code := postWebhook(t, b.webhookURL(it), again, si.AppSecret); code != http.StatusOK {
					t.Fatalf("the webhook again: %d", code)
				}
			}
			if got := b.lastSocial(t, c.id); got.Attachments[0].State != "RECEIVING" {
				t.Fatalf("during the outage: %+v", got)
			}

			sbx.SetMediaOutage(false)
			for {
				e := dash.nextEvent("feed")
				if e.Kind == "ATTACHMENT_RECEIVED" {
					break
				}
			}
			m = b.lastSocial(t, c.id)
			a := m.Attachments
			if len(a) != 1 || a[0].State != "STORED" || a[0].ContentType != "image/png" || a[0].Size != int64(len(photo)) ||
				a[0].Width == nil || *a[0].Width != 64 || a[0].URL == nil || m.Text != "the box as it arrived" {
				t.Fatalf("once stored: %+v", m)
			}
			if status, _, body := b.download(t, *a[0].URL); status != http.StatusOK || !bytes.Equal(body, photo) {
				t.Fatalf("download: %d, %d bytes", status, len(body))
			}
			b.waitForJobs(t)
			if n := sbx.FilesServed(); n != 1 {
				t.Errorf("the photo was downloaded %d times, want once", n)
			}
			if n := b.messageCount(t, b.agent, c); n != 2 {
				t.Errorf("%d messages, want 2", n)
			}
		})
	})
}

// lastMediaID is the media id of the last file the phone sent.
func (p phone) lastMediaID() string {
	p.t.Helper()
	_, body := get(p.t, p.url)
	var out struct {
		Messages []struct{ Media *struct{ URL string } }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		p.t.Fatal(err)
	}
	for _, l := range slices.Backward(out.Messages) {
		if m := l.Media; m != nil && m.URL != "" {
			return m.URL[strings.LastIndex(m.URL, "/")+1:]
		}
	}
	p.t.Fatal("the phone sent no file")
	return ""
}

// R30: Messenger and Instagram files come by their expiring URLs, a
// WhatsApp sticker as a sticker, places as places; a Messenger URL that
// expired before it was read leaves the file FAILED, the message kept.
func TestInboundMediaOnEveryChannel(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		_, wa, waConv := b.sandboxConversation(t, "WHATSAPP", "sbx-wa", "15550100001", "5511900000001")
		_, fb, fbConv := b.sandboxConversation(t, "MESSENGER", "sbx-fb", "demo.company", "6543210987654321")
		_, ig, igConv := b.sandboxConversation(t, "INSTAGRAM", "sbx-ig", "demo.company", "1234567890123456")
		stored := func(convID, what string) socialFiles {
			t.Helper()
			var m socialFiles
			waitFor(t, what+" stored", func() bool {
				m = b.lastSocial(t, convID)
				return len(m.Attachments) == 1 && m.Attachments[0].State != "RECEIVING"
			})
			if m.Attachments[0].State != "STORED" {
				t.Fatalf("%s: %+v", what, m)
			}
			return m
		}

		photo := attachmenttest.PNG(t, 20, 10)
		fb.sendMedia("image", "", "", photo)
		if m := stored(fbConv.id, "the Messenger image"); m.Attachments[0].Kind != "IMAGE" || m.Attachments[0].ContentType != "image/png" || m.Text != "" {
			t.Errorf("Messenger image: %+v", m)
		}

		video := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{1}, 100)...)
		ig.sendMedia("video", "", "watch this", video)
		if m := stored(igConv.id, "the Instagram video"); m.Attachments[0].Kind != "VIDEO" || m.Attachments[0].Size != int64(len(video)) ||
			m.Text != "watch this" {
			t.Errorf("Instagram video: %+v", m)
		}

		webp := append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), bytes.Repeat([]byte{0}, 24)...)
		wa.sendMedia("sticker", "", "", webp)
		if m := stored(waConv.id, "the WhatsApp sticker"); m.Attachments[0].Kind != "STICKER" || m.Attachments[0].ContentType != "image/webp" {
			t.Errorf("WhatsApp sticker: %+v", m)
		}

		wa.post("location", map[string]any{"latitude": -23.561414, "longitude": -46.655881, "name": "Avenida Paulista", "address": "Av. Paulista, 1578"})
		waitFor(t, "the WhatsApp location", func() bool { return b.lastSocial(t, waConv.id).Location != nil })
		if m := b.lastSocial(t, waConv.id); m.Location.Latitude != -23.561414 || m.Location.Longitude != -46.655881 ||
			m.Location.Name != "Avenida Paulista" || m.Location.Address != "Av. Paulista, 1578" || len(m.Attachments) != 0 {
			t.Errorf("WhatsApp location: %+v", m)
		}
		fb.post("location", map[string]any{"latitude": 48.8566, "longitude": 2.3522})
		waitFor(t, "the Messenger location", func() bool { return b.lastSocial(t, fbConv.id).Location != nil })

		// The CDN's URL has expired by the time it is read.
		b.app.sandbox.SetMediaTTL(-time.Minute)
		fb.sendMedia("document", "terms.pdf", "", []byte(testPDF))
		var m socialFiles
		waitFor(t, "the expired file settled", func() bool {
			m = b.lastSocial(t, fbConv.id)
			return len(m.Attachments) == 1 && m.Attachments[0].State != "RECEIVING"
		})
		if a := m.Attachments[0]; a.State != "FAILED" || a.Kind != "DOCUMENT" || a.Name != "terms.pdf" || a.URL != nil {
			t.Errorf("expired URL: %+v", m)
		}
	})
}
