// Every string the phone page shows, so that a translation is one object away.
import type { FileStrings } from "../shared/files";
import type { App, Line, Place } from "./sandbox";

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
  // R30: files and places, sent and received.
  attach: "Send a photo or file",
  shareLocation: "Share location",
  // The place "share location" sends: a sandbox phone has no GPS.
  demoPlace: { latitude: 37.9715, longitude: 23.7257, name: "Acropolis Museum", address: "Dionysiou Areopagitou 15, Athens 117 42" } satisfies Place,
  files: {
    receiving: "downloading…",
    failed: "could not be downloaded",
    open: (name) => `Open ${name}`,
    map: "Open the map",
  } satisfies FileStrings,
  // R31: the business typing, as the apps show it.
  typing: "typing…",
  reconnecting: "Connection lost. Reconnecting…",
  failed: (message: string) => `Something went wrong: ${message}`,
  pick: "Open one of the sandbox phones the server printed when it first started, or give a sandbox integration's webhook key.",
  key: "Webhook key",
  openPhone: "Open the phone",
};

export type Strings = typeof en;
