package app

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/auth"
)

const requestLink = `mutation($id: ID!, $ch: Channel!) { requestLink(input: {conversationId: $id, channel: $ch}) { linkRequest { id channel status deepLink qrCodeDataUri qrCodeUrl expiresAt } } }`

type linkRequestOut struct {
	ID, Channel, Status, DeepLink, QRCodeDataURI, QRCodeURL string
	ExpiresAt                                               time.Time
}

// linkable is a service whose widget offers WhatsApp and Messenger.
func linkable(t *testing.T, configure ...func(*Config)) *testBundle {
	t.Helper()
	b := setup(t, sqlite, configure...)
	b.connectChannel(t, "WHATSAPP", phoneID, "15550001111")
	b.connectChannel(t, "MESSENGER", "108245671234567", "acme.support")
	b.connectChannel(t, "INSTAGRAM", "17841400000000000", "acme")
	b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{"WHATSAPP", "MESSENGER"}}).decode(t, &struct{}{})
	return b
}

func (b *testBundle) requestLink(t *testing.T, c conv, channel string) (linkRequestOut, gqlResponse) {
	t.Helper()
	r := b.post(t, c.session, requestLink, map[string]any{"id": c.id, "ch": channel})
	var out struct {
		RequestLink struct{ LinkRequest linkRequestOut }
	}
	if len(r.Errors) == 0 {
		r.decode(t, &out)
	}
	return out.RequestLink.LinkRequest, r
}

// checkQR decodes a QR PNG and checks the white quiet zone around it.
func checkQR(t *testing.T, raw []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() < 200 || b.Dx() != b.Dy() {
		t.Errorf("QR code is %v", b)
	}
	// A border of at least 4 modules (here several pixels each) is white.
	for _, p := range []image.Point{{0, 0}, {b.Dx() - 1, 0}, {0, b.Dy() - 1}, {b.Dx() - 1, b.Dy() - 1}, {b.Dx() / 2, 3}, {3, b.Dy() / 2}} {
		if r, g, bl, _ := img.At(p.X, p.Y).RGBA(); r != 0xffff || g != 0xffff || bl != 0xffff {
			t.Errorf("QR code is not white at %v: no quiet zone", p)
		}
	}
}

// R5: the end user picks a channel of the menu and gets a deep link for
// this device and a QR code of it for the phone, with an expiry; the token
// is long and random, asking again replaces the request, going back
// cancels it harmlessly.
func TestLinkRequests(t *testing.T) {
	b := linkable(t)
	c := b.start(t, b.widgetKey, "Maria")

	wa, r := b.requestLink(t, c, "WHATSAPP")
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	u, err := url.Parse(wa.DeepLink)
	if err != nil || u.Host != "wa.me" || u.Path != "/15550001111" {
		t.Fatalf("WhatsApp deep link: %s", wa.DeepLink)
	}
	text := u.Query().Get("text")
	i := strings.Index(text, "ll-")
	if i < 0 {
		t.Fatalf("WhatsApp prefill without a token: %q", text)
	}
	token := text[i:]
	if len(token) < 3+26 { // 128 bits in base32
		t.Errorf("token %q is shorter than 128 bits", token)
	}
	if wa.Status != "PENDING" || time.Until(wa.ExpiresAt).Round(time.Minute) != 10*time.Minute {
		t.Errorf("request: %+v", wa)
	}
	ms, _ := b.requestLink(t, c, "MESSENGER")
	if !strings.HasPrefix(ms.DeepLink, "https://m.me/acme.support?ref=ll-") {
		t.Errorf("Messenger deep link: %s", ms.DeepLink)
	}

	data, ok := strings.CutPrefix(wa.QRCodeDataURI, "data:image/png;base64,")
	raw, err := base64.StdEncoding.DecodeString(data)
	if !ok || err != nil {
		t.Fatalf("QR data URI: %.40s", wa.QRCodeDataURI)
	}
	checkQR(t, raw)
	resp, err := http.Get(strings.Replace(wa.QRCodeURL, b.app.cfg.PublicURL, strings.TrimSuffix(b.url, "/graphql"), 1))
	if err != nil {
		t.Fatal(err)
	}
	served := new(bytes.Buffer)
	_, _ = served.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR by URL: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	checkQR(t, served.Bytes())
	if code, _ := get(t, strings.TrimSuffix(b.url, "/graphql")+"/qr.png?link="+url.QueryEscape("https://evil.example/x")); code != http.StatusBadRequest {
		t.Errorf("QR of a foreign link: %d", code)
	}

	// Asking again replaces; the back button cancels.
	again, _ := b.requestLink(t, c, "WHATSAPP")
	cancel := func(token, id string) gqlResponse {
		return b.post(t, token, `mutation($id: ID!) { cancelLinkRequest(input: {linkRequestId: $id}) { linkRequest { status } } }`, map[string]any{"id": id})
	}
	var out struct {
		CancelLinkRequest struct{ LinkRequest struct{ Status string } }
	}
	cancel(c.session, wa.ID).decode(t, &out)
	if out.CancelLinkRequest.LinkRequest.Status != "CANCELLED" {
		t.Errorf("the replaced request: %+v", out)
	}
	other := b.start(t, b.widgetKey, "Someone else")
	if r := cancel(other.session, again.ID); r.code() != "NOT_FOUND" {
		t.Errorf("another end user cancelling: %+v", r.Errors)
	}
	cancel(c.session, again.ID).decode(t, &out)
	if out.CancelLinkRequest.LinkRequest.Status != "CANCELLED" {
		t.Errorf("cancelled: %+v", out)
	}
}

// R5, R20, R24: only channels of the menu; only the end user, for their
// own conversation; and not too often.
func TestLinkRequestRefusals(t *testing.T) {
	b := linkable(t, func(c *Config) {
		c.Limits = auth.LimitsConfig{LinkPerSession: auth.Rate{Events: 3, Per: time.Hour, Burst: 3}}
	})
	c := b.start(t, b.widgetKey, "Maria")
	if _, r := b.requestLink(t, c, "INSTAGRAM"); r.code() != "CHANNEL_NOT_ENABLED" {
		t.Errorf("a channel off the menu: %+v", r.Errors)
	}
	if _, r := b.requestLink(t, c, "WEB_WIDGET"); r.code() != "CHANNEL_NOT_ENABLED" {
		t.Errorf("the widget itself: %+v", r.Errors)
	}
	other := b.start(t, b.widgetKey, "Other")
	if _, r := b.requestLink(t, conv{id: c.id, session: other.session}, "WHATSAPP"); r.code() != "NOT_FOUND" {
		t.Errorf("for another's conversation: %+v", r.Errors)
	}
	if r := b.post(t, b.agent, requestLink, map[string]any{"id": c.id, "ch": "WHATSAPP"}); r.code() != "FORBIDDEN" {
		t.Errorf("an agent asking: %+v", r.Errors)
	}
	b.requestLink(t, c, "WHATSAPP")
	b.requestLink(t, c, "MESSENGER")
	if _, r := b.requestLink(t, c, "WHATSAPP"); r.code() != "RATE_LIMITED" {
		t.Errorf("too many requests: %+v", r.Errors)
	}
}
