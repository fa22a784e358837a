/** The public contract (shared/CONTRACT.md v1) as TypeScript types: the only things the client relies on. */
export type { WebConfig } from '../../lib/wiring';

export type MessageType =
  | 'CHAT'
  | 'SYSTEM_ACHIEVEMENT'
  | 'SYSTEM_TASK'
  | 'SYSTEM_PURCHASE'
  | 'SYSTEM_FOLLOW'
  | 'SYSTEM_FRIEND';

export interface Message {
  id: string;
  fromUserId: string | null;
  toUserId: string;
  messageType: MessageType;
  content: string;
  metadata: Record<string, unknown> | null;
  isRead: boolean;
  createdAt: string;
  /** Chat: the sender's id for its send (dedupe, ack matching). System messages: null or absent. */
  clientMessageId?: string | null;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

export interface Conversation {
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

export interface UnreadCount {
  chat: number;
  system: number;
  total: number;
}

export type ErrorCode = 'BAD_REQUEST' | 'TOO_LARGE' | 'NOT_FRIENDS' | 'RATE_LIMITED' | 'INTERNAL' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND';

/** Client -> server frames. */
export type ClientFrame =
  | { action: 'sendMessage'; to: string; content: string; clientMessageId: string; metadata?: Record<string, unknown> | null }
  | { action: 'markRead'; peerId: string }
  | { action: 'typing'; to: string }
  | { action: 'ping' };

/** Server -> client frames. */
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
  | { type: 'error'; code: ErrorCode | string; message: string; clientMessageId?: string };

/** Content limit in characters (Unicode code points), as the server counts them. */
export const MAX_CONTENT_CHARS = 4000;
