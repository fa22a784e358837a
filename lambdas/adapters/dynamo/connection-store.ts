/**
 * Live WebSocket connections, ONE item per user (issue #15): key `userId` / `connectionId = '#SET'`, one top-level
 * attribute per connection, `c:<connectionId>` = `{ connectedAt (ms), expiresAt (s) }`, and the item's own TTL
 * `expiresAt` = the latest expiry of any connection it holds, so TTL removes a user whose last `$disconnect` was lost.
 *
 * - connect: one UpdateItem `SET #c = :conn` returning the item after it (ALL_NEW): the user's live connections,
 *   this one included, strongly consistent — so `$connect` reads what it wrote in the same request.
 * - disconnect / 410: one UpdateItem `REMOVE #c`, returning what is left.
 * - the connections of N users: BatchGetItem, 100 keys a request (unprocessed keys retried) — ⌈N/100⌉ requests.
 * Entries past their `expiresAt` are skipped at read and removed lazily (one UpdateItem, only when a read met some);
 * the per-user cap (presence.ts) bounds the live entries, so the item stays small (< 1 KB for 10).
 */
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Connection } from '../../core/model';
import type { ConnectionStore } from '../../core/ports';
import { batchGetAll } from './batch';
import { documentClient } from './client';

/** The sort key of the per-user item (a gateway connection id never contains `#`). */
export const CONNECTION_SET_SK = '#SET';
/** The attribute of one connection in the user's item. */
export const CONNECTION_PREFIX = 'c:';

type Item = Record<string, unknown>;
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Parsed {
  live: Connection[];
  expired: string[];
}

/** The connections an item holds: live ones (by their own expiresAt), and the attribute names of expired ones. */
export function parseConnections(item: Item | undefined, now = nowSeconds()): Parsed {
  const out: Parsed = { live: [], expired: [] };
  if (!item) return out;
  const userId = String(item.userId);
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(CONNECTION_PREFIX) || value === null || typeof value !== 'object') continue;
    const v = value as { connectedAt?: unknown; expiresAt?: unknown };
    if (Number(v.expiresAt) > now) out.live.push({ userId, connectionId: name.slice(CONNECTION_PREFIX.length), connectedAt: Number(v.connectedAt) });
    else out.expired.push(name);
  }
  out.live.sort((a, b) => a.connectedAt - b.connectedAt || (a.connectionId < b.connectionId ? -1 : 1));
  return out;
}

const isConditionFailed = (err: unknown) => (err as Error).name === 'ConditionalCheckFailedException';
const keyOf = (userId: string): Item => ({ userId, connectionId: CONNECTION_SET_SK });

// One function per access pattern, so a handler that only delivers (liveOf, remove) carries no connect code.

/** The live connections of an item; expired entries it still holds are removed on the way (best effort). */
async function settle(table: string, item: Item | undefined): Promise<Connection[]> {
  const { live, expired } = parseConnections(item);
  if (item && expired.length > 0) {
    const names = Object.fromEntries(expired.map((n, i) => [`#x${i}`, n]));
    await documentClient()
      .send(new UpdateCommand({ TableName: table, Key: keyOf(String(item.userId)), UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`, ExpressionAttributeNames: names }))
      .catch(() => undefined);
  }
  return live;
}

async function update(table: string, input: Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'>): Promise<Connection[]> {
  const out = await documentClient().send(new UpdateCommand({ TableName: table, ReturnValues: 'ALL_NEW', ...input }));
  return settle(table, out.Attributes as Item | undefined);
}

export async function addConnection(table: string, conn: Connection, ttlSeconds: number): Promise<Connection[]> {
  const expiresAt = Math.floor(conn.connectedAt / 1000) + ttlSeconds;
  const names = { '#c': CONNECTION_PREFIX + conn.connectionId };
  const values = { ':conn': { connectedAt: conn.connectedAt, expiresAt } };
  try {
    // The item's TTL follows the connection that lives longest: raised here, never lowered.
    return await update(table, {
      Key: keyOf(conn.userId),
      UpdateExpression: 'SET #c = :conn, expiresAt = :e',
      ConditionExpression: 'attribute_not_exists(expiresAt) OR expiresAt <= :e',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...values, ':e': expiresAt },
    });
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    // An older connection outlives this one (a token that expires sooner): keep the item's later TTL.
    return update(table, { Key: keyOf(conn.userId), UpdateExpression: 'SET #c = :conn', ExpressionAttributeNames: names, ExpressionAttributeValues: values });
  }
}

export function removeConnection(table: string, userId: string, connectionId: string): Promise<Connection[]> {
  return update(table, { Key: keyOf(userId), UpdateExpression: 'REMOVE #c', ExpressionAttributeNames: { '#c': CONNECTION_PREFIX + connectionId } });
}

export async function liveConnectionsOf(table: string, userIds: readonly string[]): Promise<Connection[]> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return [];
  const items = await batchGetAll(table, unique.map(keyOf), { consistent: true });
  return (await Promise.all(items.map((i) => settle(table, i)))).flat();
}

/** What delivering frames needs: the live connections of some users, and removing one that is gone. */
export const deliveryConnections = (table: string): Pick<ConnectionStore, 'liveOf' | 'remove'> => ({
  liveOf: (userIds) => liveConnectionsOf(table, userIds),
  remove: (userId, connectionId) => removeConnection(table, userId, connectionId),
});

/** All of it ($connect, $disconnect, presence). */
export class DynamoConnectionStore implements ConnectionStore {
  constructor(private readonly table: string) {}
  add = (conn: Connection, ttlSeconds: number) => addConnection(this.table, conn, ttlSeconds);
  remove = (userId: string, connectionId: string) => removeConnection(this.table, userId, connectionId);
  live = (userId: string) => liveConnectionsOf(this.table, [userId]);
  liveOf = (userIds: readonly string[]) => liveConnectionsOf(this.table, userIds);
}
