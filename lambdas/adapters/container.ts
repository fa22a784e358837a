/**
 * Composition root: the real adapters, built once per container from the environment.
 *
 * Each adapter has its own memoised factory (marked pure, so a bundle keeps only the ones its handler calls):
 * routes that only read messages take `{ messages: messageReader() }`, those that also update them
 * `{ messages: messageStore() }`, the friend list `friendListDeps()`; their
 * bundles carry no API Gateway Management API client and no id generator. Handlers that push or create messages
 * use `deps()`.
 */
import type { Deps } from '../core/deps';
import { config, once } from '../shared/config';
import { DynamoConnectionStore } from './dynamo/connection-store';
import { DynamoFriendStore } from './dynamo/friend-store';
import { DynamoMessageReader } from './dynamo/message-reader';
import { DynamoMessageStore } from './dynamo/message-store';
import { ulidIds } from './ids';
import { ManagementApiPusher } from './pusher';

export const messageStore = /* @__PURE__ */ once(() => new DynamoMessageStore(config.tableName()));
/** The read side alone, for routes that only read messages. */
export const messageReader = /* @__PURE__ */ once(() => new DynamoMessageReader(config.tableName()));
const friendStore = /* @__PURE__ */ once(() => new DynamoFriendStore(config.tableName()));
const connectionStore = /* @__PURE__ */ once(() => new DynamoConnectionStore(config.connectionsTable()));
const settings = /* @__PURE__ */ once(
  (): Deps['settings'] => ({
    sendRate: { kind: 'send', ...config.rateSendMessage() },
    typingRate: { kind: 'typing', ...config.rateTyping() },
    connectionTtlSeconds: config.connectionTtlSeconds(),
    fanOutConcurrency: 16,
  }),
);

/** The friend list: friends, their presence and my unread counts per friend; no writes, no pusher. */
export const friendListDeps = /* @__PURE__ */ once(() => ({
  messages: messageReader(),
  friends: friendStore(),
  connections: connectionStore(),
  settings: settings(),
}));

export const deps = /* @__PURE__ */ once(
  (): Deps => ({
    messages: messageStore(),
    friends: friendStore(),
    connections: connectionStore(),
    settings: settings(),
    pusher: new ManagementApiPusher(config.wsManagementEndpoint()),
    clock: { now: () => Date.now() },
    ids: ulidIds,
  }),
);
