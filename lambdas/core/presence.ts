/**
 * Presence: a user is online while they have at least one live connection. Friends hear `presence online` when
 * the first connection opens and `presence offline` when the last one closes (two tabs, close one: still online).
 */
import { deliver } from './delivery';
import type { Deps } from './deps';
import type { Connection } from './model';

const olderThan = (a: Connection, b: Connection) =>
  a.connectedAt < b.connectedAt || (a.connectedAt === b.connectedAt && a.connectionId < b.connectionId);

export async function connect(deps: Deps, userId: string, name: string, connectionId: string): Promise<void> {
  const mine: Connection = { userId, connectionId, connectedAt: deps.clock.now() };
  await deps.connections.add(mine, deps.settings.connectionTtlSeconds);
  const [live] = await Promise.all([deps.connections.live(userId), deps.friends.saveProfile(userId, name)]);
  // Each connection writes itself before it reads (strongly consistent), so of several opening at once exactly
  // the oldest finds no older one: it alone announces.
  if (!live.some((c) => c.connectionId !== connectionId && olderThan(c, mine))) await announce(deps, userId, true);
}

export async function disconnect(deps: Deps, userId: string, connectionId: string): Promise<void> {
  await deps.connections.remove(userId, connectionId);
  const live = await deps.connections.live(userId);
  if (live.length === 0) await announce(deps, userId, false);
}

async function announce(deps: Deps, userId: string, online: boolean): Promise<void> {
  const friends = await deps.friends.ids(userId);
  if (friends.length > 0) await deliver(deps, friends, { type: 'presence', userId, online });
}
