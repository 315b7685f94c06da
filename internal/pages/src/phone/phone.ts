// The phone: one end user's WhatsApp, Messenger or Instagram, as the
// sandbox plays it. It keeps no state of its own: what it shows is the
// phone's screen, followed from the server.
import { h } from "../shared/dom";
import { Notice } from "../shared/notice";
import { Composer, LinkOpener, mediaKind, Thread } from "./components";
import { PhoneApi, PhoneError, type Screen } from "./sandbox";
import type { Strings } from "./strings";

export class Phone {
  private readonly api: PhoneApi;
  private readonly title: HTMLHeadingElement;
  private readonly who: HTMLParagraphElement;
  private readonly notice: Notice;
  private readonly thread: Thread;
  private readonly typing: HTMLParagraphElement;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private screen: Screen | null = null;
  private offline = false;

  constructor(
    private readonly root: HTMLElement,
    url: string,
    private readonly t: Strings,
  ) {
    this.api = new PhoneApi(url);
    this.notice = new Notice(t.failed);
    this.title = h("h1", {}, "");
    this.who = h("p", { class: "who" }, "");
    this.thread = new Thread(t, (id) => void this.notice.run(() => this.api.tap(id).then(() => {})));
    this.typing = h("p", { class: "typing", role: "status", hidden: true }, t.typing);
    root.append(
      h("header", {}, this.title, this.who),
      h(
        "main",
        {},
        this.notice.el,
        new LinkOpener(t, (link) => this.notice.run(() => this.api.open(link).then(() => {}))).el,
        this.thread.el,
        this.typing,
        new Composer(
          t,
          (text) => this.notice.run(() => this.api.write(text).then(() => {})),
          (file, caption) => this.notice.run(() => this.api.sendMedia(mediaKind(file), file, caption).then(() => {})),
          () => this.notice.run(() => this.api.shareLocation(t.demoPlace).then(() => {})),
        ).el,
      ),
    );
    // An app that comes to the front reads what arrived meanwhile.
    document.addEventListener("visibilitychange", () => this.read());
    void this.follow();
  }

  /** Shows the screen and every change to it, until the page closes. */
  private async follow(): Promise<void> {
    for (let failures = 0; ; ) {
      try {
        const s = await this.api.view(this.screen?.version);
        failures = 0;
        if (this.offline) this.notice.show("");
        this.offline = false;
        this.show(s);
      } catch (e) {
        // A phone the server does not have (an unknown key, say) stays so.
        if (e instanceof PhoneError && e.status < 500) return this.notice.fail(e);
        // The server is away (a restart, a network drop): try again, at
        // most every 10 s.
        this.offline = true;
        this.notice.show(this.t.reconnecting);
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** failures++)));
      }
    }
  }

  private show(s: Screen): void {
    this.screen = s;
    const app = this.t.apps[s.channel];
    document.title = this.t.title(app);
    this.root.dataset.channel = s.channel;
    this.title.textContent = `${app} · ${this.t.chatWith(s.handle)}`;
    this.who.textContent = this.t.you(s.user);
    this.thread.show(s.messages);
    this.showTyping(Boolean(s.typing));
    this.read();
  }

  /** The apps show the business typing for about 20 s, or until its message (R31). */
  private showTyping(on: boolean): void {
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    if (on) this.typingTimer = setTimeout(() => (this.typing.hidden = true), typingShows);
  }

  /** An open app reads what it shows: the business gets read receipts (R17). */
  private read(): void {
    const unread = this.screen?.messages.some((l) => l.from === "business" && !l.read);
    if (unread && document.visibilityState === "visible") void this.notice.run(() => this.api.read().then(() => {}));
  }
}

/** How long the apps show the business typing without news (Messenger's 20 s). */
const typingShows = 20_000;
