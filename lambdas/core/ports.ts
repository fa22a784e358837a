/**
 * Ports: what the domain needs from storage and delivery. Adapters (lambdas/adapters) implement them with the AWS
 * SDK; unit tests can implement them in memory. Nothing here imports an SDK.
 */
import type { AttachmentRejectReason, AttachmentStatus, ConversationSummary, Message, Page, UnreadCounts } from '../contract/messages';
import type { AttachmentContentType } from '../contract/limits';
import type { Connection } from './model';

export interface RateRule {
  kind: 'send' | 'typing' | 'markRead' | 'upload';
  limit: number;
  windowSeconds: number;
}

export type AppendChatResult = { status: 'stored'; message: Message } | { status: 'duplicate'; message: Message };

export interface StoredMessage extends Message {
  deletedAt: string | null;
}

export interface MessageStore {
  /**
   * Atomically: require a friendship from -> to, count one frame against the sender's rate window, claim the
   * (sender, clientMessageId) pair, store the message unread, and update both conversation rows and the
   * recipient's unread counter. A claimed clientMessageId yields the ORIGINAL message and stores nothing.
   * Throws AppError NOT_FRIENDS / RATE_LIMITED.
   */
  appendChat(message: Message, rate: RateRule): Promise<AppendChatResult>;
  /** Friendship check plus a rate-window hit, in one request. Throws NOT_FRIENDS / RATE_LIMITED. */
  allowTyping(from: string, to: string, rate: RateRule): Promise<void>;
  history(me: string, peer: string, q: { limit: number; before?: string; after?: string }): Promise<Page<Message>>;
  /** Marks every unread message peer -> me read; returns how many and the newest id marked. */
  markConversationRead(me: string, peer: string): Promise<{ updated: number; upTo: string | null }>;
  conversations(me: string, q: { limit: number; before?: string }): Promise<Page<ConversationSummary>>;
  unreadCounts(me: string): Promise<UnreadCounts>;
  /** Unread chat counters for these peers of mine (0 where none). */
  unreadByPeer(me: string, peers: string[]): Promise<Map<string, number>>;
  systemList(me: string, q: { limit: number; before?: string; unreadOnly: boolean }): Promise<Page<Message>>;
  markSystemRead(me: string, ids: string[] | 'all'): Promise<number>;
  /** A message by id that `me` is a party of (sender or recipient), deleted or not; null when there is none. */
  findById(me: string, id: string): Promise<StoredMessage | null>;
  /** Soft-deletes; keeps counters and the conversation rows right. false if it was already deleted. */
  softDelete(message: StoredMessage): Promise<boolean>;
  /**
   * Stores system messages of one event, at most one per (eventId, recipient) however often it is called;
   * returns only the newly stored.
   */
  appendSystem(eventId: string, messages: Message[]): Promise<Message[]>;
}

export interface FriendStore {
  areFriends(a: string, b: string): Promise<boolean>;
  /** Just the ids of my friends (cheaper than `list`). */
  ids(me: string): Promise<string[]>;
  /** Friend ids with the names we know for them (profile name — the newest the user gave — else the name the friendship event gave, else the id). */
  list(me: string): Promise<Array<{ userId: string; name: string }>>;
  befriend(a: string, b: string, names: ReadonlyMap<string, string>): Promise<void>;
  unfriend(a: string, b: string): Promise<void>;
  saveProfile(userId: string, name: string): Promise<void>;
  names(userIds: string[]): Promise<Map<string, string>>;
}

export interface ConnectionStore {
  /** Store a connection; returns the user's live connections after it (this one included), strongly consistent. */
  add(conn: Connection, ttlSeconds: number): Promise<Connection[]>;
  /** Forget a connection; returns the user's live connections left, strongly consistent. */
  remove(userId: string, connectionId: string): Promise<Connection[]>;
  /** Live (unexpired) connections of a user, strongly consistent. */
  live(userId: string): Promise<Connection[]>;
  /** Live connections of several users at once (DynamoDB: ⌈users/100⌉ BatchGetItem requests), strongly consistent. */
  liveOf(userIds: readonly string[]): Promise<Connection[]>;
}

/** What delivering frames needs of the connections: the live ones of some users, and removing one that is gone. */
export type DeliveryConnections = Pick<ConnectionStore, 'liveOf' | 'remove'>;

/** A per-user rate limit on its own (sendMessage and typing take theirs inside their transaction). */
export interface RateLimiter {
  /** Count one hit; throws RATE_LIMITED when the user is over the rule. */
  hit(userId: string, rule: RateRule): Promise<void>;
}

export type PushResult = 'ok' | 'gone' | 'failed';

export interface Pusher {
  post(connectionId: string, frame: unknown): Promise<PushResult>;
  /** Whether the gateway still has this connection (GetConnection; false only on 410 Gone). */
  exists(connectionId: string): Promise<boolean>;
  /** Close a connection from the server side (DeleteConnection; one already gone is fine). */
  close(connectionId: string): Promise<void>;
}

export interface Clock {
  now(): number;
}

export interface IdSource {
  /**
   * A new id sorting by creation time. With `pair` (a chat message's two users) the id also names their
   * conversation, so the store can find the message by id alone (lambdas/adapters/ids.ts).
   */
  next(at: number, pair?: readonly [string, string]): string;
}

// ---------------------------------------------------------------------------------------------------------------
// Attachments (images)

/** The attachment record (main table pk ATT#<id>, sk ATT; docs/DATA.md). */
export interface AttachmentRecord {
  attachmentId: string;
  ownerId: string;
  status: AttachmentStatus;
  reason?: AttachmentRejectReason;
  contentType: AttachmentContentType;
  /** Declared size while pending; the cleaned image's size once ready. */
  size: number;
  width?: number;
  height?: number;
  /** ISO 8601. */
  createdAt: string;
  /** Set when a message carries it (never cleared: an attachment is sent once). */
  messageId?: string;
  /** TTL, epoch seconds (createdAt + 24 h); removed when sent. */
  expiresAt?: number;
}

export interface AttachmentStore {
  /** Stores a new pending record (fails if the id exists). */
  create(record: AttachmentRecord): Promise<void>;
  /** Strongly consistent read; null when there is none. */
  get(attachmentId: string): Promise<AttachmentRecord | null>;
  /**
   * pending -> ready (with width, height, actual size and type) or rejected (with reason), only if still pending.
   * false when it was not pending (a redelivered S3 event) or does not exist.
   */
  finish(
    attachmentId: string,
    outcome: { status: 'ready'; size: number; width: number; height: number; contentType: AttachmentContentType } | { status: 'rejected'; reason: AttachmentRejectReason },
  ): Promise<boolean>;
}

/** Object keys of the uploads bucket (design-14 "Object keys"). */
export const uploadKey = (userId: string, attachmentId: string) => `uploads/${userId}/${attachmentId}`;
export const imageKey = (attachmentId: string) => `files/${attachmentId}/image`;
export const thumbKey = (attachmentId: string) => `files/${attachmentId}/thumb`;
/** The object tag on files not (yet) sent: the bucket's lifecycle rule expires them after a day. */
export const UNSENT_TAG = { key: 'parley-unsent', value: 'true' } as const;

export interface UploadPolicy {
  url: string;
  fields: Record<string, string>;
}

/** The uploads bucket (S3 behind lambdas/adapters/s3/). */
export interface FileStore {
  /** A presigned POST for exactly this key, content type and byte size, valid `expiresSeconds`. */
  presignUpload(key: string, contentType: string, size: number, expiresSeconds: number): Promise<UploadPolicy>;
  /** The whole object; null when there is none. */
  read(key: string): Promise<Buffer | null>;
  /** Put an object, with tags (key=value). */
  write(key: string, body: Buffer, contentType: string, tags?: Record<string, string>): Promise<void>;
  delete(keys: string[]): Promise<void>;
  /** A signed GET URL valid `expiresSeconds`. */
  signedUrl(key: string, expiresSeconds: number): Promise<string>;
  removeTags(key: string): Promise<void>;
  putTags(key: string, tags: Record<string, string>): Promise<void>;
}
