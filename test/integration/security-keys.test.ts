/**
 * Hardening round 2, data model (issue #10, 1–2): no user id can produce another kind's key, and no user id can
 * find a member of Object.prototype. Users are literally named `SYS`, `SYSTEM`, `CHAT`, `constructor`, `__proto__`…
 * in this file's own tables.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dropConnectionRows, migrateFriendFlags, migratePairItems, migrateUnreadKeys } from '../../local/migrations';
import { partition, tableClient } from '../support/attack-clients';
import { api, sendEvent } from '../support/clients';
import { testDynamoCredentials } from '../support/dynamo-credentials';
import { useStack } from './session';

const session = useStack();
const { connect, friends } = session;
const counts = async (u: string) => (await api(session.stack, u).get('/api/messages/unread/count')).body;

describe('a user named like a key word', () => {
  it.each(['SYS', 'SYSTEM', 'CHAT'])('markRead with peerId "%s" leaves my system notifications unread, and no counter goes below 0', async (name) => {
    const me = `me-${name.toLowerCase()}`;
    await friends(me, name);
    await sendEvent(session.stack, 'AchievementUnlocked', { userId: me, achievement: { id: `a-${name}`, name: 'First' } });
    await session.stack.drainEvents();
    expect(await counts(me)).toEqual({ chat: 0, system: 2, total: 2 }); // the friendship notice + the achievement

    const ws = await connect(me);
    ws.send({ action: 'markRead', peerId: name });
    await ws.next('conversationRead');

    expect(await counts(me)).toEqual({ chat: 0, system: 2, total: 2 });
    const unreadSystem = (await api(session.stack, me).get('/api/messages/system/list?unreadOnly=true')).body.items;
    expect(unreadSystem).toHaveLength(2);
  });

  it('a chat from a friend named SYS is a chat: counted as chat, listed in the conversation, never in the system list', async () => {
    await friends('reader', 'SYS');
    const sys = await connect('SYS');
    sys.send({ action: 'sendMessage', to: 'reader', content: 'hello from a user named SYS', clientMessageId: 'sys-1' });
    await sys.next('ack');

    expect(await counts('reader')).toEqual({ chat: 1, system: 1, total: 2 });
    const reader = api(session.stack, 'reader');
    expect((await reader.get('/api/messages/system/list?unreadOnly=true')).body.items.map((m: { messageType: string }) => m.messageType)).toEqual(['SYSTEM_FRIEND']);
    expect((await reader.get('/api/messages/SYS')).body.items.map((m: { content: string }) => m.content)).toEqual(['hello from a user named SYS']);

    await reader.post('/api/messages/SYS/read');
    expect(await counts('reader')).toEqual({ chat: 0, system: 1, total: 1 });
  });
});

describe('user ids named like Object.prototype members', () => {
  it('a friendship between constructor and __proto__ (and toString / hasOwnProperty) is stored with the right names', async () => {
    await sendEvent(session.stack, 'FriendshipCreated', { userIds: ['constructor', '__proto__'] });
    await sendEvent(session.stack, 'FriendshipCreated', { userIds: ['toString', 'hasOwnProperty'], names: { toString: 'Tess' } });
    await session.stack.drainEvents();
    expect(session.stack.local.events.deadLetters).toEqual([]);

    const friendsOf = async (u: string) => (await api(session.stack, u).get('/api/friends')).body.items.map((f: { userId: string; name: string }) => [f.userId, f.name]);
    expect(await friendsOf('constructor')).toEqual([['__proto__', '__proto__']]);
    expect(await friendsOf('__proto__')).toEqual([['constructor', 'constructor']]);
    expect(await friendsOf('hasOwnProperty')).toEqual([['toString', 'Tess']]);
    expect(await friendsOf('toString')).toEqual([['hasOwnProperty', 'hasOwnProperty']]);
  });
});

describe('data kept by an earlier version', () => {
  it('the local stack rewrites old unread keys by the message kind, not by the sender name', async () => {
    const { main } = session.stack.tables;
    await friends('old-a', 'SYS');
    await sendEvent(session.stack, 'UserFollowed', { userId: 'old-a', follower: { id: 'f' } });
    await session.stack.drainEvents();
    const sys = await connect('SYS');
    sys.send({ action: 'sendMessage', to: 'old-a', content: 'old chat', clientMessageId: 'old-1' });
    await sys.next('ack');
    // Put the keys back the way v1 wrote them: a chat from SYS and a system message then looked the same.
    const db = tableClient(session.stack.dynamoEndpoint);
    const rows = (await Promise.all([partition(db, main, 'pk', 'CONV#SYS#old-a'), partition(db, main, 'pk', 'SYS#old-a')])).flat();
    // (Chat messages carry no unread key since issue #15 — v1's chat message gets its old one back too.)
    for (const r of rows.filter((x) => x.gsi1pk || String(x.pk).startsWith('CONV#'))) {
      await db.send(
        new UpdateCommand({ TableName: main, Key: { pk: r.pk, sk: r.sk }, UpdateExpression: 'SET gsi1pk = :o, gsi1sk = :id', ExpressionAttributeValues: { ':o': 'UNREAD#old-a#SYS', ':id': r.id } }),
      );
    }

    const client = new DynamoDBClient({ endpoint: session.stack.dynamoEndpoint, region: 'us-east-1', credentials: testDynamoCredentials() });
    try {
      expect(await migrateUnreadKeys(client, main)).toBe(3);
      expect(await migrateUnreadKeys(client, main)).toBe(0);
    } finally {
      client.destroy();
    }
    const after = (await Promise.all([partition(db, main, 'pk', 'CONV#SYS#old-a'), partition(db, main, 'pk', 'SYS#old-a')])).flat();
    expect(after.filter((x) => x.gsi1pk).map((x) => x.gsi1pk).sort()).toEqual(['UNREAD#old-a#CHAT#SYS', 'UNREAD#old-a#SYSTEM', 'UNREAD#old-a#SYSTEM']);
    expect((await api(session.stack, 'old-a').get('/api/messages/system/list?unreadOnly=true')).body.items).toHaveLength(2);
  });

  it('friendships of an earlier version become pair items with the friend flag, and chat works again (issue #15)', async () => {
    const { main } = session.stack.tables;
    await friends('flag-a', 'flag-b');
    // Put the data back the way it was before issue #15: friend rows only — no pair item (nor flagged rows).
    const db = tableClient(session.stack.dynamoEndpoint);
    await db.send(new DeleteCommand({ TableName: main, Key: { pk: 'PAIR#flag-a#flag-b', sk: 'PAIR' } }));
    const a = await connect('flag-a');
    a.send({ action: 'sendMessage', to: 'flag-b', content: 'before', clientMessageId: 'flag-1' });
    expect(await a.next('error')).toMatchObject({ code: 'NOT_FRIENDS' });

    const client = new DynamoDBClient({ endpoint: session.stack.dynamoEndpoint, region: 'us-east-1', credentials: testDynamoCredentials() });
    try {
      // As the stack runs them at start: friend flags on conversation rows (before issue #15's part 1), then those
      // rows folded into the pair item (part 2).
      expect(await migrateFriendFlags(client, main)).toBe(2);
      expect(await migratePairItems(client, main)).toBe(1);
      expect(await migrateFriendFlags(client, main)).toBe(0);
      expect(await migratePairItems(client, main)).toBe(0);
      // Old one-row-per-connection rows are dropped; the per-user items stay.
      const { connections } = session.stack.tables;
      await db.send(new PutCommand({ TableName: connections, Item: { userId: 'flag-old', connectionId: 'old-conn', connectedAt: 1, expiresAt: 2 } }));
      expect(await dropConnectionRows(client, connections)).toBe(1);
      expect(await dropConnectionRows(client, connections)).toBe(0);
    } finally {
      client.destroy();
    }
    a.send({ action: 'sendMessage', to: 'flag-b', content: 'after', clientMessageId: 'flag-2' });
    expect((await a.next('ack')).message.content).toBe('after');
  });
});
