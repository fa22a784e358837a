/**
 * Presence: a user is online while they have at least one live connection. Friends hear `presence online` when
 * the first connection opens and `presence offline` when the last one closes (two tabs, close one: still online).
 */
import { mapLimit } from './concurrency';
import { CONNECT_GRACE_MS, deliver } from './delivery';
import type { Deps } from './deps';
import type { Connection } from './model';

/** Presence needs no messages and no id generator. */
type PresenceDeps = Omit<Deps, 'messages' | 'ids'>;

const olderThan = (a: Connection, b: Connection) =>
  a.connectedAt < b.connectedAt || (a.connectedAt === b.connectedAt && a.connectionId < b.connectionId);

/** The user already holds the most live connections allowed: the handshake is refused with 429 (contract v1.1). */
export class TooManyConnectionsError extends Error {
  constructor(readonly max: number) {
    super(`a user may hold at most ${max} live connections; close one first`);
    this.name = 'TooManyConnectionsError';
  }
}

/**
 * Store the connection. Its row lives no longer than the token it was opened with (`tokenExpiresAt`): reads skip
 * expired rows, so no push goes to a connection whose token has expired (contract v1.1).
 */
export async function connect(deps: PresenceDeps, userId: string, name: string, connectionId: string, tokenExpiresAt?: number): Promise<void> {
  const mine: Connection = { userId, connectionId, connectedAt: deps.clock.now() };
  const ttlSeconds = deps.settings.connectionTtlSeconds;
  const lifetime = tokenExpiresAt === undefined ? ttlSeconds : Math.max(0, Math.min(ttlSeconds, Math.floor((tokenExpiresAt - mine.connectedAt) / 1000)));
  // One request stores this connection and reads the user's live ones after it (strongly consistent).
  const [live] = await Promise.all([deps.connections.add(mine, lifetime), deps.friends.saveProfile(userId, name)]);
  const older = live.filter((c) => c.connectionId !== connectionId && olderThan(c, mine));
  if (older.length >= deps.settings.maxConnectionsPerUser && (await stillOver(deps, older))) {
    await deps.connections.remove(userId, connectionId);
    throw new TooManyConnectionsError(deps.settings.maxConnectionsPerUser);
  }
  // Each connection writes itself before it reads (strongly consistent), so of several opening at once exactly
  // the oldest finds no older one: it alone announces.
  if (older.length === 0) await announce(deps, userId, true);
}

/**
 * Whether the older connections still fill the cap once rows a lost $disconnect left behind are dropped: those must
 * not lock a user out until their TTL. Only rows past the connect grace are asked about (a younger one may still be
 * inside its own $connect, where the gateway answers 410 too); only this rare path pays for the GetConnection calls.
 */
async function stillOver(deps: PresenceDeps, older: Connection[]): Promise<boolean> {
  const settled = (c: Connection) => deps.clock.now() - c.connectedAt >= CONNECT_GRACE_MS;
  const gone = await mapLimit(older.filter(settled), deps.settings.fanOutConcurrency, async (c) => ((await deps.pusher.exists(c.connectionId)) ? undefined : c));
  const stale = gone.filter((c): c is Connection => c !== undefined);
  await Promise.all(stale.map((c) => deps.connections.remove(c.userId, c.connectionId)));
  return older.length - stale.length >= deps.settings.maxConnectionsPerUser;
}

export async function disconnect(deps: PresenceDeps, userId: string, connectionId: string): Promise<void> {
  const live = await deps.connections.remove(userId, connectionId);
  if (live.length === 0) await announce(deps, userId, false);
}

async function announce(deps: PresenceDeps, userId: string, online: boolean): Promise<void> {
  const friends = await deps.friends.ids(userId);
  if (friends.length > 0) await deliver(deps, friends, { type: 'presence', userId, online });
}
