import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { connectionItems, liveIds } from '../support/connection-items';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambdas/ws/send-message';
import { handler as defaultHandler } from '../../lambdas/ws/default';
import { wsFrame } from '../fixtures/events';

const ddb = mockClient(DynamoDBDocumentClient);
const api = mockClient(ApiGatewayManagementApiClient);
const CONNECTIONS = process.env.CONNECTIONS_TABLE;

/** Live connections per user, answered to the connections-table BatchGetItem. */
function connections(map: Record<string, string[]>) {
  ddb.on(BatchGetCommand).callsFake(connectionItems(CONNECTIONS, (user) => liveIds(map[user] ?? [])));
}

type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** An item's kind and key, e.g. `Put CMID#alice|c-1`: how a transaction's items are found (never by position). */
function keyOf(i: TxItem): string {
  const [kind, body] = Object.entries(i)[0] as [string, { Key?: Record<string, unknown>; Item?: Record<string, unknown> }];
  const key = body.Key ?? body.Item ?? {};
  return `${kind} ${String(key.pk)}|${String(key.sk)}`;
}

/**
 * The main table refusing a transaction: the items whose key starts with `prefix` fail with `code` (the old item
 * returned where given), the others 'None' — one reason per item in the request's order, as DynamoDB answers.
 */
function cancelAt(prefix: string, code = 'ConditionalCheckFailed', item?: Record<string, unknown>) {
  return (input: TransactWriteCommandInput) => {
    throw new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: (input.TransactItems ?? []).map((i) =>
        keyOf(i).startsWith(prefix) ? { Code: code, ...(item ? { Item: marshall(item, { removeUndefinedValues: true }) as never } : {}) } : { Code: 'None' },
      ),
    });
  };
}

const frame = (over: Record<string, unknown> = {}) => ({ action: 'sendMessage', to: 'bob', content: 'hi bob', clientMessageId: 'c-1', ...over });
const send = async (body: unknown, connectionId = 'a1') => JSON.parse(String((await handler(wsFrame('alice', connectionId, body)) as { body?: string }).body));
const posted = () => api.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId);

beforeEach(() => {
  ddb.reset();
  api.reset();
  api.on(PostToConnectionCommand).resolves({});
});

describe('sendMessage', () => {
  it('acks only after the durable write, and pushes to the recipient and to the sender’s other tabs', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    connections({ bob: ['b1', 'b2'], alice: ['a1', 'a2'] });

    const reply = await send(frame());

    expect(reply).toMatchObject({ type: 'ack', clientMessageId: 'c-1', message: { fromUserId: 'alice', toUserId: 'bob', content: 'hi bob' } });
    expect(posted().sort()).toEqual(['a2', 'b1', 'b2']);
    const write = ddb.commandCalls(TransactWriteCommand)[0];
    expect(write.calledBefore(api.commandCalls(PostToConnectionCommand)[0])).toBe(true);
    const pushed = JSON.parse(Buffer.from(api.commandCalls(PostToConnectionCommand)[0].args[0].input.Data as Uint8Array).toString());
    expect(pushed).toEqual({ type: 'message', message: reply.message });
  });

  it('stores the message in ONE transaction (what it holds: dynamo-messages.test.ts)', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    connections({});

    const reply = await send(frame());

    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const items = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems ?? [];
    expect(items.map(keyOf)).toContain(`Put CONV#alice#bob|MSG#${reply.message.id}`);
  });

  it('a gone connection among several is deleted and the others still receive the push', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    connections({ bob: ['b1', 'b2', 'b3'] });
    api.on(PostToConnectionCommand, { ConnectionId: 'b2' }).rejects(new GoneException({ message: 'gone', $metadata: {} }));

    const reply = await send(frame());

    expect(reply.type).toBe('ack');
    expect(posted().sort()).toEqual(['b1', 'b2', 'b3']);
    const deleted = ddb.commandCalls(UpdateCommand).map((c) => [c.args[0].input.Key, c.args[0].input.UpdateExpression, c.args[0].input.ExpressionAttributeNames]);
    expect(deleted).toEqual([[{ userId: 'bob', connectionId: '#SET' }, 'REMOVE #c', { '#c': 'c:b2' }]]);
  });

  it('a push that fails with a 5xx does not fail the send (best effort on top of stored state)', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    connections({ bob: ['b1'] });
    api.on(PostToConnectionCommand).rejects(Object.assign(new Error('Internal'), { name: 'InternalServerErrorException' }));

    const reply = await send(frame());

    expect(reply.type).toBe('ack');
  });

  it('a repeat clientMessageId gets the ORIGINAL message and stores nothing new', async () => {
    const original = { ...frame(), id: '01JAAAAAAAAAAAAAAAAAAAAAAA', fromUserId: 'alice', toUserId: 'bob', messageType: 'CHAT', content: 'hi bob', metadata: null, isRead: false, createdAt: '2026-11-24T10:00:00.000Z', clientMessageId: 'c-1' };
    ddb.on(TransactWriteCommand).callsFake(cancelAt('Put CMID#alice|c-1', 'ConditionalCheckFailed', { pk: 'CMID#alice', sk: 'c-1', message: JSON.stringify(original) }));
    ddb.on(GetCommand).resolves({});
    connections({ bob: ['b1'] });

    const reply = await send(frame({ content: 'hi bob' }));

    expect(reply).toMatchObject({ type: 'ack', clientMessageId: 'c-1', message: { id: original.id, content: 'hi bob' } });
    expect(posted()).toEqual([]);
  });

  it('a repeat clientMessageId with other content is BAD_REQUEST (contract v1.1), not the old ack', async () => {
    const original = { ...frame(), id: '01JAAAAAAAAAAAAAAAAAAAAAAA', fromUserId: 'alice', toUserId: 'bob', messageType: 'CHAT', content: 'hi bob', metadata: null, isRead: false, createdAt: '2026-11-24T10:00:00.000Z', clientMessageId: 'c-1' };
    ddb.on(TransactWriteCommand).callsFake(cancelAt('Put CMID#alice|c-1', 'ConditionalCheckFailed', { pk: 'CMID#alice', sk: 'c-1', message: JSON.stringify(original) }));
    ddb.on(GetCommand).resolves({});
    connections({ bob: ['b1'] });

    const reply = await send(frame({ content: 'a different text this time' }));

    expect(reply).toMatchObject({ type: 'error', code: 'BAD_REQUEST', clientMessageId: 'c-1' });
    expect(posted()).toEqual([]);
  });

  it('refuses a non-friend with NOT_FRIENDS and pushes nothing', async () => {
    ddb.on(TransactWriteCommand).callsFake(cancelAt('Update USER#alice|CONV#bob')); // its friend flag: no old row, so not friends
    ddb.on(GetCommand).resolves({});
    connections({ bob: ['b1'] });

    const reply = await send(frame());

    expect(reply).toEqual({ type: 'error', code: 'NOT_FRIENDS', message: expect.any(String), clientMessageId: 'c-1' });
    expect(posted()).toEqual([]);
  });

  it('answers RATE_LIMITED when the stored window is full', async () => {
    ddb.on(TransactWriteCommand).callsFake(cancelAt('Update RATE#alice|send'));
    ddb.on(GetCommand).resolves({});

    const reply = await send(frame());

    expect(reply).toMatchObject({ type: 'error', code: 'RATE_LIMITED', clientMessageId: 'c-1' });
  });

  it('retries a transaction conflict and then succeeds', async () => {
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelAt('Put CONV#alice#bob|MSG#', 'TransactionConflict'))
      .resolves({});
    connections({});

    const reply = await send(frame());

    expect(reply.type).toBe('ack');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('throttling that outlasts the SDK retries becomes INTERNAL, with no internals in the text', async () => {
    ddb.on(TransactWriteCommand).rejects(new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} }));

    const reply = await send(frame());

    expect(reply).toMatchObject({ type: 'error', code: 'INTERNAL', clientMessageId: 'c-1' });
    expect(reply.message).not.toMatch(/throughput|Provisioned|stack|at /i);
  });

  it('keeps the last-message of a conversation that a newer message already reached, still counting this one', async () => {
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelAt('Update USER#bob|CONV#alice'))
      .resolves({});
    connections({});

    const reply = await send(frame());

    expect(reply.type).toBe('ack');
    const retry = ddb.commandCalls(TransactWriteCommand)[1].args[0].input.TransactItems ?? [];
    const row = (key: string) => retry.find((i) => keyOf(i) === key)?.Update?.UpdateExpression;
    expect(row('Update USER#alice|CONV#bob')).toContain('lastMessage');
    expect(row('Update USER#bob|CONV#alice')).not.toContain('lastMessage');
    expect(row('Update USER#bob|CONV#alice')).toContain('ADD unread');
  });

  describe('bad frames get a clear error and store nothing', () => {
    const cases: Array<[string, unknown, string]> = [
      ['not JSON', '{"action":"sendMessage",', 'BAD_REQUEST'],
      ['a JSON array', '[1,2]', 'BAD_REQUEST'],
      ['no recipient', frame({ to: undefined }), 'BAD_REQUEST'],
      ['a recipient of the wrong type', frame({ to: 42 }), 'BAD_REQUEST'],
      ['a recipient with a key delimiter', frame({ to: 'bob#x' }), 'BAD_REQUEST'],
      ['no content', frame({ content: undefined }), 'BAD_REQUEST'],
      ['empty content', frame({ content: '' }), 'BAD_REQUEST'],
      ['whitespace content', frame({ content: ' \n\t ' }), 'BAD_REQUEST'],
      ['content over 4,000 characters', frame({ content: 'x'.repeat(4001) }), 'TOO_LARGE'],
      ['4,001 emoji', frame({ content: '😀'.repeat(4001) }), 'TOO_LARGE'],
      ['a lone surrogate', frame({ content: 'a\uD800b' }), 'BAD_REQUEST'],
      ['a clientMessageId with spaces', frame({ clientMessageId: 'c 1' }), 'BAD_REQUEST'],
      ['a clientMessageId over 64 characters', frame({ clientMessageId: 'c'.repeat(65) }), 'BAD_REQUEST'],
      ['metadata that is not an object', frame({ metadata: 'x' }), 'BAD_REQUEST'],
      ['huge metadata', frame({ metadata: { blob: 'x'.repeat(5000) } }), 'TOO_LARGE'],
      ['a message to oneself', frame({ to: 'alice' }), 'BAD_REQUEST'],
    ];
    it.each(cases)('%s', async (_name, body, code) => {
      const reply = await send(body);
      expect(reply.type).toBe('error');
      expect(reply.code).toBe(code);
      expect(reply.message.length).toBeGreaterThan(5);
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    });
  });

  it('accepts exactly 4,000 emoji (characters are code points) and trims surrounding space', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    connections({});
    const content = '😀'.repeat(4000);

    const reply = await send(frame({ content: `  ${content}\n` }));

    expect(reply.type).toBe('ack');
    expect(reply.message.content).toBe(content);
  });

  it('echoes a valid clientMessageId on errors so the client can mark that bubble failed', async () => {
    const reply = await send(frame({ content: '' }));
    expect(reply.clientMessageId).toBe('c-1');
  });
});

describe('$default', () => {
  it.each([
    ['an unknown action', { action: 'sendMoney' }, /unknown action "sendMoney"/],
    ['no action', { to: 'bob' }, /needs an "action"/],
    ['not JSON', 'hello', /not valid JSON/],
  ])('answers BAD_REQUEST for %s', async (_n, body, text) => {
    const reply = JSON.parse(String(((await defaultHandler(wsFrame('alice', 'a1', body, '$default'))) as { body?: string }).body));
    expect(reply).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(reply.message).toMatch(text);
  });
});
