import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { BatchExecuteStatementCommand } from '@aws-sdk/client-dynamodb';
import { connectionItems, liveIds } from '../support/connection-items';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambdas/ws/send-message';
import { handler as defaultHandler } from '../../lambdas/ws/default';
import { wsFrame } from '../fixtures/events';
import { fingerprint } from '../../lambdas/core/same-message';
import type { Message } from '../../lambdas/contract/messages';
import { at, cancelWhere, claimBatch, getFrom, isRelease, keyOf, only, startingWith, statementsOf, aliceToBob } from '../support/main-table-mock';

const ddb = mockClient(DynamoDBDocumentClient);
const api = mockClient(ApiGatewayManagementApiClient);
const CONNECTIONS = process.env.CONNECTIONS_TABLE;
const MAIN = process.env.TABLE_NAME;

/** Live connections per user, answered to the connections-table BatchGetItem. */
function connections(map: Record<string, string[]>) {
  ddb.on(BatchGetCommand).callsFake(connectionItems(CONNECTIONS, (user) => liveIds(map[user] ?? [])));
}

const frame = (over: Record<string, unknown> = {}) => ({ action: 'sendMessage', to: 'bob', content: 'hi bob', clientMessageId: 'c-1', ...over });
const send = async (body: unknown, connectionId = 'a1') => JSON.parse(String((await handler(wsFrame('alice', connectionId, body)) as { body?: string }).body));
const posted = () => api.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId);
const transactions = () => ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
const mainWrites = (cmd: typeof DeleteCommand | typeof UpdateCommand) =>
  ddb.commandCalls(cmd as typeof UpdateCommand).map((c) => c.args[0].input).filter((i) => i.TableName === MAIN);

/**
 * What was undone after a refusal or a resend: the release batches (claim.ts `release`) — at most ONE per frame,
 * holding the claim's DELETE and/or the rate give-back UPDATE — and never a single-item delete or update on the
 * main table.
 */
const releases = () => ddb.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input).filter(isRelease).map(statementsOf);
const released = () => {
  expect(releases().length).toBeLessThanOrEqual(1);
  expect(mainWrites(DeleteCommand)).toEqual([]);
  expect(mainWrites(UpdateCommand)).toEqual([]);
  return releases()[0] ?? { inserts: [], updates: [], deletes: [], count: 0 };
};
/** The claim of alice's c-1 released (only if it still holds this frame's message: the id its INSERT claimed). */
const CLAIM = { pk: 'CMID#alice', sk: 'c-1' };
const expectClaimReleased = () => {
  const { deletes } = released();
  expect(deletes).toHaveLength(1);
  expect(deletes[0].Statement).toBe(`DELETE FROM "${MAIN}" WHERE pk = ? AND sk = ? AND id = ?`);
  const [pk, sk, id] = deletes[0].Parameters ?? [];
  expect({ pk, sk }).toEqual(CLAIM);
  const claimed = ddb.commandCalls(BatchExecuteStatementCommand).map((c) => statementsOf(c.args[0].input)).flatMap((b) => b.inserts);
  expect(claimed).toHaveLength(1);
  expect(id).toBe(claimed[0].Parameters?.[2]);
  expect(id).toMatch(/^[0-9A-Z]{26}$/);
};
/** The rate hit given back: the sender's profile `sendTat` down by one interval. */
const refunds = () => released().updates.filter((u) => / SET sendTat = sendTat - \? /.test(u.Statement ?? ''));
const expectRateRefunded = () => {
  expect(refunds()).toHaveLength(1);
  expect(refunds()[0].Parameters?.slice(1)).toEqual(['USER#alice', 'PROFILE']);
};

/** A stored original of c-1 (a resend finds its claim). */
const original = aliceToBob({ id: '01JAAAAAAAAAAAAAAAAAAAAAAA', attachments: [] });
/** Its claim: the original's id, time and fingerprint (not the message). */
const claimRow = { ...CLAIM, id: original.id, createdAt: original.createdAt, fp: fingerprint(original as Message), expiresAt: 1_900_000_000 };
const storedOriginal = { pk: 'CONV#alice#bob', sk: `MSG#${original.id}`, ...original };

beforeEach(() => {
  ddb.reset();
  api.reset();
  api.on(PostToConnectionCommand).resolves({});
  ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch());
  ddb.on(DeleteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
});

describe('sendMessage', () => {
  it('acks only after the durable write, and pushes to the recipient and to the sender’s other tabs', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    connections({ bob: ['b1', 'b2'], alice: ['a1', 'a2'] });

    const reply = await send(frame());

    expect(reply).toMatchObject({ type: 'ack', clientMessageId: 'c-1', message: { fromUserId: 'alice', toUserId: 'bob', content: 'hi bob' } });
    expect(posted().sort()).toEqual(['a2', 'b1', 'b2']);
    const write = ddb.commandCalls(TransactWriteCommand)[0];
    expect(ddb.commandCalls(BatchExecuteStatementCommand)[0].calledBefore(write)).toBe(true);
    expect(write.calledBefore(api.commandCalls(PostToConnectionCommand)[0])).toBe(true);
    const pushed = JSON.parse(Buffer.from(api.commandCalls(PostToConnectionCommand)[0].args[0].input.Data as Uint8Array).toString());
    expect(pushed).toEqual({ type: 'message', message: reply.message });
  });

  it('stores the message with ONE claim+rate batch and ONE transaction of the message and the pair item (what they hold: dynamo-messages-send.test.ts)', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    connections({});

    const reply = await send(frame());

    const batches = ddb.commandCalls(BatchExecuteStatementCommand).map((c) => statementsOf(c.args[0].input));
    expect(batches).toHaveLength(1);
    expect(batches[0].count).toBe(2);
    expect(batches[0].inserts[0].Parameters?.slice(0, 2)).toEqual(['CMID#alice', 'c-1']);
    expect(batches[0].updates[0].Parameters).toEqual(expect.arrayContaining(['USER#alice', 'PROFILE']));
    expect(transactions()).toHaveLength(1);
    expect(transactions()[0].map(keyOf).sort()).toEqual([`Put CONV#alice#bob|MSG#${reply.message.id}`, 'Update PAIR#alice#bob|PAIR'].sort());
    // Nothing to undo: no claim released, no rate given back.
    expect(releases()).toEqual([]);
  });

  it('a gone connection among several is deleted and the others still receive the push', async () => {
    ddb.on(TransactWriteCommand).resolves({});
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
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ claim: 'taken' }));
    ddb.on(GetCommand).callsFake(getFrom({ 'CMID#alice|c-1': claimRow, [`CONV#alice#bob|MSG#${original.id}`]: storedOriginal, 'PAIR#alice#bob|PAIR': { lo: 'alice', hi: 'bob', friend: true } }));
    ddb.on(TransactWriteCommand).resolves({});
    connections({ bob: ['b1'] });

    const reply = await send(frame({ content: 'hi bob' }));

    expect(reply).toMatchObject({ type: 'ack', clientMessageId: 'c-1', message: { id: original.id, content: 'hi bob' } });
    expect(posted()).toEqual([]);
    expect(transactions()).toEqual([]);
    // A resend that stores nothing does not count against the rate; the claim is the original's and stays.
    expectRateRefunded();
    expect(released().deletes).toEqual([]);
  });

  it('a repeat clientMessageId whose first attempt was cut short (claim, no message) stores the ORIGINAL, once', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ claim: 'taken' }));
    ddb.on(GetCommand).callsFake(getFrom({ 'CMID#alice|c-1': claimRow, 'PAIR#alice#bob|PAIR': { lo: 'alice', hi: 'bob', friend: true } }));
    ddb.on(TransactWriteCommand).resolves({});
    connections({ bob: ['b1'] });

    const reply = await send(frame({ content: 'hi bob' }));

    expect(reply).toMatchObject({ type: 'ack', clientMessageId: 'c-1', message: { id: original.id, content: 'hi bob', createdAt: original.createdAt } });
    expect(transactions()).toHaveLength(1);
    expect(transactions()[0].map(keyOf)).toContain(`Put CONV#alice#bob|MSG#${original.id}`);
    expect(posted()).toEqual(['b1']);
    expect(releases()).toEqual([]);
  });

  it('a repeat clientMessageId with other content is BAD_REQUEST (contract v1.1), not the old ack', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ claim: 'taken' }));
    ddb.on(GetCommand).callsFake(getFrom({ 'CMID#alice|c-1': claimRow, [`CONV#alice#bob|MSG#${original.id}`]: storedOriginal, 'PAIR#alice#bob|PAIR': { lo: 'alice', hi: 'bob', friend: true } }));
    connections({ bob: ['b1'] });

    const reply = await send(frame({ content: 'a different text this time' }));

    expect(reply).toMatchObject({ type: 'error', code: 'BAD_REQUEST', message: expect.stringContaining('already used for a different message'), clientMessageId: 'c-1' });
    expect(posted()).toEqual([]);
    expect(transactions()).toEqual([]);
    expect(released().deletes).toEqual([]); // the original's claim stays
    expectRateRefunded(); // nothing stored: the hit given back
  });

  it('refuses a non-friend with NOT_FRIENDS, pushes nothing, releases the claim and gives the rate hit back', async () => {
    // The pair item's condition fails; its old item says they are not friends.
    ddb.on(TransactWriteCommand).callsFake(cancelWhere(at('Update PAIR#alice#bob|PAIR'), { pk: 'PAIR#alice#bob', sk: 'PAIR', lo: 'alice', hi: 'bob', friend: false }));
    connections({ bob: ['b1'] });

    const reply = await send(frame());

    expect(reply).toEqual({ type: 'error', code: 'NOT_FRIENDS', message: expect.any(String), clientMessageId: 'c-1' });
    expect(posted()).toEqual([]);
    expect(transactions()).toHaveLength(1);
    expectClaimReleased();
    expectRateRefunded();
  });

  it('answers RATE_LIMITED when the stored rate state is over the limit, stores nothing and releases the claim', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ rate: { sendTat: Date.now() + 60_000 } }));
    ddb.on(TransactWriteCommand).resolves({});

    const reply = await send(frame());

    expect(reply).toMatchObject({ type: 'error', code: 'RATE_LIMITED', clientMessageId: 'c-1' });
    expect(transactions()).toEqual([]);
    expectClaimReleased();
    // Not counted, so nothing to give back.
    expect(refunds()).toEqual([]);
  });

  it('retries a transaction conflict and then succeeds', async () => {
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelWhere(startingWith('Put CONV#alice#bob|MSG#'), undefined, 'TransactionConflict'))
      .resolves({});
    connections({});

    const reply = await send(frame());

    expect(reply.type).toBe('ack');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
    expect(releases()).toEqual([]);
  });

  it('throttling that outlasts the SDK retries becomes INTERNAL, with no internals in the text', async () => {
    ddb.on(TransactWriteCommand).rejects(new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} }));

    const reply = await send(frame());

    expect(reply).toMatchObject({ type: 'error', code: 'INTERNAL', clientMessageId: 'c-1' });
    expect(reply.message).not.toMatch(/throughput|Provisioned|stack|at /i);
    // The transaction may have committed after all: the claim stays, so a resend finds the message (or stores it)
    // instead of storing a second copy under a new id. Only the claim batch went out — no release.
    const batches = ddb.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input.Statements?.map((st) => (st.Statement ?? '').split(' ')[0]));
    expect(batches).toEqual([['INSERT', 'UPDATE']]);
  });

  it('a sender with no profile item (the rate UPDATE fails with no old item) gets INTERNAL, and nothing is stored', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(claimBatch({ rate: 'no profile' }));
    ddb.on(TransactWriteCommand).resolves({});

    const reply = await send(frame());

    expect(reply).toMatchObject({ type: 'error', code: 'INTERNAL', clientMessageId: 'c-1' });
    expect(reply.message).not.toMatch(/ConditionalCheckFailed|rate update/i);
    expect(transactions()).toEqual([]);
  });

  it('keeps the last-message of a conversation that a newer message already reached, still counting this one', async () => {
    // The pair item's old state (returned on failure): friends, a newer last message, bob's watermark not set.
    const newer = '01ZZZZZZZZZZZZZZZZZZZZZZZZ';
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelWhere(at('Update PAIR#alice#bob|PAIR'), { pk: 'PAIR#alice#bob', sk: 'PAIR', lo: 'alice', hi: 'bob', friend: true, lastId: newer, unreadHi: 1 }))
      .resolves({});
    connections({});

    const reply = await send(frame());

    expect(reply.type).toBe('ack');
    const retry = transactions()[1];
    expect(retry.map(keyOf)).toContain(`Put CONV#alice#bob|MSG#${reply.message.id}`);
    const pair = only(retry, 'Update PAIR#alice#bob|PAIR').Update;
    expect(pair?.UpdateExpression).not.toContain('lastMessage');
    // Only bob's side (hi): one more unread, his list entry unread at the newer last message.
    expect(pair?.UpdateExpression).toBe('SET #rsk = :rsk ADD #ru :d');
    expect(pair?.ExpressionAttributeNames).toMatchObject({ '#rsk': 'gHiSk', '#ru': 'unreadHi', '#rr': 'readHi' });
    expect(pair?.ExpressionAttributeValues).toMatchObject({ ':rsk': `U#${newer}`, ':last': newer, ':d': 1 });
    // Only if the pair item is still as seen: the same last message, bob's watermark still unset.
    expect(pair?.ConditionExpression).toBe('friend = :yes AND lastId = :last AND attribute_not_exists(#rr)');
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
      expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
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
