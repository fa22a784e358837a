/** The contract's objects, as the domain sees them. */
export const MESSAGE_TYPES = [
  'CHAT',
  'SYSTEM_ACHIEVEMENT',
  'SYSTEM_TASK',
  'SYSTEM_PURCHASE',
  'SYSTEM_FOLLOW',
  'SYSTEM_FRIEND',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export type SystemMessageType = Exclude<MessageType, 'CHAT'>;

export type Metadata = Record<string, unknown>;

export interface Message {
  id: string;
  fromUserId: string | null;
  toUserId: string;
  messageType: MessageType;
  content: string;
  metadata: Metadata | null;
  isRead: boolean;
  createdAt: string;
  clientMessageId: string | null;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

export interface ConversationSummary {
  peerId: string;
  lastMessage: Message;
  unreadCount: number;
  updatedAt: string;
}

export interface Friend {
  userId: string;
  name: string;
  online: boolean;
  unreadCount: number;
}

export interface UnreadCounts {
  chat: number;
  system: number;
  total: number;
}

export interface Connection {
  userId: string;
  connectionId: string;
  connectedAt: number;
}

/** Server -> client frames (CONTRACT.md "Server → client"). */
export type ServerFrame =
  | { type: 'ack'; clientMessageId: string; message: Message }
  | { type: 'message'; message: Message }
  | { type: 'notification'; message: Message }
  | { type: 'presence'; userId: string; online: boolean }
  | { type: 'friendship'; userId: string; status: 'created'; name: string }
  | { type: 'friendship'; userId: string; status: 'removed' }
  | { type: 'read'; by: string; upTo: string }
  | { type: 'conversationRead'; peerId: string }
  | { type: 'typing'; from: string }
  | { type: 'messageDeleted'; messageId: string; peerId: string }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string; clientMessageId?: string };

/** Upper bounds the domain enforces (CONTRACT.md). */
export const LIMITS = {
  contentChars: 4000,
  clientMessageId: /^[A-Za-z0-9_-]{1,64}$/,
  /** User ids are JWT subjects; '#' and '/' would break keys and paths. */
  userId: /^[A-Za-z0-9_.@:|+=-]{1,128}$/,
  metadataBytes: 4096,
  /** Nesting levels of metadata (an object holding a value is 1). */
  metadataDepth: 16,
  pageDefault: 50,
  pageMax: 100,
  markReadIds: 100,
  taskRecipients: 1000,
} as const;
