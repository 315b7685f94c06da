package app

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/attachment/attachmenttest"
)

// fileFields are what clients read of a message's files.
const fileFields = `attachments { id kind state name contentType size width height url }`

const sendFilesMutation = `mutation($id: ID!, $text: String!, $cid: String!, $files: [ID!]) {
  sendMessage(input: {conversationId: $id, text: $text, clientMessageId: $cid, attachmentIds: $files}) { message { id text ` + fileFields + ` } }
}`

const replyFilesMutation = `mutation($id: ID!, $text: String!, $cid: String!, $files: [ID!], $channel: Channel) {
  replyToConversation(input: {conversationId: $id, text: $text, clientMessageId: $cid, attachmentIds: $files, channel: $channel}) {
    message { id text channel deliveryState ` + fileFields + ` }
  }
}`

const historyFilesQuery = `query($id: ID!) { conversation(id: $id) { messages(last: 50) { edges { node { text authorRole ` + fileFields + ` } } } } }`

// fileOut is an attachment as clients read it.
type fileOut struct {
	ID, Kind, State, Name, ContentType string
	Size                               int64
	Width, Height                      *int
	URL                                *string
}

type filesMessage struct {
	ID, Text, Channel, DeliveryState, AuthorRole string
	Attachments                                  []fileOut
}

// filesHistory is every message of a conversation as token reads it, oldest
// first.
func (b *testBundle) filesHistory(t *testing.T, token, convID string) []filesMessage {
	t.Helper()
	var out struct {
		Conversation struct {
			Messages struct{ Edges []struct{ Node filesMessage } }
		}
	}
	b.post(t, token, historyFilesQuery, map[string]any{"id": convID}).decode(t, &out)
	var ms []filesMessage
	for _, e := range out.Conversation.Messages.Edges {
		ms = append(ms, e.Node)
	}
	return ms
}

// R30: files travel with messages both ways in the widget, readable only
// by the conversation's readers; a file is checked against what its
// destination carries before anything is queued.
func TestMessagesCarryFiles(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		c := b.start(t, b.widgetKey, "Ann")

		// The end user sends a PDF with no text.
		doc := b.mustUpload(t, c.session, c.id, "invoice.pdf", []byte(testPDF))
		var sent struct {
			SendMessage struct{ Message filesMessage }
		}
		b.post(t, c.session, sendFilesMutation, map[string]any{"id": c.id, "text": "", "cid": "f1", "files": []string{doc.ID}}).decode(t, &sent)
		got := sent.SendMessage.Message.Attachments
		if len(got) != 1 || got[0].ID != doc.ID || got[0].Kind != "DOCUMENT" || got[0].State != "STORED" || got[0].Name != "invoice.pdf" ||
			got[0].Size != int64(len(testPDF)) || got[0].URL == nil {
			t.Fatalf("sent %+v", sent.SendMessage.Message)
		}

		// The agent sees it in the history and downloads it.
		h := b.filesHistory(t, b.agent, c.id)
		last := h[len(h)-1]
		if len(last.Attachments) != 1 || last.Attachments[0].URL == nil {
			t.Fatalf("agent's history: %+v", last)
		}
		if status, _, body := b.download(t, *last.Attachments[0].URL); status != http.StatusOK || string(body) != testPDF {
			t.Fatalf("agent's download: %d %q", status, body)
		}

		// The agent replies to the widget with a picture and text.
		pic := b.mustUpload(t, b.agent, c.id, "map.png", attachmenttest.PNG(t, 40, 30))
		var replied struct {
			ReplyToConversation struct{ Message filesMessage }
		}
		b.post(t, b.agent, replyFilesMutation, map[string]any{"id": c.id, "text": "Here is the way", "cid": "r1", "files": []string{pic.ID}}).decode(t, &replied)
		if m := replied.ReplyToConversation.Message; m.Channel != "WEB_WIDGET" || len(m.Attachments) != 1 || m.Attachments[0].Kind != "IMAGE" ||
			m.Attachments[0].Width == nil || *m.Attachments[0].Width != 40 || *m.Attachments[0].Height != 30 {
			t.Fatalf("reply %+v", m)
		}
		h = b.filesHistory(t, c.session, c.id)
		if last := h[len(h)-1]; last.Text != "Here is the way" || len(last.Attachments) != 1 || last.Attachments[0].URL == nil {
			t.Fatalf("widget's history: %+v", last)
		}

		// Another end user's file is not there to name (R20); a list no
		// message carries is refused; nothing is stored for either.
		other := b.start(t, b.widgetKey, "Bob")
		stranger := b.mustUpload(t, other.session, other.id, "x.pdf", []byte(testPDF))
		many := make([]string, 11)
		for i := range many {
			many[i] = doc.ID
		}
		for _, tc := range []struct {
			name  string
			files []string
			code  string
		}{
			{"a stranger's file", []string{stranger.ID}, "NOT_FOUND"},
			{"an id of another type", []string{c.id}, "NOT_FOUND"},
			{"eleven files", many, "BAD_USER_INPUT"},
			{"one file twice", []string{doc.ID, doc.ID}, "BAD_USER_INPUT"},
		} {
			r := b.post(t, c.session, sendFilesMutation, map[string]any{"id": c.id, "text": "x", "cid": fmt.Sprint("bad-", len(tc.files), tc.code), "files": tc.files})
			if r.code() != tc.code {
				t.Fatalf("%s: %+v, want %s", tc.name, r.Errors, tc.code)
			}
		}
		// Text stays required without files.
		if r := b.post(t, c.session, sendFilesMutation, map[string]any{"id": c.id, "text": " ", "cid": "blank"}); r.code() != "BAD_USER_INPUT" {
			t.Fatalf("blank text: %+v", r.Errors)
		}
		if n := len(b.filesHistory(t, b.agent, c.id)); n != len(h) {
			t.Fatalf("refused messages were stored: %d messages, want %d", n, len(h))
		}
	})
}

// R30: a file its social destination cannot carry is refused before
// anything is queued, with a coded error that says what would work.
func TestFilesRefusedBeforeQueueing(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		convs := map[string]conv{}
		for _, ch := range []struct{ channel, business, handle, user string }{
			{"WHATSAPP", "sbx-wa", "15550100001", "5511900000001"},
			{"INSTAGRAM", "sbx-ig", "demo.company", "1234567890123456"},
		} {
			_, _, c := b.sandboxConversation(t, ch.channel, ch.business, ch.handle, ch.user)
			convs[ch.channel] = c
		}
		big := append(attachmenttest.PNG(t, 1000, 1000), bytes.Repeat([]byte{0}, 10<<20)...)
		for _, tc := range []struct {
			name, channel, file string
			body                []byte
			says                string
		}{
			{"a .docx to Instagram", "INSTAGRAM", "offer.docx", docx(t), "file (application/pdf)"},
			{"a 10 MB image to WhatsApp", "WHATSAPP", "photo.png", big, "up to 5 MB"},
			{"two files to WhatsApp", "WHATSAPP", "", nil, "one file per message"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := convs[tc.channel]
				before := len(b.filesHistory(t, b.agent, c.id))
				var files []string
				if tc.body != nil {
					files = []string{b.mustUpload(t, b.agent, c.id, tc.file, tc.body).ID}
				} else {
					for i := range 2 {
						files = append(files, b.mustUpload(t, b.agent, c.id, fmt.Sprintf("p%d.pdf", i), []byte(testPDF)).ID)
					}
				}
				r := b.post(t, b.agent, replyFilesMutation, map[string]any{"id": c.id, "text": "see attached", "cid": "r-" + tc.channel + tc.file, "files": files})
				if r.code() != "ATTACHMENT_NOT_CARRIED" || !strings.Contains(r.Errors[0].Message, tc.says) {
					t.Fatalf("reply: %+v, want ATTACHMENT_NOT_CARRIED saying %q", r.Errors, tc.says)
				}
				if n := len(b.filesHistory(t, b.agent, c.id)); n != before {
					t.Fatalf("a refused reply was stored: %d messages, want %d", n, before)
				}
			})
		}
	})
}

// docx is a small Word document: a ZIP with the parts Word writes first.
func docx(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>`,
	} {
		w, err := z.Create(name)
		if err == nil {
			_, err = w.Write([]byte(body))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
