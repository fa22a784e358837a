/**
 * Composition root: the real adapters, built once per container from the environment.
 *
 * Each adapter has its own memoised factory (marked pure, so a bundle keeps only the ones its handler calls):
 * routes that only read or update messages take `{ messages: messageStore() }`, the friend list `readDeps()`; their
 * bundles carry no API Gateway Management API client and no id generator. Handlers that push or create messages
 * use `deps()`.
 */
import type { Deps } from '../core/deps';
import { config, once } from '../shared/config';
import { DynamoConnectionStore } from './dynamo/connection-store';
import { DynamoFriendStore } from './dynamo/friend-store';
import { DynamoMessageStore } from './dynamo/message-store';
import { ulidIds } from './ids';
import { ManagementApiPusher } from './pusher';

/** What the read-only routes need: the stores and settings, no pusher, clock or ids. */
export type ReadDeps = Pick<Deps, 'messages' | 'friends' | 'connections' | 'settings'>;

export const messageStore = /* @__PURE__ */ once(() => new DynamoMessageStore(config.tableName()));
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

export const readDeps = /* @__PURE__ */ once(
  (): ReadDeps => ({ messages: messageStore(), friends: friendStore(), connections: connectionStore(), settings: settings() }),
);

export const deps = /* @__PURE__ */ once(
  (): Deps => ({
    ...readDeps(),
    pusher: new ManagementApiPusher(config.wsManagementEndpoint()),
    clock: { now: () => Date.now() },
    ids: ulidIds,
  }),
);
