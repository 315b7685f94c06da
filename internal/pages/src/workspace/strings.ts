// Every string the workspace shows, so that a translation is one object away.
import { en as widget } from "../widget/strings";
import type { DeliveryState, NoteKind } from "./operations";

export const en = {
  title: "Linkline workspace",
  signIn: "Sign in",
  signOut: "Sign out",
  token: "API token",
  tokenHint: "Paste the agent token the server printed when it first started. It stays in this browser until you sign out.",
  conversations: "Conversations",
  noConversations: "No conversations yet.",
  pick: "Pick a conversation on the left.",
  anonymous: "Visitor",
  closed: "Closed",
  history: "History",
  customer: "Customer",
  // R29: who answers the customer, so that two agents do not.
  assignedTo: (name: string) => `Assigned to ${name}`,
  unassigned: "Unassigned",
  noIdentities: "No social identities yet.",
  linked: "linked",
  windows: "Reply windows",
  windowOpen: (until: string) => `open until ${until}`,
  windowHumanAgent: (until: string) => `HUMAN_AGENT tag until ${until}`,
  windowClosed: "closed",
  windowNever: "the customer never wrote here",
  replyTo: "Reply on",
  yourReply: "Your reply",
  send: "Send",
  reconnecting: "Connection lost. Reconnecting…",
  channels: widget.channels,
  // R17: how far each reply got.
  delivery: {
    QUEUED: "Queued",
    SENT: "Sent",
    DELIVERED: "Delivered",
    READ: "Read",
    FAILED: "Failed",
    HELD: "Held until the customer writes",
  } satisfies Record<DeliveryState, string>,
  // R13: the link, switch and unlink events, from the notes' data.
  notes: {
    LINKED: (channel, identity) => `${channel} linked (${identity}): replies go there until the customer writes elsewhere`,
    LINK_DECLINED: (channel, identity) => `The customer declined linking ${channel} (${identity})`,
    LINK_MOVED: (channel, identity) => `${channel} (${identity}) moved to another conversation`,
    CHANNEL_SWITCHED: (channel, _identity, previous) => `The customer switched ${previous ? `from ${previous} ` : ""}to ${channel}`,
    UNLINKED: (channel, identity) => `${channel} disconnected (${identity})`,
    LINK_ENDED_BY_ADMIN: (channel, identity) => `${channel} turned off by an admin: ${identity} disconnected`,
    UNREAD_FALLBACK: (channel, identity) => `Unread in the widget, so also sent on ${channel} (${identity})`,
    REPLY_HELD: (channel) => `Reply held: the ${channel} window has closed; it goes out when the customer writes again`,
    REPLY_RELEASED: (channel) => `The customer wrote on ${channel}: held replies are on their way`,
  } satisfies Record<NoteKind, (channel: string, identity: string, previous?: string) => string>,
  // R31: the customer typing in the widget.
  customerTyping: (name: string) => `${name || "The customer"} is typing…`,
  choices: "Reply buttons, one per line (optional)",
  hold: "Hold until they write (the window has closed)",
  template: "First send the template",
  noTemplate: "No template",
  templateParameters: "Template parameters, one per line",
  chose: (title: string) => `Chose: ${title}`,
  // R30: files on messages, and the reply's attach button.
  files: widget.files,
  failed: (message: string) => `Something went wrong: ${message}`,
};

export type Strings = typeof en;
