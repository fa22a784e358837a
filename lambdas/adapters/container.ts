/**
 * Composition root: the real adapters, built once per container from the environment.
 *
 * Each adapter has its own memoised factory (marked pure, so a bundle keeps only the ones its handler calls):
 * routes that only read messages take `{ messages: messageReader() }`, system mark-read `{ messages:
 * messageUpdater() }`, the friend list `friendListDeps()` — their bundles carry no API Gateway Management API
 * client and no id generator. Conversation mark-read and delete (REST) change read state or delete and then push:
 * `updateDeps()` (so does the markRead frame), without the code that creates messages, the friend store or the id
 * generator. Handlers that create messages or need friends use `deps()`.
 */
import type { Deps } from '../core/deps';
import { config, once } from '../shared/config';
import { DynamoConnectionStore } from './dynamo/connection-store';
import { DynamoFriendStore } from './dynamo/friend-store';
import { DynamoMessageReader } from './dynamo/message-reader';
import { DynamoMessageStore } from './dynamo/message-store';
import { DynamoMessageUpdater } from './dynamo/message-updater';
import { DynamoRateLimiter } from './dynamo/rate-limiter';
import { ulidIds } from './ids';
import { pusher } from './management';

export { pusher };

export const messageStore = /* @__PURE__ */ once(() => new DynamoMessageStore(config.tableName()));
/** The read side alone, for routes that only read messages. */
export const messageReader = /* @__PURE__ */ once(() => new DynamoMessageReader(config.tableName()));
/** Reads plus read state and soft delete, for routes that change existing messages but never create one. */
export const messageUpdater = /* @__PURE__ */ once(() => new DynamoMessageUpdater(config.tableName()));
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

/** The friend list: friends, their presence and my unread counts per friend; no writes, no pusher. */
export const friendListDeps = /* @__PURE__ */ once(() => ({
  messages: messageReader(),
  friends: friendStore(),
  connections: connectionStore(),
  settings: settings(),
}));

/** Read state and delete, then the pushes that tell both sides (conversation mark-read, frame and REST; delete). */
export const updateDeps = /* @__PURE__ */ once(() => ({
  messages: messageUpdater(),
  rate: rateLimiter(),
  connections: connectionStore(),
  pusher: pusher(),
  settings: settings(),
  clock,
}));

export const deps = /* @__PURE__ */ once(
  (): Deps => ({
    messages: messageStore(),
    friends: friendStore(),
    connections: connectionStore(),
    settings: settings(),
    pusher: pusher(),
    clock,
    ids: ulidIds,
  }),
);
