/**
 * Faults with every AWS call mocked (aws-sdk-client-mock): a notification handler that dies part-way through a
 * 1,000-user TaskNotification and is redelivered, pushes that fail, DynamoDB throttling that outlasts the SDK's
 * retries on every kind of edge (frame, REST, event), the TTL that lets a lost $disconnect clean itself up, and the
 * logging policy (no tokens, no message bodies) while all of that happens.
 *
 * (Throttling followed by success runs against the real SDK retry strategy in test/integration/faults.test.ts:
 * a mocked client skips the SDK's middleware, so backoff can only be shown end to end.)
 */
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { BatchExecuteStatementCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as notify } from '../../lambdas/events/notify';
import { handler as unreadCount } from '../../lambdas/http/unread-count';
import { logger } from '../../lambdas/shared/logger';
import { handler as connectHandler } from '../../lambdas/ws/connect';
import { handler as markRead } from '../../lambdas/ws/mark-read';
import { handler as sendMessage } from '../../lambdas/ws/send-message';
import { handler as typing } from '../../lambdas/ws/typing';
import { FAR_EXPIRY, connectionItems as plantedItems } from '../support/connection-items';
import { bridgeEvent, restEvent, wsFrame } from '../fixtures/events';


const ddb = mockClient(DynamoDBDocumentClient);
const api = mockClient(ApiGatewayManagementApiClient);
const CONNECTIONS = process.env.CONNECTIONS_TABLE;

const throttled = () => new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} });

const event = bridgeEvent;

type Put = { Item: Record<string, unknown> };

const connectionItems = (conns: Parameters<typeof plantedItems>[1]) => plantedItems(CONNECTIONS, conns);
const FAR = FAR_EXPIRY;

/**
 * A main table that behaves like DynamoDB for the notification path: conditional puts fail once their key exists,
 * a transaction is all-or-nothing, and the function "crashes" (the SDK call throws) on chosen transaction numbers.
 * Every recipient has one live connection, `conn-<user>`.
 */
function fakeMainTable(state: { stored: Map<string, Record<string, unknown>>; counters?: Map<string, number>; crashOn?: Set<number> }) {
  let n = 0;
  ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    n++;
    if (state.crashOn?.has(n)) throw throttled();
    const items = input.TransactItems ?? [];
    const reasons = items.map((i) => (i.Put?.ConditionExpression && state.stored.has(`${i.Put.Item?.pk}|${i.Put.Item?.sk}`) ? 'ConditionalCheckFailed' : 'None'));
    if (reasons.includes('ConditionalCheckFailed')) {
      throw new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: reasons.map((Code) => ({ Code })) });
    }
    for (const i of items) if (i.Put) state.stored.set(`${(i.Put as Put).Item.pk}|${(i.Put as Put).Item.sk}`, (i.Put as Put).Item);
    for (const i of items) {
      if (i.Update?.Key?.sk !== 'COUNTS' || !state.counters) continue;
      const pk = String(i.Update.Key.pk);
      state.counters.set(pk, (state.counters.get(pk) ?? 0) + Number(i.Update.ExpressionAttributeValues?.[':d']));
    }
    return {};
  });
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(BatchGetCommand).callsFake(connectionItems((user) => [{ id: `conn-${user}`, connectedAt: 1, expiresAt: FAR }]));
}

const sysMessages = (stored: Map<string, Record<string, unknown>>) => [...stored.values()].filter((i) => String(i.pk).startsWith('SYS#'));
const pushesTo = () => api.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId as string);

beforeEach(() => {
  ddb.reset();
  api.reset();
  api.on(PostToConnectionCommand).resolves({});
});

describe('a 1,000-user TaskNotification that fails part-way and is redelivered', () => {
  const userIds = Array.from({ length: 1000 }, (_, i) => `user-${String(i).padStart(4, '0')}`);

  // 1,000 recipients are 31 transactions of ≤33 (claim, message, counter). Fail the function at the first, a middle
  // and the last transaction, and at ones that don't line up with anything in particular.
  it.each([1, 2, 10, 16, 23, 31])('dies at transaction %i: after redelivery everyone has ONE SYSTEM_TASK and got ONE push', async (failAt) => {
    const stored = new Map<string, Record<string, unknown>>();
    const counters = new Map<string, number>();
    const e = event('TaskNotification', { userIds, task: { id: 't-1', title: 'Finish your profile' } }, `evt-fail-${failAt}`);

    fakeMainTable({ stored, counters, crashOn: new Set([failAt]) });
    await expect(notify(e)).rejects.toThrow(/throughput/);
    const storedByFirstTry = sysMessages(stored).length;
    expect(storedByFirstTry).toBe((failAt - 1) * 33);
    // Whatever the first try stored, it pushed before it died.
    expect(new Set(pushesTo()).size).toBe(storedByFirstTry);

    // Redelivery of the same event (EventBridge / Lambda async retry): same id, same detail.
    ddb.reset();
    fakeMainTable({ stored, counters });
    const result = await notify(e);

    expect(result.stored).toBe(1000 - storedByFirstTry);
    const messages = sysMessages(stored);
    expect(messages).toHaveLength(1000);
    expect(new Set(messages.map((m) => m.toUserId)).size).toBe(1000);
    expect(messages.every((m) => m.messageType === 'SYSTEM_TASK')).toBe(true);
    const pushed = pushesTo();
    expect(pushed).toHaveLength(1000);
    expect(new Set(pushed)).toEqual(new Set(userIds.map((u) => `conn-${u}`)));
    // Every recipient's unread counter went up exactly once (it commits in the same transaction as the claim).
    expect(counters.size).toBe(1000);
    expect([...counters.values()].every((n) => n === 1)).toBe(true);
  });

  it('a redelivery after complete success stores and pushes nothing', async () => {
    const stored = new Map<string, Record<string, unknown>>();
    const e = event('TaskNotification', { userIds, task: { id: 't-2', title: 'T' } }, 'evt-twice');
    fakeMainTable({ stored });
    await notify(e);
    api.resetHistory();

    expect(await notify(e)).toEqual({ stored: 0, delivered: 0 });
    expect(sysMessages(stored)).toHaveLength(1000);
    expect(api.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });
});

describe('pushes that fail', () => {
  it('5xx and Gone on some recipients of an event: everyone is stored, the rest pushed, the gone rows deleted, no retry needed', async () => {
    const stored = new Map<string, Record<string, unknown>>();
    fakeMainTable({ stored });
    ddb.on(UpdateCommand).resolves({});
    api.on(PostToConnectionCommand, { ConnectionId: 'conn-u2' }).rejects(Object.assign(new Error('Internal server error'), { name: 'InternalServerErrorException', $fault: 'server' }));
    api.on(PostToConnectionCommand, { ConnectionId: 'conn-u3' }).rejects(new GoneException({ message: 'gone', $metadata: {} }));

    const result = await notify(event('TaskNotification', { userIds: ['u1', 'u2', 'u3', 'u4'], task: { id: 't', title: 'T' } }, 'evt-push-faults'));

    expect(result).toEqual({ stored: 4, delivered: 2 });
    expect(sysMessages(stored)).toHaveLength(4);
    expect(pushesTo().sort()).toEqual(['conn-u1', 'conn-u2', 'conn-u3', 'conn-u4']);
    const removals = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(removals.map((r) => [r.Key, r.UpdateExpression, r.ExpressionAttributeNames])).toEqual([[{ userId: 'u3', connectionId: '#SET' }, 'REMOVE #c', { '#c': 'c:conn-u3' }]]);
  });

  it('a connection lookup that fails (throttled BatchGetItem) does not fail the event: stored, counted, picked up from REST', async () => {
    const stored = new Map<string, Record<string, unknown>>();
    fakeMainTable({ stored });
    ddb.on(BatchGetCommand).rejects(throttled());

    const result = await notify(event('AchievementUnlocked', { userId: 'bob', achievement: { id: 'a', name: 'A' } }, 'evt-lookup'));

    expect(result).toEqual({ stored: 1, delivered: 0 });
    expect(sysMessages(stored)).toHaveLength(1);
  });
});

describe('throttling that outlasts the SDK retries', () => {
  const publicError = (text: string) => expect(text).not.toMatch(/throughput|Provisioned|Exception|stack|parley-|\.ts:|at \w+ \(/i);

  it('on a markRead frame: INTERNAL error frame, nothing pushed', async () => {
    // The conversation's pair item is read (GetItem) before the watermark moves; any read throttled.
    ddb.on(QueryCommand).rejects(throttled());
    ddb.on(GetCommand).rejects(throttled());
    const res = (await markRead(wsFrame('alice', 'a1', { action: 'markRead', peerId: 'bob' }, 'markRead'))) as { body?: string };
    const reply = JSON.parse(String(res.body));
    expect(reply).toEqual({ type: 'error', code: 'INTERNAL', message: expect.any(String) });
    publicError(reply.message);
    expect(api.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it('on a typing frame: INTERNAL error frame, nothing relayed', async () => {
    ddb.on(TransactWriteCommand).rejects(throttled());
    const res = (await typing(wsFrame('alice', 'a1', { action: 'typing', to: 'bob' }, 'typing'))) as { body?: string };
    expect(JSON.parse(String(res.body))).toMatchObject({ type: 'error', code: 'INTERNAL' });
    expect(api.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it('on REST: 500 with the contract body {"error":{"code":"INTERNAL"}} and no internals', async () => {
    ddb.on(GetCommand).rejects(throttled());
    const res = (await unreadCount(restEvent('alice', 'GET /api/messages/unread/count'))) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(500);
    const body = JSON.parse(String(res.body));
    expect(body).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } });
    publicError(body.error.message);
  });

  it('on an event: the handler throws (so the platform retries it) and the claims make the retry safe', async () => {
    ddb.on(TransactWriteCommand).rejects(throttled());
    await expect(notify(event('UserFollowed', { userId: 'bob', follower: { id: 'c' } }, 'evt-throttled'))).rejects.toThrow();
  });

  it('on $connect: 500, so the handshake is refused rather than a socket nobody can reach', async () => {
    ddb.on(UpdateCommand).rejects(throttled());
    ddb.on(PutCommand).rejects(throttled());
    const res = (await connectHandler(wsFrame('alice', 'a1', undefined, '$connect'))) as { statusCode: number };
    expect(res.statusCode).toBe(500);
  });
});

describe('a lost $disconnect cleans itself up', () => {
  it('$connect stores the row with a TTL (expiresAt = connect time + CONNECTION_TTL_HOURS, default 3 h)', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({ Attributes: { userId: 'alice', connectionId: '#SET', 'c:a1': { connectedAt: Date.now(), expiresAt: FAR } } });
    ddb.on(QueryCommand).resolves({ Items: [] });
    const before = Math.floor(Date.now() / 1000);

    await connectHandler(wsFrame('alice', 'a1', undefined, '$connect'));

    const update = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.TableName === CONNECTIONS)?.args[0].input;
    expect(update).toMatchObject({ Key: { userId: 'alice', connectionId: '#SET' }, ExpressionAttributeNames: { '#c': 'c:a1' } });
    // The connection's own expiry, and the item's TTL raised to it.
    const conn = update?.ExpressionAttributeValues?.[':conn'] as { expiresAt: number };
    for (const expiresAt of [conn.expiresAt, update?.ExpressionAttributeValues?.[':e'] as number]) {
      expect(expiresAt).toBeGreaterThanOrEqual(before + 3 * 3600);
      expect(expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3 * 3600);
    }
  });

  it('every read of live connections skips entries past their expiresAt (TTL deletion may lag by hours) and removes them', async () => {
    const now = Math.floor(Date.now() / 1000);
    // The clientMessageId claim and the rate hit (one PartiQL batch, both accepted), then the message's transaction.
    ddb.on(BatchExecuteStatementCommand).resolves({ Responses: [{}, {}] });
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ddb.on(BatchGetCommand).callsFake(
      connectionItems((user) => (user === 'bob' ? [{ id: 'b-live', connectedAt: 1, expiresAt: now + 60 }, { id: 'b-lost', connectedAt: 1, expiresAt: now - 1 }] : [])),
    );

    await sendMessage(wsFrame('alice', 'a1', { action: 'sendMessage', to: 'bob', content: 'x', clientMessageId: 'c-ttl' }));

    // One lookup for both parties, consistent; the expired entry gets no push and is removed lazily.
    const lookups = ddb.commandCalls(BatchGetCommand);
    expect(lookups).toHaveLength(1);
    expect(lookups[0].args[0].input.RequestItems?.[CONNECTIONS as string]).toMatchObject({ ConsistentRead: true });
    expect(pushesTo()).toEqual(['b-live']);
    const cleanup = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input).filter((i) => i.TableName === CONNECTIONS);
    expect(cleanup.map((i) => [i.Key, i.UpdateExpression, Object.values(i.ExpressionAttributeNames ?? {})])).toEqual([[{ userId: 'bob', connectionId: '#SET' }, 'REMOVE #x0', ['c:b-lost']]]);
  });
});

describe('logging policy', () => {
  it('no token and no message body reaches the logs, on success or failure paths', async () => {
    const secretBody = 'SECRET-BODY-7f3a9c do not log me';
    const token = 'eyJhbGciOiJSUzI1NiJ9.SECRET-TOKEN-PAYLOAD.c2ln';
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture as never);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture as never);
    logger.setLogLevel('DEBUG');
    try {
      // The first send is stored (claim + rate accepted, transaction committed) and its push fails; the second is throttled.
      ddb.on(BatchExecuteStatementCommand).resolves({ Responses: [{}, {}] });
      ddb.on(TransactWriteCommand).resolvesOnce({}).rejects(throttled());
      ddb.on(BatchGetCommand).callsFake(connectionItems((user) => (user === 'bob' ? [{ id: 'b1', connectedAt: 1, expiresAt: FAR }] : [])));
      api.on(PostToConnectionCommand).rejects(Object.assign(new Error(`failed to post ${secretBody}`), { name: 'InternalServerErrorException' }));
      await sendMessage(wsFrame('alice', 'a1', { action: 'sendMessage', to: 'bob', content: secretBody, clientMessageId: 'c-log-1' }));
      await sendMessage(wsFrame('alice', 'a1', { action: 'sendMessage', to: 'bob', content: secretBody, clientMessageId: 'c-log-2' }));
      await sendMessage(wsFrame('alice', 'a1', `{"action":"sendMessage","content":"${secretBody}"`));
      await notify(event('TaskNotification', { userIds: ['bob'], task: { id: 't', title: 'T' }, content: secretBody }, 'evt-log')).catch(() => undefined);
      ddb.on(GetCommand).rejects(throttled());
      await unreadCount(restEvent('alice', 'GET /api/messages/unread/count', { headers: { authorization: `Bearer ${token}` } }));
    } finally {
      logger.setLogLevel('SILENT');
      out.mockRestore();
      err.mockRestore();
    }
    const logged = lines.join('');
    // The paths above did log (failed request, failed push, failed frame): the policy is tested, not vacuous.
    expect(logged).toMatch(/request failed/);
    expect(logged).toMatch(/push failed/);
    expect(logged).toMatch(/frame failed/);
    expect(logged).not.toContain('SECRET-BODY');
    expect(logged).not.toContain('SECRET-TOKEN');
  });
});
