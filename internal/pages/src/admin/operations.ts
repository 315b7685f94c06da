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
  /** R33: minutes after which an unread widget reply also goes to a linked channel; 0: never. */
  unreadFallbackMinutes: number;
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
}

const widgetFields = `id name key socialChannels unreadFallbackMinutes`;
const integrationFields = `id channel status sandbox handle displayName lastError lastErrorAt`;

export const viewer = `{ viewer { roles agent { name } account { name } } }`;
export type Viewer = { viewer: { roles: string[]; agent: { name: string } | null; account: { name: string } | null } };

/** Everything the page shows, read at once so that it is one consistent picture. */
export const settings = `{
  linkingPrerequisites
  viewer { account { readMarks } }
  widgets { ${widgetFields} }
  integrations { ${integrationFields} }
}`;
export type Settings = {
  linkingPrerequisites: Prerequisite[];
  viewer: { account: { readMarks: boolean } };
  widgets: Widget[];
  integrations: Integration[];
};

/** R31: whether agents' reads mark customers' social messages read on the platforms. */
export const setReadMarks = `mutation($on: Boolean!) { setReadMarks(input: {enabled: $on}) { account { readMarks } } }`;

/** R33: after how many minutes an unread widget reply also goes to a linked channel. */
export const setWidgetUnreadFallback = `mutation($id: ID!, $minutes: Int!) {
  setWidgetUnreadFallback(input: {widgetId: $id, minutes: $minutes}) { widget { ${widgetFields} } }
}`;

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
