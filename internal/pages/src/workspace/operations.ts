// The GraphQL operations the agent workspace sends, with the shapes of
// their answers (schema.graphql at the repository's root is the source of
// truth).
import { fileFields, type Attachment, type Place } from "../shared/files";
import type { Channel, NoteKind, Typing } from "../widget/operations";

export type { Channel, NoteKind, Typing };

export type DeliveryState = "QUEUED" | "SENT" | "DELIVERED" | "READ" | "FAILED" | "HELD";

export interface Note {
  kind: NoteKind;
  channel: Channel;
  previousChannel: Channel | null;
  identity: string;
}

export interface Message {
  id: string;
  seq: number;
  channel: Channel;
  authorRole: "END_USER" | "AGENT" | "SYSTEM";
  authorName: string;
  text: string;
  deliveryState: DeliveryState | null;
  deliveryError: string;
  note: Note | null;
  createdAt: string;
  /** Reply choices offered (R32), and the choice an answer carries. */
  choices?: { id: string; title: string }[];
  choiceId: string;
  /** The files it carries, and a place the customer shared (R30). */
  attachments: Attachment[];
  location: Place | null;
}

/** What a reply offers or asks beside its text (R32, R33). */
export interface ReplyOptions {
  choices: { id: string; title: string }[];
  /** Held when the window has closed, after the template when one is picked. */
  hold: { templateId: string | null; templateParameters: string[] } | null;
}

/** A WhatsApp template (R33). */
export interface Template {
  id: string;
  integrationId: string;
  name: string;
  language: string;
  status: string;
  category: string;
  body: string;
  parameterCount: number;
}

export interface Identity {
  channel: Channel;
  externalId: string;
  displayName: string;
  masked: string;
  linkedAt: string | null;
}

export interface ReplyWindow {
  channel: Channel;
  open: boolean;
  until: string | null;
  humanAgent: boolean;
}

/** A conversation as the list and the open conversation show it; every event carries it as the event left it. */
export interface Conversation {
  id: string;
  status: "OPEN" | "CLOSED";
  lastChannel: Channel;
  updatedAt: string;
  endUser: { name: string; email: string; identities: Identity[] };
  /** Who answers it (R29); null while nobody does. */
  assignee: { name: string } | null;
  linkedIdentities: { channel: Channel }[];
  replyWindows: ReplyWindow[];
}

const conversationFields = `id status lastChannel updatedAt
  endUser { name email identities { channel externalId displayName masked linkedAt } }
  assignee { name }
  linkedIdentities { channel }
  replyWindows { channel open until humanAgent }`;
const messageFields = `id seq channel authorRole authorName text deliveryState deliveryError
  note { kind channel previousChannel identity } createdAt choiceId ${fileFields}`;
// The history reads no choices: a hundred messages' would pass the
// operation's complexity limit. Events and replies carry them (R32).
const liveFields = `${messageFields} choices { id title }`;

export const viewer = `{ viewer { agent { name } account { name } } }`;
export type Viewer = { viewer: { agent: { name: string } | null; account: { name: string } | null } };

/** The feed's head first, then the list: following the feed after it misses nothing the list left out (R21). */
export const feedCursor = `{ feedCursor }`;
export type FeedCursor = { feedCursor: string };

export const conversations = `{ conversations(first: 50) { edges { node { ${conversationFields} } } } }`;
export type Conversations = { conversations: { edges: { node: Conversation }[] } };

export const accountEvents = `subscription($after: String) {
  accountEvents(after: $after) { cursor kind conversation { ${conversationFields} } message { ${liveFields} } typing { role name until } }
}`;
export type AccountEvents = {
  accountEvents: { cursor: string; kind: string; conversation: Conversation; message: Message | null; typing: Typing | null };
};

/** The agent read the customer's social message: marked read on the platform when the account allows read marks (R31). */
export const markRead = `mutation($id: ID!, $m: ID!) { markRead(input: {conversationId: $id, messageId: $m}) { conversation { id } } }`;

/** The agent is typing a reply (R29, R31): the dashboards, the widget and the customer's app show it. */
export const typing = `mutation($id: ID!) { setPresence(input: {conversationId: $id, activity: TYPING}) { conversation { id } } }`;

/**
 * A page of history. Fifty messages a page: a hundred with their files would
 * pass the operation's complexity limit, so the workspace reads two.
 */
type MessagePage = { pageInfo: { hasPreviousPage: boolean; startCursor: string | null }; edges: { node: Message }[] };
const messagePage = `pageInfo { hasPreviousPage startCursor } edges { node { ${messageFields} } }`;

export const history = `query($id: ID!) {
  conversation(id: $id) { ${conversationFields} messages(last: 50) { ${messagePage} } }
}`;
export type History = { conversation: (Conversation & { messages: MessagePage }) | null };

/** The page of history before a cursor. */
export const olderMessages = `query($id: ID!, $before: String!) { conversation(id: $id) { messages(last: 50, before: $before) { ${messagePage} } } }`;
export type OlderMessages = { conversation: { messages: MessagePage } | null };

export const reply = `mutation($id: ID!, $text: String!, $cid: String!, $channel: Channel, $choices: [ChoiceInput!], $hold: HoldInput, $files: [ID!]) {
  replyToConversation(input: {conversationId: $id, text: $text, clientMessageId: $cid, channel: $channel, choices: $choices, hold: $hold, attachmentIds: $files}) {
    message { ${liveFields} }
  }
}`;
export type Reply = { replyToConversation: { message: Message } };

export const templates = `{ messageTemplates { id integrationId name language status category body parameterCount } }`;
export type Templates = { messageTemplates: Template[] };
