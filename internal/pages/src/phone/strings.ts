// Every string the phone page shows, so that a translation is one object away.
import type { App, Line } from "./sandbox";

export const en = {
  apps: { WHATSAPP: "WhatsApp", MESSENGER: "Messenger", INSTAGRAM: "Instagram" } satisfies Record<App, string>,
  title: (app: string) => `${app}: sandbox phone`,
  chatWith: (handle: string) => `Chat with ${handle}`,
  you: (user: string) => `This phone is user ${user}.`,
  scan: "Scan the widget's QR code",
  scanHint: "Paste the link its QR code holds, or its “Open the app” link.",
  open: "Open",
  chat: "Chat",
  empty: "No messages yet: open the widget's link above, or write to the business.",
  yourMessage: "Message",
  send: "Send",
  // The app's ticks on what the phone sent.
  ticks: { sent: "Sent", delivered: "Delivered", read: "Read", failed: "Not delivered" } satisfies Record<NonNullable<Line["state"]>, string>,
  // R31: the business typing, as the apps show it.
  typing: "typing…",
  reconnecting: "Connection lost. Reconnecting…",
  failed: (message: string) => `Something went wrong: ${message}`,
  pick: "Open one of the sandbox phones the server printed when it first started, or give a sandbox integration's webhook key.",
  key: "Webhook key",
  openPhone: "Open the phone",
};

export type Strings = typeof en;
