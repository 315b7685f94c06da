// Every string the admin page shows, so that a translation is one object away.
import { en as widget } from "../widget/strings";
import { en as workspace } from "../workspace/strings";
import type { IntegrationStatus, Prerequisite } from "./operations";

export const en = {
  title: "Linkline admin",
  signIn: workspace.signIn,
  signOut: workspace.signOut,
  token: workspace.token,
  tokenHint: "Paste the admin token the server printed when it first started. It stays in this browser until you sign out.",
  notAdmin: "this token is not an admin's",
  prerequisites: "Linking",
  ready: "Linking is available: choose below which channels each widget offers.",
  // R1: what the account lacks, and what to do about it.
  missing: {
    SUITE_PLAN: "The account is not on a Suite plan: upgrade it to let customers switch channels.",
    AGENT_WORKSPACE: "The agent workspace is off: switch it on, so that agents can answer on every channel.",
    SOCIAL_CHANNEL: "No social channel is connected: connect a WhatsApp, Messenger or Instagram integration below.",
  } satisfies Record<Prerequisite, string>,
  widgets: "Widgets",
  noWidgets: "The account has no widget.",
  allowSwitch: (widget: string) => `Allow customers of ${widget} to switch channels`,
  noIntegration: "no active integration",
  save: "Save",
  // R33: the widget's unread fallback.
  unreadFallback: "Also send a reply unread in the widget to the customer's app after (minutes; 0: never)",
  // R31: read marks on the platforms, off by default.
  receipts: "Read receipts",
  readMarks: "Mark customers' WhatsApp, Messenger and Instagram messages read when an agent reads them",
  readMarksHint: "Off by default: customers read blue ticks as a promise of an answer. WhatsApp shows an agent typing only when this is on.",
  saved: "Saved: open widgets show it now.",
  integrations: "Integrations",
  noIntegrations: "No integration is connected.",
  columns: { channel: "Channel", name: "Name", handle: "Handle", status: "Status", lastError: "Last error" },
  sandbox: "sandbox",
  status: { ACTIVE: "Active", DISABLED: "Disabled", FAILING: "Failing" } satisfies Record<IntegrationStatus, string>,
  connect: "Connect a sandbox integration",
  connectHint: "A sandbox integration talks to the built-in simulated phones, not to Meta: it needs no credentials.",
  channel: "Channel",
  businessId: "Business id (phone number id, Page id or Instagram account id)",
  handle: "Handle (phone number digits or username the deep link opens)",
  displayName: "Display name (optional)",
  connectButton: "Connect",
  connected: (name: string) => `Connected ${name}.`,
  channels: widget.channels,
  reconnecting: workspace.reconnecting,
  failed: workspace.failed,
};

export type Strings = typeof en;
