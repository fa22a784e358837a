/**
 * The message access patterns (lambdas/adapters/dynamo/messages/) against a mocked DynamoDB: what each transaction
 * holds, asserted by the items' keys and conditions — never by their positions — and failures decided by which item
 * failed (transaction cancellation reasons are read by item name, lambdas/adapters/dynamo/transact.ts).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { appendChat } from '../../lambdas/adapters/dynamo/messages/append-chat';
import { appendSystem } from '../../lambdas/adapters/dynamo/messages/append-system';
import { markConversationRead } from '../../lambdas/adapters/dynamo/messages/mark-read';
import { softDelete } from '../../lambdas/adapters/dynamo/messages/delete';
import { allowTyping } from '../../lambdas/adapters/dynamo/messages/typing';
import { transact, type TxItem } from '../../lambdas/adapters/dynamo/transact';
import type { Message } from '../../lambdas/contract/messages';
import type { RateRule } from '../../lambdas/core/ports';

const ddb = mockClient(DynamoDBDocumentClient);
const TABLE = 'parley-Main-test';
const SEND: RateRule = { kind: 'send', limit: 30, windowSeconds: 10 };
const TYPING: RateRule = { kind: 'typing', limit: 10, windowSeconds: 10 };

type Row = Record<string, unknown>;

/** An item's kind and key, e.g. `Put CMID#alice|c-1`: how the tests find an item in a transaction. */
function keyOf(i: TxItem): string {
  const [kind, body] = Object.entries(i)[0] as [string, { Key?: Row; Item?: Row }];
  const key = body.Key ?? body.Item ?? {};
  return `${kind} ${String(key.pk)}|${String(key.sk)}`;
}
const itemsOf = (call = 0) => ddb.commandCalls(TransactWriteCommand)[call].args[0].input.TransactItems ?? [];
const find = (items: TxItem[], key: string) => {
  const found = items.filter((i) => keyOf(i) === key);
  expect(found).toHaveLength(1);
  return found[0];
};

/**
 * DynamoDB's answer when the items matching `fails` fail their condition: one reason per item of the request, in
 * its order (as DynamoDB answers), with the old item where given.
 */
function cancelWhere(fails: (i: TxItem) => boolean, old?: Row, code = 'ConditionalCheckFailed') {
  return (input: TransactWriteCommandInput) => {
    throw new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: (input.TransactItems ?? []).map((i) =>
        fails(i) ? { Code: code, ...(old ? { Item: marshall(old, { removeUndefinedValues: true }) as never } : {}) } : { Code: 'None' },
      ),
    });
  };
}
const at = (key: string) => (i: TxItem) => keyOf(i) === key;

const chat = (over: Partial<Message> = {}): Message => ({
  id: '01JBBBBBBBBBBBBBBBBBBBBBBB',
  fromUserId: 'alice',
  toUserId: 'bob',
  messageType: 'CHAT',
  content: 'hi bob',
  metadata: null,
  isRead: false,
  createdAt: '2026-11-24T10:00:00.000Z',
  clientMessageId: 'c-1',
  ...over,
});

beforeEach(() => ddb.reset());

describe('append chat', () => {
  it('stores the message, the rate hit, the claim, both conversation rows (the sender\'s checks the friendship) and the counter in ONE transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const m = chat();

    await expect(appendChat(TABLE, m, SEND)).resolves.toEqual({ status: 'stored', message: m });

    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const items = itemsOf();
    expect(items.map(keyOf).sort()).toEqual(
      [
        'Update RATE#alice|send',
        'Put CMID#alice|c-1',
        `Put CONV#alice#bob|MSG#${m.id}`,
        'Update USER#alice|CONV#bob',
        'Update USER#bob|CONV#alice',
        'Update USER#bob|COUNTS',
      ].sort(),
    );
    // The friendship check is the sender's conversation row's condition (issue #15), its old row returned on failure.
    const senderRow = find(items, 'Update USER#alice|CONV#bob').Update;
    expect(senderRow?.ConditionExpression).toBe('friend = :yes AND (attribute_not_exists(gsi2sk) OR gsi2sk < :id)');
    expect(senderRow?.ExpressionAttributeValues?.[':yes']).toBe(true);
    expect(senderRow?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    const claim = find(items, 'Put CMID#alice|c-1').Put;
    expect(claim?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(claim?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(JSON.parse(String(claim?.Item?.message))).toEqual(m);
    const message = find(items, `Put CONV#alice#bob|MSG#${m.id}`).Put;
    expect(message?.Item).toMatchObject({ id: m.id, content: 'hi bob', gsi1pk: 'UNREAD#bob#CHAT#alice', gsi1sk: m.id });
    const mine = find(items, 'Update USER#alice|CONV#bob').Update;
    const theirs = find(items, 'Update USER#bob|CONV#alice').Update;
    expect(mine?.ExpressionAttributeValues?.[':d']).toBe(0);
    expect(theirs?.ExpressionAttributeValues?.[':d']).toBe(1);
    for (const row of [mine, theirs]) expect(row?.UpdateExpression).toContain('lastMessage');
    const counter = find(items, 'Update USER#bob|COUNTS').Update;
    expect(counter?.ExpressionAttributeNames).toEqual({ '#f': 'chat' });
    expect(counter?.ExpressionAttributeValues).toEqual({ ':d': 1 });
  });

  it('attachments: the message item keeps the list (no URLs) and each attachment is claimed by a named item in the same transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const list = [
      { id: 'att_AAAAAAAAAAAAAAAAAAAAAAAAAA', contentType: 'image/png' as const, size: 10, width: 2, height: 3 },
      { id: 'att_BBBBBBBBBBBBBBBBBBBBBBBBBB', contentType: 'image/jpeg' as const, size: 20, width: 4, height: 5 },
    ];
    const m = chat({ content: '', attachments: list as Message['attachments'] });

    await appendChat(TABLE, m, SEND);

    const items = itemsOf();
    expect(items).toHaveLength(8); // the 6 of a plain message (the friendship is the sender row's condition) + 2 claims
    expect(find(items, `Put CONV#alice#bob|MSG#${m.id}`).Put?.Item?.attachments).toEqual(list);
    for (const a of list) {
      const claim = find(items, `Update ATT#${a.id}|ATT`).Update;
      expect(claim?.ConditionExpression).toBe('ownerId = :from AND #status = :ready AND attribute_not_exists(messageId)');
      expect(claim?.UpdateExpression).toBe('SET messageId = :mid REMOVE expiresAt');
      expect(claim?.ExpressionAttributeValues).toEqual({ ':mid': m.id, ':from': 'alice', ':ready': 'ready' });
    }
  });

  it('a failed attachment claim is BAD_REQUEST (nothing stored: the transaction was cancelled); a plain message has no attachment item', async () => {
    const m = chat({ attachments: [{ id: 'att_AAAAAAAAAAAAAAAAAAAAAAAAAA', contentType: 'image/png', size: 1, width: 1, height: 1 }] as Message['attachments'] });
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Update ATT#att_AAAAAAAAAAAAAAAAAAAAAAAAAA|ATT')));
    await expect(appendChat(TABLE, m, SEND)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'an attachment is not yours, not ready or already sent' });

    ddb.reset();
    ddb.on(TransactWriteCommand).resolves({});
    await appendChat(TABLE, chat(), SEND);
    expect(itemsOf().map(keyOf).filter((k) => k.includes('ATT#'))).toEqual([]);
    expect(find(itemsOf(), `Put CONV#alice#bob|MSG#01JBBBBBBBBBBBBBBBBBBBBBBB`).Put?.Item).not.toHaveProperty('attachments');
  });

  it('a claimed clientMessageId answers the ORIGINAL message from the claim', async () => {
    const original = chat({ id: '01JAAAAAAAAAAAAAAAAAAAAAAA' });
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Put CMID#alice|c-1'), { pk: 'CMID#alice', sk: 'c-1', message: JSON.stringify(original) }));
    ddb.on(GetCommand).resolves({});

    await expect(appendChat(TABLE, chat(), SEND)).resolves.toEqual({ status: 'duplicate', message: original });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('a failed friendship check is NOT_FRIENDS, a full rate window RATE_LIMITED', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Update USER#alice|CONV#bob'), { pk: 'USER#alice', sk: 'CONV#bob', friend: false }));
    await expect(appendChat(TABLE, chat(), SEND)).rejects.toMatchObject({ code: 'NOT_FRIENDS' });

    ddb.reset();
    ddb.on(GetCommand).resolves({});
    // The stored window is a full window ahead: neither branch admits the hit.
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Update RATE#alice|send'), { pk: 'RATE#alice', sk: 'send', tat: Date.now() + 60_000 }));
    await expect(appendChat(TABLE, chat({ clientMessageId: 'c-2' }), SEND)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it.each([
    ['the recipient’s', 'Update USER#bob|CONV#alice', 'Update USER#alice|CONV#bob'],
    ['the sender’s', 'Update USER#alice|CONV#bob', 'Update USER#bob|CONV#alice'],
  ])('keeps the last message of %s conversation row when a newer message reached it first, still counting this one', async (_who, reached, other) => {
    // The old row (returned on failure): friends, with a newer last message.
    ddb.on(TransactWriteCommand).callsFakeOnce(cancelWhere(at(reached), { friend: true, gsi2sk: '01ZZZZZZZZZZZZZZZZZZZZZZZZ' })).resolves({});

    await expect(appendChat(TABLE, chat(), SEND)).resolves.toMatchObject({ status: 'stored' });

    const retry = itemsOf(1);
    expect(find(retry, other).Update?.UpdateExpression).toContain('lastMessage');
    const kept = find(retry, reached).Update;
    expect(kept?.UpdateExpression).not.toContain('lastMessage');
    expect(kept?.UpdateExpression).toContain('ADD unread');
    // Only the friendship condition stays, on the sender's row.
    expect(kept?.ConditionExpression).toBe(reached === 'Update USER#alice|CONV#bob' ? 'friend = :yes' : undefined);
  });
});

describe('transact', () => {
  it('reports a cancellation by the names of the items whose condition failed', async () => {
    const put = (pk: string): TxItem => ({ Put: { TableName: TABLE, Item: { pk, sk: 'x' }, ConditionExpression: 'attribute_not_exists(pk)' } });
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Put B|x'), { pk: 'B', sk: 'x', n: 1 }));

    const forward = await transact([{ name: 'a', item: put('A') }, { name: 'b', item: put('B') }, { name: 'c', item: put('C') }]);
    const backward = await transact([{ name: 'c', item: put('C') }, { name: 'b', item: put('B') }, { name: 'a', item: put('A') }]);

    for (const result of [forward, backward]) {
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect([...result.failed.keys()]).toEqual(['b']);
      expect(result.failed.get('b')).toEqual({ code: 'ConditionalCheckFailed', item: { pk: 'B', sk: 'x', n: 1 } });
    }
  });

  it('retries a conflict with no failed condition, then commits', async () => {
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelWhere(() => true, undefined, 'TransactionConflict'))
      .resolves({});

    await expect(transact([{ name: 'a', item: { Put: { TableName: TABLE, Item: { pk: 'A', sk: 'x' } } } }])).resolves.toEqual({ ok: true });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });
});

describe('typing window', () => {
  it('is a friendship check and a hit on the typing rate window, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await allowTyping(TABLE, 'alice', 'bob', TYPING);

    expect(itemsOf().map(keyOf).sort()).toEqual(['ConditionCheck USER#alice|FRIEND#bob', 'Update RATE#alice|typing']);
  });

  it('a failed friendship check is NOT_FRIENDS; a full window RATE_LIMITED', async () => {
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('ConditionCheck USER#alice|FRIEND#bob')));
    await expect(allowTyping(TABLE, 'alice', 'bob', TYPING)).rejects.toMatchObject({ code: 'NOT_FRIENDS' });

    ddb.reset();
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Update RATE#carol|typing'), { pk: 'RATE#carol', sk: 'typing', tat: Date.now() + 60_000 }));
    await expect(allowTyping(TABLE, 'carol', 'bob', TYPING)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});

describe('append system', () => {
  const notice = (to: string, id: string): Message => ({ ...chat({ id, toUserId: to, fromUserId: null, messageType: 'SYSTEM_TASK', clientMessageId: null }) });

  it('holds, per recipient, the (event, recipient) claim, the message and its counter', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const messages = [notice('bob', '01JC0000000000000000000001'), notice('carol', '01JC0000000000000000000002')];

    await expect(appendSystem(TABLE, 'evt-1', messages)).resolves.toEqual(messages);

    const items = itemsOf();
    expect(items.map(keyOf).sort()).toEqual(
      [
        'Put EVT#evt-1|bob',
        'Put EVT#evt-1|carol',
        'Put SYS#bob|MSG#01JC0000000000000000000001',
        'Put SYS#carol|MSG#01JC0000000000000000000002',
        'Update USER#bob|COUNTS',
        'Update USER#carol|COUNTS',
      ].sort(),
    );
    expect(find(items, 'Put EVT#evt-1|bob').Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(find(items, 'Put SYS#bob|MSG#01JC0000000000000000000001').Put?.Item).toMatchObject({ gsi1pk: 'UNREAD#bob#SYSTEM' });
    expect(find(items, 'Update USER#carol|COUNTS').Update?.ExpressionAttributeNames).toEqual({ '#f': 'system' });
  });

  it('a recipient whose claim is taken is dropped with its message and counter; the rest are stored', async () => {
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelWhere(at('Put EVT#evt-1|bob')))
      .resolves({});
    const carol = notice('carol', '01JC0000000000000000000002');

    await expect(appendSystem(TABLE, 'evt-1', [notice('bob', '01JC0000000000000000000001'), carol])).resolves.toEqual([carol]);

    expect(itemsOf(1).map(keyOf).sort()).toEqual(['Put EVT#evt-1|carol', 'Put SYS#carol|MSG#01JC0000000000000000000002', 'Update USER#carol|COUNTS']);
  });
});

describe('mark read', () => {
  it('marks each unread message read with the conversation row, the counter and the peer’s read receipt in one transaction', async () => {
    const unread = ['01JD0000000000000000000001', '01JD0000000000000000000002'].map((id) => ({ pk: 'CONV#alice#bob', sk: `MSG#${id}`, id }));
    ddb.on(QueryCommand).resolves({ Items: unread });
    ddb.on(TransactWriteCommand).resolves({});

    await expect(markConversationRead(TABLE, 'bob', 'alice')).resolves.toEqual({ updated: 2, upTo: '01JD0000000000000000000002' });

    const items = itemsOf();
    expect(items.map(keyOf).sort()).toEqual(
      [
        'Update CONV#alice#bob|MSG#01JD0000000000000000000001',
        'Update CONV#alice#bob|MSG#01JD0000000000000000000002',
        'Update USER#bob|CONV#alice',
        'Update USER#bob|COUNTS',
        'Update USER#alice|CONV#bob',
      ].sort(),
    );
    expect(find(items, 'Update USER#bob|CONV#alice').Update?.ExpressionAttributeValues).toEqual({ ':d': -2 });
    expect(find(items, 'Update USER#bob|COUNTS').Update?.ExpressionAttributeValues).toEqual({ ':d': -2 });
    expect(find(items, 'Update USER#alice|CONV#bob').Update?.ExpressionAttributeValues).toEqual({ ':up': '01JD0000000000000000000002' });
  });

  it('a message read meanwhile is dropped from the batch and the counters count only the rest', async () => {
    const unread = ['01JD0000000000000000000001', '01JD0000000000000000000002'].map((id) => ({ pk: 'CONV#alice#bob', sk: `MSG#${id}`, id }));
    ddb.on(QueryCommand).resolves({ Items: unread });
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelWhere(at('Update CONV#alice#bob|MSG#01JD0000000000000000000002')))
      .resolves({});

    await expect(markConversationRead(TABLE, 'bob', 'alice')).resolves.toEqual({ updated: 1, upTo: '01JD0000000000000000000001' });

    const retry = itemsOf(1);
    expect(retry.map(keyOf)).not.toContain('Update CONV#alice#bob|MSG#01JD0000000000000000000002');
    expect(find(retry, 'Update USER#bob|COUNTS').Update?.ExpressionAttributeValues).toEqual({ ':d': -1 });
  });

  it('a failed condition on a shared item is an error, not a dropped entry', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'CONV#alice#bob', sk: 'MSG#01JD0000000000000000000001', id: '01JD0000000000000000000001' }] });
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Update USER#bob|COUNTS')));

    await expect(markConversationRead(TABLE, 'bob', 'alice')).rejects.toThrow(/shared item/);
  });
});

describe('delete', () => {
  it('soft-deletes an unread chat message with its conversation row and counter, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(BatchGetCommand).resolves({ Responses: {} });
    const m = { ...chat(), deletedAt: null };

    await expect(softDelete(TABLE, m)).resolves.toBe(true);

    const items = itemsOf();
    expect(items.map(keyOf).sort()).toEqual([`Update CONV#alice#bob|MSG#${m.id}`, 'Update USER#bob|CONV#alice', 'Update USER#bob|COUNTS'].sort());
    expect(find(items, `Update CONV#alice#bob|MSG#${m.id}`).Update?.ConditionExpression).toBe('attribute_not_exists(deletedAt) AND attribute_exists(gsi1pk)');
  });
});
