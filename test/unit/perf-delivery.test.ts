/**
 * Found by `npm run bench:load`: when two friends connect at the same moment, each one's presence push reaches the
 * other while the other's $connect is still running, and API Gateway answers 410 for it. Taking that 410 as "gone"
 * deleted the newcomer's connection row, so its socket stayed open but never received another push.
 */
import { CONNECT_GRACE_MS, deliver } from '../../lambdas/core/delivery';
import type { Connection } from '../../lambdas/core/model';

const NOW = 1_800_000_000_000;

function fakes(rows: Connection[]) {
  const removed: string[] = [];
  const deps = {
    clock: { now: () => NOW },
    settings: { sendRate: { kind: 'send' as const, limit: 30, windowSeconds: 10 }, typingRate: { kind: 'typing' as const, limit: 10, windowSeconds: 10 }, markReadRate: { kind: 'markRead' as const, limit: 30, windowSeconds: 10 }, connectionTtlSeconds: 10800, maxConnectionsPerUser: 10, fanOutConcurrency: 4 },
    connections: {
      add: async () => undefined,
      remove: async (_u: string, id: string) => void removed.push(id),
      live: async (u: string) => rows.filter((r) => r.userId === u),
    },
    // Every push answers 410, as API Gateway does for a connection that is gone or still in its $connect.
    pusher: { post: async () => 'gone' as const, exists: async () => false, close: async () => undefined },
  };
  return { deps, removed };
}

it('a 410 from a connection opened moments ago (still inside $connect) keeps its row', async () => {
  const { deps, removed } = fakes([{ userId: 'bob', connectionId: 'new', connectedAt: NOW - 200 }]);
  const report = await deliver(deps, ['bob'], { type: 'presence', userId: 'alice', online: true });
  expect(report.gone).toBe(1);
  expect(removed).toEqual([]);
});

it('a 410 from an older connection deletes its row', async () => {
  const { deps, removed } = fakes([
    { userId: 'bob', connectionId: 'old', connectedAt: NOW - CONNECT_GRACE_MS - 1 },
    { userId: 'bob', connectionId: 'new', connectedAt: NOW - 5 },
  ]);
  await deliver(deps, ['bob'], { type: 'presence', userId: 'alice', online: true });
  expect(removed).toEqual(['old']);
});
