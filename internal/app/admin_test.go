package app

import (
	"slices"
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

// accountSwitches is what the API says of the account's switches and of
// what linking still needs.
type accountSwitches struct {
	Viewer struct {
		Account struct {
			AgentWorkspace bool `json:"agentWorkspace"`
			AutoAssignCap  int  `json:"autoAssignCap"`
		} `json:"account"`
	} `json:"viewer"`
	Prerequisites []string `json:"linkingPrerequisites"`
}

func (b *testBundle) accountSwitches(t *testing.T) (acct accountSwitches) {
	t.Helper()
	b.post(t, b.admin, `{ viewer { account { agentWorkspace autoAssignCap } } linkingPrerequisites }`, nil).decode(t, &acct)
	return acct
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

// R28, R37: an admin runs the team from the admin page in Chromium, and
// what the page shows is what the API holds. The admin invites an agent
// and the token the page shows once signs that agent in; the page refuses,
// with the API's words, to leave the account without an admin, and puts
// the role back; promoting the new member works, and deactivating them
// stops their token. The admin creates an API token, which works, and
// revokes it, after which it does not.
func TestAdminTeamInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		a := b.openAdmin(t, b.admin)
		a.waitText(".members td", "(you)")

		a.do("fill in the invitation",
			chromedp.SendKeys(a.find("#invite-name", ""), "Maria Papadopoulou"),
			chromedp.SendKeys(a.find("#invite-email", ""), "maria@acme.example"),
		)
		a.click(".invite button", "Invite")
		a.waitText(".invite + .status", "Maria Papadopoulou is invited")
		var token string
		a.eval(`document.querySelector(".invite + .status .secret").textContent`, &token)
		var me struct {
			Viewer struct {
				Roles []string              `json:"roles"`
				Agent struct{ Name string } `json:"agent"`
			} `json:"viewer"`
		}
		b.post(t, token, `{ viewer { roles agent { name } } }`, nil).decode(t, &me)
		if me.Viewer.Agent.Name != "Maria Papadopoulou" || len(me.Viewer.Roles) != 1 || me.Viewer.Roles[0] != "AGENT" {
			t.Fatalf("the shown token signs in as %+v", me.Viewer)
		}
		a.screenshot("invited")

		// The page's own admin is the account's only one: the API refuses.
		setRole := func(row, role string) {
			t.Helper()
			var ok bool
			a.eval(`(() => { const s = [...document.querySelectorAll('.members tbody tr')].find((r) => r.textContent.includes(`+js(row)+`)).querySelector('select');`+
				`s.value = `+js(role)+`; s.dispatchEvent(new Event('change')); return true })()`, &ok)
		}
		roleOf := func(row string) string {
			var v string
			a.eval(`[...document.querySelectorAll('.members tbody tr')].find((r) => r.textContent.includes(`+js(row)+`)).querySelector('select').value`, &v)
			return v
		}
		clickIn := func(rows, row, button string) {
			t.Helper()
			var clicked bool
			a.eval(`(() => { [...document.querySelectorAll(`+js(rows)+`)].find((r) => r.textContent.includes(`+js(row)+`)).querySelector(`+js(button)+`).click(); return true })()`, &clicked)
		}
		setRole("(you)", "AGENT")
		a.waitText(".notice", "last active admin")
		if got := roleOf("(you)"); got != "ADMIN" {
			t.Errorf("after the refusal the page shows the admin as %s", got)
		}

		setRole("Maria", "ADMIN")
		a.waitText(".members .status", "Maria Papadopoulou's role is changed")
		b.post(t, token, `{ viewer { roles agent { name } } }`, nil).decode(t, &me)
		if !slices.Contains(me.Viewer.Roles, "ADMIN") {
			t.Errorf("promoted in the page, the API gives roles %v", me.Viewer.Roles)
		}

		clickIn(".members tbody tr", "Maria", ".deactivate")
		a.waitText(".members .status", "Maria Papadopoulou is deactivated")
		a.waitText(".members td.deactivated", "Deactivated")
		if r := b.post(t, token, `{ viewer { roles } }`, nil); r.code() != "UNAUTHENTICATED" {
			t.Errorf("a deactivated member's token: %+v", r)
		}

		a.do("name a token", chromedp.SendKeys(a.find("#token-name", ""), "reporting"))
		a.click(".new-token button", "Create token")
		a.waitText(".new-token + .status", "reporting is created")
		var apiToken string
		a.eval(`document.querySelector(".new-token + .status .secret").textContent`, &apiToken)
		b.post(t, apiToken, `{ viewer { roles } }`, nil).decode(t, &me)
		a.screenshot("token-created")
		clickIn(".api-tokens tbody tr", "reporting", ".revoke")
		a.waitText(".new-token + .status", "reporting is revoked")
		var listed bool
		a.eval(`document.querySelector(".api-tokens table").textContent.includes("reporting")`, &listed)
		if listed {
			t.Error("a revoked token is still listed")
		}
		if r := b.post(t, apiToken, `{ viewer { roles } }`, nil); r.code() != "UNAUTHENTICATED" {
			t.Errorf("a revoked token: %+v", r)
		}

		// Revoking the token the page signed in with signs the page out.
		clickIn(".api-tokens tbody tr", "first token", ".revoke")
		a.waitText(".sign-in", "API token")
		a.waitText(".notice", "invalid token")
	})
}

// R1, R29: a save confirms only on its own form. The reload that ends a
// save draws the form anew before it has read everything; a second save
// begun on that form, still in flight when the first ends, shows no
// "Saved" until it has saved.
func TestAdminConfirmsTheLatestSave(t *testing.T) {
	b := setup(t, sqlite)
	a := b.openAdmin(t, b.admin)
	a.waitText("form.account", "Agent workspace")
	// The first save turns the workspace off; its reload reads the team
	// last.
	team := b.holds.next("apiTokens")
	a.click(`label[for="account-workspace"]`, "Agent workspace")
	a.click("form.account button", "Save")
	team.waitHeld(t)
	capping := b.holds.next("setAutoAssignment")
	a.do("set a cap", chromedp.SetValue(a.find("#account-cap", ""), "3"))
	a.click("form.account button", "Save")
	capping.waitHeld(t)
	// The team's tables are the last the first save draws: once they are
	// new, it has ended (what follows them runs before the page takes
	// another task, such as this test's next question).
	var marked bool
	a.eval(`document.querySelectorAll(".members table, .api-tokens table").forEach((e) => (e.dataset.stale = "1")), true`, &marked)
	close(team.release)
	a.waitGone("table[data-stale]")
	var status string
	a.eval(`document.querySelector("form.account .status").textContent`, &status)
	if status != "" {
		t.Fatalf("the form says %q while its save is in flight", status)
	}
	close(capping.release)
	a.waitText("form.account .status", "Saved")
	if acct := b.accountSwitches(t); acct.Viewer.Account.AgentWorkspace || acct.Viewer.Account.AutoAssignCap != 3 {
		t.Fatalf("after both saves the account is %+v", acct)
	}
}

// R1, R28, R29, R37: an admin sets up the account and its widgets from the
// admin page in Chromium, each step checked through the API. Switching
// the agent workspace off makes the page explain that linking needs it;
// on again, it goes. The admin sets a round-robin cap, creates a widget
// for one site in Greek, is shown the API's refusal of an origin with a
// path, opens the widget to any site, and deletes it with a second,
// confirming click.
func TestAdminWidgetSetupInBrowser(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		a := b.openAdmin(t, b.admin)
		a.waitText("form.account", "Agent workspace")

		a.click(`label[for="account-workspace"]`, "Agent workspace")
		a.click("form.account button", "Save")
		a.waitText(`li[data-prerequisite="AGENT_WORKSPACE"]`, "The agent workspace is off")
		// As a person would, wait for the save to be confirmed before the
		// next change.
		a.waitText("form.account .status", "Saved")
		a.click(`label[for="account-workspace"]`, "Agent workspace")
		a.do("set a cap", chromedp.SetValue(a.find("#account-cap", ""), "3"))
		a.click("form.account button", "Save")
		a.waitText("form.account .status", "Saved")
		if acct := b.accountSwitches(t); !acct.Viewer.Account.AgentWorkspace || acct.Viewer.Account.AutoAssignCap != 3 || slices.Contains(acct.Prerequisites, "AGENT_WORKSPACE") {
			t.Fatalf("after the page's changes the account is %+v", acct)
		}

		a.do("describe a widget",
			chromedp.SendKeys(a.find("#new-widget-name", ""), "Shop"),
			chromedp.SendKeys(a.find("#new-widget-origins", ""), "https://shop.example"),
			chromedp.SetValue(a.find("#new-widget-language", ""), "el"),
		)
		a.click(".new-widget button", "Create widget")
		a.waitText(".new-widget .status", "Shop is created")
		a.waitText("form.widget-setup legend", "Setup of Shop")
		a.waitText("form.widget-setup .embed", "data-widget-key")
		type widget struct {
			ID       string   `json:"id"`
			Name     string   `json:"name"`
			Origins  []string `json:"allowedOrigins"`
			Language string   `json:"language"`
		}
		shop := func() *widget {
			var r struct{ Widgets []widget }
			b.post(t, b.admin, `{ widgets { id name allowedOrigins language } }`, nil).decode(t, &r)
			for _, w := range r.Widgets {
				if w.Name == "Shop" {
					return &w
				}
			}
			return nil
		}
		w := shop()
		if w == nil || !slices.Equal(w.Origins, []string{"https://shop.example"}) || w.Language != "el" {
			t.Fatalf("the created widget is %+v", w)
		}
		form := `form.widget-setup[data-widget="` + w.ID + `"]`
		a.do("add an origin with a path", chromedp.SendKeys(a.find(form+" textarea", ""), "\nhttps://blog.example/posts"))
		a.click(form+` button[type="submit"]`, "Save")
		a.waitText(".notice", "Something went wrong")
		if got := shop(); !slices.Equal(got.Origins, []string{"https://shop.example"}) {
			t.Errorf("a refused change changed the origins to %v", got.Origins)
		}
		a.screenshot("origin-refused")

		a.click(form+` label[for$="-any"]`, "Any site")
		a.click(form+` button[type="submit"]`, "Save")
		a.waitText(form+" .status", "Saved")
		if got := shop(); !slices.Equal(got.Origins, []string{"*"}) {
			t.Errorf("opened to any site, the widget's origins are %v", got.Origins)
		}

		a.click(form+" .delete", "Delete widget")
		a.waitText(form+" .delete", "Click again")
		if shop() == nil {
			t.Fatal("one click deleted the widget")
		}
		a.click(form+" .delete", "Click again")
		a.waitGone(form)
		if shop() != nil {
			t.Error("the page deleted the widget, the API still lists it")
		}
	})
}
