/**
 * One-time rewrites of data a local stack kept from an earlier version (`.parley/data`), run at start before any
 * handler does. Local only: it reads with Scan, which no request path may; the tables of a cloud deployment never
 * held the old shapes (v1's stack could not deploy).
 *
 * 1. Unread keys (v1.1): `UNREAD#<to>#<from>` -> `UNREAD#<to>#CHAT#<from>` for chat messages and `UNREAD#<to>#SYS`
 *    -> `UNREAD#<to>#SYSTEM` for system ones, told apart by the message's own key (`CONV#…` vs `SYS#…`), never by
 *    the sender's name — a user named `SYS` was exactly what the old scheme confused.
 * 2. Connections (issue #15): one row per connection (`userId` / `<connectionId>`) -> one item per user (`userId` /
 *    `#SET`, an attribute per connection). The old rows are dropped: a local stack that starts has no live socket
 *    from before, so they name connections that are gone (on AWS, TTL would end them within 3 h anyway).
 * 3. Friend flags (issue #15): a chat message's friendship check is now the condition `friend = true` on the
 *    sender's conversation row; every friend row `USER#<u>` / `FRIEND#<v>` gets `friend = true` on `USER#<u>` /
 *    `CONV#<v>` (which befriend writes from now on). A friendship whose pair item (4.) exists is left alone: its flag
 *    lives there, and the rows this would make would be migrated again over the pair item.
 * 4. Pair items (issue #15, fewer write units per message): the two conversation rows `USER#<u>` / `CONV#<peer>` of
 *    a pair -> one item `PAIR#<lo>#<hi>` / `PAIR` holding both sides (friend iff both rows said so; `unreadLo` /
 *    `unreadHi` from the rows; read watermarks `readLo` / `readHi` from the messages — the newest read message of
 *    the peer below its oldest unread one; the newer row's last message and, once there is one, each side's list
 *    keys `gLoPk` / `gLoSk`, `gHiPk` / `gHiSk`). The pair item is written and both rows deleted in one transaction;
 *    then the chat messages lose their unread keys (read state is the watermark now; system messages keep theirs),
 *    and the counters item loses `chat` (the pair items hold those totals). A message id from before carries no
 *    conversation tag: an alias `PAIR#<lo>#<hi>` / `ALIAS#<id>`, `tag` = the id's tag, lets the `byTag` index find
 *    its pair. No message is rewritten otherwise or deleted. A pair item that already exists is never overwritten
 *    (its rows are left as they are).
 * 5. Claims (issue #15): a clientMessageId claim held the whole message (`message`, JSON); it now holds the message's
 *    `id`, `createdAt` and fingerprint `fp` (lambdas/core/same-message.ts), whatever the message's size.
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  type ScanCommandInput,
  TransactWriteCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { chunk } from '../lambdas/core/concurrency';
import { CONNECTION_SET_SK } from '../lambdas/adapters/dynamo/connection-store';
import { COUNTS_SK, convPk, convSk, listSk, pairKey, pairPk, sideAttrs, unreadPk, userPk, type Side } from '../lambdas/adapters/dynamo/keys';
import { pairTag, tagOf } from '../lambdas/adapters/ids';
import { fingerprint } from '../lambdas/core/same-message';
import type { Message } from '../lambdas/contract/messages';

type Item = Record<string, unknown>;

/** Rewrites old unread keys of the main table; returns how many items changed. */
export async function migrateUnreadKeys(client: DynamoDBClient, table: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(client);
  let changed = 0;
  for await (const item of scanned(db, { TableName: table, IndexName: 'unread', ProjectionExpression: 'pk, sk, gsi1pk, toUserId, fromUserId' })) {
    // The key this message must have, from its own kind; anything else (only the old scheme) is rewritten.
    const old = String(item.gsi1pk);
    const isSystem = String(item.pk).startsWith('SYS#');
    const next = unreadPk(String(item.toUserId), isSystem ? null : String(item.fromUserId));
    if (next === old) continue;
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'SET gsi1pk = :n',
        ConditionExpression: 'gsi1pk = :o',
        ExpressionAttributeValues: { ':n': next, ':o': old },
      }),
    ).then(
      () => changed++,
      (err: Error) => {
        if (err.name !== 'ConditionalCheckFailedException') throw err; // read meanwhile: nothing to rewrite
      },
    );
  }
  return changed;
}

/** Deletes connection rows of the one-row-per-connection shape (before issue #15); returns how many. */
export async function dropConnectionRows(client: DynamoDBClient, table: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(client);
  let dropped = 0;
  for await (const item of scanned(db, { TableName: table, ProjectionExpression: 'userId, connectionId' })) {
    if (item.connectionId === CONNECTION_SET_SK) continue;
    await db.send(new DeleteCommand({ TableName: table, Key: { userId: item.userId, connectionId: item.connectionId } }));
    dropped++;
  }
  return dropped;
}

/** Sets `friend = true` on the conversation row of every friendship that lacks it; returns how many rows changed. */
export async function migrateFriendFlags(client: DynamoDBClient, table: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(client);
  let changed = 0;
  const friendRows = scanned(db, { TableName: table, FilterExpression: 'begins_with(sk, :f)', ExpressionAttributeValues: { ':f': 'FRIEND#' }, ProjectionExpression: 'pk, friendId' });
  for await (const item of friendRows) {
    const owner = String(item.pk).slice('USER#'.length);
    // Migrated to a pair item (4.): the flag is there; a row made here would be migrated again over it.
    const pair = await db.send(new GetCommand({ TableName: table, Key: pairKey(owner, String(item.friendId)), ProjectionExpression: 'pk', ConsistentRead: true }));
    if (pair.Item) continue;
    await db
      .send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: item.pk, sk: convSk(String(item.friendId)) },
          UpdateExpression: 'SET friend = :t, peerId = :p',
          ConditionExpression: 'attribute_not_exists(friend)',
          ExpressionAttributeValues: { ':t': true, ':p': item.friendId },
        }),
      )
      .then(
        () => changed++,
        (err: Error) => {
          if (err.name !== 'ConditionalCheckFailedException') throw err; // already flagged (or unfriended since)
        },
      );
  }
  return changed;
}

/**
 * Folds the old conversation rows into pair items (header, 4.); returns how many conversations were migrated.
 * Nothing to do (one Scan) once no old row, no chat message with unread keys and no `chat` counter is left.
 */
export async function migratePairItems(client: DynamoDBClient, table: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(client);
  const rows = new Map<string, Item[]>(); // pair pk -> its old conversation rows (one per side that has one)
  const unreadChats = new Map<string, Item[]>(); // conversation pk -> its chat messages that still have unread keys
  const counters: Item[] = [];
  const old = scanned(db, {
    TableName: table,
    FilterExpression:
      '(begins_with(pk, :user) AND begins_with(sk, :conv)) OR (begins_with(pk, :conv) AND attribute_exists(gsi1pk)) OR (sk = :counts AND attribute_exists(chat))',
    ExpressionAttributeValues: { ':user': 'USER#', ':conv': 'CONV#', ':counts': COUNTS_SK },
  });
  for await (const item of old) {
    const pk = String(item.pk);
    const sk = String(item.sk);
    if (sk === COUNTS_SK) counters.push(item);
    else if (pk.startsWith('USER#')) append(rows, pairPk(pk.slice('USER#'.length), sk.slice('CONV#'.length)), item);
    else append(unreadChats, pk, item);
  }

  let migrated = 0;
  for (const [pk, pairRows] of rows) {
    const [, lo, hi] = pk.split('#');
    if (await migratePair(db, table, lo, hi, pairRows)) migrated++;
  }
  // Unread keys left on chat messages of a pair migrated before (a run that stopped between its steps). A
  // conversation with neither rows nor pair item keeps them: removing them would lose its read state.
  for (const [pk, messages] of unreadChats) {
    const [, lo, hi] = pk.split('#');
    if (rows.has(pairPk(lo, hi))) continue;
    const pair = await db.send(new GetCommand({ TableName: table, Key: pairKey(lo, hi), ProjectionExpression: 'pk', ConsistentRead: true }));
    if (pair.Item) await removeUnreadKeys(db, table, messages);
  }
  for (const c of counters) {
    await ignoreConditionFailure(
      db.send(new UpdateCommand({ TableName: table, Key: { pk: c.pk, sk: c.sk }, UpdateExpression: 'REMOVE chat', ConditionExpression: 'attribute_exists(chat)' })),
    );
  }
  return migrated;
}

/**
 * One conversation: aliases for its untagged message ids, then (one transaction) its pair item written and its
 * rows deleted, then its chat messages' unread keys removed. False (nothing but aliases written) if its pair item
 * already exists.
 */
/** Rewrites claims of the whole-message shape to `id`, `createdAt`, `fp`; returns how many. */
export async function migrateClaims(client: DynamoDBClient, table: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(client);
  let changed = 0;
  const claims = scanned(db, { TableName: table, FilterExpression: 'begins_with(pk, :c) AND attribute_exists(message)', ExpressionAttributeValues: { ':c': 'CMID#' } });
  for await (const old of claims) {
    const m = JSON.parse(String(old.message)) as Message;
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: old.pk, sk: old.sk },
        UpdateExpression: 'SET id = :id, createdAt = :at, fp = :fp REMOVE message',
        ExpressionAttributeValues: { ':id': m.id, ':at': m.createdAt, ':fp': fingerprint(m) },
      }),
    );
    changed++;
  }
  return changed;
}

async function migratePair(db: DynamoDBDocumentClient, table: string, lo: string, hi: string, rows: Item[]): Promise<boolean> {
  const messages = await queryAll(db, {
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
    ExpressionAttributeValues: { ':pk': convPk(lo, hi), ':m': 'MSG#' },
    ConsistentRead: true,
  });
  const tag = pairTag(lo, hi);
  const row = { Lo: rows.find((r) => r.pk === userPk(lo)), Hi: rows.find((r) => r.pk === userPk(hi)) };
  const item: Item = { ...pairKey(lo, hi), lo, hi, friend: row.Lo?.friend === true && row.Hi?.friend === true, tag };
  const last = rows
    .map((r) => ({ r, id: lastIdOf(r) }))
    .filter((x): x is { r: Item; id: string } => x.id !== undefined)
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))[0];
  if (last) {
    item.lastId = last.id; // the message stays in its item (the pair item keeps only its id)
    if (last.r.updatedAt !== undefined) item.updatedAt = last.r.updatedAt;
  }
  for (const side of ['Lo', 'Hi'] as Side[]) {
    const attrs = sideAttrs(side);
    const [me, peer] = side === 'Lo' ? [lo, hi] : [hi, lo];
    const unread = Math.max(0, Number(row[side]?.unread ?? 0) || 0);
    item[attrs.unread] = unread;
    const read = watermark(messages, me, peer);
    if (read !== undefined) item[attrs.read] = read;
    if (last) Object.assign(item, { [attrs.pk]: userPk(me), [attrs.sk]: listSk(unread > 0, last.id) });
  }

  const aliases = messages
    .map((m) => String(m.id))
    .filter((id) => tagOf(id) !== tag)
    .map((id) => ({ pk: pairPk(lo, hi), sk: `ALIAS#${id}`, tag: tagOf(id) }));
  await putAll(db, table, aliases);
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
          ...rows.map((r) => ({ Delete: { TableName: table, Key: { pk: r.pk, sk: r.sk } } })),
        ],
      }),
    );
  } catch (err) {
    const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
    if ((err as Error).name === 'TransactionCanceledException' && reasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
    throw err;
  }
  await removeUnreadKeys(
    db,
    table,
    messages.filter((m) => m.gsi1pk !== undefined),
  );
  return true;
}

/**
 * Where `me` has read `peer`'s messages up to: the newest read (no unread keys, not deleted) message from `peer`
 * older than the oldest unread one — so every unread message stays above it even if old data had a read message
 * newer than an unread one. Undefined when there is none.
 */
function watermark(messages: Item[], me: string, peer: string): string | undefined {
  const fromPeer = messages.filter((m) => m.fromUserId === peer && m.toUserId === me && m.deletedAt == null);
  const unread = fromPeer.filter((m) => m.gsi1pk !== undefined).map((m) => String(m.id));
  const floor = unread.length ? unread.reduce((a, b) => (b < a ? b : a)) : undefined;
  let mark: string | undefined;
  for (const m of fromPeer) {
    const id = String(m.id);
    if (m.gsi1pk === undefined && (floor === undefined || id < floor) && (mark === undefined || id > mark)) mark = id;
  }
  return mark;
}

/** The id of a conversation row's last message (its recency key, or the id in the message it keeps). */
function lastIdOf(row: Item): string | undefined {
  if (typeof row.lastMessage !== 'string') return undefined;
  if (typeof row.gsi2sk === 'string') return row.gsi2sk;
  const id = (JSON.parse(row.lastMessage) as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

async function removeUnreadKeys(db: DynamoDBDocumentClient, table: string, messages: Item[]): Promise<void> {
  for (const m of messages) {
    await ignoreConditionFailure(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: m.pk, sk: m.sk },
          UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
          ConditionExpression: 'attribute_exists(gsi1pk)',
        }),
      ),
    );
  }
}

/** Every item a Scan finds, page after page (local start-up only: never a request path). */
async function* scanned(db: DynamoDBDocumentClient, input: Omit<ScanCommandInput, 'ExclusiveStartKey'>): AsyncGenerator<Item> {
  let start: Item | undefined;
  do {
    const page = await db.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    yield* (page.Items ?? []) as Item[];
    start = page.LastEvaluatedKey;
  } while (start);
}

async function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** BatchWriteItem puts, 25 a request, unprocessed ones retried. */
async function putAll(db: DynamoDBDocumentClient, table: string, items: Item[]): Promise<void> {
  for (const part of chunk(items, 25)) {
    let pending = part.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 8) throw new Error('BatchWriteItem left items unprocessed');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function ignoreConditionFailure(write: Promise<unknown>): Promise<void> {
  await write.catch((err: Error) => {
    if (err.name !== 'ConditionalCheckFailedException') throw err;
  });
}
