package app

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeScript is axe-core, from the pages' npm install (`npm ci` in
// internal/pages, which .ci/run does): the test injects it, so the pages
// never ship it.
const axeScript = "../pages/node_modules/axe-core/axe.min.js"

// violation is an accessibility rule a page breaks, with where.
type violation struct {
	ID, Impact, Help string
	Nodes            []string
}

// checkAccessibility runs axe-core on what the page shows now and fails
// the test on any serious or critical violation; lesser ones are logged.
func (w *page) checkAccessibility(state string) {
	w.t.Helper()
	src, err := os.ReadFile(axeScript)
	if err != nil {
		if os.Getenv("CI") == "true" {
			w.t.Fatalf("axe-core is not installed (npm ci in internal/pages): %v", err)
		}
		w.t.Skipf("axe-core is not installed (npm ci in internal/pages): %v", err)
	}
	ctx, cancel := context.WithTimeout(w.ctx, within)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`window.axe ? [] : (() => { `+string(src)+`; return [] })()`))
	if err == nil {
		// axe descends into open shadow roots, the widget's among them.
		raw, err = chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
			.map(v => ({ID: v.id, Impact: v.impact, Help: v.help, Nodes: v.nodes.map(n => JSON.stringify(n.target) + ": " + n.failureSummary)})))`,
			chromedp.EvalAwaitPromise))
	}
	var found []violation
	if err == nil {
		err = json.Unmarshal(raw, &found)
	}
	if err != nil {
		w.t.Fatalf("axe on %s: %v", state, err)
	}
	w.screenshot("axe-" + state)
	for _, v := range found {
		report := w.t.Logf
		if v.Impact == "serious" || v.Impact == "critical" {
			report = w.t.Errorf
		}
		report("%s: %s (%s): %s\n\t%s", state, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// R37: no page has a serious or critical accessibility violation, as
// axe-core finds them: the widget on its demo page open, with its options
// open, and showing a QR code; the sandbox phone page, phone-sized, with a
// prompt's choices and its ticks; the workspace's sign-in, and a conversation
// open in it with its customer card, notes and delivery states; the admin
// page's sign-in and its settings with a widget and an integration.
func TestAccessibilityInBrowser(t *testing.T) {
	b := setup(t, sqlite)
	fb := b.connectSandbox(t, "MESSENGER", "sbx-fb", "acme.support")
	b.offer(t, "MESSENGER")
	w := b.openWidget(t, b.srv.URL)
	w.send("Hello")
	w.waitMessage("Hello", "WEB_WIDGET")
	w.checkAccessibility("widget-open")
	w.click(".options", "")
	w.waitText(".channel-menu button", "Messenger")
	w.checkAccessibility("widget-options")
	w.click(".channel-menu button", "Messenger")
	w.waitText(".status", "Waiting for you to open the app")
	w.checkAccessibility("widget-qr-code")

	ph := b.phone(t, fb, "6543210987654321")
	ph.post("open", map[string]any{"link": w.attr(".open-app", "href")})
	ph.post("tap", map[string]any{"choiceId": ph.waitForText("Continue your conversation")[0]})
	w.waitText(".status", "Linked")
	w.checkAccessibility("widget-linked")

	phone := openPhone(t, b.phonePage(fb, "6543210987654321"), "Messenger")
	phone.waitText("li.msg.business", "Linked.")
	phone.checkAccessibility("phone")

	ws := newPage(t, b.srv.URL+"/workspace", "document", "-workspace")
	ws.do("open the workspace", chromedp.Navigate(ws.url))
	ws.waitText(".sign-in", "API token")
	ws.checkAccessibility("workspace-sign-in")
	ws.do("sign in", chromedp.SendKeys(ws.find("#ws-token", ""), b.agent+"\r"))
	ws.click(".conversations button", "Messenger")
	ws.waitText("li.note", "Messenger linked")
	ws.send("Hi on Messenger")
	// The phone page, open, reads it.
	ws.waitDelivery("Hi on Messenger", "READ")
	ws.checkAccessibility("workspace-conversation")

	a := newPage(t, b.srv.URL+"/admin", "document", "-admin")
	a.do("open the admin page", chromedp.Navigate(a.url))
	a.waitText(".sign-in", "API token")
	a.checkAccessibility("admin-sign-in")
	a.do("sign in", chromedp.SendKeys(a.find("#admin-token", ""), b.admin+"\r"))
	a.waitText(".integrations td", "Messenger (sandbox)")
	a.checkAccessibility("admin-settings")
}
