/**
 * The contract's objects as the server hands them out (CONTRACT.md "Message object", REST answers). Written as types:
 * the server builds them, nothing validates them on the way in.
 */
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
  /** Chat: the sender's id for its send (dedupe, ack matching). System messages: null. */
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
