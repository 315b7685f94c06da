package app

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// openAdmin opens the admin page in a tab of its own and signs in with token.
func (b *testBundle) openAdmin(t *testing.T, token string) *page {
	t.Helper()
	a := newPage(t, b.srv.URL+"/admin", "document", "-admin")
	a.do("open the admin page", chromedp.Navigate(a.url))
	a.waitText(".sign-in", "API token")
	a.do("sign in", chromedp.SendKeys(a.find("#admin-token", ""), token+"\r"))
	return a
}

// channelBox is, in CSS, the admin page's checkbox of channel for the
// bundle's widget.
func channelBox(channel string) string {
	return `form.widget input[value="` + channel + `"]`
}

// connectSandboxInPage fills in and submits the admin page's sandbox form.
func (a *page) connectSandboxInPage(channel, businessID, handle string) {
	a.t.Helper()
	a.do("connect "+channel,
		chromedp.SetValue(a.find("#connect-channel", ""), channel),
		chromedp.SendKeys(a.find("#connect-businessId", ""), businessID),
		chromedp.SendKeys(a.find("#connect-handle", ""), handle),
	)
	a.click(".connect button", "Connect")
}

// R1, R2, R3, R37, R38: the admin page in Chromium next to the widget. With no
// integration connected, it explains that linking needs a social channel
// and Messenger cannot be chosen; the admin connects a sandbox Messenger
// integration from the page (listed with its status, no secret asked or
// shown) and its health, the explanation goes, and enabling Messenger for the widget
// makes the options icon appear live in the widget's tab, listing
// Messenger. The API's refusal of a second integration with the same id
// is shown to the admin.
func TestAdminSettingsInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		w := b.openWidget(t, b.srv.URL)
		if w.visible(".options") {
			t.Fatal("an options icon with no channel enabled")
		}

		a := b.openAdmin(t, b.admin)
		a.waitText(`li[data-prerequisite="SOCIAL_CHANNEL"]`, "No social channel is connected")
		a.waitText(".integrations", "No integration is connected")
		var disabled bool
		a.eval(`document.querySelector(`+js(channelBox("MESSENGER"))+`).disabled`, &disabled)
		if !disabled {
			t.Error("Messenger can be chosen with no integration")
		}
		a.screenshot("prerequisite-missing")

		a.connectSandboxInPage("MESSENGER", "sbx-fb", "acme.support")
		a.waitText(".connect + .status", "Connected")
		a.waitText(".integrations td", "Messenger (sandbox)")
		a.waitText(".integration-status", "Active")
		// R38: each integration's health in a line.
		a.waitText(".integration-health", "no webhook yet · nothing sent yet · no attempts lately · none waiting")
		a.waitText(".ready", "Linking is available")
		if a.visible(`input[type="password"]:not(#admin-token)`) {
			t.Error("the sandbox form asks for a secret")
		}
		a.screenshot("connected")

		a.click(`label[for$="-MESSENGER"]`, "Messenger")
		a.click("form.widget button", "Save")
		a.waitText("form.widget .status", "Saved")
		w.waitText(".options", "")
		w.click(".options", "")
		w.waitText(".channel-menu button", "Messenger")
		a.screenshot("messenger-enabled")

		a.connectSandboxInPage("MESSENGER", "sbx-fb", "acme.support")
		a.waitText(".notice", "Something went wrong")
		a.screenshot("api-error")
	})
}
