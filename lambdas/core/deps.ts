import type { Clock, ConnectionStore, FriendStore, IdSource, MessageStore, Pusher, RateRule } from './ports';

/** Everything the domain needs, handed in by the composition root (lambdas/adapters/container.ts) or a test. */
export interface Deps {
  messages: MessageStore;
  friends: FriendStore;
  connections: ConnectionStore;
  pusher: Pusher;
  clock: Clock;
  ids: IdSource;
  settings: {
    sendRate: RateRule;
    typingRate: RateRule;
    markReadRate: RateRule;
    connectionTtlSeconds: number;
    /** Live connections one user may hold; the next handshake is refused with 429. */
    maxConnectionsPerUser: number;
    /** How many pushes / connection look-ups run at once during a fan-out. */
    fanOutConcurrency: number;
  };
}
