// What the agent sees, one component each. Components render what they are
// given and report what the agent does; the Workspace decides the rest.
import type { Uploaded } from "../shared/api";
import { h, present } from "../shared/dom";
import { Attacher, drawnKey, filesView } from "../shared/files";
import type { Channel, Conversation, DeliveryState, Message, ReplyOptions, Template } from "./operations";
import type { Strings } from "./strings";

function badge(t: Strings, channel: Channel): HTMLElement {
  return h("span", { class: "badge", "data-channel": channel }, t.channels[channel]);
}

function time(iso: string): string {
  return new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "short" });
}

/**
 * The account's conversations, most recent activity first, each a button
 * that opens it. A conversation keeps its element while it updates, so a
 * click that lands as a message arrives still opens it and the keyboard
 * stays where it was.
 */
export class ConversationList {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLLIElement;
  private readonly all = new Map<string, { conversation: Conversation; button: HTMLButtonElement; item: HTMLLIElement }>();
  private selected = "";

  constructor(
    private readonly t: Strings,
    private readonly open: (id: string) => void,
  ) {
    this.empty = h("li", { class: "empty" }, t.noConversations);
    this.list = h("ul", { class: "conversations" }, this.empty);
    this.el = h("nav", { "aria-labelledby": "ws-conversations" }, h("h2", { id: "ws-conversations" }, t.conversations), this.list);
  }

  /** Adds or updates conversations: an event carries its conversation as it left it. */
  upsert(...cs: Conversation[]): void {
    for (const c of cs) {
      let shown = this.all.get(c.id);
      if (!shown) {
        const button = h("button", { type: "button", "data-id": c.id, onclick: () => this.open(c.id) });
        shown = { conversation: c, button, item: h("li", {}, button) };
        this.all.set(c.id, shown);
      }
      shown.conversation = c;
      this.fill(shown.button, c);
    }
    this.order();
  }

  select(id: string): void {
    this.selected = id;
    for (const { conversation, button } of this.all.values()) this.fill(button, conversation);
  }

  clear(): void {
    this.all.clear();
    this.selected = "";
    this.list.replaceChildren(this.empty);
  }

  private fill(button: HTMLButtonElement, c: Conversation): void {
    if (c.id === this.selected) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
    button.replaceChildren(
      ...present([
        h("span", { class: "name" }, c.endUser.name || this.t.anonymous),
        badge(this.t, c.lastChannel),
        c.status === "CLOSED" && h("span", { class: "status" }, this.t.closed),
        h("time", { datetime: c.updatedAt }, time(c.updatedAt)),
      ]),
    );
  }

  /** Puts the items in order, moving only those out of place. */
  private order(): void {
    const sorted = [...this.all.values()].sort((a, b) => Date.parse(b.conversation.updatedAt) - Date.parse(a.conversation.updatedAt));
    if (sorted.length === 0) return;
    this.empty.remove();
    const focused = document.activeElement;
    sorted.forEach(({ item }, i) => {
      if (this.list.children[i] !== item) this.list.insertBefore(item, this.list.children[i] ?? null);
    });
    // Moving an element takes the keyboard focus from it; give it back.
    if (focused instanceof HTMLElement && focused !== document.activeElement && this.list.contains(focused)) focused.focus();
  }
}

const rank: Record<DeliveryState, number> = { HELD: -1, QUEUED: 0, SENT: 1, DELIVERED: 2, READ: 3, FAILED: 4 };

/** A conversation's whole history, every message with its channel badge, each reply with its delivery state (R13, R17). */
export class History {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly items = new Map<string, { message: Message; el: HTMLLIElement; drawn: string }>();

  constructor(private readonly t: Strings) {
    this.list = h("ol", {});
    // The log wraps the list: a list with the log's role would no longer
    // be a list to its items.
    this.el = h("div", { class: "history", role: "log", "aria-label": t.history, tabindex: "0" }, this.list);
  }

  clear(): void {
    this.items.clear();
    this.list.replaceChildren();
  }

  /** Adds a message in seq order, or updates it; a state read earlier never replaces a later one (R17). */
  upsert(m: Message): void {
    const old = this.items.get(m.id);
    if (old?.message.deliveryState && m.deliveryState && rank[m.deliveryState] < rank[old.message.deliveryState]) return;
    const drawn = drawnKey(m);
    if (old?.drawn === drawn) return;
    const el = this.render(m);
    if (old) {
      old.el.replaceWith(el);
    } else {
      const after = [...this.items.values()].find((i) => i.message.seq > m.seq);
      this.list.insertBefore(el, after ? after.el : null);
    }
    this.items.set(m.id, { message: m, el, drawn });
    el.scrollIntoView?.({ block: "end" });
  }

  private render(m: Message): HTMLLIElement {
    const t = this.t;
    if (m.note) {
      const n = m.note;
      const text = t.notes[n.kind](t.channels[n.channel], n.identity, n.previousChannel ? t.channels[n.previousChannel] : undefined);
      return h("li", { class: "note", "data-kind": n.kind, "data-channel": n.channel }, h("p", { class: "text" }, text));
    }
    return h(
      "li",
      { class: `msg ${m.authorRole.toLowerCase()}`, "data-id": m.id, "data-channel": m.channel },
      h("span", { class: "meta" }, h("span", { class: "author" }, m.authorName), badge(t, m.channel), h("time", { datetime: m.createdAt }, time(m.createdAt))),
      h("p", { class: "text" }, m.text),
      filesView(t.files, m.attachments, m.location),
      !!m.choices?.length && h("ol", { class: "choices" }, ...m.choices.map((c) => h("li", { "data-choice": c.id }, c.title))),
      m.choiceId && h("p", { class: "chose" }, t.chose(m.choiceId)),
      m.deliveryState &&
        h(
          "p",
          { class: "delivery", "data-state": m.deliveryState },
          t.delivery[m.deliveryState],
          m.deliveryState === "FAILED" && m.deliveryError ? `: ${m.deliveryError}` : "",
        ),
    );
  }
}

/** The customer card with the social identities (R16) and each channel's reply window (R17). */
export class CustomerCard {
  readonly el: HTMLElement;

  constructor(private readonly t: Strings) {
    this.el = h("aside", { class: "card", "aria-labelledby": "ws-customer" });
  }

  show(c: Conversation): void {
    const t = this.t;
    const ids = c.endUser.identities;
    this.el.replaceChildren(
      ...present([
      h("h2", { id: "ws-customer" }, t.customer),
      h("p", { class: "name" }, c.endUser.name || t.anonymous),
      c.endUser.email && h("p", {}, c.endUser.email),
      h("p", { class: "assignee" }, c.assignee ? t.assignedTo(c.assignee.name) : t.unassigned),
      ids.length === 0
        ? h("p", { class: "empty" }, t.noIdentities)
        : h(
            "ul",
            { class: "identities" },
            ...ids.map((i) =>
              h(
                "li",
                { "data-channel": i.channel },
                badge(t, i.channel),
                h("span", { class: "identity" }, i.displayName || i.masked),
                h("span", { class: "external" }, i.externalId),
                i.linkedAt && h("span", { class: "linked" }, t.linked),
              ),
            ),
          ),
      c.replyWindows.length > 0 && h("h3", {}, t.windows),
      c.replyWindows.length > 0 &&
        h(
          "ul",
          { class: "windows" },
          ...c.replyWindows.map((w) =>
            h(
              "li",
              { "data-channel": w.channel, "data-open": String(w.open) },
              badge(t, w.channel),
              " ",
              !w.until ? t.windowNever : !w.open ? t.windowClosed : w.humanAgent ? t.windowHumanAgent(time(w.until)) : t.windowOpen(time(w.until)),
            ),
          ),
        ),
      ]),
    );
  }
}

/**
 * The reply box. Its destination follows the channel the customer used
 * last until the agent picks another: the widget or any linked channel (R14).
 */
export class ReplyBox {
  readonly el: HTMLFormElement;
  private readonly destination: HTMLSelectElement;
  private readonly input: HTMLTextAreaElement;
  private readonly choices: HTMLTextAreaElement;
  private readonly holdBox: HTMLElement;
  private readonly hold: HTMLInputElement;
  private readonly template: HTMLSelectElement;
  private readonly parameters: HTMLTextAreaElement;
  private picked: Channel | null = null;
  private closed = new Set<Channel>();
  private templates: Template[] = [];

  private readonly attacher: Attacher;

  /**
   * @param send sends the reply with the attached files' ids (R30); with
   *   files, the text may be empty.
   * @param upload stores a file in the open conversation, or answers null
   *   when it was refused.
   */
  constructor(
    private readonly t: Strings,
    send: (text: string, channel: Channel, options: ReplyOptions, files: string[]) => Promise<boolean>,
    typed: () => void,
    upload: (file: File) => Promise<Uploaded | null>,
  ) {
    this.destination = h("select", {
      id: "ws-destination",
      name: "channel",
      onchange: () => {
        this.picked = this.destination.value as Channel;
        this.showHold();
      },
    });
    this.input = h("textarea", { id: "ws-reply", name: "text", rows: "3", maxlength: "4096", oninput: () => typed() });
    // R32: one choice per line; its id is its position.
    this.choices = h("textarea", { id: "ws-choices", name: "choices", rows: "2" });
    // R33: a reply past a closed window can wait for the customer, after a template.
    this.hold = h("input", { type: "checkbox", id: "ws-hold", name: "hold" });
    this.template = h("select", { id: "ws-template", name: "template" });
    this.parameters = h("textarea", { id: "ws-template-parameters", name: "templateParameters", rows: "2" });
    this.holdBox = h(
      "div",
      { class: "hold", hidden: true },
      h("label", { for: "ws-hold" }, this.hold, " ", t.hold),
      h("label", { for: "ws-template" }, t.template),
      this.template,
      h("label", { for: "ws-template-parameters" }, t.templateParameters),
      this.parameters,
    );
    const sendButton = h("button", { type: "submit", class: "send" }, t.send);
    this.attacher = new Attacher(t.files, upload, (busy) => (sendButton.disabled = busy));
    const submit = async (e: Event) => {
      e.preventDefault();
      const text = this.input.value.trim();
      const files = this.attacher.ids();
      if ((text || files.length > 0) && !this.attacher.uploading && (await send(text, this.destination.value as Channel, this.options(), files))) {
        this.input.value = "";
        this.choices.value = "";
        this.hold.checked = false;
        this.attacher.clear();
      }
    };
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) void submit(e);
    });
    this.el = h(
      "form",
      { class: "reply", onsubmit: (e) => void submit(e) },
      h("label", { for: "ws-destination" }, t.replyTo),
      this.destination,
      h("label", { for: "ws-reply", class: "visually-hidden" }, t.yourReply),
      this.input,
      h("label", { for: "ws-choices" }, t.choices),
      this.choices,
      this.holdBox,
      this.attacher.el,
      this.attacher.button,
      sendButton,
    );
  }

  private options(): ReplyOptions {
    const lines = (el: HTMLTextAreaElement) =>
      el.value
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "");
    const choices = lines(this.choices).map((title, i) => ({ id: `choice-${i + 1}`, title }));
    const hold = this.hold.checked && !this.holdBox.hidden ? { templateId: this.template.value || null, templateParameters: lines(this.parameters) } : null;
    return { choices, hold };
  }

  /** The approved templates an agent may send first (R33). */
  setTemplates(ts: Template[]): void {
    this.templates = ts.filter((t) => t.status === "APPROVED");
    this.template.replaceChildren(
      h("option", { value: "" }, this.t.noTemplate),
      ...this.templates.map((t) => h("option", { value: t.id }, `${t.name} (${t.language}, ${t.category}, ${t.parameterCount})`)),
    );
  }

  /** "Hold until they write" shows while the destination's window is closed. */
  private showHold(): void {
    this.holdBox.hidden = !this.closed.has(this.destination.value as Channel);
  }

  /** A newly opened conversation starts from its default destination, with nothing attached: files belong to their conversation. */
  reset(): void {
    this.picked = null;
    this.input.value = "";
    this.attacher.clear();
  }

  show(c: Conversation): void {
    // The widget, the linked channels, and any channel the conversation
    // reaches (one that started on WhatsApp has no link to it).
    const channels = [...new Set<Channel>(["WEB_WIDGET", ...c.linkedIdentities.map((l) => l.channel), ...c.replyWindows.map((w) => w.channel), c.lastChannel])];
    const last = c.lastChannel;
    // A destination the agent picked holds while it is still linked.
    if (this.picked && !channels.includes(this.picked)) this.picked = null;
    this.destination.replaceChildren(...channels.map((ch) => h("option", { value: ch }, this.t.channels[ch])));
    this.destination.value = this.picked ?? last;
    this.closed = new Set(c.replyWindows.filter((w) => !w.open).map((w) => w.channel));
    this.showHold();
  }

  focus(): void {
    this.input.focus();
  }
}
