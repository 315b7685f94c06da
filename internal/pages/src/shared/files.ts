// Files on messages (R30), drawn the same in the widget, the workspace and
// the sandbox phone, and the attach button that uploads them. Names are
// text, never markup; links and sources are the API's signed URLs, and only
// pictures get an <img>: nothing a customer sends is ever rendered as a page.
import type { ApiError, Uploaded } from "./api";
import { h, icon, icons } from "./dom";

export type AttachmentKind = "IMAGE" | "VIDEO" | "AUDIO" | "DOCUMENT" | "STICKER";
export type AttachmentState = "RECEIVING" | "STORED" | "FAILED";

export interface Attachment {
  kind: AttachmentKind;
  state: AttachmentState;
  name: string;
  contentType: string;
  size: number;
  /** Signed and short-lived: a reload reads it again. */
  url: string | null;
}

/** A place shared on a social channel. */
export interface Place {
  latitude: number;
  longitude: number;
  name: string;
  address: string;
}

/**
 * What a message's query reads of its files. No id, width or height: the
 * history reads fifty messages a page, and every field counts against the
 * operation's complexity limit.
 */
export const fileFields = `attachments { kind state name contentType size url } location { latitude longitude name address }`;

/** Every string a message's files show, so that a translation is one object away. */
export interface FileStrings {
  receiving: string;
  failed: string;
  open: (name: string) => string;
  map: string;
}

/** And the attach button's. */
export interface AttachStrings extends FileStrings {
  attach: string;
  uploading: (name: string) => string;
  remove: (name: string) => string;
  attached: string;
  tooLarge: (name: string) => string;
  tooMany: string;
}

const kindIcons: Record<AttachmentKind, string> = { IMAGE: icons.image, STICKER: icons.image, VIDEO: icons.video, AUDIO: icons.audio, DOCUMENT: icons.document };

/** A size as people read it. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The URL as the API gave it, if it is a web address: nothing else becomes a link or a source. */
function web(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url, location.href);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * What a message draws, to compare with what it drew: its files' URLs are
 * left out, since every read signs them anew. A message that only repeats
 * (a receipt's event, say) keeps its element, so that a click landing on
 * it is not lost and its pictures are not fetched again; a reload reads
 * fresh URLs.
 */
export function drawnKey(m: { attachments?: readonly Attachment[] }): string {
  return JSON.stringify({ ...m, attachments: m.attachments?.map((a) => ({ ...a, url: Boolean(a.url) })) });
}

/** A message's files and place, or nothing when it carries none. */
export function filesView(t: FileStrings, files: readonly Attachment[] | undefined, place: Place | null | undefined): HTMLElement | false {
  if (!files?.length && !place) return false;
  return h("div", { class: "files" }, ...(files ?? []).map((f) => fileView(t, f)), place && placeView(t, place));
}

function fileView(t: FileStrings, f: Attachment): HTMLElement {
  const url = web(f.url);
  const symbol = icon(kindIcons[f.kind] ?? icons.document);
  if (f.state !== "STORED" || !url) {
    return h(
      "p",
      { class: "file", "data-kind": f.kind, "data-state": f.state },
      symbol,
      h("span", { class: "file-name" }, f.name),
      h("span", { class: "file-state" }, f.state === "FAILED" ? t.failed : t.receiving),
    );
  }
  // An image's signed URL is its own thumbnail; a click opens it whole.
  if (f.kind === "IMAGE" || f.kind === "STICKER") {
    return h(
      "a",
      { class: "file-image", "data-kind": f.kind, "data-state": f.state, href: url, target: "_blank", rel: "noopener noreferrer", title: t.open(f.name) },
      h("img", { src: url, alt: f.name }),
    );
  }
  const link = h(
    "a",
    { class: "file", "data-kind": f.kind, "data-state": f.state, href: url, target: "_blank", rel: "noopener noreferrer" },
    symbol,
    h("span", { class: "file-name" }, f.name),
    h("span", { class: "file-info" }, `${formatSize(f.size)} · ${f.contentType}`),
  );
  if (f.kind === "VIDEO") return h("div", { class: "file-player" }, h("video", { src: url, controls: true, preload: "metadata" }), link);
  if (f.kind === "AUDIO") return h("div", { class: "file-player" }, h("audio", { src: url, controls: true, preload: "metadata" }), link);
  return link;
}

function placeView(t: FileStrings, p: Place): HTMLElement {
  const lat = Number(p.latitude);
  const lon = Number(p.longitude);
  const where = [p.name, p.address].filter(Boolean).join(", ") || `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  const map = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
  return h(
    "p",
    { class: "location" },
    icon(icons.place),
    h("span", { class: "place" }, where),
    Number.isFinite(lat) && Number.isFinite(lon) && h("a", { href: map, target: "_blank", rel: "noopener noreferrer" }, t.map),
  );
}

/** An upload's refusal in words (R24, R30); anything else as the API said it. */
export function uploadRefusal(t: AttachStrings, file: File, e: ApiError): Error {
  if (e.code === "REQUEST_TOO_LARGE") return new Error(t.tooLarge(file.name));
  if (e.code === "RATE_LIMITED") return new Error(t.tooMany);
  return e;
}

/**
 * The attach button and the files attached to the next message. A file
 * uploads as soon as it is picked; the message then carries the ids. The
 * send button waits while a file is on its way.
 */
export class Attacher {
  readonly button: HTMLButtonElement;
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private readonly status: HTMLParagraphElement;
  private files: Uploaded[] = [];
  private uploads = 0;
  /** Counts clearings: a file still uploading when they were cleared (another conversation opened, say) is not attached. */
  private cleared = 0;

  /**
   * @param upload stores a file, or answers null when it was refused (the
   *   page shows why).
   * @param busy told when uploads start and end.
   */
  constructor(
    private readonly t: AttachStrings,
    private readonly upload: (file: File) => Promise<Uploaded | null>,
    private readonly busy: (uploading: boolean) => void,
  ) {
    this.input = h("input", { type: "file", class: "file-input", multiple: true, hidden: true, onchange: () => void this.picked() });
    this.button = h("button", { type: "button", class: "icon attach", "aria-label": t.attach, title: t.attach, onclick: () => this.input.click() }, icon(icons.attach));
    this.status = h("p", { class: "uploading", role: "status" });
    this.list = h("ul", { class: "attached", "aria-label": t.attached });
    this.el = h("div", { class: "attachments", hidden: true }, this.input, this.list, this.status);
  }

  get uploading(): boolean {
    return this.uploads > 0;
  }

  /** The attached files' ids, in the order they were picked. */
  ids(): string[] {
    return this.files.map((f) => f.id);
  }

  clear(): void {
    this.cleared++;
    this.files = [];
    this.render();
  }

  private async picked(): Promise<void> {
    const picked = [...(this.input.files ?? [])];
    const cleared = this.cleared;
    this.input.value = "";
    this.uploads++;
    this.busy(true);
    this.button.disabled = true;
    for (const file of picked) {
      this.status.textContent = this.t.uploading(file.name);
      this.el.hidden = false;
      const up = await this.upload(file);
      if (up && cleared === this.cleared) this.files.push(up);
    }
    this.uploads--;
    this.button.disabled = false;
    this.status.textContent = "";
    this.busy(this.uploading);
    this.render();
  }

  private render(): void {
    this.list.replaceChildren(
      ...this.files.map((f) =>
        h(
          "li",
          {},
          h("span", { class: "file-name" }, f.name),
          h("span", { class: "file-info" }, formatSize(f.size)),
          h("button", { type: "button", class: "remove", "aria-label": this.t.remove(f.name), title: this.t.remove(f.name), onclick: () => this.removeFile(f) }, "×"),
        ),
      ),
    );
    this.el.hidden = this.files.length === 0 && !this.uploading;
  }

  private removeFile(f: Uploaded): void {
    this.files = this.files.filter((x) => x !== f);
    this.render();
    this.button.focus();
  }
}
