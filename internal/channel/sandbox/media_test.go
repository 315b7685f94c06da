package sandbox

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
)

const testPDF = "%PDF-1.7\n%%EOF\n"

func pdfFile(name string) channel.File {
	return channel.File{Name: name, ContentType: "application/pdf", Size: int64(len(testPDF)), Kind: "document",
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(testPDF)), nil }}
}

// thread is what it's user's phone shows.
func (b *testBundle) thread(t *testing.T, it Integration) []line {
	t.Helper()
	var out struct{ Messages []line }
	if code := b.phone(t, http.MethodGet, "/"+it.WebhookKey+"/phones/"+users[it.Channel], "", &out); code != http.StatusOK {
		t.Fatalf("phone: %d", code)
	}
	return out.Messages
}

// get serves a GET of the phone API as mounted.
func (b *testBundle) get(path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	http.StripPrefix("/sandbox", b.sb.Handler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sandbox"+path, nil))
	return rec
}

// R30: the fake WhatsApp media endpoint keeps an uploaded file, a media
// message sends it by id, and the phone shows it with a URL the phone API
// serves, as a download; R17: injected upload failures are Meta's,
// temporary or permanent.
func TestWhatsAppMediaSends(t *testing.T) {
	b := setup(t)
	a := b.adapters[conversation.ChannelWhatsApp]
	ctx := context.Background()
	to := users[conversation.ChannelWhatsApp]

	b.sb.FailUploads(1, false)
	if _, err := a.SendMedia(ctx, credentials(wa), channel.Media{To: to, File: pdfFile("a.pdf")}); meta.Classify(err).Kind != meta.Transient {
		t.Fatalf("failed upload: %v", err)
	}
	b.sb.FailUploads(1, true)
	if _, err := a.SendMedia(ctx, credentials(wa), channel.Media{To: to, File: pdfFile("a.pdf")}); meta.Classify(err).Kind != meta.Permanent {
		t.Fatalf("refused upload: %v", err)
	}
	if got := b.thread(t, wa); len(got) != 0 {
		t.Fatalf("failed uploads reached the phone: %+v", got)
	}

	sent, err := a.SendMedia(ctx, credentials(wa), channel.Media{To: to, Caption: "Your invoice", File: pdfFile("invoice.pdf")})
	if err != nil {
		t.Fatal(err)
	}
	got := b.thread(t, wa)
	if len(got) != 1 || got[0].ID != sent.ExternalID || got[0].Text != "Your invoice" || got[0].Media == nil {
		t.Fatalf("phone shows %+v", got)
	}
	m := *got[0].Media
	if m.Kind != "document" || m.Name != "invoice.pdf" || m.ContentType != "application/pdf" || m.Size != int64(len(testPDF)) ||
		!strings.HasPrefix(m.URL, "/sandbox/"+wa.WebhookKey+"/media/") {
		t.Fatalf("media %+v", m)
	}
	// The URL is the page's, under the sandbox's mount: /sandbox/{key}/media/{id}.
	id := m.URL[strings.LastIndex(m.URL, "/")+1:]
	rec := b.get("/" + wa.WebhookKey + "/media/" + id)
	if rec.Code != http.StatusOK || rec.Body.String() != testPDF || rec.Header().Get("Content-Type") != "application/pdf" ||
		rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Content-Disposition") != "attachment; filename=invoice.pdf" {
		t.Fatalf("media served %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	// Another integration's key does not reach the file.
	if rec := b.get("/" + fb.WebhookKey + "/media/" + id); rec.Code != http.StatusNotFound {
		t.Fatalf("through another integration: %d", rec.Code)
	}
	// Statuses follow, as for text.
	b.expect(t, wa,
		[]channel.Event{{Business: wa.BusinessID, Status: &channel.Status{ExternalID: sent.ExternalID, State: channel.StateSent, Timestamp: now}}},
		[]channel.Event{{Business: wa.BusinessID, Status: &channel.Status{ExternalID: sent.ExternalID, State: channel.StateDelivered, Timestamp: now}}})
}

// The fake media endpoint and media messages refuse what Meta refuses.
func TestWhatsAppMediaRefusals(t *testing.T) {
	b := setup(t)
	post := func(path, contentType string, body []byte) int {
		t.Helper()
		r, _ := http.NewRequest(http.MethodPost, "http://graph.invalid/v21.0/"+path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+AccessToken(wa.BusinessID))
		r.Header.Set("Content-Type", contentType)
		resp, err := b.sb.Transport().RoundTrip(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode
	}
	form := func(fields map[string]string, withFile bool) (string, []byte) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range fields {
			_ = w.WriteField(k, v)
		}
		if withFile {
			f, _ := w.CreateFormFile("file", "a.pdf")
			_, _ = f.Write([]byte(testPDF))
		}
		_ = w.Close()
		return w.FormDataContentType(), buf.Bytes()
	}
	media := wa.BusinessID + "/media"
	for name, tc := range map[string]struct {
		fields   map[string]string
		withFile bool
	}{
		"no messaging_product": {map[string]string{"type": "application/pdf"}, true},
		"no type":              {map[string]string{"messaging_product": "whatsapp"}, true},
		"no file":              {map[string]string{"messaging_product": "whatsapp", "type": "application/pdf"}, false},
	} {
		ct, body := form(tc.fields, tc.withFile)
		if code := post(media, ct, body); code != http.StatusBadRequest {
			t.Errorf("%s: %d", name, code)
		}
	}
	if code := post(media, "application/json", []byte(`{}`)); code != http.StatusBadRequest {
		t.Errorf("JSON upload: %d", code)
	}
	if code := post("999/media", "application/json", []byte(`{}`)); code != http.StatusBadRequest {
		t.Errorf("another number's upload: %d", code)
	}
	for name, body := range map[string]string{
		"unknown media id": `{"messaging_product":"whatsapp","to":"5511987654321","type":"image","image":{"id":"42"}}`,
		"no media object":  `{"messaging_product":"whatsapp","to":"5511987654321","type":"document"}`,
		"audio caption":    `{"messaging_product":"whatsapp","to":"5511987654321","type":"audio","audio":{"link":"https://x/a.ogg","caption":"no"}}`,
	} {
		if code := post(wa.BusinessID+"/messages", "application/json", []byte(body)); code != http.StatusBadRequest {
			t.Errorf("%s: %d", name, code)
		}
	}
	if got := b.thread(t, wa); len(got) != 0 {
		t.Fatalf("refused sends reached the phone: %+v", got)
	}
}

// R30: Messenger and Instagram attachments are sent by URL, which the
// phone shows as Meta would fetch it; the text follows.
func TestAttachmentSends(t *testing.T) {
	b := setup(t)
	for _, it := range []Integration{fb, ig} {
		a := b.adapters[it.Channel]
		u := "https://linkline.example/files/1.2.3.4.sig/map.png"
		sent, err := a.SendMedia(context.Background(), credentials(it), channel.Media{To: users[it.Channel], Caption: "Here",
			File: channel.File{Name: "map.png", ContentType: "image/png", Kind: "image", URL: u}})
		if err != nil {
			t.Fatalf("%s: %v", it.Channel, err)
		}
		got := b.thread(t, it)
		if len(got) != 2 || got[0].Media == nil || *got[0].Media != (media{Kind: "image", Name: "map.png", URL: u}) || got[0].Text != "" ||
			got[1].Text != "Here" || got[1].ID != sent.ExternalID {
			t.Fatalf("%s: phone shows %+v", it.Channel, got)
		}
	}
}
