package app

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// openWorkspace opens the agent workspace served from base (the server, or
// a proxy in front of it) and signs in with token; the agent's and
// account's names in the header say the token was taken.
func (b *testBundle) openWorkspace(t *testing.T, base, token string) *page {
	t.Helper()
	ws := newPage(t, base+"/workspace", "document", "-workspace")
	ws.do("open the workspace", chromedp.Navigate(ws.url))
	ws.do("sign in", chromedp.SendKeys(ws.find("#ws-token", ""), token+"\r"))
	ws.waitText(".who", b.acct.Name)
	return ws
}

// value is the value of the page's first element matching css.
func (w *page) value(css string) string {
	w.t.Helper()
	var v string
	w.eval(`(`+string(w.find(css, ""))+`).value`, &v)
	return v
}

// waitDelivery waits until the workspace shows the reply text in state.
func (w *page) waitDelivery(text, state string) {
	w.t.Helper()
	w.poll("wait for "+text+" to show "+state, `[...document.querySelectorAll("li.msg")].some(li =>
		li.querySelector(".text").textContent === `+js(text)+` && li.querySelector(".delivery")?.dataset.state === `+js(state)+`)`)
}

// R9, R11, R13, R14, R16, R17, R21, R37: the agent workspace, clicked
// through in Chromium next to the widget. The end user writes in the
// widget and the conversation appears live in the agent's list; the agent
// opens it, sees the message with its Web badge and replies to the widget
// by default; after the end user links Messenger from the widget with a
// sandbox phone, the history shows the LINKED note, the customer card the
// identity, the reply box defaults to Messenger, and the reply's delivery
// state moves live as the phone reports; replying to a closed
// conversation shows the API's error.
func TestWorkspaceStoryInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		fb := b.connectSandbox(t, "MESSENGER", "sbx-fb", "acme.support")
		b.offer(t, "MESSENGER")
		ws := b.openWorkspace(t, b.srv.URL, b.agent)
		ws.waitText(".conversations", "No conversations yet")
		ws.screenshot("signed-in")

		w := b.openWidget(t, b.srv.URL)
		w.send("Hello from the website")
		w.waitMessage("Hello from the website", "WEB_WIDGET")
		ws.click(".conversations button", "Web")
		ws.waitMessage("Hello from the website", "WEB_WIDGET")
		// A conversation keeps its element while it updates: a click that
		// lands as a message arrives still opens it.
		ws.eval(`window.held = document.querySelector(".conversations button"); true`, new(bool))
		w.send("Still here")
		ws.waitMessage("Still here", "WEB_WIDGET")
		var kept bool
		ws.eval(`window.held.isConnected && window.held.getAttribute("aria-current") === "true"`, &kept)
		if !kept {
			t.Error("the conversation's button was replaced when a message arrived")
		}
		ws.waitText("li.msg .badge", "Web")
		if got := ws.value("#ws-destination"); got != "WEB_WIDGET" {
			t.Errorf("the reply box's destination: %q, want WEB_WIDGET", got)
		}
		ws.screenshot("conversation")
		ws.send("Hi from the workspace")
		w.waitMessage("Hi from the workspace", "WEB_WIDGET")

		// The end user moves to Messenger from the widget.
		w.click(".options", "")
		w.click(".channel-menu button", "Messenger")
		w.waitText(".status", "Waiting for you to open the app")
		link := w.attr(".open-app", "href")
		ph := b.phone(t, fb, "6543210987654321")
		ph.post("open", map[string]any{"link": link})
		yes := ph.waitForText("Continue your conversation")
		ph.post("tap", map[string]any{"choiceId": yes[0]})
		w.waitText(".status", "Linked")

		ws.waitText("li.note", "Messenger linked")
		ws.waitText(".identities li", "Messenger")
		ws.waitText(".windows li", "Messenger")
		ws.poll("the reply box to default to Messenger", `document.querySelector("#ws-destination").value === "MESSENGER"`)
		ws.screenshot("linked")
		ws.send("Now on Messenger")
		ph.waitForText("Now on Messenger")
		ws.waitDelivery("Now on Messenger", "DELIVERED")
		ph.post("read", map[string]any{})
		ws.waitDelivery("Now on Messenger", "READ")
		ws.waitText(".delivery", "Read")
		w.waitMessage("Now on Messenger", "MESSENGER")
		ws.screenshot("read")

		// R29: the card says who answers the customer, live.
		c := b.latestConversation(t)
		ws.waitText(".card .assignee", "Unassigned")
		b.post(t, b.agent, takeConversation, map[string]any{"id": c.id}).decode(t, &struct{}{})
		ws.waitText(".card .assignee", "Assigned to Acme Agent")

		// An error of the API is shown to the agent, not swallowed.
		b.post(t, b.agent, `mutation($id: ID!) { closeConversation(input: {conversationId: $id}) { conversation { id } } }`,
			map[string]any{"id": c.id}).decode(t, &struct{}{})
		ws.waitText("#ws-conversation", "Closed")
		ws.send("Are you still there?")
		ws.waitText(".notice", "the conversation is closed")
		ws.screenshot("error")

		// Signing out forgets the token: a reload asks for it again.
		ws.click(".sign-out", "")
		ws.do("reload", chromedp.Reload())
		ws.waitText(".sign-in", "API token")
	})
}

// R20: a token that is not an agent's is refused on the sign-in form, and
// the page says why.
func TestWorkspaceSignInRefusedInBrowser(t *testing.T) {
	b := setup(t, sqlite)
	ws := newPage(t, b.srv.URL+"/workspace", "document", "")
	ws.do("open the workspace", chromedp.Navigate(ws.url))
	ws.do("sign in", chromedp.SendKeys(ws.find("#ws-token", ""), "not-a-token\r"))
	ws.waitText(".notice", "Something went wrong")
	ws.waitText(".sign-in", "API token")
	ws.screenshot("refused")
}

// R11, R14, R16, R17: a conversation that started on WhatsApp. The
// workspace's reply box defaults to WhatsApp, the customer card shows the
// number and its open window, and a reply Meta refuses for good shows as
// failed, with the reason.
func TestWorkspaceDeliveryFailureInBrowser(t *testing.T) {
	s := newSocialSetup(t, sqlite)
	ws := s.b.openWorkspace(t, s.b.srv.URL, s.b.agent)
	ws.click(".conversations button", "WhatsApp")
	ws.waitMessage("hello", "WHATSAPP")
	ws.waitText(".identities li", "Ana Souza")
	ws.waitText(".windows li", "open until")
	if got := ws.value("#ws-destination"); got != "WHATSAPP" {
		t.Errorf("the reply box's destination: %q, want WHATSAPP", got)
	}
	s.graph.answer(graphAnswer{http.StatusBadRequest, `{"error":{"message":"Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}}`})
	ws.send("too late?")
	ws.waitDelivery("too late?", "FAILED")
	ws.waitText(".delivery", "Failed: ")
	ws.waitText(".delivery", "24")
	ws.screenshot("failed")
}

// names is the conversation list as the workspace shows it, top first.
func (w *page) names() []string {
	w.t.Helper()
	var out []string
	w.eval(`[...document.querySelectorAll(".conversations .name")].map(e => e.textContent)`, &out)
	return out
}

// R21: the list keeps the most recent activity first, live, and a network
// drop in the workspace loses nothing: while it is down the end user
// writes three times, and once it is back the open conversation shows each
// message once, in order, on top of the list.
func TestWorkspaceLiveListAndNetworkDropInBrowser(t *testing.T) {
	b := setup(t, sqlite)
	maria, ana := b.start(t, b.widgetKey, "Maria"), b.start(t, b.widgetKey, "Ana")
	b.mustSend(t, maria, "Hello, Maria here", "m1")
	b.mustSend(t, ana, "Hello, Ana here", "a1")
	network := newFlakyNetwork(t, b.srv.Listener.Addr().String())
	ws := b.openWorkspace(t, network.url, b.agent)
	ws.waitText(".conversations", "Maria")
	if got := strings.Join(ws.names(), " "); got != "Ana Maria" {
		t.Errorf("the list: %q, want Ana Maria", got)
	}
	ws.click(".conversations button", "Maria")
	ws.waitMessage("Hello, Maria here", "WEB_WIDGET")

	network.down()
	ws.waitText(".notice", "Reconnecting")
	ws.screenshot("offline")
	for _, text := range []string{"one", "two", "three"} {
		b.mustSend(t, maria, text, "offline-"+text)
	}
	network.up()
	ws.waitMessage("three", "WEB_WIDGET")
	ws.waitGone(".notice")
	ws.poll("Maria on top of the list", `document.querySelector(".conversations .name")?.textContent === "Maria"`)
	ws.screenshot("back")
	var got []string
	for _, m := range ws.messages() {
		got = append(got, m.Text)
	}
	if want := "Hello, Maria here one two three"; strings.Join(got, " ") != want {
		t.Errorf("history after the drop: %q, want %q", got, want)
	}
}
