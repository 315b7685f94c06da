package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
	"github.com/chromedp/chromedp/kb"
)

// offer sets the channels the bundle's widget offers (R2).
func (b *testBundle) offer(t *testing.T, channels ...string) {
	t.Helper()
	if channels == nil {
		channels = []string{}
	}
	b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": channels}).decode(t, &struct{}{})
}

// latestConversation is the conversation the agent sees on top of the list.
func (b *testBundle) latestConversation(t *testing.T) conv {
	t.Helper()
	var out struct {
		Conversations struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	b.post(t, b.agent, `{ conversations(first: 1) { edges { node { id } } } }`, nil).decode(t, &out)
	if len(out.Conversations.Edges) == 0 {
		t.Fatal("the agent sees no conversation")
	}
	return conv{id: out.Conversations.Edges[0].Node.ID}
}

// R4, R5, R6, R9, R12, R15, R25, R27, R37: the widget's story, clicked
// through in Chromium on the demo host page. The end user writes, the
// agent's reply appears marked Web; the options icon lists Messenger,
// which shows its QR code and "open the app" link; a sandbox phone opens
// the link and confirms while the widget says what to do and then whom it
// linked; the agent's next reply reaches the phone and shows in the widget
// marked Messenger; a reload keeps the session; Disconnect ends the link.
func TestWidgetStoryInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		fb := b.connectSandbox(t, "MESSENGER", "sbx-fb", "acme.support")
		b.offer(t, "MESSENGER")
		w := b.openWidget(t, b.srv.URL)
		w.screenshot("opened")

		w.send("Hello from the website")
		w.waitMessage("Hello from the website", "WEB_WIDGET")
		c := b.latestConversation(t)
		if r := b.reply(t, b.agent, c, "Hi! How can I help?", "a1"); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		w.waitMessage("Hi! How can I help?", "WEB_WIDGET")
		w.screenshot("conversation")

		w.click(".options", "")
		w.click(".channel-menu button", "Messenger")
		w.waitText(".status", "Waiting for you to open the app")
		if !w.visible("img.qr") {
			t.Error("no QR code shown")
		}
		link := w.attr(".open-app", "href")
		if !strings.HasPrefix(link, "https://m.me/acme.support?ref=") {
			t.Fatalf("open the app: %q", link)
		}
		w.screenshot("qr-code")

		ph := b.phone(t, fb, "6543210987654321")
		ph.post("open", map[string]any{"link": link})
		yes := ph.waitForText("Continue your conversation")
		w.waitText(".status", "Confirm on your phone")
		ph.post("tap", map[string]any{"choiceId": yes[0]})
		var linked struct {
			Conversation struct {
				LinkedIdentities []struct{ Channel, Masked string }
			}
		}
		waitFor(t, "the link", func() bool {
			b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { linkedIdentities { channel masked } } }`, map[string]any{"id": c.id}).decode(t, &linked)
			return len(linked.Conversation.LinkedIdentities) == 1
		})
		identity := linked.Conversation.LinkedIdentities[0].Masked
		w.waitText(".status", "Linked: "+identity)
		w.screenshot("linked")
		w.click(".done", "")
		w.waitText(".linked li", "Messenger")
		w.waitText(".linked li", identity)

		if r := b.reply(t, b.agent, c, "Now on Messenger", "a2"); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		ph.waitForText("Now on Messenger")
		w.waitMessage("Now on Messenger", "MESSENGER")
		w.screenshot("reply-on-messenger")

		// The session survives a reload: the same history, the same link.
		w.open()
		w.waitMessage("Now on Messenger", "MESSENGER")
		w.waitText(".linked li", identity)

		w.click(".disconnect", "Disconnect")
		w.waitGone(".linked li")
		w.waitMessage("Messenger disconnected ("+identity+")", "WEB_WIDGET")
		w.screenshot("disconnected")
		seen := map[string]bool{}
		for _, m := range w.messages() {
			if seen[m.Text] {
				t.Errorf("shown twice: %+v", m)
			}
			seen[m.Text] = true
		}
	})
}

// R3, R4, R37: the options icon is absent while the widget offers no
// channel and appears live when the admin enables one, before any
// conversation (the public widget(key) subscription) and during one
// (widgetConfig); its list opens and closes by keyboard.
func TestWidgetMenuFollowsSettingsInBrowser(t *testing.T) {
	b := setup(t, sqlite)
	b.connectSandbox(t, "WHATSAPP", "sbx-wa", "15550100001")
	w := b.openWidget(t, b.srv.URL)
	if w.visible(".options") {
		t.Fatal("an options icon with no channel enabled")
	}
	b.offer(t, "WHATSAPP")
	// By keyboard: Enter opens the list with the focus on its first app,
	// Escape closes it and gives the focus back to the icon.
	w.do("open the options by keyboard", chromedp.SendKeys(w.find(".options", ""), kb.Enter))
	w.waitText(".channel-menu button", "WhatsApp")
	w.poll("the focus on WhatsApp", w.root+`.activeElement?.textContent === "WhatsApp"`)
	w.screenshot("menu")
	w.do("close the options by keyboard", chromedp.SendKeys(w.find(".channel-menu button", "WhatsApp"), kb.Escape))
	w.waitGone(".channel-menu")
	w.poll("the focus back on the icon", w.root+`.activeElement?.classList.contains("options")`)
	if !w.visible(".panel") {
		t.Error("Escape in the options closed the widget")
	}

	w.send("Hello")
	w.waitMessage("Hello", "WEB_WIDGET")
	b.offer(t)
	w.waitGone(".options")
	b.offer(t, "WHATSAPP")
	w.waitText(".options", "")
}

// R21: a network drop loses no message. While the widget's network is
// down the agent replies three times; the widget says it is reconnecting,
// and once the network is back shows each reply once, in order.
func TestWidgetNetworkDropInBrowser(t *testing.T) {
	b := setup(t, sqlite)
	network := newFlakyNetwork(t, b.srv.Listener.Addr().String())
	w := b.openWidget(t, network.url)
	w.send("Hello")
	w.waitMessage("Hello", "WEB_WIDGET")
	c := b.latestConversation(t)

	network.down()
	w.waitText(".notice", "Reconnecting")
	w.screenshot("offline")
	replies := []string{"one", "two", "three"}
	for i, text := range replies {
		if r := b.reply(t, b.agent, c, text, "offline-"+replies[i]); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
	}
	network.up()
	w.waitMessage("three", "WEB_WIDGET")
	w.waitGone(".notice")
	w.screenshot("back")
	var got []string
	for _, m := range w.messages() {
		got = append(got, m.Text)
	}
	if want := "Hello one two three"; strings.Join(got, " ") != want {
		t.Errorf("history after the drop: %q, want %q", got, want)
	}
}

// R37: on a phone's screen the widget takes the screen, and the whole of
// it is in view: the conversation, the message box, the options, the QR
// code and its link.
func TestWidgetOnPhoneInBrowser(t *testing.T) {
	b := setup(t, sqlite)
	b.connectSandbox(t, "WHATSAPP", "sbx-wa", "15550100001")
	b.offer(t, "WHATSAPP")
	w := b.openWidget(t, b.srv.URL, chromedp.Emulate(device.IPhone13))
	inView := func(css string) {
		t.Helper()
		var ok bool
		w.eval(`(() => { const e = `+string(w.find(css, ""))+`; if (!e) return false; const r = e.getBoundingClientRect();
			const v = visualViewport;
			return r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= v.width && r.bottom <= v.height })()`, &ok)
		if !ok {
			t.Errorf("%s is not in view on a phone", css)
		}
	}
	w.send("Hello from my phone")
	w.waitMessage("Hello from my phone", "WEB_WIDGET")
	for _, css := range []string{".panel", "textarea", ".options", ".close", "li.msg"} {
		inView(css)
	}
	w.screenshot("conversation")
	w.click(".options", "")
	w.click(".channel-menu button", "WhatsApp")
	w.waitText(".status", "Waiting")
	for _, css := range []string{"img.qr", ".open-app", ".back"} {
		inView(css)
	}
	w.screenshot("qr-code")
	w.click(".back", "")
	w.waitMessage("Hello from my phone", "WEB_WIDGET")
}
