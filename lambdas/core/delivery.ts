/**
 * Best-effort delivery on top of stored state: a frame to every live connection of some users. A connection that
 * is gone (410) is removed and the others still receive the frame; other failures are counted, never thrown —
 * clients recover from REST (after= cursor, unread counts).
 */
import { logger } from '../shared/logger';
import { chunk, mapLimit } from './concurrency';
import type { Deps } from './deps';
import type { ServerFrame } from '../contract/frames';
import type { Connection } from './model';
import type { DeliveryConnections } from './ports';

type DeliveryDeps = Pick<Deps, 'pusher' | 'settings' | 'clock'> & { connections: DeliveryConnections };

/**
 * API Gateway answers 410 for a connection whose $connect has not returned yet, exactly as for one that is gone. A
 * connection younger than this may be such a newcomer (two friends connecting at once each push presence to the
 * other mid-$connect), so a 410 does not delete its row: its own $disconnect, or the row's TTL, removes it if it
 * really is gone. (Deleting it would leave a live socket that no push ever reaches.)
 */
export const CONNECT_GRACE_MS = 30_000;

/** Users whose connections one lookup reads (DynamoDB's BatchGetItem takes 100 keys). */
export const LOOKUP_BATCH = 100;

export interface DeliveryReport {
  delivered: number;
  gone: number;
  failed: number;
}

export async function deliver(
  deps: DeliveryDeps,
  userIds: readonly string[],
  frame: ServerFrame,
  opts: { exceptConnectionId?: string } = {},
): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, gone: 0, failed: 0 };
  const live = await lookupConnections(deps, userIds, report);
  const targets = [...live.values()].flat().filter((c) => c.connectionId !== opts.exceptConnectionId);
  await pushAll(deps, targets.map((conn) => ({ conn, frame })), report);
  return report;
}

/**
 * The live connections of some users, keyed by user: one lookup (one BatchGetItem) per 100 users. A lookup that
 * fails is logged and counted in `report.failed` (one per user it covered); its users are left out.
 */
export async function lookupConnections(deps: DeliveryDeps, userIds: readonly string[], report: DeliveryReport): Promise<Map<string, Connection[]>> {
  const unique = [...new Set(userIds)];
  const perBatch = await mapLimit(chunk(unique, LOOKUP_BATCH), deps.settings.fanOutConcurrency, async (users) => {
    try {
      return await deps.connections.liveOf(users);
    } catch (err) {
      logger.warn('connection lookup failed; frame not delivered', { users: users.length, error: (err as Error).name });
      report.failed += users.length;
      return [];
    }
  });
  const byUser = new Map<string, Connection[]>();
  for (const c of perBatch.flat()) byUser.set(c.userId, [...(byUser.get(c.userId) ?? []), c]);
  return byUser;
}

/** Post each frame to its connection; a 410 removes the connection (past its connect grace), never throws. */
export async function pushAll(deps: DeliveryDeps, sends: ReadonlyArray<{ conn: Connection; frame: ServerFrame }>, report: DeliveryReport): Promise<void> {
  await mapLimit(sends, deps.settings.fanOutConcurrency, async ({ conn, frame }) => {
    const result = await deps.pusher.post(conn.connectionId, frame);
    if (result === 'ok') report.delivered++;
    else if (result === 'failed') report.failed++;
    else {
      report.gone++;
      if (deps.clock.now() - conn.connectedAt < CONNECT_GRACE_MS) return;
      await deps.connections.remove(conn.userId, conn.connectionId).catch((err: Error) => {
        logger.warn('could not remove a gone connection', { connectionId: conn.connectionId, error: err.name });
      });
    }
  });
}
