// The GraphQL operations the admin page sends, with the shapes of their
// answers (schema.graphql at the repository's root is the source of truth).
// No operation asks for an integration's secrets: the API has none to give
// (R20).
import type { Channel } from "../widget/operations";

export type { Channel };

/** The channels a widget may offer (R2): every channel but the widget itself. */
export const socialChannels = ["WHATSAPP", "MESSENGER", "INSTAGRAM"] as const satisfies readonly Channel[];
export type SocialChannel = (typeof socialChannels)[number];

export type Prerequisite = "SUITE_PLAN" | "AGENT_WORKSPACE" | "SOCIAL_CHANNEL";
export type IntegrationStatus = "ACTIVE" | "DISABLED" | "FAILING";

export interface Widget {
  id: string;
  name: string;
  key: string;
  socialChannels: Channel[];
}

export interface Integration {
  id: string;
  channel: Channel;
  status: IntegrationStatus;
  sandbox: boolean;
  handle: string;
  displayName: string;
  lastError: string;
  lastErrorAt: string | null;
  health: IntegrationHealth;
}

/** How an integration is doing (R38); attempts count over the trailing windowSeconds. */
export interface IntegrationHealth {
  lastWebhookAt: string | null;
  lastSentAt: string | null;
  sentAttempts: number;
  failedAttempts: number;
  failureRatio: number;
  windowSeconds: number;
  waitingReplies: number;
  oldestWaitingAt: string | null;
}

const widgetFields = `id name key socialChannels`;
const integrationFields = `id channel status sandbox handle displayName lastError lastErrorAt
  health { lastWebhookAt lastSentAt sentAttempts failedAttempts failureRatio windowSeconds waitingReplies oldestWaitingAt }`;

export const viewer = `{ viewer { roles agent { name } account { name } } }`;
export type Viewer = { viewer: { roles: string[]; agent: { name: string } | null; account: { name: string } | null } };

/** Everything the page shows, read at once so that it is one consistent picture. */
export const settings = `{
  linkingPrerequisites
  widgets { ${widgetFields} }
  integrations { ${integrationFields} }
}`;
export type Settings = { linkingPrerequisites: Prerequisite[]; widgets: Widget[]; integrations: Integration[] };

export const setWidgetChannels = `mutation($id: ID!, $channels: [Channel!]!) {
  setWidgetChannels(input: {widgetId: $id, channels: $channels}) { widget { ${widgetFields} } }
}`;
export type SetWidgetChannels = { setWidgetChannels: { widget: Widget } };

export const connectSandbox = `mutation($channel: Channel!, $businessId: String!, $handle: String!, $displayName: String) {
  connectIntegration(input: {channel: $channel, sandbox: true, businessId: $businessId, handle: $handle, displayName: $displayName}) {
    integration { ${integrationFields} }
  }
}`;
export type ConnectSandbox = { connectIntegration: { integration: Integration } };
