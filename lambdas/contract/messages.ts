/**
 * The contract's objects as the server hands them out (CONTRACT.md "Message object", REST answers). Written as types:
 * the server builds them, nothing validates them on the way in.
 */
import type { AttachmentContentType } from './limits';

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

/** What is stored about an attachment of a message (the message item and the conversation row's lastMessage). */
export interface StoredAttachment {
  id: string;
  contentType: AttachmentContentType;
  /** Bytes of the cleaned image. */
  size: number;
  width: number;
  height: number;
}

/** An attachment as readers get it: with signed GET URLs of the image and its thumbnail (valid 2 h). */
export interface Attachment extends StoredAttachment {
  url: string;
  thumbnailUrl: string;
}

export type AttachmentStatus = 'pending' | 'ready' | 'rejected';
/** Why an upload was rejected (lambdas/attachments/image.ts). */
export type AttachmentRejectReason = 'not_an_image' | 'type_mismatch' | 'too_many_pixels' | 'corrupt';

/** `POST /api/attachments` answer (201). */
export interface CreatedAttachment {
  attachmentId: string;
  upload: { url: string; fields: Record<string, string> };
  /** When the upload URL stops working (ISO 8601). */
  expiresAt: string;
}

/** `GET /api/attachments/{attachmentId}` answer (its uploader only). */
export interface AttachmentState {
  attachmentId: string;
  status: AttachmentStatus;
  reason?: AttachmentRejectReason;
  /** When ready: the attachment with signed URLs. */
  attachment?: Attachment;
}

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
  /**
   * Always present on what the server hands out ([] when none); optional in the type only while the code paths that
   * build messages internally (drafts, system messages before they are stored) fill it at read time.
   */
  attachments?: Attachment[];
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
