// The GraphQL operations the widget sends, with the shapes of their answers
// (schema.graphql at the repository's root is the source of truth).
import { fileFields, type Attachment, type Place } from "../shared/files";

export type Channel = "WEB_WIDGET" | "WHATSAPP" | "MESSENGER" | "INSTAGRAM";

export type LinkStatus = "PENDING" | "AWAITING_CONFIRMATION" | "LINKED" | "DECLINED" | "EXPIRED" | "CANCELLED";

export interface WidgetConfig {
  name: string;
  channels: { channel: Channel; displayName: string }[];
}

export type NoteKind = "LINKED" | "LINK_DECLINED" | "LINK_MOVED" | "CHANNEL_SWITCHED" | "UNLINKED" | "LINK_ENDED_BY_ADMIN" | "UNREAD_FALLBACK" | "REPLY_HELD" | "REPLY_RELEASED";

/** Who is typing, live (R31): shown until `until` unless repeated. */
export interface Typing {
  role: "END_USER" | "AGENT";
  name: string;
  until: string;
}

/** What a SYSTEM message records, as data to render in the person's language (R27). */
export interface Note {
  kind: NoteKind;
  channel: Channel;
  identity: string;
}

export interface Message {
  id: string;
  seq: number;
  channel: Channel;
  authorRole: "END_USER" | "AGENT" | "SYSTEM";
  authorName: string;
  text: string;
  note: Note | null;
  /** Reply choices an agent offered with the message (R32). */
  choices: Choice[];
  /** The files it carries, and a place shared on a social channel (R30). */
  attachments: Attachment[];
  location: Place | null;
}

export interface Choice {
  id: string;
  title: string;
}

export interface LinkedIdentity {
  channel: Channel;
  masked: string;
}

export interface LinkRequest {
  id: string;
  channel: Channel;
  status: LinkStatus;
  deepLink: string | null;
  qrCodeDataUri: string | null;
}

/** The parts of a conversation that events carry as the event left them. */
export interface ConversationState {
  id: string;
  linkedIdentities: LinkedIdentity[];
}

const widgetFields = `name channels { channel displayName }`;
const messageFields = `id seq channel authorRole authorName text note { kind channel identity } choices { id title } ${fileFields}`;
const stateFields = `id linkedIdentities { channel masked }`;
const linkFields = `id channel status deepLink qrCodeDataUri`;

/** Public, before any conversation exists (R4). */
export const widgetByKey = `subscription($key: String!) { widget(key: $key) { ${widgetFields} } }`;
export type WidgetByKey = { widget: WidgetConfig };

/** The session's widget (R3). */
export const sessionWidget = `subscription { widgetConfig { ${widgetFields} } }`;
export type SessionWidget = { widgetConfig: WidgetConfig };

export const startConversation = `mutation($key: String!, $language: String) {
  startConversation(input: {widgetKey: $key, language: $language}) { sessionToken conversation { id } }
}`;
export type StartConversation = { startConversation: { sessionToken: string | null; conversation: { id: string } } };

/**
 * A page of history. Fifty messages a page: a hundred with their files would
 * pass the operation's complexity limit, so the widget reads two.
 */
type MessagePage = { pageInfo: { hasPreviousPage: boolean; startCursor: string | null }; edges: { node: Message }[] };
const messagePage = `pageInfo { hasPreviousPage startCursor } edges { node { ${messageFields} } }`;

/** What the widget reads when it opens a conversation, then follows from eventCursor. */
export const loadConversation = `query($id: ID!) {
  conversation(id: $id) {
    ${stateFields} eventCursor
    pendingLinkRequests { ${linkFields} }
    messages(last: 50) { ${messagePage} }
  }
}`;
export type LoadConversation = {
  conversation:
    | (ConversationState & {
        eventCursor: string;
        pendingLinkRequests: LinkRequest[];
        messages: MessagePage;
      })
    | null;
};

/** The page of history before a cursor. */
export const olderMessages = `query($id: ID!, $before: String!) { conversation(id: $id) { messages(last: 50, before: $before) { ${messagePage} } } }`;
export type OlderMessages = { conversation: { messages: MessagePage } | null };

export const conversationEvents = `subscription($id: ID!, $after: String) {
  conversationEvents(conversationId: $id, after: $after) {
    cursor kind message { ${messageFields} } conversation { ${stateFields} } typing { role name until }
  }
}`;
export type ConversationEvents = {
  conversationEvents: { cursor: string; kind: string; message: Message | null; conversation: ConversationState; typing: Typing | null };
};

/** The end user is typing (R31); repeated every few seconds while keys are pressed. */
export const setTyping = `mutation($id: ID!) { setTyping(input: {conversationId: $id}) { conversation { id } } }`;

/** The widget received the agents' replies up to a message: they become DELIVERED (R31). */
export const acknowledgeMessages = `mutation($id: ID!, $m: ID!) { acknowledgeMessages(input: {conversationId: $id, messageId: $m}) { conversation { id } } }`;

/** The end user read the conversation up to a message: the agents' replies become READ (R31). */
export const markRead = `mutation($id: ID!, $m: ID!) { markRead(input: {conversationId: $id, messageId: $m}) { conversation { id } } }`;

export const sendMessage = `mutation($id: ID!, $text: String!, $cid: String!, $choice: String, $files: [ID!]) {
  sendMessage(input: {conversationId: $id, text: $text, clientMessageId: $cid, choiceId: $choice, attachmentIds: $files}) { message { ${messageFields} } }
}`;
export type SendMessage = { sendMessage: { message: Message } };

export const requestLink = `mutation($id: ID!, $channel: Channel!) {
  requestLink(input: {conversationId: $id, channel: $channel}) { linkRequest { ${linkFields} } }
}`;
export type RequestLink = { requestLink: { linkRequest: LinkRequest } };

export const followLink = `subscription($id: ID!) { linkRequest(id: $id) { ${linkFields} } }`;
export type FollowLink = { linkRequest: LinkRequest };

export const cancelLinkRequest = `mutation($id: ID!) { cancelLinkRequest(input: {linkRequestId: $id}) { linkRequest { id status } } }`;

export const unlinkChannel = `mutation($id: ID!, $channel: Channel!) {
  unlinkChannel(input: {conversationId: $id, channel: $channel}) { conversation { ${stateFields} } }
}`;
export type UnlinkChannel = { unlinkChannel: { conversation: ConversationState } };
