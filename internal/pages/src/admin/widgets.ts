// A widget's setup (R28): its name, the sites that may embed it (allowed
// origins, or any site as an explicit choice), the language of what it
// sends on social channels (R27), the tag that embeds it, and deleting it;
// a form that creates one; and the account's switches: the agent
// workspace, which linking needs (R1), and round-robin auto-assignment
// (R29). The API checks every value; the page shows what it refused and,
// after each change, what the server made of it.
import type { Api } from "../shared/api";
import { h } from "../shared/dom";
import type { Notice } from "../shared/notice";
import * as op from "./operations";
import type { Saves } from "./saves";
import type { Strings } from "./strings";

export class Setup {
  constructor(
    private readonly api: Api,
    private readonly notice: Notice,
    private readonly t: Strings["setup"],
    /** Reads the page's settings again. */
    private readonly reload: () => Promise<void>,
    private readonly saves: Saves,
  ) {}

  /** R1, R29: the account's switches. */
  account(a: op.AccountSettings): HTMLFormElement {
    const t = this.t;
    const status = h("p", { class: "status", role: "status" });
    const workspace = h("input", { type: "checkbox", id: "account-workspace", checked: a.agentWorkspace });
    const cap = h("input", { type: "number", id: "account-cap", min: "0", max: "100", value: String(a.autoAssignCap), "aria-describedby": "account-cap-hint" });
    const save = async (): Promise<void> => {
      const saved = this.saves.begin("form.account");
      status.textContent = "";
      if (workspace.checked !== a.agentWorkspace) await this.api.request(op.setAgentWorkspace, { on: workspace.checked });
      if (Number(cap.value) !== a.autoAssignCap) await this.api.request(op.setAutoAssignment, { cap: Number(cap.value) });
      await this.reload();
      saved(t.saved);
    };
    return h(
      "form",
      { class: "account", onsubmit: (e) => (e.preventDefault(), void this.notice.run(save)) },
      h("label", { for: "account-workspace" }, workspace, " ", t.workspace),
      h("p", { class: "hint" }, t.workspaceHint),
      h("label", { for: "account-cap" }, t.cap),
      cap,
      h("p", { id: "account-cap-hint", class: "hint" }, t.capHint),
      h("button", { type: "submit" }, t.save),
      status,
    );
  }

  /** R28: one widget's setup. */
  widget(w: op.Widget): HTMLFormElement {
    const t = this.t;
    const id = (name: string) => `widget-${w.id}-${name}`;
    const anySite = w.allowedOrigins.includes("*");
    const name = h("input", { id: id("name"), value: w.name, required: true, maxlength: "100", autocomplete: "off" });
    const origins = h("textarea", { id: id("origins"), rows: "3", "aria-describedby": id("origins-hint"), disabled: anySite });
    origins.value = anySite ? "" : w.allowedOrigins.join("\n");
    const any = h("input", { type: "checkbox", id: id("any"), checked: anySite, onchange: () => (origins.disabled = any.checked) });
    const language = h("select", { id: id("language") }, ...op.languages.map((l) => h("option", { value: l, selected: l === w.language }, t.languages[l])));
    const status = h("p", { class: "status", role: "status" });
    const remove = h("button", { type: "button", class: "delete" }, t.delete);
    remove.addEventListener("click", () => {
      // A second click confirms: deleting ends the widget on every site.
      if (remove.dataset.confirm) {
        void this.notice.run(async () => {
          await this.api.request(op.deleteWidget, { id: w.id });
          await this.reload();
        });
        return;
      }
      remove.dataset.confirm = "1";
      remove.textContent = t.confirmDelete(w.name);
    });
    const save = async (): Promise<void> => {
      const saved = this.saves.begin(`form.widget-setup[data-widget="${w.id}"]`);
      status.textContent = "";
      if (name.value.trim() !== w.name) await this.api.request(op.renameWidget, { id: w.id, name: name.value.trim() });
      const list = any.checked ? [] : lines(origins.value);
      if (any.checked !== anySite || list.join("\n") !== (anySite ? "" : w.allowedOrigins.join("\n"))) {
        await this.api.request(op.setWidgetOrigins, { id: w.id, origins: list, any: any.checked });
      }
      if (language.value !== w.language) await this.api.request(op.setWidgetLanguage, { id: w.id, language: language.value });
      await this.reload();
      saved(t.saved);
    };
    return h(
      "form",
      { class: "widget-setup", "data-widget": w.id, onsubmit: (e) => (e.preventDefault(), void this.notice.run(save)) },
      h(
        "fieldset",
        {},
        h("legend", {}, t.setupOf(w.name)),
        field(id("name"), t.name, name),
        field(id("origins"), t.origins, origins),
        h("p", { id: id("origins-hint"), class: "hint" }, t.originsHint),
        h("label", { for: id("any") }, any, " ", t.anySite),
        field(id("language"), t.language, language),
        h("p", { class: "embed" }, t.embed, " ", h("code", { class: "secret" }, embedTag(w.key))),
      ),
      h("button", { type: "submit" }, t.save),
      remove,
      status,
    );
  }

  /** R28: a new widget. */
  create(): HTMLFormElement {
    const t = this.t;
    const status = h("p", { class: "status", role: "status" });
    const name = h("input", { id: "new-widget-name", required: true, maxlength: "100", autocomplete: "off" });
    const origins = h("textarea", { id: "new-widget-origins", rows: "3", "aria-describedby": "new-widget-origins-hint" });
    const any = h("input", { type: "checkbox", id: "new-widget-any", onchange: () => (origins.disabled = any.checked) });
    const language = h("select", { id: "new-widget-language" }, ...op.languages.map((l) => h("option", { value: l }, t.languages[l])));
    const create = async (): Promise<void> => {
      status.textContent = "";
      const { createWidget: r } = await this.api.request<op.CreateWidget>(op.createWidget, {
        name: name.value.trim(),
        origins: any.checked ? [] : lines(origins.value),
        any: any.checked,
        language: language.value,
      });
      form.reset();
      origins.disabled = false;
      await this.reload();
      status.textContent = t.created(r.widget.name);
    };
    const form = h(
      "form",
      { class: "new-widget", onsubmit: (e) => (e.preventDefault(), void this.notice.run(create)) },
      field("new-widget-name", t.name, name),
      field("new-widget-origins", t.origins, origins),
      h("p", { id: "new-widget-origins-hint", class: "hint" }, t.originsHint),
      h("label", { for: "new-widget-any" }, any, " ", t.anySite),
      field("new-widget-language", t.language, language),
      h("button", { type: "submit" }, t.create),
      status,
    );
    return form;
  }
}

function field(id: string, label: string, input: HTMLElement): HTMLDivElement {
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

/** The non-empty lines of a text area, trimmed: one origin each. */
function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** The tag a site embeds the widget with, served by this server. */
function embedTag(key: string): string {
  return `<script async src="${location.origin}/widget.js" data-widget-key="${key}"></script>`;
}
