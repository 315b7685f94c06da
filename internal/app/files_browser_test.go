package app

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// publicAddress reserves the address the service's PUBLIC_URL names, where
// its file URLs point; relayPublic then relays it to the test server, as a
// deployment's public address reaches the service.
func publicAddress(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

func relayPublic(t *testing.T, ln net.Listener, target string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: httputil.NewSingleHostReverseProxy(u)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("public address: %v", err)
		}
	})
}

// attach picks path in the page's first file input, as the file picker
// its attach button opens would: the page uploads it at once.
func (w *page) attach(path string) {
	w.t.Helper()
	input := chromedp.JSPath(w.root + `?.querySelector("input[type=file]")`)
	w.do("attach "+filepath.Base(path), chromedp.SetUploadFiles(input, []string{path}))
}

// writeFile writes body to a file named name in a new temporary folder.
func writeFile(t *testing.T, name string, body []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// picture is a small PNG a browser can draw.
func picture(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			img.Set(x, y, color.RGBA{R: uint8(x * 6), G: 80, B: uint8(y * 8), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// R30, R37: files in the pages, clicked through in Chromium with the
// widget next to the workspace. The end user attaches a PDF in the widget
// and sends it with no text: both pages show it as a link with its name,
// size and type. The agent attaches an image to a reply to the widget: the
// widget shows its thumbnail, the signed URL's picture, loaded.
func TestFilesInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		ln, public := publicAddress(t)
		b := setup(t, kind, func(c *Config) { c.PublicURL = public })
		relayPublic(t, ln, b.srv.URL)
		pdf := writeFile(t, "invoice.pdf", []byte(testPDF))
		photo := writeFile(t, "photo.png", picture(t))
		ws := b.openWorkspace(t, b.srv.URL, b.agent)
		w := b.openWidget(t, b.srv.URL)

		w.attach(pdf)
		w.waitText(".attached li", "invoice.pdf")
		w.click("button.send", "")
		w.waitText("li.msg.end_user a.file", "invoice.pdf")
		w.waitGone(".attached li")
		ws.click(".conversations button", "Web")
		ws.waitText("li.msg.end_user a.file .file-info", "application/pdf")
		if href := ws.attr("li.msg.end_user a.file", "href"); !strings.HasPrefix(href, public+"/files/") {
			t.Errorf("the workspace links the PDF at %q, not its signed URL", href)
		}
		ws.screenshot("pdf")

		ws.attach(photo)
		ws.waitText(".attached li", "photo.png")
		ws.do("send the reply", chromedp.SendKeys(ws.find("textarea", ""), "Here it is\r"))
		ws.waitText("li.msg.agent", "Here it is")
		ws.waitGone(".attached li")
		w.poll("wait for the thumbnail to load", `[...`+widgetRoot+`.querySelectorAll("li.msg.agent .file-image img")].some(i =>
			i.complete && i.naturalWidth === 40 && i.src.startsWith(`+js(public+"/files/")+`) && i.alt === "photo.png")`)
		w.screenshot("thumbnail")
	})
}

// R30, R37: a file the reply's destination does not carry is refused
// before anything is queued: the workspace shows the API's words, which
// say what would work instead, and the file stays attached for another
// destination.
func TestFileNotCarriedInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		ig := b.connectSandbox(t, "INSTAGRAM", "sbx-ig", "acme.shop")
		b.socialConversation(t, b.phone(t, ig, "1234567890123456"), "INSTAGRAM")
		ws := b.openWorkspace(t, b.srv.URL, b.agent)
		ws.click(".conversations button", "Instagram")
		ws.waitMessage("hello from INSTAGRAM", "INSTAGRAM")
		if to := ws.value("#ws-destination"); to != "INSTAGRAM" {
			t.Fatalf("the reply goes to %s, want INSTAGRAM", to)
		}
		ws.attach(writeFile(t, "notes.txt", []byte("Opening hours: 9 to 5\n")))
		ws.waitText(".attached li", "notes.txt")
		ws.click("button.send", "")
		ws.waitText(".notice", "INSTAGRAM does not carry text/plain")
		ws.waitText(".attached li", "notes.txt")
		ws.screenshot("not-carried")
	})
}

// R30, R37: a sandbox phone's page sends a picture and shows a document,
// and the workspace follows the picture live, in Chromium. The end user
// attaches a picture on the WhatsApp phone while Meta's media reads fail:
// the phone draws it from the sandbox, the workspace shows it receiving,
// then, once the reads work again, its thumbnail, with no reload. The agent
// replies with a PDF: the phone shows a link to it, with its name, size and
// type, that serves the very bytes.
func TestPhoneFilesInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		ln, public := publicAddress(t)
		b := setup(t, kind, func(c *Config) { c.PublicURL = public })
		relayPublic(t, ln, b.srv.URL)
		wa, _, c := b.sandboxConversation(t, "WHATSAPP", "sbx-wa", "15550100001", "5511900000001")
		ws := b.openWorkspace(t, b.srv.URL, b.agent)
		ws.click(".conversations button", "WhatsApp")
		ph := openPhone(t, b.phonePage(wa, "5511900000001"), "WhatsApp")

		b.app.sandbox.SetMediaOutage(true)
		ph.attach(writeFile(t, "broken.png", picture(t)))
		ph.poll("wait for the sent picture to load", `[...document.querySelectorAll("li.msg.user .file-image img")].some(i => i.complete && i.naturalWidth === 40)`)
		// WhatsApp names no image: the service calls it by its kind.
		ws.waitText(`li.msg.end_user .file[data-state="RECEIVING"] .file-name`, "photo.png")
		ws.screenshot("receiving")
		b.app.sandbox.SetMediaOutage(false)
		ws.poll("wait for the received picture's thumbnail", `[...document.querySelectorAll("li.msg.end_user .file-image img")].some(i =>
			i.complete && i.naturalWidth === 40 && i.src.startsWith(`+js(public+"/files/")+`))`)
		if m := b.lastSocial(t, c.id); len(m.Attachments) != 1 || m.Attachments[0].State != "STORED" || m.Attachments[0].Kind != "IMAGE" {
			t.Fatalf("the agent got %+v", m)
		}

		b.replyWithFile(t, c, "Your return label", "label.pdf", []byte(testPDF))
		ph.waitText("li.msg.business a.file .file-info", "application/pdf")
		ph.waitText("li.msg.business a.file .file-name", "label.pdf")
		if status, body := get(t, ph.attr("li.msg.business a.file", "href")); status != http.StatusOK || body != testPDF {
			t.Fatalf("the phone's link serves %d %q", status, body)
		}
		ph.screenshot("files")
	})
}
