/**
 * In-memory implementations of every port in lambdas/core/ports.ts, for testing the domain's rules without DynamoDB
 * or API Gateway. Each follows its port's comment (and what the DynamoDB adapters do where the comment is silent):
 *  - a method that writes does all of its checks and writes in one synchronous step (no await in between), so it is
 *    as atomic as the adapter's transaction: two concurrent calls never interleave half-way;
 *  - errors are the adapters' AppErrors (NOT_FRIENDS, RATE_LIMITED), thrown before anything is stored;
 *  - counters (unread per user, per conversation) are computed from the messages they count, so they are exact by
 *    construction and a soft delete keeps them (and the conversation rows) right;
 *  - time is the Clock's: connection TTLs, rate windows and deletedAt all follow `clock.set()` / `clock.advance()`.
 * `memoryDeps()` wires them into a full `Deps` (plus the markRead frame's RateLimiter) with the default settings.
 * One fake per file under test/support/memory/ (issue #11); this module re-exports them and builds the `Deps`.
 */
import type { Deps } from '../../lambdas/core/deps';
import { MEMORY_EPOCH, ManualClock, SequentialIds } from './memory/clock';
import { MemoryConnectionStore } from './memory/connections';
import { MemoryFriendStore } from './memory/friends';
import { MemoryMessageStore } from './memory/messages';
import { MemoryPusher } from './memory/pusher';
import { MemoryRateLimiter } from './memory/rate';

import { MemoryAttachmentStore, MemoryFileStore } from './memory/attachments';

export { MemoryAttachmentStore, MemoryFileStore };
export { MEMORY_EPOCH, ManualClock, SequentialIds, MemoryConnectionStore, MemoryFriendStore, MemoryMessageStore, MemoryPusher, MemoryRateLimiter };

export const DEFAULT_SETTINGS: Deps['settings'] = {
  sendRate: { kind: 'send', limit: 30, windowSeconds: 10 },
  typingRate: { kind: 'typing', limit: 10, windowSeconds: 10 },
  markReadRate: { kind: 'markRead', limit: 30, windowSeconds: 10 },
  connectionTtlSeconds: 3 * 3600,
  maxConnectionsPerUser: 10,
  fanOutConcurrency: 4,
};

export interface MemoryDeps extends Deps {
  messages: MemoryMessageStore;
  friends: MemoryFriendStore;
  connections: MemoryConnectionStore;
  pusher: MemoryPusher;
  clock: ManualClock;
  ids: SequentialIds;
  /** The markRead frame's own limiter (the container's `updateDeps().rate`). */
  rate: MemoryRateLimiter;
  attachments: MemoryAttachmentStore;
  files: MemoryFileStore;
}

/** A full `Deps` in memory, with the contract's default limits (override any of them). */
export function memoryDeps(opts: { now?: number; settings?: Partial<Deps['settings']> } = {}): MemoryDeps {
  const clock = new ManualClock(opts.now ?? MEMORY_EPOCH);
  const friends = new MemoryFriendStore();
  const rate = new MemoryRateLimiter(clock);
  const attachments = new MemoryAttachmentStore();
  return {
    messages: new MemoryMessageStore(friends, rate, clock, attachments),
    attachments,
    files: new MemoryFileStore(),
    friends,
    connections: new MemoryConnectionStore(clock),
    pusher: new MemoryPusher(),
    clock,
    ids: new SequentialIds(),
    rate,
    settings: { ...DEFAULT_SETTINGS, ...opts.settings },
  };
}
