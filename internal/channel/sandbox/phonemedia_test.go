package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
)

// sendFile makes it's phone send data as a file of kind, and returns what
// the channel's real adapter parses out of the webhook.
func (b *testBundle) sendFile(t *testing.T, it Integration, query string, data []byte) *channel.Inbound {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/sandbox/"+it.WebhookKey+"/phones/"+users[it.Channel]+"/media?"+query, bytes.NewReader(data))
	req.Header.Set("Content-Type", "image/png")
	http.StripPrefix("/sandbox", b.sb.Handler()).ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("media: %d %s", rec.Code, rec.Body)
	}
	events := b.events(t, it)
	if len(events) != 1 || events[0].Message == nil {
		t.Fatalf("events: %s", show(events))
	}
	return events[0].Message
}

// download fetches m through it's real adapter, as the receive job does.
func (b *testBundle) download(t *testing.T, it Integration, c channel.Credentials, m channel.InboundMedia) ([]byte, error) {
	t.Helper()
	r, err := b.adapters[it.Channel].(attachment.Downloader).Download(t.Context(), c, m)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// R30: a phone's file reaches the business as its platform's webhook
// documents it (a WhatsApp media id, a Messenger or Instagram URL), and
// the real adapters fetch the same bytes through the fake Graph API; the
// phone's screen shows the file. An outage answers 500 (transient), an
// expired URL 403 and a wrong token 401.
func TestPhoneSendsFiles(t *testing.T) {
	b := setup(t)
	data := []byte("\x89PNG\r\n\x1a\n not really a picture")
	for _, it := range []Integration{wa, fb, ig} {
		in := b.sendFile(t, it, "kind=image&caption=the+box", data)
		if len(in.Media) != 1 || in.Media[0].Kind != conversation.KindImage || in.Text != "the box" {
			t.Fatalf("%s: %s", it.Channel, show(in))
		}
		if (it.Channel == conversation.ChannelWhatsApp) != (in.Media[0].MediaID != "") {
			t.Errorf("%s: %s", it.Channel, show(in.Media))
		}
		got, err := b.download(t, it, credentials(it), in.Media[0])
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s download: %q, %v", it.Channel, got, err)
		}
		if l := b.screen(t, it).Messages; l[len(l)-1].Media == nil || l[len(l)-1].Media.Kind != "image" || l[len(l)-1].Media.Size != int64(len(data)) {
			t.Errorf("%s screen: %s", it.Channel, show(l))
		}

		b.sb.SetMediaOutage(true)
		if _, err := b.download(t, it, credentials(it), in.Media[0]); meta.Classify(err).Kind != meta.Transient {
			t.Errorf("%s during an outage: %v", it.Channel, err)
		}
		b.sb.SetMediaOutage(false)
	}

	wrong := credentials(wa)
	wrong.AccessToken = "sandbox:someone-else"
	in := b.sendFile(t, wa, "kind=document&name=terms.pdf", data)
	if in.Media[0].Name != "terms.pdf" || in.Media[0].Kind != conversation.KindDocument {
		t.Errorf("document: %s", show(in.Media))
	}
	if _, err := b.download(t, wa, wrong, in.Media[0]); meta.Classify(err).Kind != meta.TokenInvalid {
		t.Errorf("another integration's token: %v", err)
	}

	b.sb.SetMediaTTL(-time.Second)
	in = b.sendFile(t, fb, "kind=sticker", data)
	if in.Media[0].Kind != conversation.KindSticker {
		t.Errorf("Messenger sticker: %s", show(in.Media))
	}
	if _, err := b.download(t, fb, credentials(fb), in.Media[0]); meta.Classify(err).Kind != meta.Permanent {
		t.Errorf("an expired URL: %v", err)
	}
	if reads := b.sb.MediaReads(); reads == 0 || b.sb.FilesServed() != 3 {
		t.Errorf("%d reads, %d served", reads, b.sb.FilesServed())
	}
}

// R30: a place a phone shares arrives as a location on every channel.
func TestPhoneSharesPlaces(t *testing.T) {
	b := setup(t)
	for _, it := range []Integration{wa, fb, ig} {
		b.act(t, it, "location", `{"latitude":38.7223,"longitude":-9.1393,"name":"Rossio"}`)
		events := b.events(t, it)
		if len(events) != 1 || events[0].Message == nil || events[0].Message.Location == nil ||
			events[0].Message.Location.Latitude != 38.7223 || events[0].Message.Location.Name != "Rossio" {
			t.Errorf("%s: %s", it.Channel, show(events))
		}
	}
	var res result
	if code := b.phone(t, http.MethodPost, "/"+wa.WebhookKey+"/phones/"+users[wa.Channel]+"/location", `{"latitude":91,"longitude":0}`, &res); code != http.StatusBadRequest {
		t.Errorf("a place off Earth: %d %+v", code, res)
	}
}

// The phone's page shows the files it sent from its line's media.url:
// pictures inline, anything else as a download, never sniffed.
func TestPhoneShowsItsFiles(t *testing.T) {
	b := setup(t)
	png := []byte("\x89PNG\r\n\x1a\n not really a picture")
	b.sendFile(t, wa, "kind=image", png)
	l := b.screen(t, wa).Messages
	rec := httptest.NewRecorder()
	http.StripPrefix("/sandbox", b.sb.Handler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, l[len(l)-1].Media.URL, nil))
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), png) || rec.Header().Get("Content-Type") != "image/png" ||
		rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Content-Disposition") != "" {
		t.Errorf("the phone's picture: %d %v", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	other := "/sandbox/" + fb.WebhookKey + l[len(l)-1].Media.URL[len("/sandbox/"+wa.WebhookKey):]
	http.StripPrefix("/sandbox", b.sb.Handler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, other, nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("another integration's file: %d", rec.Code)
	}
}
