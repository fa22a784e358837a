/**
 * Composition root: the real adapters, built once per container from the environment.
 *
 * Each handler has its own memoised factory (marked pure, so a bundle keeps only the one its handler calls) that
 * hands its domain function exactly the ports it declares. Messages are stored by access pattern
 * (lambdas/adapters/dynamo/messages/: history, system-list, conversations, counts, mark-read, delete, append-chat,
 * append-system, typing), plain functions of the table name; a handler's `messages` port is an object literal of
 * only the functions it calls, so its bundle carries only those access patterns. Handlers that never push get no
 * pusher (no API Gateway Management API client); only sendMessage and the notification handler get the id
 * generator, and only they carry the code that creates messages (`perf-bundle.test.ts` checks both).
 */
import type { Deps } from '../core/deps';
import * as config from '../shared/config';
import { once } from '../shared/config';
import { DynamoConnectionStore, deliveryConnections } from './dynamo/connection-store';
import { DynamoFriendStore } from './dynamo/friend-store';
import { appendChat } from './dynamo/messages/append-chat';
import { appendSystem } from './dynamo/messages/append-system';
import { conversations } from './dynamo/messages/conversations';
import { unreadByPeer, unreadCounts } from './dynamo/messages/counts';
import { findById, softDelete } from './dynamo/messages/delete';
import { history } from './dynamo/messages/history';
import { markConversationRead, markSystemRead } from './dynamo/messages/mark-read';
import { systemList } from './dynamo/messages/system-list';
import { allowTyping } from './dynamo/messages/typing';
import { DynamoRateLimiter } from './dynamo/rate-limiter';
import { ulidIds } from './ids';
import { newAttachmentId } from './attachment-ids';
import { dynamoAttachmentStore, getAttachmentRecord } from './dynamo/attachments';
import { deleteObjects, putTags, readObject, removeTags, writeObject } from './s3/objects';
import { presignUpload } from './s3/presign';
import { fileUrlSigner } from './s3/file-urls';
import { pusher } from './management';

export { pusher };

/** A message access pattern as a port method: the main table's name (read once, here) bound as its first argument. */
function onMain<A extends unknown[], R>(fn: (table: string, ...args: A) => R): (...args: A) => R {
  const table = config.tableName();
  return (...args) => fn(table, ...args);
}

const rateLimiter = /* @__PURE__ */ once(() => new DynamoRateLimiter(config.tableName()));
const friendStore = /* @__PURE__ */ once(() => new DynamoFriendStore(config.tableName()));
const connectionStore = /* @__PURE__ */ once(() => new DynamoConnectionStore(config.connectionsTable()));
const settings = /* @__PURE__ */ once(
  (): Deps['settings'] => ({
    sendRate: { kind: 'send', ...config.rateSendMessage() },
    typingRate: { kind: 'typing', ...config.rateTyping() },
    markReadRate: { kind: 'markRead', ...config.rateMarkRead() },
    connectionTtlSeconds: config.connectionTtlSeconds(),
    maxConnectionsPerUser: config.maxConnectionsPerUser(),
    fanOutConcurrency: 16,
  }),
);

const clock: Deps['clock'] = { now: () => Date.now() };

/** A file-store access as a port method: the uploads bucket's name (read once, here) bound as its first argument. */
function onBucket<A extends unknown[], R>(fn: (bucket: string, ...args: A) => R): (...args: A) => R {
  const bucket = config.uploadsBucket();
  return (...args) => fn(bucket, ...args);
}
const attachmentStore = /* @__PURE__ */ once(() => dynamoAttachmentStore(config.tableName()));

/** What telling users (pushing frames to their live connections) needs. */
const delivering = /* @__PURE__ */ once(() => deliveryConnections(config.connectionsTable()));
const delivery = () => ({ connections: delivering(), pusher: pusher(), settings: settings(), clock });

// ---------- reads (REST) ----------

/**
 * Signing the GET URLs of messages' files (local computation: no request per URL): S3 presigned, or CloudFront-signed
 * when the attachments CDN is configured (its private key read from SSM once per container).
 */
const fileUrls = /* @__PURE__ */ once(() => fileUrlSigner(config.uploadsBucket()));
const signer = () => ({ signedUrl: fileUrls() });

export const historyDeps = /* @__PURE__ */ once(() => ({ messages: { history: onMain(history) }, files: signer() }));
export const conversationsDeps = /* @__PURE__ */ once(() => ({ messages: { conversations: onMain(conversations) }, files: signer() }));
export const unreadCountsDeps = /* @__PURE__ */ once(() => ({ messages: { unreadCounts: onMain(unreadCounts) } }));
export const systemListDeps = /* @__PURE__ */ once(() => ({ messages: { systemList: onMain(systemList) } }));

/** The friend list: friends, their presence and my unread counts per friend; no writes, no pusher. */
export const friendListDeps = /* @__PURE__ */ once(() => ({
  messages: { unreadByPeer: onMain(unreadByPeer) },
  friends: friendStore(),
  connections: connectionStore(),
  settings: settings(),
}));

// ---------- read state and delete ----------

export const systemMarkReadDeps = /* @__PURE__ */ once(() => ({ messages: { markSystemRead: onMain(markSystemRead) } }));

/** Conversation mark-read (REST): read state, then the pushes that tell both sides. */
export const markReadDeps = /* @__PURE__ */ once(() => ({ messages: { markConversationRead: onMain(markConversationRead) }, ...delivery() }));

/** The markRead frame: as the REST route, counted against the per-user markRead limit first. */
export const markReadFrameDeps = /* @__PURE__ */ once(() => ({ ...markReadDeps(), rate: rateLimiter() }));

/** Delete by id, then the pushes that tell both sides. */
export const deleteDeps = /* @__PURE__ */ once(() => ({
  messages: { findById: onMain(findById), softDelete: onMain(softDelete) },
  files: { delete: onBucket(deleteObjects) },
  ...delivery(),
}));

// ---------- frames that create or relay ----------

export const sendDeps = /* @__PURE__ */ once(() => ({
  messages: { appendChat: onMain(appendChat) },
  ...delivery(),
  ids: ulidIds,
  // Attachments: their records (read before the transaction, claimed inside it), the unsent tag, signed URLs. Only
  // the read: the store's create and finish would be dead weight in this bundle (docs/PERFORMANCE.md section 3).
  attachments: { get: onMain(getAttachmentRecord) },
  files: { signedUrl: fileUrls(), removeTags: onBucket(removeTags), putTags: onBucket(putTags) },
}));

export const typingDeps = /* @__PURE__ */ once(() => ({ messages: { allowTyping: onMain(allowTyping) }, ...delivery() }));

/** $connect / $disconnect: connections, profiles and friends for presence; no messages. */
export const presenceDeps = /* @__PURE__ */ once(() => ({ friends: friendStore(), ...delivery(), connections: connectionStore() }));

/** The notification handler: system messages of an event, and the friend graph. */
export const notifyDeps = /* @__PURE__ */ once(() => ({
  messages: { appendSystem: onMain(appendSystem) },
  friends: friendStore(),
  ...delivery(),
  ids: ulidIds,
}));

// ---------- attachments (images) ----------

/** POST /api/attachments: the upload rate, the pending record, the presigned POST. */
export const createAttachmentDeps = /* @__PURE__ */ once(() => ({
  attachments: attachmentStore(),
  files: { presignUpload: onBucket(presignUpload) },
  rate: rateLimiter(),
  clock,
  newAttachmentId,
  settings: { uploadRate: { kind: 'upload' as const, ...config.rateUpload() } },
}));

/** GET /api/attachments/{id}: the record, and signed URLs when it is ready. */
export const getAttachmentDeps = /* @__PURE__ */ once(() => ({ attachments: attachmentStore(), files: signer() }));

/** The S3 ObjectCreated handler: raw upload in, cleaned files out, the record finished, the uploader told. */
export const processAttachmentDeps = /* @__PURE__ */ once(() => ({
  attachments: attachmentStore(),
  files: { read: onBucket(readObject), write: onBucket(writeObject), delete: onBucket(deleteObjects) },
  ...delivery(),
}));
