/**
 * Read state, unread counts and deletion of messages (lambdas/adapters/dynamo/messages/) against a mocked DynamoDB:
 * a conversation's read state is a watermark on its pair item, its unread counts are the pair item's
 * `unreadLo`/`unreadHi`, and each side's list key (`gLoSk`/`gHiSk`, `U#`/`R#`) follows them; the conversation list
 * reads those keys, then the last messages themselves (the pair item keeps only their ids). Sending:
 * dynamo-messages-send.test.ts.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type BatchGetCommandInput, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { conversations } from '../../lambdas/adapters/dynamo/messages/conversations';
import { unreadCounts } from '../../lambdas/adapters/dynamo/messages/counts';
import { softDelete } from '../../lambdas/adapters/dynamo/messages/delete';
import { markConversationRead, markSystemRead } from '../../lambdas/adapters/dynamo/messages/mark-read';
import type { StoredMessage } from '../../lambdas/core/ports';
import { cancelWhere, getFrom, keyOf, only, writesOf, type Row } from '../support/main-table-mock';

const ddb = mockClient(DynamoDBDocumentClient);
const TABLE = 'parley-Main-test';
const PAIR_KEY = { pk: 'PAIR#alice#bob', sk: 'PAIR' };
const itemsOf = (call = 0) => ddb.commandCalls(TransactWriteCommand)[call].args[0].input.TransactItems ?? [];
const updates = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
// alice < bob: alice is the lo side, bob the hi side of their pair item.
const pairRow = (over: Row = {}): Row => ({ ...PAIR_KEY, lo: 'alice', hi: 'bob', friend: true, tag: 'TAGTAGTA', ...over });

const L1 = '01JD0000000000000000000001';
const L2 = '01JD0000000000000000000002';
const L3 = '01JD0000000000000000000003';

beforeEach(() => ddb.reset());

describe('mark a conversation read', () => {
  it('is ONE UpdateItem on the pair item: my watermark to its last id, my unread count to 0, my list entry to R# — conditional on what was read', async () => {
    ddb.on(GetCommand).callsFake(getFrom({ 'PAIR#alice#bob|PAIR': pairRow({ lastId: L2, unreadHi: 2, gHiPk: 'USER#bob', gHiSk: `U#${L2}` }) }));
    ddb.on(UpdateCommand).resolves({});

    await expect(markConversationRead(TABLE, 'bob', 'alice')).resolves.toEqual({ updated: 2, upTo: L2 });

    expect(ddb.commandCalls(GetCommand)[0].args[0].input).toMatchObject({ Key: PAIR_KEY, ConsistentRead: true });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(updates()).toHaveLength(1);
    const u = updates()[0];
    expect(u.Key).toEqual(PAIR_KEY);
    expect(writesOf(u)).toEqual({ set: { readHi: L2, unreadHi: 0, gHiSk: `R#${L2}` }, add: {}, remove: [] });
    expect(u.ConditionExpression).toBe('lastId = :last AND #unread = :n');
    expect(u.ExpressionAttributeValues).toMatchObject({ ':last': L2, ':n': 2 });
  });

  it('retried from the pair item as it is now when a message arrived in between (the count moved)', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: pairRow({ lastId: L2, unreadHi: 2 }) })
      .resolves({ Item: pairRow({ lastId: L3, unreadHi: 3 }) });
    ddb
      .on(UpdateCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }))
      .resolves({});

    await expect(markConversationRead(TABLE, 'bob', 'alice')).resolves.toEqual({ updated: 3, upTo: L3 });

    expect(updates()).toHaveLength(2);
    expect(updates()[1].ExpressionAttributeValues).toMatchObject({ ':last': L3, ':n': 3, ':sk': `R#${L3}` });
  });

  it('nothing unread (or no pair item): no write', async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: pairRow({ lastId: L2, unreadHi: 0, unreadLo: 4 }) }).resolves({});

    await expect(markConversationRead(TABLE, 'bob', 'alice')).resolves.toEqual({ updated: 0, upTo: null });
    await expect(markConversationRead(TABLE, 'bob', 'alice')).resolves.toEqual({ updated: 0, upTo: null });
    expect(updates()).toHaveLength(0);
  });

  it('the lo side marks its own attributes', async () => {
    ddb.on(GetCommand).resolves({ Item: pairRow({ lastId: L1, unreadLo: 1 }) });
    ddb.on(UpdateCommand).resolves({});

    await expect(markConversationRead(TABLE, 'alice', 'bob')).resolves.toEqual({ updated: 1, upTo: L1 });
    expect(writesOf(updates()[0]).set).toEqual({ readLo: L1, unreadLo: 0, gLoSk: `R#${L1}` });
  });
});

describe('mark system messages read', () => {
  it('each batch of system messages with the counter it changes, in one transaction; one read meanwhile is dropped', async () => {
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelWhere((i) => keyOf(i) === `Update SYS#bob|MSG#${L2}`))
      .resolves({});

    await expect(markSystemRead(TABLE, 'bob', [L1, L2])).resolves.toBe(1);

    const retry = itemsOf(1);
    expect(retry.map(keyOf).sort()).toEqual([`Update SYS#bob|MSG#${L1}`, 'Update USER#bob|COUNTS']);
    expect(only(retry, 'Update USER#bob|COUNTS').Update?.ExpressionAttributeValues).toEqual({ ':d': -1 });
  });
});

describe('unread counts', () => {
  it('chat: the sum of my unread counts over the U# entries of both side indexes (all pages); system: the COUNTS item', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'USER#bob', sk: 'COUNTS', system: 3 } });
    ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      if (input.IndexName === 'sideLo') return { Items: [{ unreadLo: 2 }, { unreadLo: 1 }] };
      // The hi side in two pages.
      return input.ExclusiveStartKey ? { Items: [{ unreadHi: 1 }] } : { Items: [{ unreadHi: 4 }], LastEvaluatedKey: { pk: 'PAIR#a#bob', sk: 'PAIR' } };
    });

    await expect(unreadCounts(TABLE, 'bob')).resolves.toEqual({ chat: 8, system: 3, total: 11 });

    expect(ddb.commandCalls(GetCommand)[0].args[0].input.Key).toEqual({ pk: 'USER#bob', sk: 'COUNTS' });
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.map((q) => q.IndexName).sort()).toEqual(['sideHi', 'sideHi', 'sideLo']);
    for (const q of queries) {
      const side = q.IndexName === 'sideLo' ? 'Lo' : 'Hi';
      expect(q.KeyConditionExpression).toBe('#pk = :me AND begins_with(#sk, :u)');
      expect(q.ExpressionAttributeNames).toMatchObject({ '#pk': `g${side}Pk`, '#sk': `g${side}Sk` });
      expect(q.ExpressionAttributeValues).toEqual({ ':me': 'USER#bob', ':u': 'U#' });
    }
  });

  it('no COUNTS item and nothing unread: all zero (never negative)', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ unreadLo: -1 }] });
    await expect(unreadCounts(TABLE, 'alice')).resolves.toEqual({ chat: 0, system: 0, total: 0 });
  });
});

describe('conversation list', () => {
  const at = (n: number) => `2026-11-24T10:00:0${n}.000Z`;
  const message = (pk: string, id: string, from: string, to: string, n: number): Row => ({
    pk,
    sk: `MSG#${id}`,
    id,
    fromUserId: from,
    toUserId: to,
    messageType: 'CHAT',
    content: `text ${id}`,
    createdAt: at(n),
    clientMessageId: null,
  });
  // bob is the hi side with alice (her message, unread for him), the lo side with carol (his own, read by her).
  const withAlice = pairRow({ lastId: L3, updatedAt: at(3), unreadHi: 1, gHiPk: 'USER#bob', gHiSk: `U#${L3}`, gLoPk: 'USER#alice', gLoSk: `R#${L3}` });
  const withCarol = (readHi: string): Row => ({ pk: 'PAIR#bob#carol', sk: 'PAIR', lo: 'bob', hi: 'carol', friend: true, lastId: L2, updatedAt: at(2), readHi, gLoPk: 'USER#bob', gLoSk: `R#${L2}`, gHiPk: 'USER#carol', gHiSk: `R#${L2}` });
  let pairs: Row[] = [];
  const messages = [message('CONV#alice#bob', L3, 'alice', 'bob', 3), message('CONV#bob#carol', L2, 'bob', 'carol', 2)];

  beforeEach(() => {
    pairs = [withAlice, withCarol(L2)];
    // Each side index answers its own range (U# or R#) of bob's entries, newest first.
    ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      const side = input.IndexName === 'sideLo' ? 'Lo' : 'Hi';
      const prefix = String(input.ExpressionAttributeValues?.[':lo']);
      return { Items: pairs.filter((p) => p[`g${side}Pk`] === 'USER#bob' && String(p[`g${side}Sk`]).startsWith(prefix)) };
    });
    ddb.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
      const keys = (input.RequestItems?.[TABLE]?.Keys ?? []) as Row[];
      return { Responses: { [TABLE]: messages.filter((m) => keys.some((k) => k.pk === m.pk && k.sk === m.sk)) } };
    });
  });

  it('4 Queries (both sides, U# and R#) merged by last id, then the page\'s last messages in ONE BatchGetItem', async () => {
    const page = await conversations(TABLE, 'bob', { limit: 10 });

    expect(page).toEqual({
      items: [
        {
          peerId: 'alice',
          // Hers, unread by bob.
          lastMessage: { id: L3, fromUserId: 'alice', toUserId: 'bob', messageType: 'CHAT', content: `text ${L3}`, metadata: null, isRead: false, createdAt: at(3), clientMessageId: null, attachments: [] },
          unreadCount: 1,
          updatedAt: at(3),
        },
        {
          peerId: 'carol',
          // His own, read: carol's watermark has reached it.
          lastMessage: { id: L2, fromUserId: 'bob', toUserId: 'carol', messageType: 'CHAT', content: `text ${L2}`, metadata: null, isRead: true, createdAt: at(2), clientMessageId: null, attachments: [] },
          unreadCount: 0,
          updatedAt: at(2),
        },
      ],
      hasMore: false,
    });

    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.map((q) => `${String(q.IndexName)} ${String(q.ExpressionAttributeValues?.[':lo'])}`).sort()).toEqual(['sideHi R#', 'sideHi U#', 'sideLo R#', 'sideLo U#']);
    for (const q of queries) expect(q).toMatchObject({ ScanIndexForward: false, Limit: 11 });
    // The last messages: one BatchGetItem of the page's message items, by each pair's last id.
    const gets = ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.[TABLE]?.Keys);
    expect(gets).toHaveLength(1);
    expect(gets[0]).toEqual([
      { pk: 'CONV#alice#bob', sk: `MSG#${L3}` },
      { pk: 'CONV#bob#carol', sk: `MSG#${L2}` },
    ]);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('my own last message is unread while the peer\'s watermark is below it; a page of one reads one message', async () => {
    pairs = [withAlice, withCarol(L1)];

    const page = await conversations(TABLE, 'bob', { limit: 1 });
    expect(page.hasMore).toBe(true);
    expect(page.items.map((c) => c.peerId)).toEqual(['alice']);
    expect(ddb.commandCalls(BatchGetCommand)[0].args[0].input.RequestItems?.[TABLE]?.Keys).toEqual([{ pk: 'CONV#alice#bob', sk: `MSG#${L3}` }]);

    const all = await conversations(TABLE, 'bob', { limit: 10 });
    expect(all.items[1]).toMatchObject({ peerId: 'carol', lastMessage: { id: L2, isRead: false }, unreadCount: 0 });
  });
});

describe('delete', () => {
  const chatMessage = (id: string, over: Partial<StoredMessage> = {}): StoredMessage => ({
    id,
    fromUserId: 'alice',
    toUserId: 'bob',
    messageType: 'CHAT',
    content: `text ${id}`,
    metadata: null,
    isRead: false,
    createdAt: '2026-11-24T10:00:00.000Z',
    clientMessageId: null,
    attachments: [],
    deletedAt: null,
    ...over,
  });
  const stored = (m: StoredMessage): Row => ({ pk: 'CONV#alice#bob', sk: `MSG#${m.id}`, ...m, deletedAt: undefined });

  it('an unread last message: unread down by one, the newest remaining message becomes the last, both list keys follow — one transaction', async () => {
    const previous = chatMessage(L1, { content: 'the one before' });
    const m = chatMessage(L2);
    ddb.on(GetCommand).resolves({ Item: pairRow({ lastId: L2, updatedAt: m.createdAt, unreadHi: 2, unreadLo: 0, gLoSk: `R#${L2}`, gHiSk: `U#${L2}` }) });
    ddb.on(QueryCommand).resolves({ Items: [stored(previous)] });
    ddb.on(TransactWriteCommand).resolves({});

    await expect(softDelete(TABLE, m)).resolves.toBe(true);

    // The newest message before it, not deleted.
    const q = ddb.commandCalls(QueryCommand)[0].args[0].input;
    expect(q).toMatchObject({ KeyConditionExpression: 'pk = :pk AND sk < :me', ScanIndexForward: false, FilterExpression: 'attribute_not_exists(deletedAt)' });
    expect(q.ExpressionAttributeValues).toEqual({ ':pk': 'CONV#alice#bob', ':me': `MSG#${L2}` });
    const items = itemsOf();
    expect(items.map(keyOf).sort()).toEqual([`Update CONV#alice#bob|MSG#${L2}`, 'Update PAIR#alice#bob|PAIR']);
    const message = only(items, `Update CONV#alice#bob|MSG#${L2}`).Update;
    expect(message?.UpdateExpression).toBe('SET deletedAt = :now');
    expect(message?.ConditionExpression).toBe('attribute_not_exists(deletedAt)');
    const pair = only(items, 'Update PAIR#alice#bob|PAIR').Update;
    const { set, remove } = writesOf(pair);
    // The pair item keeps only the new last message's id and time (the list reads the message itself).
    expect(set).toEqual({ unreadHi: 1, lastId: L1, updatedAt: previous.createdAt, gHiSk: `U#${L1}`, gLoSk: `R#${L1}` });
    expect(remove).toEqual([]);
    // Only on the pair item as read.
    expect(pair?.ConditionExpression).toContain('lastId = :lastSeen');
    expect(pair?.ExpressionAttributeValues).toMatchObject({ ':lastSeen': L2, ':n': 2 });
  });

  it('the only message of a conversation: the last message and both list entries go', async () => {
    const m = chatMessage(L1);
    ddb.on(GetCommand).resolves({ Item: pairRow({ lastId: L1, unreadHi: 1, gLoPk: 'USER#alice', gLoSk: `R#${L1}`, gHiPk: 'USER#bob', gHiSk: `U#${L1}` }) });
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(TransactWriteCommand).resolves({});

    await expect(softDelete(TABLE, m)).resolves.toBe(true);

    const { set, remove } = writesOf(only(itemsOf(), 'Update PAIR#alice#bob|PAIR').Update);
    expect(set).toEqual({ unreadHi: 0 });
    // The sort keys go (out of both lists); the partitions stay with the friendship.
    expect(remove.sort()).toEqual(['gHiSk', 'gLoSk', 'lastId', 'updatedAt']);
  });

  it('a read message that is not the last: the message alone', async () => {
    ddb.on(GetCommand).resolves({ Item: pairRow({ lastId: L3, readHi: L2, unreadHi: 1 }) });
    ddb.on(TransactWriteCommand).resolves({});

    await expect(softDelete(TABLE, chatMessage(L1))).resolves.toBe(true);

    expect(itemsOf().map(keyOf)).toEqual([`Update CONV#alice#bob|MSG#${L1}`]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('retried from the pair item as it is now when it moved; false when the message was already deleted', async () => {
    const m = chatMessage(L2);
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: pairRow({ lastId: L2, unreadHi: 1 }) })
      .resolves({ Item: pairRow({ lastId: L3, unreadHi: 2 }) });
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelWhere((i) => keyOf(i) === 'Update PAIR#alice#bob|PAIR'))
      .resolves({});

    await expect(softDelete(TABLE, m)).resolves.toBe(true);
    const { set } = writesOf(only(itemsOf(1), 'Update PAIR#alice#bob|PAIR').Update);
    expect(set).toMatchObject({ unreadHi: 1, gHiSk: `U#${L3}` });
    expect(set).not.toHaveProperty('lastMessage');

    ddb.reset();
    ddb.on(GetCommand).resolves({ Item: pairRow({ lastId: L3, unreadHi: 2 }) });
    ddb.on(TransactWriteCommand).callsFake(cancelWhere((i) => keyOf(i) === `Update CONV#alice#bob|MSG#${L2}`));
    await expect(softDelete(TABLE, m)).resolves.toBe(false);
  });

  it('an unread system message: with its counter, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const m = chatMessage(L1, { fromUserId: null, messageType: 'SYSTEM_TASK' });

    await expect(softDelete(TABLE, m)).resolves.toBe(true);

    const items = itemsOf();
    expect(items.map(keyOf).sort()).toEqual([`Update SYS#bob|MSG#${L1}`, 'Update USER#bob|COUNTS']);
    expect(only(items, `Update SYS#bob|MSG#${L1}`).Update?.ConditionExpression).toBe('attribute_not_exists(deletedAt) AND attribute_exists(gsi1pk)');
    expect(only(items, 'Update USER#bob|COUNTS').Update?.ExpressionAttributeValues).toEqual({ ':d': -1 });
  });
});
