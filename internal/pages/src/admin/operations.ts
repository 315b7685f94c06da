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
  allowedOrigins: string[];
  language: string;
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

const widgetFields = `id name key socialChannels allowedOrigins language unreadFallbackMinutes`;
const integrationFields = `id channel status sandbox handle displayName lastError lastErrorAt
  health { lastWebhookAt lastSentAt sentAttempts failedAttempts failureRatio windowSeconds waitingReplies oldestWaitingAt }`;

export const viewer = `{ viewer { roles agent { name } account { name } } }`;
export type Viewer = { viewer: { roles: string[]; agent: { name: string } | null; account: { name: string } | null } };

/** Everything the page shows, read at once so that it is one consistent picture. */
export const settings = `{
  viewer { account { agentWorkspace autoAssignCap readMarks } }
  linkingPrerequisites
  widgets { ${widgetFields} }
  integrations { ${integrationFields} }
}`;
export type Settings = {
  viewer: { account: AccountSettings & { readMarks: boolean } };
  linkingPrerequisites: Prerequisite[];
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

// R28: the account's members and the admin's own API tokens.
export type AgentRole = "ADMIN" | "AGENT";
export const agentRoles = ["AGENT", "ADMIN"] as const satisfies readonly AgentRole[];

export interface Member {
  id: string;
  name: string;
  email: string;
  role: AgentRole;
  active: boolean;
}

export interface ApiToken {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const memberFields = `id name email role active`;
const tokenFields = `id name createdAt lastUsedAt expiresAt`;

export const team = `{ viewer { agent { id } } agents { ${memberFields} } apiTokens { ${tokenFields} } }`;
export type Team = { viewer: { agent: { id: string } }; agents: Member[]; apiTokens: ApiToken[] };

export const inviteAgent = `mutation($name: String!, $email: String!, $role: AgentRole!) {
  inviteAgent(input: {name: $name, email: $email, role: $role}) { agent { ${memberFields} } token }
}`;
export type InviteAgent = { inviteAgent: { agent: Member; token: string } };

export const setAgentRole = `mutation($id: ID!, $role: AgentRole!) {
  setAgentRole(input: {agentId: $id, role: $role}) { agent { ${memberFields} } }
}`;

export const deactivateAgent = `mutation($id: ID!) { deactivateAgent(input: {agentId: $id}) { agent { ${memberFields} } } }`;

export const createApiToken = `mutation($name: String!, $expiresAt: Time) {
  createApiToken(input: {name: $name, expiresAt: $expiresAt}) { apiToken { ${tokenFields} } token }
}`;
export type CreateApiToken = { createApiToken: { apiToken: ApiToken; token: string } };

export const revokeApiToken = `mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) { apiToken { id } } }`;

// R1, R28, R29: the account's switches, and its widgets' setup.
export interface AccountSettings {
  agentWorkspace: boolean;
  autoAssignCap: number;
}

/** The languages of the message catalog (R27). */
export const languages = ["en", "el"] as const;

export const setAgentWorkspace = `mutation($on: Boolean!) { setAgentWorkspace(input: {enabled: $on}) { account { agentWorkspace } } }`;
export const setAutoAssignment = `mutation($cap: Int!) { setAutoAssignment(input: {cap: $cap}) { account { autoAssignCap } } }`;

export const createWidget = `mutation($name: String!, $origins: [String!]!, $any: Boolean!, $language: String!) {
  createWidget(input: {name: $name, allowedOrigins: $origins, anyOrigin: $any, language: $language}) { widget { ${widgetFields} } }
}`;
export type CreateWidget = { createWidget: { widget: Widget } };
export const renameWidget = `mutation($id: ID!, $name: String!) { renameWidget(input: {widgetId: $id, name: $name}) { widget { id } } }`;
export const setWidgetOrigins = `mutation($id: ID!, $origins: [String!]!, $any: Boolean!) {
  setWidgetOrigins(input: {widgetId: $id, allowedOrigins: $origins, anyOrigin: $any}) { widget { id } }
}`;
export const setWidgetLanguage = `mutation($id: ID!, $language: String!) { setWidgetLanguage(input: {widgetId: $id, language: $language}) { widget { id } } }`;
export const deleteWidget = `mutation($id: ID!) { deleteWidget(input: {widgetId: $id}) { deletedWidgetId } }`;
