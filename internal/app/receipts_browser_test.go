package app

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// R31, R37: typing and read receipts, clicked through in Chromium with the
// widget next to the workspace. The end user typing shows under the
// agent's history; the agent typing shows in the widget by name, and goes
// when the reply arrives; the widget, open and visible, acknowledges and
// reads the reply, and the workspace's ticks move to Read live.
func TestTypingAndReceiptsInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		ws := b.openWorkspace(t, b.srv.URL, b.agent)
		w := b.openWidget(t, b.srv.URL)
		w.send("Is my order ready?")
		w.waitMessage("Is my order ready?", "WEB_WIDGET")
		// The widget's typing redraws the conversation's button as the
		// agent clicks it: the button itself, which stays, takes the
		// click, not a part that is replaced between press and release.
		var hit bool
		ws.eval(fmt.Sprintf(`(() => { const b = %s; const r = b.querySelector(".name").getBoundingClientRect();
			return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === b; })()`, ws.find(".conversations button", "Web")), &hit)
		if !hit {
			t.Fatal("a click on the conversation's name lands on a part the list redraws, not on its button")
		}
		ws.click(".conversations button", "Web")
		ws.waitMessage("Is my order ready?", "WEB_WIDGET")

		w.do("type in the widget", chromedp.SendKeys(w.find("textarea", ""), "It was due"))
		ws.waitText(".typing", "is typing")
		ws.do("type a reply", chromedp.SendKeys(ws.find("textarea", ""), "Let me check"))
		w.waitText(".typing", "Acme Agent is typing")
		w.screenshot("agent-typing")
		ws.do("send the reply", chromedp.SendKeys(ws.find("textarea", ""), "\r"))
		w.waitMessage("Let me check", "WEB_WIDGET")
		w.waitGone(".typing")
		ws.waitDelivery("Let me check", "READ")
		ws.screenshot("reply-read")
	})
}
