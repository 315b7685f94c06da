// The admin page: sign in with an admin token; what linking still needs
// (R1); per widget, the channels customers may switch to (R2), which open
// widgets follow as soon as they are saved (R3); the integrations with
// their status and last error; a form that connects a sandbox one; the
// team and the admin's API tokens (R28, in team.ts).
import { Api, ApiError } from "../shared/api";
import { h } from "../shared/dom";
import { Notice } from "../shared/notice";
import type { TokenStore } from "../workspace/workspace";
import * as op from "./operations";
import { Saves } from "./saves";
import type { Strings } from "./strings";
import { Team } from "./team";
import { Setup } from "./widgets";

export class Admin {
  private readonly api: Api;
  private readonly signInForm: HTMLFormElement;
  private readonly tokenInput: HTMLInputElement;
  private readonly who: HTMLParagraphElement;
  private readonly signOutButton: HTMLButtonElement;
  private readonly notice: Notice;
  private readonly settings: HTMLElement;
  private readonly prerequisites: HTMLElement;
  private readonly widgets: HTMLElement;
  private readonly integrations: HTMLElement;
  private readonly receipts: HTMLElement;
  private readonly connectForm: HTMLFormElement;
  private readonly connectStatus: HTMLParagraphElement;
  private readonly team: Team;
  private readonly setup: Setup;
  private readonly saves = new Saves();
  private readonly account: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly tokens: TokenStore,
    private readonly t: Strings,
  ) {
    this.api = new Api(location.origin, (up) => up || this.notice.show(t.reconnecting));
    this.tokenInput = h("input", { id: "admin-token", name: "token", type: "password", autocomplete: "off", required: true, "aria-describedby": "admin-token-hint" });
    this.signInForm = h(
      "form",
      { class: "sign-in", onsubmit: (e) => (e.preventDefault(), void this.notice.run(() => this.signIn(this.tokenInput.value.trim()))) },
      h("h2", {}, t.signIn),
      h("label", { for: "admin-token" }, t.token),
      this.tokenInput,
      h("p", { id: "admin-token-hint", class: "hint" }, t.tokenHint),
      h("button", { type: "submit" }, t.signIn),
    );
    this.who = h("p", { class: "who" });
    this.signOutButton = h("button", { type: "button", class: "sign-out", hidden: true, onclick: () => this.signOut() }, t.signOut);
    this.notice = new Notice(t.failed);
    this.prerequisites = h("div", { class: "prerequisites" });
    this.widgets = h("div", { class: "widgets" });
    this.integrations = h("div", { class: "integrations" });
    this.receipts = h("div", { class: "receipts" });
    this.connectStatus = h("p", { class: "status", role: "status" });
    this.connectForm = this.connectSandboxForm();
    this.team = new Team(this.api, this.notice, t.team, () => this.signOut());
    this.setup = new Setup(this.api, this.notice, t.setup, () => this.load(), this.saves);
    this.account = h("div", {});
    this.settings = h(
      "div",
      { class: "settings", hidden: true },
      h("section", { "aria-labelledby": "admin-linking" }, h("h2", { id: "admin-linking" }, t.prerequisites), this.prerequisites),
      h("section", { "aria-labelledby": "admin-account" }, h("h2", { id: "admin-account" }, t.setup.account), this.account),
      h(
        "section",
        { "aria-labelledby": "admin-widgets" },
        h("h2", { id: "admin-widgets" }, t.widgets),
        this.widgets,
        h("h3", {}, t.setup.newWidget),
        this.setup.create(),
      ),
      h("section", { "aria-labelledby": "admin-receipts" }, h("h2", { id: "admin-receipts" }, t.receipts), this.receipts),
      h("section", { "aria-labelledby": "admin-integrations" }, h("h2", { id: "admin-integrations" }, t.integrations), this.integrations),
      h("section", { "aria-labelledby": "admin-connect" }, h("h2", { id: "admin-connect" }, t.connect), this.connectForm, this.connectStatus),
      h("section", { "aria-labelledby": "admin-team" }, h("h2", { id: "admin-team" }, t.team.title), this.team.members),
      h("section", { "aria-labelledby": "admin-tokens" }, h("h2", { id: "admin-tokens" }, t.team.tokens), this.team.tokens),
    );
    root.append(
      h("header", {}, h("h1", {}, t.title), this.who, this.signOutButton),
      h("main", {}, this.notice.el, this.signInForm, this.settings),
    );
    const token = tokens.load();
    if (token) void this.notice.run(() => this.signIn(token));
    else this.showSignIn();
  }


  private async signIn(token: string): Promise<void> {
    this.api.authenticate(token);
    try {
      const { viewer } = await this.api.request<op.Viewer>(op.viewer);
      if (!viewer.agent || !viewer.account || !viewer.roles.includes("ADMIN")) throw new ApiError("FORBIDDEN", this.t.notAdmin);
      this.tokens.save(token);
      this.who.textContent = `${viewer.agent.name} · ${viewer.account.name}`;
    } catch (e) {
      this.signOut();
      throw e;
    }
    this.signInForm.hidden = true;
    this.settings.hidden = false;
    this.signOutButton.hidden = false;
    await this.load();
  }

  private signOut(): void {
    this.tokens.clear();
    this.api.authenticate("");
    this.who.textContent = "";
    this.signOutButton.hidden = true;
    this.settings.hidden = true;
    this.showSignIn();
  }

  private showSignIn(): void {
    this.signInForm.hidden = false;
    this.tokenInput.value = "";
    this.tokenInput.focus();
  }

  /** Reads the settings again and shows them: after a change, what the server made of it. */
  private async load(): Promise<void> {
    const s = await this.api.request<op.Settings>(op.settings);
    this.showPrerequisites(s.linkingPrerequisites);
    this.account.replaceChildren(this.setup.account(s.viewer.account));
    const active = new Set(s.integrations.filter((i) => i.status === "ACTIVE").map((i) => i.channel));
    this.widgets.replaceChildren(
      ...(s.widgets.length
        ? s.widgets.map((w) => h("div", { class: "widget-card" }, this.widgetForm(w, active), this.setup.widget(w)))
        : [h("p", { class: "empty" }, this.t.noWidgets)]),
    );
    this.receipts.replaceChildren(this.readMarksForm(s.viewer.account.readMarks));
    this.showIntegrations(s.integrations);
    await this.team.load();
  }

  /** R31: read marks on the platforms, an account setting off by default. */
  private readMarksForm(on: boolean): HTMLFormElement {
    const box = h("input", { type: "checkbox", id: "admin-read-marks", name: "readMarks", checked: on, "aria-describedby": "admin-read-marks-hint" });
    const status = h("p", { class: "status", role: "status" });
    const save = async (): Promise<void> => {
      const saved = this.saves.begin("form.read-marks");
      status.textContent = "";
      await this.api.request(op.setReadMarks, { on: box.checked });
      await this.load();
      saved(this.t.saved);
    };
    return h(
      "form",
      { class: "read-marks", onsubmit: (e) => (e.preventDefault(), void this.notice.run(save)) },
      h("label", { for: "admin-read-marks" }, box, " ", this.t.readMarks),
      h("p", { id: "admin-read-marks-hint", class: "hint" }, this.t.readMarksHint),
      h("button", { type: "submit" }, this.t.save),
      status,
    );
  }

  // R1: each missing prerequisite, with what to do about it.
  private showPrerequisites(missing: op.Prerequisite[]): void {
    this.prerequisites.replaceChildren(
      missing.length
        ? h("ul", { class: "missing" }, ...missing.map((p) => h("li", { "data-prerequisite": p }, this.t.missing[p])))
        : h("p", { class: "ready" }, this.t.ready),
    );
  }

  /**
   * R2: the widget's channels, one checkbox each. A channel without an
   * active integration cannot be turned on (the API would refuse it), but
   * one already on can be turned off.
   */
  private widgetForm(w: op.Widget, active: Set<op.Channel>): HTMLFormElement {
    const status = h("p", { class: "status", role: "status" });
    const boxes = op.socialChannels.map((ch) => {
      const on = w.socialChannels.includes(ch);
      const id = `widget-${w.id}-${ch}`;
      const box = h("input", { type: "checkbox", id, name: "channel", value: ch, checked: on, disabled: !on && !active.has(ch) });
      return { box, label: h("label", { for: id }, box, " ", this.t.channels[ch], !active.has(ch) && h("span", { class: "hint" }, ` (${this.t.noIntegration})`)) };
    });
    const fallbackID = `widget-${w.id}-unread`;
    const fallback = h("input", { type: "number", id: fallbackID, name: "unreadFallbackMinutes", min: "0", max: "1440", value: String(w.unreadFallbackMinutes) });
    const save = async (): Promise<void> => {
      const saved = this.saves.begin(`form.widget[data-widget="${w.id}"]`);
      status.textContent = "";
      const channels = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      await this.api.request<op.SetWidgetChannels>(op.setWidgetChannels, { id: w.id, channels });
      const minutes = Number(fallback.value || "0");
      if (minutes !== w.unreadFallbackMinutes) await this.api.request(op.setWidgetUnreadFallback, { id: w.id, minutes });
      await this.load();
      saved(this.t.saved);
    };
    return h(
      "form",
      { class: "widget", "data-widget": w.id, onsubmit: (e) => (e.preventDefault(), void this.notice.run(save)) },
      h("fieldset", {}, h("legend", {}, this.t.allowSwitch(w.name)), ...boxes.map((b) => b.label)),
      h("div", { class: "field" }, h("label", { for: fallbackID }, this.t.unreadFallback), fallback),
      h("button", { type: "submit" }, this.t.save),
      status,
    );
  }

  private showIntegrations(list: op.Integration[]): void {
    const t = this.t;
    if (!list.length) {
      this.integrations.replaceChildren(h("p", { class: "empty" }, t.noIntegrations));
      return;
    }
    const c = t.columns;
    this.integrations.replaceChildren(
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, ...[c.channel, c.name, c.handle, c.status, c.health, c.lastError].map((n) => h("th", { scope: "col" }, n)))),
        h(
          "tbody",
          {},
          ...list.map((i) =>
            h(
              "tr",
              { "data-integration": i.id },
              h("td", {}, t.channels[i.channel], i.sandbox && ` (${t.sandbox})`),
              h("td", {}, i.displayName),
              h("td", {}, i.handle),
              h("td", { class: `integration-status ${i.status.toLowerCase()}` }, t.status[i.status]),
              h("td", { class: "integration-health" }, this.healthLine(i.health)),
              h("td", { class: "last-error" }, i.lastError && `${i.lastError}${i.lastErrorAt ? ` (${new Date(i.lastErrorAt).toLocaleString()})` : ""}`),
            ),
          ),
        ),
      ),
    );
  }

  /** The integration's health in one line (R38), ages from this browser's clock. */
  private healthLine(hl: op.IntegrationHealth): string {
    const t = this.t.health;
    const ago = (at: string | null) => at && t.ago(Math.floor((Date.now() - new Date(at).getTime()) / 60_000));
    const attempts = hl.sentAttempts + hl.failedAttempts;
    return [
      t.webhook(ago(hl.lastWebhookAt)),
      t.sent(ago(hl.lastSentAt)),
      t.failures(Math.round(hl.failureRatio * 100), attempts, hl.windowSeconds / 3600),
      t.waiting(hl.waitingReplies, ago(hl.oldestWaitingAt)),
    ].join(" · ");
  }

  private connectSandboxForm(): HTMLFormElement {
    const t = this.t;
    const field = (name: string, label: string, input: HTMLInputElement | HTMLSelectElement) => {
      input.id = `connect-${name}`;
      input.name = name;
      return h("div", { class: "field" }, h("label", { for: input.id }, label), input);
    };
    const channel = h("select", {}, ...op.socialChannels.map((ch) => h("option", { value: ch }, t.channels[ch])));
    const businessId = h("input", { required: true, autocomplete: "off" });
    const handle = h("input", { required: true, autocomplete: "off" });
    const displayName = h("input", { autocomplete: "off" });
    const connect = async (): Promise<void> => {
      this.connectStatus.textContent = "";
      const { connectIntegration: c } = await this.api.request<op.ConnectSandbox>(op.connectSandbox, {
        channel: channel.value,
        businessId: businessId.value.trim(),
        handle: handle.value.trim(),
        displayName: displayName.value.trim() || null,
      });
      form.reset();
      await this.load();
      this.connectStatus.textContent = t.connected(c.integration.displayName || c.integration.handle);
    };
    const form = h(
      "form",
      { class: "connect", "aria-describedby": "connect-hint", onsubmit: (e) => (e.preventDefault(), void this.notice.run(connect)) },
      h("p", { id: "connect-hint", class: "hint" }, t.connectHint),
      field("channel", t.channel, channel),
      field("businessId", t.businessId, businessId),
      field("handle", t.handle, handle),
      field("displayName", t.displayName, displayName),
      h("button", { type: "submit" }, t.connectButton),
    );
    return form;
  }
}
