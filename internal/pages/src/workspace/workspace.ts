// The agent workspace: sign in with a token, the account's conversations
// live, one conversation's history, customer card and reply box. The
// account feed keeps all of it current: nothing is polled.
import { Api, ApiError, clientMessageId, type Uploaded } from "../shared/api";
import { h } from "../shared/dom";
import { uploadRefusal } from "../shared/files";
import { Notice } from "../shared/notice";
import { ConversationList, CustomerCard, History, ReplyBox } from "./components";
import { TypingIndicator } from "../widget/components";
import * as op from "./operations";
import type { Strings } from "./strings";

/** Where the agent's token lives between page loads. */
export interface TokenStore {
  load(): string | null;
  save(token: string): void;
  clear(): void;
}

export class Workspace {
  private readonly api: Api;
  private readonly signInForm: HTMLFormElement;
  private readonly tokenInput: HTMLInputElement;
  private readonly desk: HTMLElement;
  private readonly who: HTMLParagraphElement;
  private readonly signOutButton: HTMLButtonElement;
  private readonly notice: Notice;
  private readonly list: ConversationList;
  private readonly view: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly history: History;
  private readonly card: CustomerCard;
  private readonly replyBox: ReplyBox;
  private readonly typing: TypingIndicator;
  /** When the agent's typing was last told (R31). */
  private typedAt = 0;

  private open: op.Conversation | null = null;
  private stops: (() => void)[] = [];
  /** The next reply's idempotency key, kept until the send succeeds (R18): what it keys is its text and files. */
  private pending: { what: string; cid: string } | null = null;

  constructor(
    root: HTMLElement,
    private readonly tokens: TokenStore,
    private readonly t: Strings,
  ) {
    this.api = new Api(location.origin, (up) => this.notice.show(up ? "" : t.reconnecting));
    this.tokenInput = h("input", { id: "ws-token", name: "token", type: "password", autocomplete: "off", required: true, "aria-describedby": "ws-token-hint" });
    this.signInForm = h(
      "form",
      { class: "sign-in", onsubmit: (e) => (e.preventDefault(), void this.notice.run(() => this.signIn(this.tokenInput.value.trim()))) },
      h("h2", {}, t.signIn),
      h("label", { for: "ws-token" }, t.token),
      this.tokenInput,
      h("p", { id: "ws-token-hint", class: "hint" }, t.tokenHint),
      h("button", { type: "submit" }, t.signIn),
    );
    this.who = h("p", { class: "who" });
    this.signOutButton = h("button", { type: "button", class: "sign-out", hidden: true, onclick: () => this.signOut() }, t.signOut);
    this.notice = new Notice(t.failed);
    this.list = new ConversationList(t, (id) => void this.notice.run(() => this.show(id)));
    this.history = new History(t);
    this.card = new CustomerCard(t);
    this.card.el.hidden = true;
    this.replyBox = new ReplyBox(
      t,
      (text, channel, options, files) => this.notice.run(() => this.reply(text, channel, options, files)),
      () => this.typed(),
      (file) => this.upload(file),
    );
    this.typing = new TypingIndicator(t.customerTyping);
    this.heading = h("h2", { id: "ws-conversation" });
    this.view = h("section", { class: "conversation", "aria-labelledby": "ws-conversation", hidden: true }, this.heading, this.history.el, this.typing.el, this.replyBox.el);
    this.desk = h(
      "div",
      { class: "workspace", hidden: true },
      this.list.el,
      h("div", { class: "pane" }, h("p", { class: "pick" }, t.pick), this.view),
      this.card.el,
    );
    root.append(
      h(
        "header",
        {},
        h("h1", {}, t.title),
        this.who,
        this.signOutButton,
      ),
      h("main", {}, this.notice.el, this.signInForm, this.desk),
    );
    const token = tokens.load();
    if (token) void this.notice.run(() => this.signIn(token));
    else this.showSignIn();
  }


  private async signIn(token: string): Promise<void> {
    this.api.authenticate(token);
    try {
      const { viewer } = await this.api.request<op.Viewer>(op.viewer);
      if (!viewer.agent || !viewer.account) throw new ApiError("UNAUTHENTICATED", "this token is not an agent's");
      this.tokens.save(token);
      this.who.textContent = `${viewer.agent.name} · ${viewer.account.name}`;
    } catch (e) {
      this.signOut();
      throw e;
    }
    this.signInForm.hidden = true;
    this.desk.hidden = false;
    this.signOutButton.hidden = false;
    const { messageTemplates } = await this.api.request<op.Templates>(op.templates);
    this.replyBox.setTemplates(messageTemplates);
    await this.follow();
  }

  private signOut(): void {
    this.stops.forEach((stop) => stop());
    this.stops = [];
    this.tokens.clear();
    this.api.authenticate("");
    this.open = null;
    this.list.clear();
    this.history.clear();
    this.who.textContent = "";
    this.signOutButton.hidden = true;
    this.view.hidden = true;
    this.card.el.hidden = true;
    this.showSignIn();
  }

  private showSignIn(): void {
    this.desk.hidden = true;
    this.signInForm.hidden = false;
    this.tokenInput.value = "";
    this.tokenInput.focus();
  }

  /** Reads the list after the feed's head, then follows the feed from that head: nothing falls between (R21). */
  private async follow(): Promise<void> {
    const { feedCursor } = await this.api.request<op.FeedCursor>(op.feedCursor);
    const { conversations } = await this.api.request<op.Conversations>(op.conversations);
    this.list.upsert(...conversations.edges.map((e) => e.node));
    // graphql-ws resubscribes with this object after a drop: its cursor
    // always names the last event shown.
    const vars = { after: feedCursor };
    this.stops.push(
      this.api.subscribe<op.AccountEvents>(op.accountEvents, vars, {
        next: ({ accountEvents: e }) => {
          vars.after = e.cursor;
          this.list.upsert(e.conversation);
          if (this.open?.id !== e.conversation.id) return;
          this.showConversation(e.conversation);
          if (e.kind === "TYPING" && e.typing?.role === "END_USER") this.typing.show(e.typing);
          if (e.message?.authorRole === "END_USER") this.typing.hide();
          if (e.message) this.history.upsert(e.message);
          if (e.message) this.read(e.message);
        },
        error: (e) => {
          if (e.code !== "CURSOR_EXPIRED") return this.notice.fail(e);
          // Too far behind to replay: read everything again.
          this.stops.forEach((stop) => stop());
          this.stops = [];
          void this.notice.run(async () => {
            await this.follow();
            if (this.open) await this.show(this.open.id);
          });
        },
      }),
    );
  }

  /** Opens a conversation: its history, its customer, its reply box. */
  private async show(id: string): Promise<void> {
    const { conversation: c } = await this.api.request<op.History>(op.history, { id });
    if (!c) throw new ApiError("NOT_FOUND", "conversation");
    const changed = this.open?.id !== id;
    this.open = c;
    if (changed) {
      this.typing.hide();
      this.history.clear();
      this.replyBox.reset();
      this.pending = null;
    }
    this.list.select(id);
    this.list.upsert(c);
    // The page before first: each message shown scrolls the history to it.
    const { hasPreviousPage, startCursor } = c.messages.pageInfo;
    if (hasPreviousPage && startCursor) {
      const { conversation: older } = await this.api.request<op.OlderMessages>(op.olderMessages, { id, before: startCursor });
      older?.messages.edges.forEach((e) => this.history.upsert(e.node));
    }
    c.messages.edges.forEach((e) => this.history.upsert(e.node));
    const last = c.messages.edges[c.messages.edges.length - 1]?.node;
    if (last) this.read(last);
    this.showConversation(c);
    this.view.hidden = false;
    if (changed) this.replyBox.focus();
  }

  private showConversation(c: op.Conversation): void {
    this.open = c;
    this.heading.textContent = (c.endUser.name || this.t.anonymous) + (c.status === "CLOSED" ? ` (${this.t.closed})` : "");
    this.card.show(c);
    this.card.el.hidden = false;
    this.replyBox.show(c);
  }

  /**
   * The agent reads what the open conversation shows: the customer's social
   * message is marked read on its platform, if the account allows it (R31;
   * the server decides, and refuses nothing but bad input).
   */
  private read(m: op.Message): void {
    if (!this.open || m.authorRole !== "END_USER" || m.channel === "WEB_WIDGET" || document.visibilityState !== "visible") return;
    void this.api.request(op.markRead, { id: this.open.id, m: m.id }).catch(() => {});
  }

  /** Tells everyone the agent is typing, at most every few seconds. */
  private typed(): void {
    if (!this.open || Date.now() - this.typedAt < 4000) return;
    this.typedAt = Date.now();
    void this.api.request(op.typing, { id: this.open.id }).catch(() => {});
  }

  /** Uploads a file into the open conversation; null when refused, the notice saying why (R30). */
  private async upload(file: File): Promise<Uploaded | null> {
    let up: Uploaded | null = null;
    await this.notice.run(async () => {
      up = await this.api.upload(this.open!.id, file).catch((e: unknown) => {
        throw e instanceof ApiError ? uploadRefusal(this.t.files, file, e) : e;
      });
    });
    return up;
  }

  private async reply(text: string, channel: op.Channel, options: op.ReplyOptions, files: string[]): Promise<void> {
    const id = this.open!.id;
    const what = JSON.stringify([text, files]);
    if (this.pending?.what !== what) this.pending = { what, cid: clientMessageId() };
    // A refusal leaves the files attached: ATTACHMENT_NOT_CARRIED's words,
    // on the notice, say what would work instead (another destination, say).
    const { replyToConversation } = await this.api.request<op.Reply>(op.reply, {
      id,
      text,
      cid: this.pending.cid,
      channel,
      choices: options.choices.length > 0 ? options.choices : null,
      hold: options.hold,
      files: files.length > 0 ? files : null,
    });
    this.pending = null;
    this.history.upsert(replyToConversation.message);
  }
}
