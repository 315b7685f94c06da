package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/attachment/attachmenttest"
)

// phoneMedia is a file on a sandbox phone's screen.
type phoneMedia struct {
	Kind, Name, ContentType, URL string
	Size                         int64
}

// phoneLine is a message on a sandbox phone's screen, with its file.
type phoneLine struct {
	ID, From, Text string
	Media          *phoneMedia
}

// lines is what the phone's app shows, files included.
func (p phone) lines() []phoneLine {
	p.t.Helper()
	_, body := get(p.t, p.url)
	var out struct{ Messages []phoneLine }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		p.t.Fatalf("phone screen %q: %v", body, err)
	}
	return out.Messages
}

// fetch downloads a file URL the phone shows: one relative to the phone's
// API (a file uploaded to the fake media endpoint) or absolute.
func (p phone) fetch(u string) (status int, header http.Header, body []byte) {
	p.t.Helper()
	base, err := url.Parse(p.url)
	if err == nil {
		var ref *url.URL
		if ref, err = url.Parse(u); err == nil {
			u = base.ResolveReference(ref).String()
		}
	}
	if err != nil {
		p.t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, err = io.ReadAll(resp.Body); err != nil {
		p.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// businessLines waits until the phone shows n messages from the
// business, and returns them.
func (p phone) businessLines(t *testing.T, n int) []phoneLine {
	t.Helper()
	var got []phoneLine
	waitFor(t, fmt.Sprintf("%d business messages on the phone", n), func() bool {
		got = got[:0]
		for _, l := range p.lines() {
			if l.From == "business" {
				got = append(got, l)
			}
		}
		return len(got) >= n
	})
	return got
}

const deliveryQuery = `query($id: ID!) { conversation(id: $id) { messages(last: 50) { edges { node { id deliveryState deliveryError } } } } }`

// deliveryOf is the delivery state and error of the message with global id
// msgID.
func (b *testBundle) deliveryOf(t *testing.T, convID, msgID string) (state, failure string) {
	t.Helper()
	var out struct {
		Conversation struct {
			Messages struct {
				Edges []struct {
					Node struct{ ID, DeliveryState, DeliveryError string }
				}
			}
		}
	}
	b.post(t, b.agent, deliveryQuery, map[string]any{"id": convID}).decode(t, &out)
	for _, e := range out.Conversation.Messages.Edges {
		if e.Node.ID == msgID {
			return e.Node.DeliveryState, e.Node.DeliveryError
		}
	}
	t.Fatalf("message %s is not in the conversation", msgID)
	return "", ""
}

// waitDelivery waits until the message reaches state.
func (b *testBundle) waitDelivery(t *testing.T, convID, msgID, state string) string {
	t.Helper()
	var failure string
	waitFor(t, "the reply "+state, func() bool {
		var got string
		got, failure = b.deliveryOf(t, convID, msgID)
		return got == state
	})
	return failure
}

// replyWithFile replies to a social conversation with text and one
// uploaded file, and returns the message's global id.
func (b *testBundle) replyWithFile(t *testing.T, c conv, text, name string, body []byte) string {
	t.Helper()
	f := b.mustUpload(t, b.agent, c.id, name, body)
	var out struct {
		ReplyToConversation struct{ Message filesMessage }
	}
	b.post(t, b.agent, replyFilesMutation, map[string]any{"id": c.id, "text": text, "cid": fmt.Sprint("file-", seq.Add(1)), "files": []string{f.ID}}).decode(t, &out)
	m := out.ReplyToConversation.Message
	if m.DeliveryState != "QUEUED" || len(m.Attachments) != 1 {
		t.Fatalf("reply %+v", m)
	}
	return m.ID
}

// sandboxConversation connects a sandbox integration and opens a
// conversation from user's phone on it.
func (b *testBundle) sandboxConversation(t *testing.T, channel, business, handle, user string) (integrationOut, phone, conv) {
	t.Helper()
	it := b.connectSandbox(t, channel, business, handle)
	ph := b.phone(t, it, user)
	return it, ph, b.socialConversation(t, ph, channel)
}

// R30: an agent's file goes out through each platform's media API: to
// WhatsApp uploaded, then sent by its media id with the text as its
// caption; to Messenger and Instagram by a signed URL the platform
// fetches, then the text (they take no caption). The phone shows the
// very bytes, and the reply's state follows the platform's reports (R17).
func TestRepliesSendFiles(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)

		t.Run("a PDF to WhatsApp", func(t *testing.T) {
			_, ph, c := b.sandboxConversation(t, "WHATSAPP", "sbx-wa", "15550100001", "5511900000001")
			id := b.replyWithFile(t, c, "Your invoice", "invoice.pdf", []byte(testPDF))
			got := ph.businessLines(t, 1)
			l := got[0]
			if len(got) != 1 || l.Text != "Your invoice" || l.Media == nil || l.Media.Kind != "document" || l.Media.Name != "invoice.pdf" ||
				l.Media.ContentType != "application/pdf" || l.Media.Size != int64(len(testPDF)) {
				t.Fatalf("phone shows %+v", got)
			}
			status, header, body := ph.fetch(l.Media.URL)
			if status != http.StatusOK || string(body) != testPDF || header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("the phone's file: %d %v %q", status, header, body)
			}
			b.waitDelivery(t, c.id, id, "DELIVERED")
		})

		for _, tc := range []struct{ channel, business, user, state string }{
			{"MESSENGER", "sbx-fb", "6543210987654321", "DELIVERED"},
			// Instagram reports no deliveries.
			{"INSTAGRAM", "sbx-ig", "1234567890123456", "SENT"},
		} {
			t.Run("an image to "+tc.channel, func(t *testing.T) {
				_, ph, c := b.sandboxConversation(t, tc.channel, tc.business, "demo.company", tc.user)
				pic := attachmenttest.PNG(t, 40, 30)
				id := b.replyWithFile(t, c, "Here is the way", "map.png", pic)
				got := ph.businessLines(t, 2)
				if len(got) != 2 || got[0].Text != "" || got[0].Media == nil || got[0].Media.Kind != "image" || got[0].Media.Name != "map.png" ||
					got[1].Text != "Here is the way" || got[1].Media != nil {
					t.Fatalf("phone shows %+v", got)
				}
				// The URL Meta was given is the service's own, signed.
				status, _, body := b.download(t, got[0].Media.URL)
				if status != http.StatusOK || string(body) != string(pic) {
					t.Fatalf("the platform's fetch: %d, %d bytes", status, len(body))
				}
				b.waitDelivery(t, c.id, id, tc.state)
			})
		}
	})
}

// R17: a failed media upload is retried like a failed text, and the file
// then goes out once; Meta's refusal of the file fails the reply for good,
// with a reason the agent reads. On both databases and both storages: the
// upload reads the stored bytes.
func TestFileRepliesRetryAndFail(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		bothStorages(t, func(t *testing.T, storage func(*Config)) {
			b := setup(t, kind, storage)
			_, ph, c := b.sandboxConversation(t, "WHATSAPP", "sbx-wa", "15550100001", "5511900000001")

			b.app.sandbox.FailUploads(2, false)
			id := b.replyWithFile(t, c, "", "invoice.pdf", []byte(testPDF))
			b.waitDelivery(t, c.id, id, "DELIVERED")
			got := ph.businessLines(t, 1)
			if len(got) != 1 || got[0].Media == nil || got[0].Text != "" {
				t.Fatalf("phone shows %+v", got)
			}
			if _, _, body := ph.fetch(got[0].Media.URL); string(body) != testPDF {
				t.Fatalf("the phone's file: %q", body)
			}

			b.app.sandbox.FailUploads(1, true)
			id = b.replyWithFile(t, c, "and the receipt", "receipt.pdf", []byte(testPDF+"\n"))
			if failure := b.waitDelivery(t, c.id, id, "FAILED"); !strings.Contains(failure, "WhatsApp could not take the file") {
				t.Fatalf("failure %q", failure)
			}
			if got := ph.businessLines(t, 1); len(got) != 1 {
				t.Fatalf("a refused file reached the phone: %+v", got)
			}
		})
	})
}
