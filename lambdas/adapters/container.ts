/** Composition root: the real adapters, built once per container from the environment. */
import type { Deps } from '../core/deps';
import { config, once } from '../shared/config';
import { DynamoConnectionStore } from './dynamo/connection-store';
import { DynamoFriendStore } from './dynamo/friend-store';
import { DynamoMessageStore } from './dynamo/message-store';
import { ulidIds } from './ids';
import { ManagementApiPusher } from './pusher';

export const deps = once(
  (): Deps => ({
    messages: new DynamoMessageStore(config.tableName()),
    friends: new DynamoFriendStore(config.tableName()),
    connections: new DynamoConnectionStore(config.connectionsTable()),
    pusher: new ManagementApiPusher(config.wsManagementEndpoint()),
    clock: { now: () => Date.now() },
    ids: ulidIds,
    settings: {
      sendRate: { kind: 'send', ...config.rateSendMessage() },
      typingRate: { kind: 'typing', ...config.rateTyping() },
      connectionTtlSeconds: config.connectionTtlSeconds(),
      fanOutConcurrency: 16,
    },
  }),
);
