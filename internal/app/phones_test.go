package app

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/widget"
)

// banner is what the startup banner of a new database prints, with the
// server's address in its links.
type banner struct {
	demo, workspace, agentToken string
	// phones are the sandbox phone pages, by the app's name.
	phones map[string]string
}

// seeded starts the service as `go run .` does on an empty database: it
// seeds the demo account and prints the banner, whose links the test
// follows as a newcomer would.
func seeded(t *testing.T, kind storeKind) (*testBundle, banner) {
	t.Helper()
	// The banner's links name PUBLIC_URL, which is not the test server's.
	const public = "http://linkline.test"
	var out bytes.Buffer
	d := &testBundle{out: &out, cfg: testConfig(t, kind, func(c *Config) { c.Demo, c.PublicURL = true, public })}
	d.serve(t)
	text := strings.ReplaceAll(out.String(), public, d.srv.URL)
	field := func(name string) string {
		t.Helper()
		m := regexp.MustCompile(`(?m)^\s*` + name + `\s+(\S+)`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("the banner has no %s:\n%s", name, text)
		}
		return m[1]
	}
	bn := banner{demo: field("Open first"), workspace: field("Agent workspace"), agentToken: field("Agent token"), phones: map[string]string{}}
	for _, app := range []string{"WhatsApp", "Messenger", "Instagram"} {
		bn.phones[app] = field(app)
		if !strings.HasPrefix(bn.phones[app], d.srv.URL+"/phone?key=") {
			t.Errorf("the banner's %s phone: %s", app, bn.phones[app])
		}
	}
	d.acct = &account.Account{Name: "Demo Company"}
	return d, bn
}

// openPhone opens a sandbox phone page, phone-sized, as the end user's app;
// its header names the app once the phone's screen arrived.
func openPhone(t *testing.T, url, app string) *page {
	t.Helper()
	ph := newPage(t, url, "document", "-phone")
	ph.do("a phone's screen", chromedp.Emulate(device.IPhone13))
	ph.goTo(url, app)
	return ph
}

// goTo shows another phone in the tab: the end user switches apps.
func (w *page) goTo(url, app string) {
	w.t.Helper()
	w.url = url
	w.do("open the phone", chromedp.Navigate(url))
	w.waitText("h1", app)
}

// scan "scans" the widget's QR code: the phone opens the link it holds.
func (w *page) scan(link string) {
	w.t.Helper()
	w.do("scan "+link, chromedp.SendKeys(w.find("#phone-link", ""), link+"\r"))
}

// phoneLines is what the phone page shows, oldest first.
func (w *page) phoneLines() []string {
	w.t.Helper()
	var out []string
	w.eval(`[...document.querySelectorAll("li.msg")].map(li => li.className.replace("msg ", "") + ": " + li.querySelector(".text").textContent)`, &out)
	return out
}

// R5, R6, R9, R10, R12, R13, R14, R17, R37: the seed's story, clicked
// through in Chromium from the startup banner's links. The end user writes
// in the widget of the demo page; the options icon lists the demo's apps;
// Messenger shows the QR code and link, which the Messenger phone page
// "scans" and confirms with the prompt's button; the agent, signed in to
// the workspace with the banner's token, replies, and the reply reaches
// the phone, which reads it (the workspace shows it read) and shows the
// widget's conversation marked Messenger; the phone writes back with its
// ticks. Back in the widget, WhatsApp links the same way, and Disconnect
// ends it. Each phone shows only its own channel's messages.
func TestSeedStoryInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		_, bn := seeded(t, kind)
		w := newPage(t, bn.demo, widgetRoot, "")
		w.open()
		w.send("Hello from the website")
		w.waitMessage("Hello from the website", "WEB_WIDGET")
		w.screenshot("conversation")

		ws := newPage(t, bn.workspace, "document", "-workspace")
		ws.do("open the workspace", chromedp.Navigate(ws.url))
		ws.do("sign in", chromedp.SendKeys(ws.find("#ws-token", ""), bn.agentToken+"\r"))
		ws.waitText(".who", "Demo Company")
		ws.click(".conversations button", "Web")
		ws.waitMessage("Hello from the website", "WEB_WIDGET")

		// Messenger: the options icon, the QR code, the phone scans it.
		w.click(".options", "")
		for _, app := range []string{"WhatsApp", "Messenger", "Instagram"} {
			w.waitText(".channel-menu button", app)
		}
		w.click(".channel-menu button", "Messenger")
		w.waitText(".status", "Waiting for you to open the app")
		if !w.visible("img.qr") {
			t.Error("no QR code shown")
		}
		w.screenshot("qr-code")
		ph := openPhone(t, bn.phones["Messenger"]+"&user=6543210987654321", "Messenger")
		ph.waitText(".thread", "No messages yet")
		ph.screenshot("new")
		ph.scan(w.attr(".open-app", "href"))
		ph.waitText("li.msg.business", "Continue your conversation from the website here?")
		w.waitText(".status", "Confirm on your phone")
		ph.screenshot("confirm")
		ph.eval(`window.held = [...document.querySelectorAll(".choices button")].find(b => b.textContent === "Yes, continue here"); true`, new(bool))
		ph.click(".choices button", "Yes, continue here")
		ph.waitText("li.msg.business", "Linked.")
		ph.waitText("li.msg.user .ticks", "Delivered")
		// The prompt kept its element while the screen changed (read,
		// answered, linked): a tap landing meanwhile is not lost.
		var kept bool
		ph.eval(`window.held.isConnected && window.held.closest("li").dataset.read === "true"`, &kept)
		if !kept {
			t.Error("the prompt's buttons were replaced when the screen changed")
		}
		w.waitText(".status", "Linked: ")
		w.screenshot("linked")

		// The agent replies; the phone shows and reads it, the widget marks
		// it Messenger.
		ws.waitText("li.note", "Messenger linked")
		ws.poll("the reply box to default to Messenger", `document.querySelector("#ws-destination").value === "MESSENGER"`)
		ws.send("Hi! Here on Messenger now")
		ph.waitText("li.msg.business", "Hi! Here on Messenger now")
		ws.waitDelivery("Hi! Here on Messenger now", "READ")
		ws.screenshot("read")
		w.waitMessage("Hi! Here on Messenger now", "MESSENGER")
		ph.send("Thanks, I'm on my phone")
		ph.poll("the phone's message delivered", `[...document.querySelectorAll("li.msg.user")].some(li =>
			li.textContent.includes("Thanks, I'm on my phone") && li.querySelector(".ticks").dataset.state === "delivered")`)
		ph.screenshot("chat")
		ws.waitMessage("Thanks, I'm on my phone", "MESSENGER")
		w.waitMessage("Thanks, I'm on my phone", "MESSENGER")
		w.click(".done", "")
		w.waitText(".linked li", "Messenger")
		w.waitText("li.msg .text", "Thanks, I'm on my phone")
		// The README's screenshots of the widget and the workspace.
		w.screenshot("conversation-on-messenger")
		ws.screenshot("conversation")
		// R10: the phone shows Messenger's transcript, from the link on.
		if got := strings.Join(ph.phoneLines(), " | "); strings.Contains(got, "Hello from the website") || !strings.Contains(got, "user: Thanks, I'm on my phone") {
			t.Errorf("the Messenger phone shows %q", got)
		}

		// Back to the widget: WhatsApp, then Disconnect.
		w.click(".options", "")
		w.click(".channel-menu button", "WhatsApp")
		w.waitText(".status", "Waiting for you to open the app")
		ph.goTo(bn.phones["WhatsApp"]+"&user=15550123456", "WhatsApp")
		ph.scan(w.attr(".open-app", "href"))
		ph.click(".choices button", "Yes, continue here")
		ph.waitText("li.msg.business", "Linked.")
		w.waitText(".status", "Linked: ")
		w.click(".done", "")
		w.waitText(".linked li", "WhatsApp")
		w.screenshot("two-linked")
		w.do("disconnect WhatsApp", chromedp.Click(w.find(`.disconnect[aria-label^="Disconnect WhatsApp"]`, "")))
		w.waitText("li.msg .text", "WhatsApp disconnected")
		w.poll("WhatsApp gone from the linked list", `![...`+w.root+`.querySelectorAll(".linked li")].some(li => li.textContent.includes("WhatsApp"))`)
		w.waitText(".linked li", "Messenger")
		w.screenshot("disconnected")
		ws.waitText("li.note", "WhatsApp disconnected")
		if got := strings.Join(ph.phoneLines(), " | "); strings.Contains(got, "Messenger") || strings.Contains(got, "Hello from the website") {
			t.Errorf("the WhatsApp phone shows %q", got)
		}
		ph.screenshot("whatsapp")
	})
}

// R20, R37: the widget embedded with its one tag in a page of another
// origin works there, the API and the websocket answering across origins;
// from an origin the widget does not allow, the page says the chat is not
// available on this site and the API refuses with FORBIDDEN.
func TestWidgetElsewhereInBrowser(t *testing.T) {
	b := setup(t, sqlite)
	host := newHostSite(t, b.srv.URL)
	allowed := b.widgetWithOrigins(t, "Shop widget", host.URL)
	refused := b.widgetWithOrigins(t, "Other widget", "https://shop.example")

	w := newPage(t, host.URL+"/?key="+allowed, widgetRoot, "")
	w.open()
	w.send("Hello from the shop")
	w.waitMessage("Hello from the shop", "WEB_WIDGET")
	c := b.latestConversation(t)
	if r := b.reply(t, b.agent, c, "Welcome to the shop", "a1"); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	w.waitMessage("Welcome to the shop", "WEB_WIDGET")
	w.screenshot("allowed")

	no := newPage(t, host.URL+"/?key="+refused, widgetRoot, "-refused")
	no.do("open the page", chromedp.Navigate(no.url))
	no.click(".launcher", "")
	no.waitText(".notice", "This chat is not available on this site.")
	no.screenshot("refused")
	r := b.postFrom(t, host.URL, `mutation($k: String!) { startConversation(input: {widgetKey: $k}) { conversation { id } } }`, map[string]any{"k": refused})
	if r.code() != "FORBIDDEN" {
		t.Errorf("startConversation from a refused origin: %+v", r)
	}
}

// newHostSite serves a customer's page on another origin (another port)
// that embeds the widget of its ?key= from server with the one tag.
func newHostSite(t *testing.T, server string) *httptest.Server {
	t.Helper()
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A shop</title></head>
<body><main><h1>A shop</h1><p>Our products.</p></main>
<script async src="`+html.EscapeString(server)+`/widget.js" data-widget-key="`+html.EscapeString(r.URL.Query().Get("key"))+`"></script></body></html>`)
	}))
	t.Cleanup(host.Close)
	return host
}

// widgetWithOrigins creates a widget of the bundle's account that the
// origins may use, and returns its key.
func (b *testBundle) widgetWithOrigins(t *testing.T, name string, origins ...string) string {
	t.Helper()
	key := fmt.Sprintf("wk_test_origins_%d", seq.Add(1))
	if err := b.app.DB.NewWidget(t.Context(), &widget.Widget{AccountID: b.acct.ID, Key: key, Name: name, AllowedOrigins: origins}); err != nil {
		t.Fatal(err)
	}
	return key
}

// postFrom posts a GraphQL request as a page of origin does.
func (b *testBundle) postFrom(t *testing.T, origin, query string, vars map[string]any) gqlResponse {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, b.url, bytes.NewReader(mustJSON(map[string]any{"query": query, "variables": vars})))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out gqlResponse
	if err := jsonDecode(resp.Body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// phonePage is the address of the phone page of user on it.
func (b *testBundle) phonePage(it integrationOut, user string) string {
	return b.srv.URL + "/phone?key=" + it.WebhookURL[strings.LastIndex(it.WebhookURL, "/")+1:] + "&user=" + user
}

// SANDBOX=false serves no phone: neither the page nor its API.
func TestNoPhonesWithoutSandbox(t *testing.T) {
	b := setup(t, sqlite, func(c *Config) { c.Sandbox = false })
	for _, path := range []string{"/phone?key=wh_1", "/phone.js", "/sandbox/wh_1/phones/1"} {
		if code, _ := get(t, b.srv.URL+path); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
}

// A phone page of a key no sandbox integration has says so, instead of
// trying again for ever.
func TestPhoneOfUnknownKeyInBrowser(t *testing.T) {
	b := setup(t, sqlite)
	ph := newPage(t, b.srv.URL+"/phone?key=wh_nobody&user=15550123456", "document", "")
	ph.do("open the phone", chromedp.Navigate(ph.url))
	ph.waitText(".notice", "no sandbox integration has this webhook key")
	ph.screenshot("unknown")
}
