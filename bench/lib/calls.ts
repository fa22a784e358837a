/**
 * Call accounting (issue #6), shared by `npm run bench:calls` and test/integration/perf-calls.test.ts.
 *
 * Runs the real handlers in the local stack (real WebSocket and REST clients, real EventBridge PutEvents) against
 * DynamoDB Local and counts, per user action:
 *  - DynamoDB requests by operation, at the HTTP level (the stack's counting proxy: retries included);
 *  - consumed capacity: a middleware on the handlers' own DynamoDB client sets ReturnConsumedCapacity=TOTAL on
 *    every command and sums what comes back (read units for reads, write units for writes);
 *  - PostToConnection calls received by the local @connections endpoint.
 * "Other users" (each with a profile, a friend and a stored connection) are written straight to the tables with
 * BatchWriteItem, so the same measurement can be repeated with 10, 1,000 and 10,000 of them.
 */
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { api, sendEvent, uid, WsClient } from '../../test/support/clients';
import type { TestStack } from '../../test/support/stack';

export const ACTIONS = [
  'connect',
  'sendMessage',
  'markRead',
  'historyPage',
  'conversationList',
  'unreadCount',
  'notify1',
  'notify1000',
  'disconnect',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface Figures {
  /** DynamoDB requests by operation (HTTP requests seen by the counting proxy). */
  ops: Record<string, number>;
  requests: number;
  /**
   * Capacity consumed as DynamoDB Local reports it (ReturnConsumedCapacity=TOTAL), read and write units, with one
   * correction toward AWS billing: a read request costs at least 0.5 (eventually consistent) or 1 (strongly
   * consistent) read unit even when it finds nothing (DynamoDB Local reports 0). DynamoDB Local does NOT count
   * global secondary index writes; the cost model (bench/data/prices.json) adds those separately.
   */
  rcu: number;
  wcu: number;
  postToConnection: number;
}

export type Accounting = Record<Action, Figures>;

// ---------- consumed capacity ----------

interface Meter {
  rcu: number;
  wcu: number;
  reset(): void;
}

let meter: Meter | undefined;

/**
 * Installs (once per process) the capacity middleware on the handlers' DynamoDB client. Must run after the stack
 * has set the handlers' environment. The document client shares its middleware stack with the base client.
 */
export async function capacityMeter(): Promise<Meter> {
  if (meter) return meter;
  const { documentClient } = await import('../../lambdas/adapters/dynamo/client');
  const m: Meter = {
    rcu: 0,
    wcu: 0,
    reset() {
      m.rcu = 0;
      m.wcu = 0;
    },
  };
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      const raw = (out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
      const isWrite = /Put|Update|Delete|BatchWrite|TransactWrite/.test(context.commandName ?? '');
      for (const c of [raw ?? []].flat()) {
        // DynamoDB Local reports CapacityUnits; split by the kind of request (a TransactWriteItems' condition
        // checks are billed as writes too).
        const units = c.CapacityUnits ?? (c.ReadCapacityUnits ?? 0) + (c.WriteCapacityUnits ?? 0);
        if (isWrite) m.wcu += units;
        else m.rcu += Math.max(units, (args.input as { ConsistentRead?: boolean }).ConsistentRead ? 1 : 0.5);
      }
      return out;
    },
    { step: 'initialize', name: 'parleyBenchCapacityMeter', override: true },
  );
  meter = m;
  return m;
}

// ---------- other users ----------

export class Population {
  /** How many other users are stored now. */
  size = 0;
  private readonly client: DynamoDBClient;

  constructor(private readonly stack: TestStack) {
    this.client = new DynamoDBClient({
      endpoint: stack.dynamoEndpoint, // straight to DynamoDB, not through the counting proxy
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 10,
    });
  }

  /** Grow to `total` other users: profile, a friendship with the next user (both ways), a stored connection. */
  async growTo(total: number): Promise<void> {
    const { main, connections } = this.stack.tables;
    const now = Date.now();
    const requests: { table: string; req: WriteRequest }[] = [];
    const id = (i: number) => `other-${String(i).padStart(6, '0')}`;
    for (let i = this.size; i < total; i++) {
      const u = id(i);
      requests.push({ table: main, req: { PutRequest: { Item: { pk: { S: `USER#${u}` }, sk: { S: 'PROFILE' }, name: { S: `Other ${i}` } } } } });
      if (i % 2 === 1) {
        const v = id(i - 1);
        for (const [a, b] of [
          [u, v],
          [v, u],
        ]) {
          requests.push({
            table: main,
            req: { PutRequest: { Item: { pk: { S: `USER#${a}` }, sk: { S: `FRIEND#${b}` }, friendId: { S: b }, since: { S: new Date(now).toISOString() } } } },
          });
        }
      }
      requests.push({
        table: connections,
        req: {
          PutRequest: {
            Item: {
              userId: { S: u },
              connectionId: { S: `stored-${u}` },
              connectedAt: { N: String(now) },
              expiresAt: { N: String(Math.floor(now / 1000) + 3 * 3600) },
            },
          },
        },
      });
    }
    const batches: typeof requests[] = [];
    for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        let items: Record<string, WriteRequest[]> = {};
        for (const { table, req } of batch) (items[table] ??= []).push(req);
        for (let attempt = 0; Object.keys(items).length; attempt++) {
          if (attempt > 8) throw new Error('BatchWriteItem kept leaving items unprocessed');
          if (attempt) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
          const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: items }));
          items = (out.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    this.size = Math.max(this.size, total);
  }

  close(): void {
    this.client.destroy();
  }
}

// ---------- the actions ----------

const settle = () => new Promise((r) => setTimeout(r, 60));

/**
 * Measure every action once, with fresh actors (so every scale sees identical work): `a` and `b` are friends, `b`
 * stays connected with one tab; `a` connects, sends to `b`, `b` reads it, pages, lists, counts, gets notified,
 * and finally `a` disconnects.
 */
export async function measureActions(stack: TestStack): Promise<Accounting> {
  const m = await capacityMeter();
  const a = uid('actor-a');
  const b = uid('actor-b');
  await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Actor A', [b]: 'Actor B' } });
  await stack.drainEvents();
  const bWs = await WsClient.open(stack, b, { name: 'Actor B' });
  const bApi = api(stack, b);
  await bApi.get('/api/messages/unread/count'); // warm: token + JWKS for b's REST calls
  await stack.token(a, 'Actor A');
  await settle();

  const result = {} as Accounting;
  const measure = async (action: Action, run: () => Promise<unknown>) => {
    await settle();
    stack.calls.reset();
    m.reset();
    await run();
    await settle();
    result[action] = {
      ops: Object.fromEntries(Object.entries(stack.calls.dynamo).sort()),
      requests: stack.calls.total(),
      rcu: round(m.rcu),
      wcu: round(m.wcu),
      postToConnection: stack.calls.postToConnection,
    };
  };

  let aWs!: WsClient;
  await measure('connect', async () => {
    aWs = await WsClient.open(stack, a, { name: 'Actor A' });
    await bWs.next('presence', (f) => f.userId === a && f.online === true);
  });

  const clientMessageId = uid('cmid');
  let messageId = '';
  await measure('sendMessage', async () => {
    aWs.send({ action: 'sendMessage', to: b, content: 'a message of a typical length, about sixty characters', clientMessageId });
    const ack = await aWs.next('ack', (f) => f.clientMessageId === clientMessageId);
    messageId = ack.message.id;
    await bWs.next('message', (f) => f.message.id === messageId);
  });

  await measure('markRead', async () => {
    bWs.send({ action: 'markRead', peerId: a });
    await bWs.next('conversationRead', (f) => f.peerId === a);
    await aWs.next('read', (f) => f.by === b && f.upTo === messageId);
  });

  await measure('historyPage', async () => expectOk(await bApi.get(`/api/messages/${a}`), 'history'));
  await measure('conversationList', async () => expectOk(await bApi.get('/api/messages/conversations/list'), 'conversations'));
  await measure('unreadCount', async () => expectOk(await bApi.get('/api/messages/unread/count'), 'unread count'));

  await measure('notify1', async () => {
    await sendEvent(stack, 'AchievementUnlocked', { userId: b, achievement: { id: 'ach-1', name: 'First message' } });
    await stack.drainEvents();
    await bWs.next('notification', (f) => f.message.messageType === 'SYSTEM_ACHIEVEMENT');
  });

  // 1,000 recipients: b (connected) and 999 users who are not connected.
  const recipients = [b, ...Array.from({ length: 999 }, () => uid('recipient'))];
  await measure('notify1000', async () => {
    await sendEvent(stack, 'TaskNotification', { userIds: recipients, task: { id: 'task-1', title: 'Weekly task' } });
    await stack.drainEvents();
    await bWs.next('notification', (f) => f.message.messageType === 'SYSTEM_TASK');
  });

  await measure('disconnect', async () => {
    await aWs.close();
    await bWs.next('presence', (f) => f.userId === a && f.online === false);
  });

  await bWs.close();
  return result;
}

function expectOk(res: { status: number; body: unknown }, what: string): void {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Figures that differ between scales (should be none). */
export function differences(byScale: Record<string, Accounting>): string[] {
  const scales = Object.keys(byScale);
  const out: string[] = [];
  for (const action of ACTIONS) {
    const first = JSON.stringify(byScale[scales[0]][action]);
    for (const s of scales.slice(1)) {
      const other = JSON.stringify(byScale[s][action]);
      if (other !== first) out.push(`${action}: ${scales[0]} ${first} vs ${s} ${other}`);
    }
  }
  return out;
}
