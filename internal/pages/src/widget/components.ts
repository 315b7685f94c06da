// What the person sees, one component each. Components render what they
// are given and report what the person does; the Widget decides the rest.
import type { Uploaded } from "../shared/api";
import { h, present } from "../shared/dom";
import { Attacher, drawnKey, filesView } from "../shared/files";
import type { Channel, Choice, LinkedIdentity, LinkRequest, Message, Typing, WidgetConfig } from "./operations";
import type { Strings } from "./strings";

/** The header's options icon and the list of apps it opens (R4). */
export class ChannelMenu {
  readonly el: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly list: HTMLUListElement;

  constructor(
    private readonly t: Strings,
    private readonly pick: (channel: Channel) => void,
  ) {
    this.button = h(
      "button",
      { type: "button", class: "icon options", "aria-label": t.otherApps, title: t.otherApps, "aria-expanded": "false", "aria-controls": "ll-channels", onclick: () => this.toggle() },
      "⋯",
    );
    this.list = h("ul", { id: "ll-channels", class: "channel-menu", hidden: true });
    this.el = h("div", { class: "menu", hidden: true, onkeydown: (e) => this.escape(e as KeyboardEvent) }, this.button, this.list);
  }

  private shown: string | undefined;

  /** Shows the icon only when at least one channel is enabled, listing exactly those (R3, R4). */
  show(config: WidgetConfig): void {
    this.el.hidden = config.channels.length === 0;
    if (this.el.hidden) this.close(false);
    // The subscription repeats the settings the query read: rebuilding the
    // list only when it changed keeps a click on its way to its button.
    const key = config.channels.map((c) => c.channel).join();
    if (key === this.shown) return;
    this.shown = key;
    this.list.replaceChildren(
      ...config.channels.map(({ channel }) =>
        h("li", {}, h("button", { type: "button", "data-channel": channel, onclick: () => (this.close(false), this.pick(channel)) }, this.t.channels[channel])),
      ),
    );
  }

  focus(): void {
    if (!this.el.hidden) this.button.focus();
  }

  /** Escape closes the list first, and the panel only after. */
  private escape(e: KeyboardEvent): void {
    if (e.key !== "Escape" || this.list.hidden) return;
    e.preventDefault();
    this.close(true);
  }

  private toggle(): void {
    const open = this.list.hidden;
    this.list.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) this.list.querySelector("button")?.focus();
  }

  private close(refocus: boolean): void {
    this.list.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (refocus) this.button.focus();
  }
}

/** The social identities linked to the conversation, each with its Disconnect button (R6, R12). */
export class LinkedChannels {
  readonly el: HTMLUListElement;

  constructor(
    private readonly t: Strings,
    private readonly disconnect: (channel: Channel) => void,
  ) {
    this.el = h("ul", { class: "linked", "aria-label": t.linkedTo, hidden: true });
  }

  private shown = "";

  show(linked: LinkedIdentity[]): void {
    // Events repeat the list: rebuilding it only when it changed keeps a
    // focused Disconnect button focused.
    const key = JSON.stringify(linked);
    if (key === this.shown) return;
    this.shown = key;
    this.el.hidden = linked.length === 0;
    this.el.replaceChildren(
      ...linked.map(({ channel, masked }) =>
        h(
          "li",
          { "data-channel": channel },
          h("span", { class: "badge" }, this.t.channels[channel]),
          h("span", { class: "identity" }, masked),
          h("button", { type: "button", class: "disconnect", "aria-label": this.t.disconnectLabel(this.t.channels[channel], masked), onclick: () => this.disconnect(channel) }, this.t.disconnect),
        ),
      ),
    );
  }
}

/** The whole history, every message marked with its channel (R9). */
export class MessageList {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly items = new Map<string, { seq: number; el: HTMLLIElement; drawn: string }>();

  constructor(
    private readonly t: Strings,
    private readonly choose: (c: Choice) => void,
  ) {
    this.list = h("ol", {}, h("li", { class: "empty" }, t.emptyHistory));
    // The log wraps the list: a list with the log's role would no longer
    // be a list to its items.
    this.el = h("div", { class: "messages", role: "log", "aria-label": t.messages, tabindex: "0" }, this.list);
  }

  /** Adds a message in seq order, or replaces it: events may repeat what a query read (R21). */
  upsert(m: Message): void {
    const drawn = drawnKey(m);
    const old = this.items.get(m.id);
    if (old?.drawn === drawn) return;
    const el = h(
      "li",
      { class: `msg ${m.authorRole.toLowerCase()}`, "data-channel": m.channel },
      // A note names its channel in its text.
      m.authorRole !== "SYSTEM" && h("span", { class: "meta" }, h("span", { class: "author" }, m.authorName), h("span", { class: "badge" }, this.t.channels[m.channel])),
      h("p", { class: "text" }, m.note ? this.t.notes[m.note.kind](this.t.channels[m.note.channel], m.note.identity) : m.text),
      filesView(this.t.files, m.attachments, m.location),
      // R32: an agent's choices as buttons; a tap answers with the choice's id.
      m.choices?.length > 0 &&
        h("div", { class: "choices", role: "group", "aria-label": this.t.choices }, ...m.choices.map((c) => h("button", { type: "button", class: "choice", "data-choice": c.id, onclick: () => this.choose(c) }, c.title))),
    );
    if (old) {
      old.el.replaceWith(el);
    } else {
      const after = [...this.items.values()].find((i) => i.seq > m.seq);
      this.list.insertBefore(el, after ? after.el : null);
      this.list.querySelector(".empty")?.remove();
    }
    this.items.set(m.id, { seq: m.seq, el, drawn });
    el.scrollIntoView?.({ block: "end" });
  }
}

/** "… is typing" under the history, until the typing lapses or the message arrives (R31). */
export class TypingIndicator {
  readonly el: HTMLParagraphElement;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly says: (name: string) => string) {
    this.el = h("p", { class: "typing", role: "status", hidden: true });
  }

  show(typing: Typing): void {
    clearTimeout(this.timer);
    this.el.textContent = this.says(typing.name);
    this.el.hidden = false;
    this.timer = setTimeout(() => this.hide(), Math.max(0, Date.parse(typing.until) - Date.now()));
  }

  hide(): void {
    clearTimeout(this.timer);
    this.el.hidden = true;
  }
}

/** A link request on screen: the QR code, the deep link, its live state and the back icon (R5, R6). */
export class LinkPanel {
  readonly el: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly body: HTMLDivElement;
  private readonly backButton: HTMLButtonElement;

  constructor(
    private readonly t: Strings,
    private readonly back: () => void,
  ) {
    this.backButton = h("button", { type: "button", class: "icon back", "aria-label": t.back, title: t.back, onclick: () => this.back() }, "←");
    this.heading = h("h2", {});
    this.body = h("div", {});
    this.el = h("section", { class: "link", hidden: true }, h("div", { class: "link-head" }, this.backButton, this.heading), this.body);
  }

  show(req: LinkRequest | null, linked: LinkedIdentity[]): void {
    this.el.hidden = !req;
    if (!req) return this.body.replaceChildren();
    const name = this.t.channels[req.channel];
    const identity = linked.find((l) => l.channel === req.channel)?.masked;
    const open = req.status === "PENDING" && !!req.deepLink;
    this.heading.textContent = name;
    this.body.replaceChildren(
      ...present([
      open && h("p", {}, this.t.scan(name)),
      open && req.qrCodeDataUri && h("img", { class: "qr", src: req.qrCodeDataUri, alt: this.t.qrAlt(name), width: "200", height: "200" }),
      open && h("a", { class: "open-app", href: req.deepLink!, target: "_blank", rel: "noopener" }, this.t.openApp),
      h("p", { class: "status", "data-status": req.status, role: "status" }, req.status === "LINKED" && identity ? this.t.linkedAs(identity) : this.t.linkStatus[req.status]),
      req.status === "LINKED" && h("button", { type: "button", class: "done", onclick: () => this.back() }, this.t.done),
      ]),
    );
  }

  focus(): void {
    this.backButton.focus();
  }
}

/** The message box (Enter sends, Shift+Enter starts a new line), with its attach button (R30). */
export class Composer {
  readonly el: HTMLFormElement;
  private readonly input: HTMLTextAreaElement;
  private readonly attacher: Attacher;

  /**
   * @param send sends the text and the attached files' ids; with files, the
   *   text may be empty.
   */
  constructor(t: Strings, send: (text: string, files: string[]) => Promise<boolean>, typed: () => void, upload: (file: File) => Promise<Uploaded | null>) {
    this.input = h("textarea", { name: "text", rows: "2", "aria-label": t.yourMessage, placeholder: t.yourMessage, maxlength: "4096", oninput: () => typed() });
    const sendButton = h("button", { type: "submit", class: "send" }, t.send);
    this.attacher = new Attacher(t.files, upload, (busy) => (sendButton.disabled = busy));
    const submit = async (e: Event) => {
      e.preventDefault();
      const text = this.input.value.trim();
      const files = this.attacher.ids();
      if ((text || files.length > 0) && !this.attacher.uploading && (await send(text, files))) {
        this.input.value = "";
        this.attacher.clear();
      }
    };
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) void submit(e);
    });
    this.el = h("form", { class: "composer", onsubmit: (e) => void submit(e) }, this.attacher.el, this.attacher.button, this.input, sendButton);
  }

  focus(): void {
    this.input.focus();
  }
}
