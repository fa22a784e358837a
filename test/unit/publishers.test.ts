/**
 * The typed publisher client (publishers/index.ts) against a mocked EventBridge: what a publisher's service sees —
 * validation before anything is sent, batches PutEvents accepts, retries of the entries that failed, and a thrown
 * error when some still failed.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidEventError, PublishError, publish, type ParleyEvent } from '../../publishers';

const eb = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1' });
const waits: number[] = [];
const opts = { sleep: async (ms: number) => void waits.push(ms) };

const follow = (i: number): ParleyEvent => ({ type: 'UserFollowed', detail: { userId: `u${i}`, follower: { id: `f${i}` } } });
const sentEntries = () => eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);

/** Accepts every entry, numbering the event ids in send order. */
function acceptAll() {
  let n = 0;
  eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map(() => ({ EventId: `id-${++n}` })),
  }));
}

beforeEach(() => {
  eb.reset();
  waits.length = 0;
});

describe('publish', () => {
  it('sends one event with the source, bus and detail-type Parley expects, and returns its EventId', async () => {
    acceptAll();

    const out = await publish(client, follow(1), opts);

    expect(out).toEqual([{ type: 'UserFollowed', eventId: 'id-1', attempts: 1 }]);
    expect(sentEntries()).toEqual([[{ Source: 'app.example', DetailType: 'UserFollowed', EventBusName: 'parley', Detail: '{"userId":"u1","follower":{"id":"f1"}}' }]]);
  });

  it('uses the given bus and source', async () => {
    acceptAll();
    await publish(client, [follow(1)], { ...opts, busName: 'parley-prod', source: 'shop.orders' });
    expect(sentEntries()[0][0]).toMatchObject({ Source: 'shop.orders', EventBusName: 'parley-prod' });
  });

  it('sends 25 events as PutEvents of 10, 10 and 5, outcomes in input order', async () => {
    acceptAll();

    const out = await publish(client, Array.from({ length: 25 }, (_, i) => follow(i)), opts);

    expect(sentEntries().map((e) => e.length)).toEqual([10, 10, 5]);
    expect(out.map((o) => o.eventId)).toEqual(Array.from({ length: 25 }, (_, i) => `id-${i + 1}`));
    expect(sentEntries().flat().map((e) => JSON.parse(e.Detail ?? '').userId)).toEqual(Array.from({ length: 25 }, (_, i) => `u${i}`));
  });

  it('keeps each PutEvents under 256 KB: big TaskNotifications go fewer than 10 a request', async () => {
    acceptAll();
    const userIds = Array.from({ length: 1000 }, (_, i) => `user-${String(i).padStart(100, '0')}`);
    const tasks: ParleyEvent[] = Array.from({ length: 4 }, (_, i) => ({ type: 'TaskNotification', detail: { userIds, task: { id: `t${i}`, title: 'T' } } }));

    await publish(client, tasks, opts);

    // Each detail is about 110 KB: two fit a request, three would not.
    expect(sentEntries().map((e) => e.length)).toEqual([2, 2]);
    const sizes = sentEntries().map((entries) => entries.reduce((n, e) => n + Buffer.byteLength(e.Detail ?? ''), 0));
    for (const s of sizes) expect(s).toBeLessThan(256 * 1024);
  });

  it('retries only the entries PutEvents reported as failed, with growing delays, until they are accepted', async () => {
    let call = 0;
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      call++;
      // First call: entries 2 and 4 throttled; second: entry 4 again; third: all accepted.
      const failing = call === 1 ? ['u2', 'u4'] : call === 2 ? ['u4'] : [];
      const entries = input.Entries.map((e) =>
        failing.includes(JSON.parse(e.Detail ?? '').userId) ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: `id-${call}-${JSON.parse(e.Detail ?? '').userId}` },
      );
      return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
    });

    const out = await publish(client, [0, 1, 2, 3, 4].map(follow), opts);

    expect(sentEntries().map((e) => e.map((x) => JSON.parse(x.Detail ?? '').userId))).toEqual([['u0', 'u1', 'u2', 'u3', 'u4'], ['u2', 'u4'], ['u4']]);
    expect(out.map((o) => [o.eventId, o.attempts])).toEqual([['id-1-u0', 1], ['id-1-u1', 1], ['id-2-u2', 2], ['id-1-u3', 1], ['id-3-u4', 3]]);
    expect(waits).toEqual([100, 200]);
  });

  it('throws PublishError with every outcome when an entry still fails after the attempts', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((e) => (JSON.parse(e.Detail ?? '').userId === 'u1' ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal' } : { EventId: 'ok' })),
    }));

    const err = await publish(client, [follow(0), follow(1)], { ...opts, maxAttempts: 3 }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).entries).toEqual([
      { type: 'UserFollowed', eventId: 'ok', attempts: 1 },
      { type: 'UserFollowed', errorCode: 'InternalFailure', errorMessage: 'Internal', attempts: 3 },
    ]);
    expect((err as Error).message).toBe('1 of 2 events failed to publish; first: UserFollowed InternalFailure: Internal');
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it('when a request fails as a whole, stops and says which events are on the bus already', async () => {
    let call = 0;
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      if (++call === 2) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), { name: 'Error' });
      return { FailedEntryCount: 0, Entries: input.Entries.map((_, k) => ({ EventId: `id-${k}` })) };
    });

    const err = (await publish(client, Array.from({ length: 25 }, (_, i) => follow(i)), opts).catch((e: unknown) => e)) as PublishError;

    expect(err).toBeInstanceOf(PublishError);
    expect(err.entries.slice(0, 10).every((o) => o.eventId)).toBe(true);
    expect(err.entries.slice(10).map((o) => [o.eventId, o.errorMessage])).toEqual(Array.from({ length: 15 }, () => [undefined, 'connect ECONNREFUSED 127.0.0.1:3000']));
    expect(err.entries.slice(10, 20).every((o) => o.attempts === 1)).toBe(true);
    expect(err.entries.slice(20).every((o) => o.attempts === 0)).toBe(true);
    expect((err.cause as Error).message).toContain('ECONNREFUSED');
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('does not retry an entry that cannot succeed (no such bus)', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus nope does not exist.' }] });

    await expect(publish(client, follow(0), { ...opts, busName: 'nope' })).rejects.toThrow('ResourceNotFoundException: Event bus nope does not exist.');
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it.each([
    ['a missing field', { type: 'UserFollowed', detail: { userId: 'bob' } }, 'event 1 (UserFollowed): "follower" is required; nothing was sent'],
    ['a name over 100 characters', { type: 'UserFollowed', detail: { userId: 'bob', follower: { id: 'f', name: 'n'.repeat(101) } } }, '"follower.name" must have at most 100 characters'],
    ['an unknown detail-type', { type: 'AchievementUnlock', detail: {} }, 'unknown detail-type AchievementUnlock; Parley accepts: AchievementUnlocked, WorkPurchased'],
    ['a friendship with oneself', { type: 'FriendshipCreated', detail: { userIds: ['a', 'a'] } }, 'FriendshipCreated needs two different users'],
  ])('throws on %s with the reason and sends nothing, not even the valid events', async (_n, bad, reason) => {
    acceptAll();

    const err = await publish(client, [follow(0), bad as ParleyEvent, follow(2)], opts).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as Error).message).toContain(reason);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('sends only contract fields', async () => {
    acceptAll();
    const detail = { userId: 'bob', achievement: { id: 'a', name: 'A', internal: 'x' } };
    await publish(client, { type: 'AchievementUnlocked', detail } as ParleyEvent, opts);
    expect(JSON.parse(sentEntries()[0][0].Detail ?? '')).toEqual({ userId: 'bob', achievement: { id: 'a', name: 'A' } });
  });
});
