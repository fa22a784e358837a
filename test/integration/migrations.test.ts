/**
 * local/migrations.ts against the run's DynamoDB Local: data of the shape an earlier version kept is planted in
 * tables of this file's own, each migration is run (in the order the stack runs them at start), and run again to
 * prove it changes nothing the second time.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { migrateClaims, migrateFriendFlags, migratePairItems, migrateUnreadKeys } from '../../local/migrations';
import { fingerprint } from '../../lambdas/core/same-message';
import { dropTables, ensureTables } from '../../local/tables';
import { pairTag } from '../../lambdas/adapters/ids';
import { testDynamoCredentials } from '../support/dynamo-credentials';

type Item = Record<string, unknown>;

const prefix = `mig-${randomUUID().slice(0, 8)}-`;
let client: DynamoDBClient;
let db: DynamoDBDocumentClient;
let main: string;

beforeAll(async () => {
  const endpoint = process.env.PARLEY_TEST_DYNAMO_ENDPOINT;
  if (!endpoint) throw new Error('PARLEY_TEST_DYNAMO_ENDPOINT is not set (the integration project starts DynamoDB Local)');
  client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: testDynamoCredentials() });
  db = DynamoDBDocumentClient.from(client);
  main = (await ensureTables(client, prefix)).names.main;
});

afterAll(async () => {
  await dropTables(client, prefix);
  client.destroy();
});

/** An id as an earlier version made it: a ULID whose characters 11–18 are random (`tag`), not the pair's tag. */
const id = (n: number, tag = `AAAAAA${String(n).padStart(2, '0')}`) => `01HX0000${String(n).padStart(2, '0')}${tag}00000000`;
const at = (n: number) => `2026-01-01T00:00:${String(n).padStart(2, '0')}.000Z`;

/** An old chat message (pk CONV#lo#hi); unread ones carry the unread keys, deleted ones never do. */
function chat(n: number, from: string, to: string, state: 'read' | 'unread' | 'deleted', tag?: string): Item {
  const mid = id(n, tag);
  const [lo, hi] = from < to ? [from, to] : [to, from];
  return {
    pk: `CONV#${lo}#${hi}`,
    sk: `MSG#${mid}`,
    id: mid,
    fromUserId: from,
    toUserId: to,
    messageType: 'CHAT',
    content: `message ${n}`,
    metadata: null,
    createdAt: at(n),
    clientMessageId: `c-${n}`,
    ...(state === 'unread' ? { gsi1pk: `UNREAD#${to}#CHAT#${from}`, gsi1sk: mid } : {}),
    ...(state === 'deleted' ? { deletedAt: at(n + 30) } : {}),
  };
}

const snapshot = (m: Item) => JSON.stringify({ id: m.id, fromUserId: m.fromUserId, toUserId: m.toUserId, content: m.content, createdAt: m.createdAt, isRead: m.gsi1pk === undefined });

/** An old conversation row of `owner` with `peer`. */
function row(owner: string, peer: string, o: { friend: boolean; unread: number; last?: Item; peerReadUpTo?: string }): Item {
  return {
    pk: `USER#${owner}`,
    sk: `CONV#${peer}`,
    peerId: peer,
    friend: o.friend,
    unread: o.unread,
    ...(o.peerReadUpTo ? { peerReadUpTo: o.peerReadUpTo } : {}),
    ...(o.last ? { lastMessage: snapshot(o.last), updatedAt: o.last.createdAt, gsi2pk: `USER#${owner}`, gsi2sk: o.last.id } : {}),
  };
}

const friendRows = (a: string, b: string): Item[] => [
  { pk: `USER#${a}`, sk: `FRIEND#${b}`, friendId: b, since: at(0) },
  { pk: `USER#${b}`, sk: `FRIEND#${a}`, friendId: a, since: at(0) },
];

async function scanAll(): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: main, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey as Item | undefined;
  } while (start);
  const key = (i: Item) => `${String(i.pk)}\u0000${String(i.sk)}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
}
const byKey = (items: Item[], pk: string, sk: string) => items.find((i) => i.pk === pk && i.sk === sk);

describe('migratePairItems (issue #15): conversation rows -> one pair item per conversation', () => {
  // alice <-> bob: friends; alice -> bob 3 (bob read the first), bob -> alice 1 deleted + 1 unread (already tagged).
  const ab = [chat(1, 'alice', 'bob', 'read'), chat(2, 'bob', 'alice', 'deleted'), chat(3, 'alice', 'bob', 'unread'), chat(4, 'alice', 'bob', 'unread'), chat(5, 'bob', 'alice', 'unread', pairTag('alice', 'bob'))];
  // bob <-> carol: carol unfriended bob; inconsistent read state (read 13 is newer than unread 12).
  const bc = [chat(11, 'carol', 'bob', 'read'), chat(12, 'carol', 'bob', 'unread'), chat(13, 'carol', 'bob', 'read'), chat(14, 'bob', 'carol', 'read')];
  const system = { pk: 'SYS#bob', sk: `MSG#${id(20)}`, id: id(20), fromUserId: null, toUserId: 'bob', messageType: 'SYSTEM_FRIEND', content: 'hi', createdAt: at(20), gsi1pk: 'UNREAD#bob#SYSTEM', gsi1sk: id(20) };
  const seeded: Item[] = [
    ...friendRows('alice', 'bob'),
    row('alice', 'bob', { friend: true, unread: 1, last: ab[4], peerReadUpTo: ab[0].id as string }),
    // bob's row kept an older last message (a newer one reached alice's row first): the newer one wins.
    row('bob', 'alice', { friend: true, unread: 2, last: ab[3] }),
    ...ab,
    row('bob', 'carol', { friend: true, unread: 1, last: bc[3] }),
    row('carol', 'bob', { friend: false, unread: 0, last: bc[3], peerReadUpTo: bc[2].id as string }),
    ...bc,
    // alice <-> dave: friends, no message yet.
    ...friendRows('alice', 'dave'),
    row('alice', 'dave', { friend: true, unread: 0 }),
    row('dave', 'alice', { friend: true, unread: 0 }),
    // erin <-> frank: friends from before issue #15 (friend rows only; migrateFriendFlags makes the rows).
    ...friendRows('erin', 'frank'),
    system,
    { pk: 'USER#alice', sk: 'COUNTS', chat: 1, system: 0 },
    { pk: 'USER#bob', sk: 'COUNTS', chat: 3, system: 1 },
    { pk: 'USER#carol', sk: 'PROFILE', name: 'Carol' },
  ];

  it('writes the pair items, drops the rows, the chat unread keys and COUNTS.chat; aliases untagged ids; a second run changes nothing', async () => {
    for (const Item of seeded) await db.send(new PutCommand({ TableName: main, Item }));

    // In the stack's order (local/stack.ts).
    expect(await migrateUnreadKeys(client, main)).toBe(0);
    expect(await migrateFriendFlags(client, main)).toBe(2); // erin's and frank's rows
    expect(await migratePairItems(client, main)).toBe(4);
    const after = await scanAll();

    const tagAB = pairTag('alice', 'bob');
    expect(byKey(after, 'PAIR#alice#bob', 'PAIR')).toEqual({
      pk: 'PAIR#alice#bob',
      sk: 'PAIR',
      lo: 'alice',
      hi: 'bob',
      friend: true,
      tag: tagAB,
      unreadLo: 1,
      unreadHi: 2,
      // bob read alice's first message; alice's only live message from bob is unread (the deleted one never counts).
      readHi: ab[0].id,
      lastId: ab[4].id, // the message stays in its item; the pair item keeps its id
      updatedAt: at(5),
      gLoPk: 'USER#alice',
      gLoSk: `U#${ab[4].id}`,
      gHiPk: 'USER#bob',
      gHiSk: `U#${ab[4].id}`,
    });
    expect(byKey(after, 'PAIR#bob#carol', 'PAIR')).toEqual({
      pk: 'PAIR#bob#carol',
      sk: 'PAIR',
      lo: 'bob',
      hi: 'carol',
      friend: false,
      tag: pairTag('bob', 'carol'),
      unreadLo: 1,
      unreadHi: 0,
      readLo: bc[0].id, // below the oldest unread (12), though 13 was marked read
      readHi: bc[3].id,
      lastId: bc[3].id,
      updatedAt: at(14),
      gLoPk: 'USER#bob',
      gLoSk: `U#${bc[3].id}`,
      gHiPk: 'USER#carol',
      gHiSk: `R#${bc[3].id}`,
    });
    expect(byKey(after, 'PAIR#alice#dave', 'PAIR')).toEqual({ pk: 'PAIR#alice#dave', sk: 'PAIR', lo: 'alice', hi: 'dave', friend: true, tag: pairTag('alice', 'dave'), unreadLo: 0, unreadHi: 0 });
    expect(byKey(after, 'PAIR#erin#frank', 'PAIR')).toEqual({ pk: 'PAIR#erin#frank', sk: 'PAIR', lo: 'erin', hi: 'frank', friend: true, tag: pairTag('erin', 'frank'), unreadLo: 0, unreadHi: 0 });

    // Aliases: one per untagged id (the deleted message's too), none for the tagged one.
    const aliases = after.filter((i) => String(i.sk).startsWith('ALIAS#'));
    const expected = [...ab.slice(0, 4), ...bc].map((m) => ({ pk: String(m.pk).replace('CONV#', 'PAIR#'), sk: `ALIAS#${String(m.id)}`, tag: String(m.id).slice(10, 18) }));
    expect(aliases).toEqual(expect.arrayContaining(expected));
    expect(aliases).toHaveLength(expected.length);
    expect(expected.map((a) => a.tag)).not.toContain(tagAB);

    // Every chat message is still there, as it was but for the unread keys; the system message is untouched.
    for (const m of [...ab, ...bc]) {
      const { gsi1pk: _pk, gsi1sk: _sk, ...rest } = m;
      expect(byKey(after, String(m.pk), String(m.sk))).toEqual(rest);
    }
    expect(byKey(after, 'SYS#bob', String(system.sk))).toEqual(system);

    // No conversation row left; counters keep `system` only; friend rows and profiles stay.
    expect(after.filter((i) => String(i.pk).startsWith('USER#') && String(i.sk).startsWith('CONV#'))).toEqual([]);
    expect(byKey(after, 'USER#alice', 'COUNTS')).toEqual({ pk: 'USER#alice', sk: 'COUNTS', system: 0 });
    expect(byKey(after, 'USER#bob', 'COUNTS')).toEqual({ pk: 'USER#bob', sk: 'COUNTS', system: 1 });
    for (const f of [...friendRows('alice', 'bob'), ...friendRows('alice', 'dave'), ...friendRows('erin', 'frank')]) expect(byKey(after, String(f.pk), String(f.sk))).toEqual(f);
    expect(byKey(after, 'USER#carol', 'PROFILE')).toEqual({ pk: 'USER#carol', sk: 'PROFILE', name: 'Carol' });
    expect(after).toHaveLength(seeded.length - 6 /* rows */ + 4 /* pairs */ + expected.length);

    // Again, as at every later start: nothing to do, nothing changed (no row made for a migrated friendship either).
    expect(await migrateUnreadKeys(client, main)).toBe(0);
    expect(await migrateFriendFlags(client, main)).toBe(0);
    expect(await migratePairItems(client, main)).toBe(0);
    expect(await scanAll()).toEqual(after);
  });

  it('finishes a run that stopped after the pair item (unread keys left on messages), and never overwrites a pair item', async () => {
    // Stopped after the transaction: the rows are gone, one chat message still has its unread keys.
    const m = chat(3, 'alice', 'bob', 'unread');
    await db.send(new UpdateCommand({ TableName: main, Key: { pk: m.pk, sk: m.sk }, UpdateExpression: 'SET gsi1pk = :p, gsi1sk = :s', ExpressionAttributeValues: { ':p': m.gsi1pk, ':s': m.gsi1sk } }));
    expect(await migratePairItems(client, main)).toBe(0);
    const { gsi1pk: _pk, gsi1sk: _sk, ...stripped } = m;
    expect(byKey(await scanAll(), String(m.pk), String(m.sk))).toEqual(stripped);

    // Old rows beside an existing pair item: the pair item wins untouched, the rows stay (nothing is lost).
    const before = byKey(await scanAll(), 'PAIR#alice#dave', 'PAIR');
    const stale = row('dave', 'alice', { friend: false, unread: 7 });
    await db.send(new PutCommand({ TableName: main, Item: stale }));
    expect(await migratePairItems(client, main)).toBe(0);
    const now = await scanAll();
    expect(byKey(now, 'PAIR#alice#dave', 'PAIR')).toEqual(before);
    expect(byKey(now, 'USER#dave', 'CONV#alice')).toEqual(stale);
    await db.send(new DeleteCommand({ TableName: main, Key: { pk: stale.pk, sk: stale.sk } }));
  });
});

describe('migrateClaims (issue #15): a clientMessageId claim keeps the id, time and fingerprint, not the message', () => {
  it('rewrites whole-message claims once, keeps their expiry, and leaves new ones alone', async () => {
    const m = { id: id(40), fromUserId: 'erin', toUserId: 'frank', messageType: 'CHAT', content: 'x'.repeat(3000), metadata: { k: 1 }, isRead: false, createdAt: at(40), clientMessageId: 'c-old', attachments: [] };
    const old = { pk: 'CMID#erin', sk: 'c-old', message: JSON.stringify(m), expiresAt: 1_900_000_000 };
    const fresh = { pk: 'CMID#erin', sk: 'c-new', id: id(41), createdAt: at(41), fp: 'f', expiresAt: 1_900_000_001 };
    await db.send(new PutCommand({ TableName: main, Item: old }));
    await db.send(new PutCommand({ TableName: main, Item: fresh }));

    expect(await migrateClaims(client, main)).toBe(1);
    const now = await scanAll();
    expect(byKey(now, 'CMID#erin', 'c-old')).toEqual({ pk: 'CMID#erin', sk: 'c-old', id: m.id, createdAt: m.createdAt, fp: fingerprint(m as never), expiresAt: old.expiresAt });
    expect(byKey(now, 'CMID#erin', 'c-new')).toEqual(fresh);
    expect(await migrateClaims(client, main)).toBe(0);
  });
});
