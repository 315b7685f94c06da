// The widget: a launcher and a panel holding one conversation. It keeps no
// state the server streams: the menu, the history, the linked identities
// and a link request's state all come from subscriptions.
import { Api, ApiError, clientMessageId, type Uploaded } from "../shared/api";
import { ChannelMenu, Composer, LinkedChannels, LinkPanel, MessageList, TypingIndicator } from "./components";
import { h } from "../shared/dom";
import { uploadRefusal } from "../shared/files";
import { Notice } from "../shared/notice";
import * as op from "./operations";
import type { Strings } from "./strings";
import styles from "./styles.css";

/** Where the session lives between page loads (R27: a reloaded widget carries on). */
export interface SessionStore {
  load(): { token: string; conversationId: string } | null;
  save(s: { token: string; conversationId: string }): void;
  clear(): void;
}

export class Widget {
  private readonly api: Api;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly title: HTMLHeadingElement;
  private readonly notice: Notice;
  private readonly menu: ChannelMenu;
  private readonly linkedList: LinkedChannels;
  private readonly messages: MessageList;
  private readonly linkPanel: LinkPanel;
  private readonly composer: Composer;
  private readonly typing: TypingIndicator;

  private session: { token: string; conversationId: string } | null;
  private started = false;
  private linked: op.LinkedIdentity[] = [];
  private link: op.LinkRequest | null = null;
  private stopLink = () => {};
  private stops: (() => void)[] = [];
  /** The next message's idempotency key, kept until the send succeeds (R18): what it keys is its text and files. */
  private pending: { what: string; cid: string } | null = null;
  /** When the end user's typing was last told (R31). */
  private typedAt = 0;
  /** The newest agent reply shown, and the newest one acknowledged and marked read (R31). */
  private newest: { id: string; seq: number } | null = null;
  private acknowledged = "";
  private read = "";
  private receipts: ReturnType<typeof setTimeout> | undefined;

  constructor(
    root: ShadowRoot,
    private readonly key: string,
    origin: string,
    private readonly store: SessionStore,
    private readonly t: Strings,
  ) {
    this.api = new Api(origin, (up) => this.notice.show(up ? "" : t.reconnecting));
    this.session = store.load();
    this.menu = new ChannelMenu(t, (ch) => void this.notice.run(() => this.requestLink(ch)));
    this.linkedList = new LinkedChannels(t, (ch) => void this.notice.run(() => this.unlink(ch)));
    this.messages = new MessageList(t, (c) => void this.notice.run(() => this.send(c.title, c.id)));
    this.linkPanel = new LinkPanel(t, () => void this.notice.run(() => this.closeLink()));
    this.composer = new Composer(
      t,
      (text, files) => this.notice.run(() => this.send(text, undefined, files)),
      () => this.typed(),
      (file) => this.upload(file),
    );
    this.typing = new TypingIndicator(t.typing);
    this.title = h("h1", {}, "");
    this.notice = new Notice(t.failed);
    this.panel = h(
      "div",
      { class: "panel", id: "ll-panel", role: "dialog", "aria-labelledby": "ll-title", hidden: true, onkeydown: (e) => this.escape(e as KeyboardEvent) },
      // Not a <header>: the host page has its own banner.
      h("div", { class: "header" }, this.title, this.menu.el, h("button", { type: "button", class: "icon close", "aria-label": t.closeChat, title: t.closeChat, onclick: () => this.toggle(false) }, "×")),
      this.linkedList.el,
      this.notice.el,
      this.linkPanel.el,
      this.messages.el,
      this.typing.el,
      this.composer.el,
    );
    this.title.id = "ll-title";
    this.launcher = h("button", { type: "button", class: "launcher", "aria-label": t.openChat, "aria-expanded": "false", "aria-controls": "ll-panel", onclick: () => this.toggle(Boolean(this.panel.hidden)) });
    this.launcher.innerHTML = chatIcon;
    root.append(h("style", {}, styles), this.panel, this.launcher);
    document.addEventListener("visibilitychange", () => this.scheduleReceipts());
  }

  /** Opens or closes the panel; nothing is fetched before the first opening. */
  private toggle(open: boolean): void {
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.setAttribute("aria-label", open ? this.t.closeChat : this.t.openChat);
    if (!open) return this.launcher.focus();
    this.composer.focus();
    this.scheduleReceipts();
    if (!this.started) {
      this.started = true;
      void this.notice.run(() => this.follow());
    }
  }

  private escape(e: KeyboardEvent): void {
    if (e.key !== "Escape" || e.defaultPrevented) return;
    e.preventDefault();
    if (this.link) void this.notice.run(() => this.closeLink());
    else this.toggle(false);
  }


  /** Subscribes to the widget's menu, and to the session's conversation when there is one. */
  private async follow(): Promise<void> {
    this.stops.forEach((stop) => stop());
    this.stops = [];
    this.api.authenticate(this.session?.token ?? "");
    if (this.session) {
      try {
        await this.load(this.session.conversationId);
      } catch (e) {
        if (!(e instanceof ApiError) || !["UNAUTHENTICATED", "NOT_FOUND"].includes(e.code)) throw e;
        // The session expired or the conversation is gone: start afresh.
        this.store.clear();
        this.session = null;
        this.api.authenticate("");
      }
    }
    const configured = (c: op.WidgetConfig) => {
      this.title.textContent = c.name;
      this.menu.show(c);
    };
    const onError = (e: ApiError) => (e.code === "FORBIDDEN" ? this.notice.show(this.t.notHere) : this.notice.fail(e));
    this.stops.push(
      this.session
        ? this.api.subscribe<op.SessionWidget>(op.sessionWidget, {}, { next: (d) => configured(d.widgetConfig), error: onError })
        : this.api.subscribe<op.WidgetByKey>(op.widgetByKey, { key: this.key }, { next: (d) => configured(d.widget), error: onError }),
    );
  }

  /** Reads the conversation, then follows its events from the cursor read with it (R21). */
  private async load(id: string): Promise<void> {
    const { conversation: c } = await this.api.request<op.LoadConversation>(op.loadConversation, { id });
    if (!c) throw new ApiError("NOT_FOUND", "conversation");
    // The page before first: each message shown scrolls the history to it.
    const { hasPreviousPage, startCursor } = c.messages.pageInfo;
    if (hasPreviousPage && startCursor) {
      const { conversation: older } = await this.api.request<op.OlderMessages>(op.olderMessages, { id, before: startCursor });
      older?.messages.edges.forEach((e) => this.show(e.node));
    }
    c.messages.edges.forEach((e) => this.show(e.node));
    this.showLinked(c.linkedIdentities);
    if (c.pendingLinkRequests[0]) this.showLink(c.pendingLinkRequests[0]);
    // graphql-ws resubscribes with this object after a drop: its cursor
    // always names the last event shown.
    const vars = { id, after: c.eventCursor };
    this.stops.push(
      this.api.subscribe<op.ConversationEvents>(op.conversationEvents, vars, {
        next: ({ conversationEvents: e }) => {
          vars.after = e.cursor;
          if (e.kind === "TYPING" && e.typing?.role === "AGENT") this.typing.show(e.typing);
          if (e.message) this.show(e.message);
          this.showLinked(e.conversation.linkedIdentities);
        },
        error: (e) => {
          if (e.code !== "CURSOR_EXPIRED") return this.notice.fail(e);
          // Too far behind to replay: read the conversation again.
          void this.notice.run(() => this.follow());
        },
      }),
    );
  }

  /** Shows a message; an agent's reply ends their typing and is acknowledged, and read when seen (R31). */
  private show(m: op.Message): void {
    this.messages.upsert(m);
    if (m.authorRole !== "AGENT") return;
    this.typing.hide();
    if (!this.newest || m.seq > this.newest.seq) this.newest = { id: m.id, seq: m.seq };
    this.scheduleReceipts();
  }

  /** Receipts name the newest reply, once a burst of events has settled: each covers everything before it. */
  private scheduleReceipts(): void {
    clearTimeout(this.receipts);
    this.receipts = setTimeout(() => void this.sendReceipts(), 300);
  }

  private async sendReceipts(): Promise<void> {
    const id = this.session?.conversationId;
    const m = this.newest?.id;
    if (!id || !m) return;
    // Receipts are best effort: a refused one is covered by the next.
    if (m !== this.acknowledged) {
      this.acknowledged = m;
      await this.api.request(op.acknowledgeMessages, { id, m }).catch(() => (this.acknowledged = ""));
    }
    if (m !== this.read && !this.panel.hidden && document.visibilityState === "visible") {
      this.read = m;
      await this.api.request(op.markRead, { id, m }).catch(() => (this.read = ""));
    }
  }

  /** Tells the agents the end user is typing, at most every few seconds; a new conversation starts with its first message, not a key press. */
  private typed(): void {
    const id = this.session?.conversationId;
    if (!id || Date.now() - this.typedAt < typingEvery) return;
    this.typedAt = Date.now();
    void this.api.request(op.setTyping, { id }).catch(() => {});
  }

  private async start(): Promise<string> {
    if (this.session) return this.session.conversationId;
    const { startConversation: s } = await this.api.request<op.StartConversation>(op.startConversation, { key: this.key, language: navigator.language });
    this.session = { token: s.sessionToken!, conversationId: s.conversation.id };
    this.store.save(this.session);
    await this.follow();
    return this.session.conversationId;
  }

  /** Sends text, or the title of the choice tapped with its id (R32), with the files uploaded for it (R30). */
  private async send(text: string, choice?: string, files: string[] = []): Promise<void> {
    const id = await this.start();
    const what = JSON.stringify([text, files]);
    if (this.pending?.what !== what) this.pending = { what, cid: clientMessageId() };
    const { sendMessage } = await this.api.request<op.SendMessage>(op.sendMessage, {
      id,
      text,
      cid: this.pending.cid,
      choice: choice ?? null,
      files: files.length > 0 ? files : null,
    });
    this.pending = null;
    this.messages.upsert(sendMessage.message);
  }

  /** Uploads a file into the conversation, started for it if need be; null when refused, the notice saying why (R30). */
  private async upload(file: File): Promise<Uploaded | null> {
    let up: Uploaded | null = null;
    await this.notice.run(async () => {
      const id = await this.start();
      up = await this.api.upload(id, file).catch((e: unknown) => {
        throw e instanceof ApiError ? uploadRefusal(this.t.files, file, e) : e;
      });
    });
    return up;
  }

  private async requestLink(channel: op.Channel): Promise<void> {
    const id = await this.start();
    const { requestLink } = await this.api.request<op.RequestLink>(op.requestLink, { id, channel });
    this.showLink(requestLink.linkRequest);
  }

  /** Shows a link request and follows its state (R6). */
  private showLink(req: op.LinkRequest): void {
    this.stopLink();
    this.link = req;
    this.stopLink = this.api.subscribe<op.FollowLink>(op.followLink, { id: req.id }, {
      next: ({ linkRequest }) => {
        if (this.link?.id !== linkRequest.id) return;
        this.link = linkRequest;
        this.render();
      },
      error: (e) => this.notice.fail(e),
    });
    this.render();
    this.linkPanel.focus();
  }

  /** The back icon: a request still open is abandoned (R5). */
  private async closeLink(): Promise<void> {
    const req = this.link;
    this.stopLink();
    this.link = null;
    this.render();
    this.menu.focus();
    if (req && (req.status === "PENDING" || req.status === "AWAITING_CONFIRMATION")) {
      await this.api.request(op.cancelLinkRequest, { id: req.id });
    }
  }

  private async unlink(channel: op.Channel): Promise<void> {
    const { unlinkChannel } = await this.api.request<op.UnlinkChannel>(op.unlinkChannel, { id: this.session!.conversationId, channel });
    this.showLinked(unlinkChannel.conversation.linkedIdentities);
    this.composer.focus();
  }

  private showLinked(linked: op.LinkedIdentity[]): void {
    this.linked = linked;
    this.render();
  }

  private render(): void {
    this.linkedList.show(this.linked);
    this.linkPanel.show(this.link, this.linked);
    this.messages.el.hidden = this.link !== null;
    this.composer.el.hidden = this.link !== null;
  }
}

/** How often the end user's typing is told: under its lapse on the server (typing.TTL). */
const typingEvery = 4000;

// A speech bubble: no emoji font is needed to draw it.
const chatIcon = `<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>`;
