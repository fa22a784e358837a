/**
 * Found by `npm run bench:load`: when two friends connect at the same moment, each one's presence push reaches the
 * other while the other's $connect is still running, and API Gateway answers 410 for it. Taking that 410 as "gone"
 * deleted the newcomer's connection row, so its socket stayed open but never received another push.
 */
import { CONNECT_GRACE_MS, deliver } from '../../lambdas/core/delivery';
import { memoryDeps } from '../support/memory-ports';

/** Bob's connections, opened `ageMs` ago; every push to them answers 410, as API Gateway does for a connection that is gone or still in its $connect. */
async function bobWith(connections: Record<string, number>) {
  const deps = memoryDeps();
  for (const [connectionId, ageMs] of Object.entries(connections)) {
    await deps.connections.add({ userId: 'bob', connectionId, connectedAt: deps.clock.now() - ageMs }, deps.settings.connectionTtlSeconds);
    deps.pusher.gone(connectionId);
  }
  return deps;
}

it('a 410 from a connection opened moments ago (still inside $connect) keeps its row', async () => {
  const deps = await bobWith({ new: 200 });
  const report = await deliver(deps, ['bob'], { type: 'presence', userId: 'alice', online: true });
  expect(report.gone).toBe(1);
  expect(deps.connections.stored('bob')).toEqual(['new']);
});

it('a 410 from an older connection deletes its row', async () => {
  const deps = await bobWith({ old: CONNECT_GRACE_MS + 1, new: 5 });
  await deliver(deps, ['bob'], { type: 'presence', userId: 'alice', online: true });
  expect(deps.connections.stored('bob')).toEqual(['new']);
});
