/** In-memory ConnectionStore (lambdas/core/ports.ts); see test/support/memory-ports.ts for the rules all fakes follow. */
import type { Connection } from '../../../lambdas/core/model';
import type { Clock, ConnectionStore } from '../../../lambdas/core/ports';

/** Rows with a TTL, as the connections table: `expiresAt` = connectedAt (s) + ttl; reads skip expired rows by the Clock. */
export class MemoryConnectionStore implements ConnectionStore {
  private readonly rows = new Map<string, Map<string, { conn: Connection; expiresAt: number }>>();
  constructor(private readonly clock: Clock) {}

  async add(conn: Connection, ttlSeconds: number): Promise<Connection[]> {
    if (!this.rows.has(conn.userId)) this.rows.set(conn.userId, new Map());
    this.rows.get(conn.userId)!.set(conn.connectionId, { conn: { ...conn }, expiresAt: Math.floor(conn.connectedAt / 1000) + ttlSeconds });
    return this.live(conn.userId);
  }

  async remove(userId: string, connectionId: string): Promise<Connection[]> {
    this.rows.get(userId)?.delete(connectionId);
    return this.live(userId);
  }

  async liveOf(userIds: readonly string[]): Promise<Connection[]> {
    const found = await Promise.all([...new Set(userIds)].map((u) => this.live(u)));
    return found.flat();
  }

  async live(userId: string): Promise<Connection[]> {
    const now = Math.floor(this.clock.now() / 1000);
    return [...(this.rows.get(userId)?.values() ?? [])].filter((r) => r.expiresAt > now).map((r) => ({ ...r.conn }));
  }

  /** Every row of a user, expired or not (what a test inspects; the domain only sees `live`). */
  stored(userId: string): string[] {
    return [...(this.rows.get(userId)?.keys() ?? [])];
  }
}
