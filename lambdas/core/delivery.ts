/**
 * Best-effort delivery on top of stored state: a frame to every live connection of some users. A connection that
 * is gone (410) is removed and the others still receive the frame; other failures are counted, never thrown —
 * clients recover from REST (after= cursor, unread counts).
 */
import { logger } from '../shared/logger';
import { mapLimit } from './concurrency';
import type { Deps } from './deps';
import type { ServerFrame } from '../contract/frames';

/**
 * API Gateway answers 410 for a connection whose $connect has not returned yet, exactly as for one that is gone. A
 * connection younger than this may be such a newcomer (two friends connecting at once each push presence to the
 * other mid-$connect), so a 410 does not delete its row: its own $disconnect, or the row's TTL, removes it if it
 * really is gone. (Deleting it would leave a live socket that no push ever reaches.)
 */
export const CONNECT_GRACE_MS = 30_000;

export interface DeliveryReport {
  delivered: number;
  gone: number;
  failed: number;
}

export async function deliver(
  deps: Pick<Deps, 'connections' | 'pusher' | 'settings' | 'clock'>,
  userIds: readonly string[],
  frame: ServerFrame,
  opts: { exceptConnectionId?: string } = {},
): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, gone: 0, failed: 0 };
  const unique = [...new Set(userIds)];
  const perUser = await mapLimit(unique, deps.settings.fanOutConcurrency, async (userId) => {
    try {
      return await deps.connections.live(userId);
    } catch (err) {
      logger.warn('connection lookup failed; frame not delivered', { userId, error: (err as Error).name });
      report.failed++;
      return [];
    }
  });
  const targets = perUser.flat().filter((c) => c.connectionId !== opts.exceptConnectionId);
  await mapLimit(targets, deps.settings.fanOutConcurrency, async (conn) => {
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
  return report;
}
