// The account's people and the admin's API tokens (R28): admins invite
// agents, whose first token is shown once; change roles; deactivate
// members; and list, create (the secret shown once) and revoke their own
// tokens. The API enforces every rule (the last admin stays, a revoked
// token stops at once): the page shows what it refused.
import { type Api, ApiError } from "../shared/api";
import { h } from "../shared/dom";
import type { Notice } from "../shared/notice";
import * as op from "./operations";
import type { Strings } from "./strings";

export class Team {
  readonly members = h("div", { class: "members" });
  readonly tokens = h("div", { class: "api-tokens" });
  private readonly memberStatus = h("p", { class: "status", role: "status" });
  private readonly inviteStatus = h("p", { class: "status", role: "status" });
  private readonly tokenStatus = h("p", { class: "status", role: "status" });
  private readonly inviteForm: HTMLFormElement;
  private readonly tokenForm: HTMLFormElement;
  private readonly memberList = h("div", {});
  private readonly tokenList = h("div", {});

  constructor(
    private readonly api: Api,
    private readonly notice: Notice,
    private readonly t: Strings["team"],
    private readonly signedOut: () => void,
  ) {
    this.inviteForm = this.invite();
    this.tokenForm = this.create();
    this.members.append(this.memberList, this.memberStatus, h("h3", {}, t.invite), this.inviteForm, this.inviteStatus);
    this.tokens.append(this.tokenList, h("h3", {}, t.newToken), this.tokenForm, this.tokenStatus);
  }

  async load(): Promise<void> {
    const r = await this.api.request<op.Team>(op.team);
    this.showMembers(r.agents, r.viewer.agent.id);
    this.showTokens(r.apiTokens);
  }

  private showMembers(list: op.Member[], self: string): void {
    const t = this.t;
    const c = t.columns;
    this.memberList.replaceChildren(
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, ...[c.name, c.email, c.role, c.status, c.actions].map((n) => h("th", { scope: "col" }, n)))),
        h("tbody", {}, ...list.map((m) => this.memberRow(m, m.id === self))),
      ),
    );
  }

  private memberRow(m: op.Member, self: boolean): HTMLTableRowElement {
    const t = this.t;
    const role = h(
      "select",
      { "aria-label": t.roleOf(m.name), disabled: !m.active, onchange: () =>
          void this.change(() => this.api.request(op.setAgentRole, { id: m.id, role: role.value }), t.roleChanged(m.name), this.memberStatus, () => (role.value = m.role)),
      },
      ...op.agentRoles.map((r) => h("option", { value: r, selected: r === m.role }, t.roles[r])),
    );
    return h(
      "tr",
      { "data-agent": m.id },
      h("td", {}, m.name, self && ` (${t.you})`),
      h("td", {}, m.email),
      h("td", {}, role),
      h("td", { class: m.active ? "active" : "deactivated" }, m.active ? t.active : t.deactivated),
      h(
        "td",
        {},
        m.active &&
          h(
            "button",
            { type: "button", class: "deactivate", onclick: () => void this.change(() => this.api.request(op.deactivateAgent, { id: m.id }), t.deactivatedOne(m.name), this.memberStatus) },
            t.deactivate,
          ),
      ),
    );
  }

  private showTokens(list: op.ApiToken[]): void {
    const t = this.t;
    const c = t.columns;
    const when = (at: string | null, none: string) => (at ? new Date(at).toLocaleString() : none);
    this.tokenList.replaceChildren(
      list.length
        ? h(
            "table",
            {},
            h("thead", {}, h("tr", {}, ...[c.name, c.created, c.lastUsed, c.expires, c.actions].map((n) => h("th", { scope: "col" }, n)))),
            h(
              "tbody",
              {},
              ...list.map((k) =>
                h(
                  "tr",
                  { "data-token": k.id },
                  h("td", {}, k.name),
                  h("td", {}, when(k.createdAt, "")),
                  h("td", {}, when(k.lastUsedAt, t.never)),
                  h("td", {}, when(k.expiresAt, t.never)),
                  h(
                    "td",
                    {},
                    h(
                      "button",
                      { type: "button", class: "revoke", onclick: () => void this.change(() => this.api.request(op.revokeApiToken, { id: k.id }), t.revoked(k.name), this.tokenStatus) },
                      t.revoke,
                    ),
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "empty" }, t.noTokens),
    );
  }

  /**
   * Runs a change, reads the team again and says so in status; a refused
   * change is undone on the page. Revoking the token the page signed in
   * with (or deactivating oneself) ends the sign-in: the page asks for a
   * token again.
   */
  private async change(f: () => Promise<unknown>, done: string, status: HTMLElement, undo = (): void => {}): Promise<void> {
    status.textContent = "";
    try {
      await f();
      await this.load();
      this.notice.show("");
      status.textContent = done;
    } catch (e) {
      undo();
      if (e instanceof ApiError && e.code === "UNAUTHENTICATED") this.signedOut();
      this.notice.fail(e);
    }
  }

  private invite(): HTMLFormElement {
    const t = this.t;
    const name = h("input", { id: "invite-name", required: true, autocomplete: "off", maxlength: "200" });
    const email = h("input", { id: "invite-email", type: "email", required: true, autocomplete: "off" });
    const role = h("select", { id: "invite-role" }, ...op.agentRoles.map((r) => h("option", { value: r }, t.roles[r])));
    const submit = async (): Promise<void> => {
      this.inviteStatus.replaceChildren();
      const { inviteAgent: r } = await this.api.request<op.InviteAgent>(op.inviteAgent, { name: name.value.trim(), email: email.value.trim(), role: role.value });
      form.reset();
      await this.load();
      this.inviteStatus.replaceChildren(t.invited(r.agent.name), " ", secret(r.token, t.onlyOnce));
    };
    const form = h(
      "form",
      { class: "invite", onsubmit: (e) => (e.preventDefault(), void this.notice.run(submit)) },
      field("invite-name", t.name, name),
      field("invite-email", t.email, email),
      field("invite-role", t.role, role),
      h("button", { type: "submit" }, t.inviteButton),
    );
    return form;
  }

  private create(): HTMLFormElement {
    const t = this.t;
    const name = h("input", { id: "token-name", required: true, autocomplete: "off", maxlength: "100" });
    const expires = h("input", { id: "token-expires", type: "date", "aria-describedby": "token-expires-hint" });
    const submit = async (): Promise<void> => {
      this.tokenStatus.replaceChildren();
      // The token works through the whole day chosen, in the admin's time zone.
      const expiresAt = expires.value ? new Date(`${expires.value}T23:59:59`).toISOString() : null;
      const { createApiToken: r } = await this.api.request<op.CreateApiToken>(op.createApiToken, { name: name.value.trim(), expiresAt });
      form.reset();
      await this.load();
      this.tokenStatus.replaceChildren(t.created(r.apiToken.name), " ", secret(r.token, t.onlyOnce));
    };
    const form = h(
      "form",
      { class: "new-token", onsubmit: (e) => (e.preventDefault(), void this.notice.run(submit)) },
      field("token-name", t.tokenName, name),
      field("token-expires", t.expires, expires),
      h("p", { id: "token-expires-hint", class: "hint" }, t.expiresHint),
      h("button", { type: "submit" }, t.createButton),
    );
    return form;
  }
}

function field(id: string, label: string, input: HTMLElement): HTMLDivElement {
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

/** A secret the API shows once, selectable for copying, with why to copy it now. */
function secret(value: string, hint: string): HTMLSpanElement {
  return h("span", {}, h("code", { class: "secret" }, value), " ", h("span", { class: "hint" }, hint));
}
