/**
 * Call accounting (issue #6), shared by `npm run bench:calls` and test/integration/perf-calls.test.ts.
 *
 * Runs the real handlers in the local stack (real WebSocket and REST clients, real EventBridge PutEvents) against
 * DynamoDB Local and counts, per user action:
 *  - DynamoDB requests by operation, at the HTTP level (the stack's counting proxy: retries included);
 *  - consumed capacity: a middleware on the handlers' own DynamoDB client sets ReturnConsumedCapacity=INDEXES on
 *    every command and sums what comes back (read units for reads, write units for writes, index writes apart),
 *    beside the write units AWS would bill for the same requests (see `Figures.wruBilled`);
 *  - PostToConnection calls received by the local @connections endpoint.
 * "Other users" (each with a profile, a friend and a stored connection) are written straight to the tables with
 * BatchWriteItem, so the same measurement can be repeated with 10, 1,000 and 10,000 of them.
 *
 * The parts live beside this file: calls-types.ts (the actions and their figures), calls-accounting.ts (consumed
 * capacity), calls-seed.ts (the other users) and calls-image.ts (the image message); this module re-exports them.
 */
import { api, sendEvent, uid, WsClient } from '../../test/support/clients';
import type { TestStack } from '../../test/support/stack';
import { capacityMeter } from './calls-accounting';
import { measureImageMessage } from './calls-image';
import type { Population } from './calls-seed';
import { ACTIONS, type Accounting, type Action, type Timings } from './calls-types';
import { s3Meter } from './s3-meter';

export { ACTIONS, BENCH_IMAGE, IMAGE_ACTIONS, NO_S3, type Accounting, type Action, type Figures, type Timings } from './calls-types';
export { billedIndexWrites, billedReadFloor, billedTableWrites, capacityMeter, isWriteRequest } from './calls-accounting';
export { Population } from './calls-seed';
export { benchImage } from './calls-image';

// ---------- the actions ----------

const settle = () => new Promise((r) => setTimeout(r, 60));

/**
 * Measure every action once, with fresh actors (so every scale sees identical work): `a` and `b` are friends, `b`
 * stays connected with one tab; `a` connects, sends to `b`, `b` reads it, pages, lists, counts, gets notified,
 * and finally `a` disconnects.
 */
export async function measureActions(stack: TestStack, population: Population, opts: { images?: boolean; timings?: Timings } = {}): Promise<Accounting> {
  const m = await capacityMeter();
  const s3 = s3Meter();
  const a = uid('actor-a');
  const b = uid('actor-b');
  // A user with 1,000 friends (none of them connected), for the presence fan-out of a connect.
  const hub = uid('actor-hub');
  await population.friendsFor(hub, 1000);
  await stack.token(hub, 'Hub');
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
    s3.reset();
    const t0 = Date.now();
    await run();
    if (process.env.BENCH_DEBUG) console.error(`${action}: ${Date.now() - t0} ms`);
    await settle();
    result[action] = {
      ops: Object.fromEntries(Object.entries(stack.calls.dynamo).sort()),
      requests: stack.calls.total(),
      rcu: round(m.rcu),
      wcu: round(m.wcu),
      wcuIndexes: round(m.wcuIndexes),
      wruBilled: round(m.wruBilled),
      postToConnection: stack.calls.postToConnection,
      s3: Object.fromEntries(Object.entries(s3.ops).sort()),
      s3Requests: s3.total(),
      s3BytesIn: s3.bytesIn,
      s3BytesOut: s3.bytesOut,
      s3Bytes: Object.fromEntries(Object.entries(s3.bytes).sort()),
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

  if (opts.images) await measureImageMessage(stack, { a, b, aWs, bWs }, measure, opts.timings ?? {});

  await measure('disconnect', async () => {
    await aWs.close();
    await bWs.next('presence', (f) => f.userId === a && f.online === false);
  });

  // Last, so its $disconnect (an offline announcement to 1,000 friends) cannot run into another measurement.
  let hubWs!: WsClient;
  await measure('connect1000Friends', async () => {
    hubWs = await WsClient.open(stack, hub, { name: 'Hub' });
  });
  await hubWs.close();
  await bWs.close();
  await new Promise((r) => setTimeout(r, 1000));
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
      if (first === undefined || other === undefined) continue; // measured at one scale only (image actions in the test)
      if (other !== first) out.push(`${action}: ${scales[0]} ${first} vs ${s} ${other}`);
    }
  }
  return out;
}
