/**
 * The local AWS endpoints, driven by the stock SDK clients: the API Gateway Management API at
 * /_aws/ws/@connections and EventBridge PutEvents at /_aws/events (with the rule's function as a recording
 * fixture, so delivery, event shape, retries and dead letters are what is tested).
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import { eventBridge, sendEvent, uid, WsClient } from '../support/clients';
import { startTestStack, type TestStack } from '../support/stack';

type AnyEvent = EventBridgeEvent<string, Record<string, unknown>>;
const delivered: AnyEvent[] = [];
let failUntilAttempt: Record<string, number> = {};
const attempts: Record<string, number> = {};

let stack: TestStack;
let management: ApiGatewayManagementApiClient;
const open: WsClient[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    log: 'silent',
    eventRetryDelaysMs: [20, 40],
    functions: {
      eventsNotify: async (event: AnyEvent) => {
        const key = String(event.detail.userId ?? '');
        attempts[event.id] = (attempts[event.id] ?? 0) + 1;
        if (attempts[event.id] <= (failUntilAttempt[key] ?? 0)) throw new Error(`fixture refuses ${key} (attempt ${attempts[event.id]})`);
        delivered.push(event);
      },
    },
  });
  management = new ApiGatewayManagementApiClient({
    endpoint: `${stack.url}/_aws/ws`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  management?.destroy();
  await stack?.stop();
});

/** Connect, and learn the connection id the way a handler would: from the gateway's registry. */
async function connected(): Promise<{ client: WsClient; id: string }> {
  const before = new Set(stack.local.connections.all().map((c) => c.id));
  const client = await WsClient.open(stack, uid('mgmt'));
  open.push(client);
  const conn = stack.local.connections.all().find((c) => !before.has(c.id));
  if (!conn) throw new Error('no new connection registered');
  return { client, id: conn.id };
}

describe('Management API (@connections) with the stock client', () => {
  it('PostToConnection delivers a text frame and is counted', async () => {
    const { client, id } = await connected();
    stack.calls.reset();
    await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: JSON.stringify({ type: 'hello', n: 1 }) }));
    expect(await client.next('hello')).toEqual({ type: 'hello', n: 1 });
    expect(stack.calls.postToConnection).toBe(1);
  });

  it('GetConnection describes the connection', async () => {
    const { id } = await connected();
    const out = await management.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(out.ConnectedAt).toBeInstanceOf(Date);
    expect(out.LastActiveAt).toBeInstanceOf(Date);
    expect(out.Identity?.SourceIp).toBe('127.0.0.1');
    expect(typeof out.Identity?.UserAgent).toBe('string');
  });

  it('DeleteConnection closes the socket, after which the id is gone', async () => {
    const { client, id } = await connected();
    await management.send(new DeleteConnectionCommand({ ConnectionId: id }));
    await client.closed;
    await expect(management.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' }))).rejects.toBeInstanceOf(GoneException);
  });

  it('an unknown connection id is a GoneException for POST, GET and DELETE', async () => {
    for (const command of [
      new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' }),
      new GetConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' }),
      new DeleteConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' }),
    ]) {
      const err = await management.send(command as PostToConnectionCommand).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GoneException);
      expect((err as GoneException).$metadata.httpStatusCode).toBe(410);
    }
  });

  it('a connection closed by its client is gone', async () => {
    const { client, id } = await connected();
    await client.close();
    await expect(management.send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(GoneException);
  });
});

describe('EventBridge PutEvents with the stock client', () => {
  it('returns an EventId and delivers an EventBridgeEvent to the rule function', async () => {
    const user = uid('ev');
    const eventId = await sendEvent(stack, 'AchievementUnlocked', { userId: user, achievement: { id: 'a1', name: 'First' } }, { source: 'app.test' });
    await stack.drainEvents();
    const event = delivered.find((e) => e.id === eventId);
    expect(event).toMatchObject({
      version: '0',
      id: eventId,
      'detail-type': 'AchievementUnlocked',
      source: 'app.test',
      account: '000000000000',
      region: 'us-east-1',
      resources: [],
      detail: { userId: user, achievement: { id: 'a1', name: 'First' } },
    });
    expect(event?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('answers per entry: bad bus, malformed Detail and missing fields fail; good entries get ids', async () => {
    const user = uid('ev');
    const out = await eventBridge(stack).send(
      new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 'UserFollowed', Detail: JSON.stringify({ userId: user }), EventBusName: 'parley' },
          { Source: 's', DetailType: 'UserFollowed', Detail: JSON.stringify({ userId: user }), EventBusName: 'other-bus' },
          { Source: 's', DetailType: 'UserFollowed', Detail: '{not json', EventBusName: 'parley' },
          { Source: 's', DetailType: 'UserFollowed', Detail: '[1]', EventBusName: 'parley' },
          { DetailType: 'UserFollowed', Detail: '{}', EventBusName: 'parley' },
          { Source: 's', DetailType: 'UserFollowed', Detail: JSON.stringify({ userId: user }) },
          { Source: 's', DetailType: 'UserFollowed', Detail: JSON.stringify({ userId: user }), EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/parley', Time: new Date('2026-01-02T03:04:05.678Z') },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(5);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'ResourceNotFoundException',
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'ResourceNotFoundException',
      'ok',
    ]);
    await stack.drainEvents();
    const mine = delivered.filter((e) => e.detail.userId === user);
    expect(mine.map((e) => e.id).sort()).toEqual([out.Entries?.[0].EventId, out.Entries?.[6].EventId].sort());
    expect(mine.find((e) => e.id === out.Entries?.[6].EventId)?.time).toBe('2026-01-02T03:04:05Z');
  });

  it('refuses more than 10 entries as a whole request', async () => {
    const Entries = Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'UserFollowed', Detail: '{}', EventBusName: 'parley' }));
    await expect(eventBridge(stack).send(new PutEventsCommand({ Entries }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('accepts an event no rule matches, delivers nothing, and keeps it as a dead letter saying so', async () => {
    const user = uid('ev');
    const eventId = await sendEvent(stack, 'SomethingElse', { userId: user });
    await stack.drainEvents();
    expect(delivered.filter((e) => e.detail.userId === user)).toHaveLength(0);
    const dead = stack.local.events.deadLetters.find((d) => d.event.id === eventId);
    expect(dead?.reason).toMatch(/no rule matches detail-type SomethingElse/);
  });

  it('retries a failing function twice, then keeps the event as a dead letter with the reason', async () => {
    const user = uid('dlq');
    failUntilAttempt = { [user]: 99 };
    const eventId = await sendEvent(stack, 'UserFollowed', { userId: user, follower: { id: 'x' } });
    await stack.drainEvents();

    expect(attempts[eventId]).toBe(3);
    const res = await fetch(`${stack.url}/_aws/events/dead-letters`);
    const { items } = (await res.json()) as { items: { event: AnyEvent; reason: string; attempts: number; failedAt: string }[] };
    const dead = items.find((d) => d.event.id === eventId);
    expect(dead).toMatchObject({ reason: `fixture refuses ${user} (attempt 3)`, attempts: 3 });
    expect(dead?.reason).not.toMatch(/\n\s+at /);
    expect(Date.parse(dead?.failedAt ?? '')).not.toBeNaN();
  });

  it('delivers on a retry when the function recovers, with no dead letter', async () => {
    const user = uid('retry');
    failUntilAttempt = { [user]: 1 };
    const eventId = await sendEvent(stack, 'UserFollowed', { userId: user, follower: { id: 'x' } });
    await stack.drainEvents();

    expect(attempts[eventId]).toBe(2);
    expect(delivered.some((e) => e.id === eventId)).toBe(true);
    expect(stack.local.events.deadLetters.some((d) => d.event.id === eventId)).toBe(false);
  });
});
