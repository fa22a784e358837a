import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { connectionItems, liveIds } from '../support/connection-items';
import { mockClient } from 'aws-sdk-client-mock';
import { bridgeEvent } from '../fixtures/events';
import { handler } from '../../lambdas/events/notify';

const ddb = mockClient(DynamoDBDocumentClient);
const api = mockClient(ApiGatewayManagementApiClient);

const event = bridgeEvent;

type Put = { Item: Record<string, unknown> };
const putsOf = (input: TransactWriteCommandInput) => (input.TransactItems ?? []).filter((i) => i.Put).map((i) => (i.Put as Put).Item);

/** A fake main table: conditional puts (the event claims) succeed once per key and fail their condition after that. */
function fakeStore(opts: { failAfterTransactions?: number; stored?: Set<string> } = {}) {
  const stored = opts.stored ?? new Set<string>();
  let transactions = 0;
  ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    transactions++;
    if (opts.failAfterTransactions !== undefined && transactions > opts.failAfterTransactions) throw new Error('function crashed');
    const items = input.TransactItems ?? [];
    const reasons = items.map((i) => (i.Put?.ConditionExpression && stored.has(`${i.Put.Item?.pk}|${i.Put.Item?.sk}`) ? 'ConditionalCheckFailed' : 'None'));
    if (reasons.includes('ConditionalCheckFailed')) {
      throw new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: reasons.map((Code) => ({ Code })) });
    }
    for (const item of putsOf(input)) stored.add(`${item.pk}|${item.sk}`);
    return {};
  });
  // Every recipient has one live connection named after them.
  ddb.on(BatchGetCommand).callsFake(connectionItems(process.env.CONNECTIONS_TABLE, (user) => liveIds([`conn-${user}`])));
  return { stored, messages: () => [...stored].filter((k) => k.startsWith('SYS#')) };
}

beforeEach(() => {
  ddb.reset();
  api.reset();
  api.on(PostToConnectionCommand).resolves({});
});

describe('notification handler', () => {
  it('turns AchievementUnlocked into one SYSTEM_ACHIEVEMENT for the user, pushed as a notification', async () => {
    const { messages } = fakeStore();

    const result = await handler(event('AchievementUnlocked', { userId: 'bob', achievement: { id: 'a1', name: 'First chat' } }));

    expect(result).toEqual({ stored: 1, delivered: 1 });
    expect(messages()).toEqual([expect.stringMatching(/^SYS#bob\|MSG#[0-9A-Z]{26}$/)]);
    const frame = JSON.parse(Buffer.from(api.commandCalls(PostToConnectionCommand)[0].args[0].input.Data as Uint8Array).toString());
    expect(frame).toMatchObject({ type: 'notification', message: { fromUserId: null, toUserId: 'bob', messageType: 'SYSTEM_ACHIEVEMENT', isRead: false } });
    expect(frame.message.content).toContain('First chat');
  });

  it('stores a TaskNotification to 1,000 users in batched transactions and pushes each once', async () => {
    const { messages } = fakeStore();
    const userIds = Array.from({ length: 1000 }, (_, i) => `user-${i}`);

    const result = await handler(event('TaskNotification', { userIds, task: { id: 't1', title: 'Finish profile' } }));

    expect(result).toEqual({ stored: 1000, delivered: 1000 });
    expect(messages()).toHaveLength(1000);
    const transactions = ddb.commandCalls(TransactWriteCommand);
    expect(transactions.length).toBe(31); // 33 recipients × (claim, message, counter) per transaction
    for (const t of transactions) expect((t.args[0].input.TransactItems ?? []).length).toBeLessThanOrEqual(100);
    expect(api.commandCalls(PostToConnectionCommand)).toHaveLength(1000);
  });

  it('a redelivered event stores and pushes nothing new', async () => {
    const { messages } = fakeStore();
    const e = event('UserFollowed', { userId: 'bob', follower: { id: 'carol', name: 'Carol' } });
    await handler(e);
    api.resetHistory();

    const again = await handler(e);

    expect(again).toEqual({ stored: 0, delivered: 0 });
    expect(messages()).toHaveLength(1);
    expect(api.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it('after failing halfway through 1,000 users, the redelivery notifies exactly the rest', async () => {
    const userIds = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
    const e = event('TaskNotification', { userIds, task: { id: 't1', title: 'Finish profile' } }, 'evt-halfway');
    const store = fakeStore({ failAfterTransactions: 9 });
    await expect(handler(e)).rejects.toThrow('function crashed');
    const firstPushes = api.commandCalls(PostToConnectionCommand).length;
    expect(store.messages()).toHaveLength(297); // 9 transactions of 33 recipients

    // Redelivery: same event id; the store keeps what it had.
    ddb.reset();
    fakeStore({ stored: store.stored });
    const result = await handler(e);

    expect(result.stored).toBe(703);
    expect(store.messages()).toHaveLength(1000);
    const pushedTo = api.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId);
    expect(new Set(pushedTo).size).toBe(pushedTo.length);
    expect(pushedTo.length).toBe(firstPushes + 703);
    expect(pushedTo.length).toBe(1000);
  });

  it('one event yields at most one message per recipient even if the ids repeat', async () => {
    const { messages } = fakeStore();
    await handler(event('TaskNotification', { userIds: ['a', 'b', 'a', 'a'], task: { id: 't', title: 'T' } }));
    expect(messages()).toHaveLength(2);
  });

  it.each([
    ['an unknown detail-type', 'SomethingElse', {}, /unknown detail-type/],
    ['a missing userId', 'AchievementUnlocked', { achievement: { id: 'a', name: 'n' } }, /"userId" is required/],
    ['too many task recipients', 'TaskNotification', { userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`), task: { id: 't', title: 'T' } }, /at most 1000/],
    ['no task recipients', 'TaskNotification', { userIds: [], task: { id: 't', title: 'T' } }, /at least 1/],
    ['a friendship with one user', 'FriendshipCreated', { userIds: ['a'] }, /userIds/],
    ['a friendship with oneself', 'FriendshipCreated', { userIds: ['a', 'a'] }, /two different users/],
    ['a price without currency', 'WorkPurchased', { sellerId: 's', buyer: { id: 'b' }, work: { id: 'w', title: 'T' }, price: { amount: 1 } }, /currency/],
    // The contract's bounds: names 100 characters, titles and descriptions 200, content 1,000.
    ['an achievement name of 101 characters', 'AchievementUnlocked', { userId: 'bob', achievement: { id: 'a', name: 'n'.repeat(101) } }, /"achievement.name" must have at most 100 characters/],
    ['a description of 201 characters', 'AchievementUnlocked', { userId: 'bob', achievement: { id: 'a', name: 'n', description: 'd'.repeat(201) } }, /"achievement.description" must have at most 200 characters/],
    ['a buyer name of 101 characters', 'WorkPurchased', { sellerId: 's', buyer: { id: 'b', name: 'n'.repeat(101) }, work: { id: 'w', title: 'T' }, price: { amount: 1, currency: 'EUR' } }, /"buyer.name" must have at most 100/],
    ['a work title of 201 characters', 'WorkPurchased', { sellerId: 's', buyer: { id: 'b' }, work: { id: 'w', title: 't'.repeat(201) }, price: { amount: 1, currency: 'EUR' } }, /"work.title" must have at most 200/],
    ['a follower name of 101 characters', 'UserFollowed', { userId: 'bob', follower: { id: 'c', name: 'n'.repeat(101) } }, /"follower.name" must have at most 100/],
    ['a friend name of 101 characters', 'FriendshipCreated', { userIds: ['a', 'b'], names: { a: 'n'.repeat(101) } }, /"names.a" must have at most 100/],
    ['a task title of 201 characters', 'TaskNotification', { userIds: ['a'], task: { id: 't', title: 't'.repeat(201) } }, /"task.title" must have at most 200/],
    ['task content of 1,001 characters', 'TaskNotification', { userIds: ['a'], task: { id: 't', title: 'T' }, content: 'c'.repeat(1001) }, /"content" must have at most 1000/],
  ])('rejects %s with the reason and stores nothing', async (_n, type, detail, reason) => {
    fakeStore();
    await expect(handler(event(type, detail))).rejects.toThrow(reason);
    expect(ddb.commandCalls(TransactWriteCommand).filter((c) => putsOf(c.args[0].input).some((i) => String(i.pk).startsWith('SYS#')))).toHaveLength(0);
    expect(api.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it('accepts strings exactly at the bounds', async () => {
    fakeStore();
    const detail = { userIds: ['a'], task: { id: 't', title: 't'.repeat(200) }, content: 'c'.repeat(1000) };
    await expect(handler(event('TaskNotification', detail))).resolves.toEqual({ stored: 1, delivered: 1 });
    await expect(
      handler(event('AchievementUnlocked', { userId: 'bob', achievement: { id: 'a', name: 'n'.repeat(100), description: 'd'.repeat(200) } }, 'evt-2')),
    ).resolves.toEqual({ stored: 1, delivered: 1 });
  });

  it('stores and pushes only contract fields: extra fields (a 200 KB one inside achievement) are dropped', async () => {
    fakeStore();
    const huge = 'x'.repeat(200 * 1024);
    const detail = { userId: 'bob', extra: huge, achievement: { id: 'a1', name: 'First chat', description: 'Said hi', blob: huge, nested: { deep: 1 } } };

    await handler(event('AchievementUnlocked', detail));

    const message = putsOf(ddb.commandCalls(TransactWriteCommand)[0].args[0].input).find((i) => String(i.pk).startsWith('SYS#'));
    expect(JSON.parse(String(message?.metadata))).toEqual({ achievement: { id: 'a1', name: 'First chat', description: 'Said hi' } });
    const frame = JSON.parse(Buffer.from(api.commandCalls(PostToConnectionCommand)[0].args[0].input.Data as Uint8Array).toString());
    expect(frame.message.metadata).toEqual({ achievement: { id: 'a1', name: 'First chat', description: 'Said hi' } });
  });

  it('drops extra fields of a purchase, keeping buyer, work and price as the contract names them', async () => {
    fakeStore();
    const detail = {
      sellerId: 'alice',
      buyer: { id: 'bob', name: 'Bob', email: 'bob@example.com' },
      work: { id: 'w1', title: 'Sunset', secret: 's' },
      price: { amount: '12.50', currency: 'EUR', cardNumber: '4111' },
    };

    await handler(event('WorkPurchased', detail));

    const frame = JSON.parse(Buffer.from(api.commandCalls(PostToConnectionCommand)[0].args[0].input.Data as Uint8Array).toString());
    expect(frame.message.metadata).toEqual({ buyer: { id: 'bob', name: 'Bob' }, work: { id: 'w1', title: 'Sunset' }, price: { amount: '12.50', currency: 'EUR' } });
  });
});
