// Every string the widget shows, so that a translation is one object away.
import type { AttachStrings } from "../shared/files";
import type { Channel, LinkStatus, NoteKind } from "./operations";

export const en = {
  openChat: "Open chat",
  closeChat: "Close chat",
  otherApps: "Continue on another app",
  back: "Back",
  messages: "Conversation",
  emptyHistory: "Ask us anything: we usually answer within minutes.",
  yourMessage: "Your message",
  send: "Send",
  reconnecting: "Connection lost. Reconnecting…",
  linkedTo: "Linked",
  disconnect: "Disconnect",
  disconnectLabel: (channel: string, identity: string) => `Disconnect ${channel} (${identity})`,
  scan: (channel: string) => `Scan with your phone to continue on ${channel}`,
  qrAlt: (channel: string) => `QR code that opens ${channel}`,
  openApp: "Open the app",
  done: "Back to the conversation",
  channels: {
    WEB_WIDGET: "Web",
    WHATSAPP: "WhatsApp",
    MESSENGER: "Messenger",
    INSTAGRAM: "Instagram",
  } satisfies Record<Channel, string>,
  // R6: what the end user sees of the link request's state.
  linkStatus: {
    PENDING: "Waiting for you to open the app…",
    AWAITING_CONFIRMATION: "Confirm on your phone.",
    LINKED: "Linked.",
    DECLINED: "You declined on your phone: nothing was linked.",
    EXPIRED: "This code expired: nothing was linked. Go back and pick the app again.",
    CANCELLED: "Cancelled.",
  } satisfies Record<LinkStatus, string>,
  linkedAs: (identity: string) => `Linked: ${identity}`,
  // R13, R27: the history's notes, from their data.
  notes: {
    LINKED: (channel, identity) => `${channel} linked (${identity}): replies reach you there until you write here again`,
    LINK_DECLINED: (channel, identity) => `Linking ${channel} was declined on the phone (${identity})`,
    LINK_MOVED: (channel, identity) => `${channel} (${identity}) moved to another conversation`,
    CHANNEL_SWITCHED: (channel) => `Continued on ${channel}`,
    UNLINKED: (channel, identity) => `${channel} disconnected (${identity})`,
    LINK_ENDED_BY_ADMIN: (channel, identity) => `${channel} is no longer offered: ${identity} was disconnected`,
    UNREAD_FALLBACK: (channel, identity) => `Unread here, so also sent to ${channel} (${identity})`,
    REPLY_HELD: (channel) => `A reply waits for your next message on ${channel}`,
    REPLY_RELEASED: (channel) => `You wrote on ${channel}: the waiting reply is on its way`,
  } satisfies Record<NoteKind, (channel: string, identity: string) => string>,
  // R31: an agent typing a reply.
  typing: (name: string) => `${name} is typing…`,
  choices: "Choose an answer",
  // R30: files on messages, and the attach button.
  files: {
    attach: "Attach a file",
    uploading: (name) => `Uploading ${name}…`,
    remove: (name) => `Remove ${name}`,
    attached: "Attached files",
    receiving: "receiving…",
    failed: "could not be received",
    open: (name) => `Open ${name}`,
    map: "Open the map",
    tooLarge: (name) => `${name} is too large to send.`,
    tooMany: "Too many files in a short time: wait a minute, then attach again.",
  } satisfies AttachStrings,
  failed: (message: string) => `Something went wrong: ${message}`,
  // The widget's allowed origins leave this site out (R20).
  notHere: "This chat is not available on this site.",
};

export type Strings = typeof en;
