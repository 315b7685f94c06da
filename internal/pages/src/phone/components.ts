// What the person sees on the phone, one component each. Components render
// what they are given and report what the person does; the Phone decides
// the rest.
import { h, icon, icons, present } from "../shared/dom";
import { filesView, type Attachment, type AttachmentKind } from "../shared/files";
import type { Line, Media, MediaKind } from "./sandbox";
import type { Strings } from "./strings";

/** "Scans" the widget's QR code: takes the link it holds, or the widget's "Open the app" link (R5). */
export class LinkOpener {
  readonly el: HTMLFormElement;

  constructor(t: Strings, open: (link: string) => Promise<boolean>) {
    const input = h("input", { id: "phone-link", name: "link", type: "url", required: true, placeholder: "https://…", "aria-describedby": "phone-link-hint" });
    this.el = h(
      "form",
      {
        class: "scan",
        onsubmit: async (e) => {
          e.preventDefault();
          if (await open(input.value.trim())) input.value = "";
        },
      },
      h("label", { for: "phone-link" }, t.scan),
      h("p", { id: "phone-link-hint", class: "hint" }, t.scanHint),
      h("div", { class: "row" }, input, h("button", { type: "submit" }, t.open)),
    );
  }
}

/** The chat, oldest first: the business's messages with their reply choices, the phone's with their ticks. */
export class Thread {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLParagraphElement;

  constructor(
    private readonly t: Strings,
    private readonly tap: (choiceId: string) => void,
  ) {
    this.list = h("ol", {});
    this.empty = h("p", { class: "empty" }, t.empty);
    this.el = h("section", { class: "thread", "aria-label": t.chat, "aria-live": "polite" }, this.empty, this.list);
  }

  /** The lines shown, by id, with what they were drawn from. */
  private readonly shown = new Map<string, { el: HTMLLIElement; drawn: string }>();

  /**
   * Shows lines. A line keeps its element while it stays the same (a read
   * receipt only marks it), so that a tap on a prompt's button that lands
   * as the screen changes is not lost.
   */
  show(lines: Line[]): void {
    const bottom = this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - 20;
    this.empty.hidden = lines.length > 0;
    const ids = new Set(lines.map((l) => l.id));
    for (const [id, s] of this.shown) {
      if (ids.has(id)) continue;
      s.el.remove();
      this.shown.delete(id);
    }
    let previous: HTMLLIElement | null = null;
    for (const l of lines) {
      const drawn = JSON.stringify([l.text, l.choices, l.state, l.media]);
      let s = this.shown.get(l.id);
      if (s?.drawn !== drawn) {
        const el = this.line(l);
        s?.el.replaceWith(el);
        s = { el, drawn };
        this.shown.set(l.id, s);
      }
      s.el.dataset.read = String(Boolean(l.read));
      if (!s.el.isConnected || s.el.previousElementSibling !== previous) {
        if (previous) previous.after(s.el);
        else this.list.prepend(s.el);
      }
      previous = s.el;
    }
    if (bottom) this.el.scrollTop = this.el.scrollHeight;
  }

  private line(l: Line): HTMLLIElement {
    const time = new Date(l.time);
    return h(
      "li",
      { class: `msg ${l.from}`, "data-id": l.id },
      h("p", { class: "text" }, l.text),
      ...present([
        l.media?.kind === "location"
          ? filesView(this.t.files, [], { latitude: l.media.latitude ?? NaN, longitude: l.media.longitude ?? NaN, name: l.media.name ?? "", address: l.media.address ?? "" })
          : !!l.media && filesView(this.t.files, [attachment(l.media)], null),
        !!l.template && h("p", { class: "template" }, l.template),
        !!l.choices?.length && l.form !== "list" &&
          h("div", { class: "choices", "data-form": l.form ?? "buttons" }, ...l.choices.map((c) => h("button", { type: "button", "data-choice": c.id, onclick: () => this.tap(c.id) }, c.title))),
        // A WhatsApp list opens from its menu button (R32).
        !!l.choices?.length && l.form === "list" &&
          h(
            "details",
            { class: "choices", "data-form": "list" },
            h("summary", {}, l.menu ?? ""),
            ...l.choices.map((c) => h("button", { type: "button", "data-choice": c.id, onclick: () => this.tap(c.id) }, c.title)),
          ),
        h(
          "p",
          { class: "meta" },
          h("time", { datetime: l.time }, time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })),
          l.state && new DeliveryTicks(this.t, l.state).el,
        ),
      ]),
    );
  }
}

/** A file on a line as the widget and the workspace draw theirs: there until its URL is. */
function attachment(m: Media): Attachment {
  const kinds: Record<Exclude<MediaKind, "location">, AttachmentKind> = { image: "IMAGE", video: "VIDEO", audio: "AUDIO", document: "DOCUMENT", sticker: "STICKER" };
  return {
    kind: kinds[m.kind as Exclude<MediaKind, "location">] ?? "DOCUMENT",
    state: m.url ? "STORED" : "RECEIVING",
    name: m.name ?? "",
    contentType: m.contentType ?? "",
    size: m.size ?? 0,
    url: m.url ?? null,
  };
}

/** The ticks of a message the phone sent: ✓ sent, ✓✓ delivered, ✓✓ blue once the business read it (R31), ! not delivered. */
export class DeliveryTicks {
  readonly el: HTMLSpanElement;

  constructor(t: Strings, state: NonNullable<Line["state"]>) {
    const marks = { sent: "✓", delivered: "✓✓", read: "✓✓", failed: "!" }[state];
    this.el = h("span", { class: "ticks", "data-state": state, title: t.ticks[state] }, h("span", { "aria-hidden": "true" }, marks), h("span", { class: "visually-hidden" }, t.ticks[state]));
  }
}

/** The kind a picked file is sent as, from its type, as the apps decide. */
export function mediaKind(file: File): Exclude<MediaKind, "location" | "sticker"> {
  const [top] = file.type.split("/");
  if (top === "image" || top === "video" || top === "audio") return top;
  return "document";
}

/**
 * The message box (Enter sends, Shift+Enter starts a new line), the attach
 * button (a picked file goes at once, with what is typed as its caption) and
 * "share location" (R30).
 */
export class Composer {
  readonly el: HTMLFormElement;

  constructor(t: Strings, send: (text: string) => Promise<boolean>, attach: (file: File, caption: string) => Promise<boolean>, share: () => Promise<boolean>) {
    const input = h("textarea", { name: "text", rows: "1", "aria-label": t.yourMessage, placeholder: t.yourMessage, maxlength: "4096" });
    const submit = async (e: Event) => {
      e.preventDefault();
      const text = input.value.trim();
      if (text && (await send(text))) input.value = "";
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) void submit(e);
    });
    const attachButton = h("button", { type: "button", class: "attach", "aria-label": t.attach, title: t.attach, onclick: () => file.click() }, icon(icons.attach));
    const file: HTMLInputElement = h("input", {
      type: "file",
      class: "file-input",
      hidden: true,
      onchange: async () => {
        const picked = file.files?.[0];
        file.value = "";
        if (!picked) return;
        attachButton.disabled = true;
        if (await attach(picked, input.value.trim())) input.value = "";
        attachButton.disabled = false;
      },
    });
    const shareButton = h("button", { type: "button", class: "share", "aria-label": t.shareLocation, title: t.shareLocation, onclick: () => void share() }, icon(icons.place));
    this.el = h("form", { class: "composer", onsubmit: (e) => void submit(e) }, file, attachButton, shareButton, input, h("button", { type: "submit" }, t.send));
  }
}
