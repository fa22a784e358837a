/**
 * The whole local stack — DynamoDB Local included — restarted in the middle of a conversation, as a developer does
 * with Ctrl-C and `npm start`: sockets are closed (1001), nothing acknowledged is lost, counters and friendships
 * survive, a message in flight at the restart is stored once however often the client resends it, and chat goes on.
 *
 * This stack starts its own DynamoDB Local on a data folder (not the run's shared in-memory one). The handlers
 * reach DynamoDB through the counting proxy, whose port the second start reuses, so the already-loaded handlers
 * (they read their environment once) talk to the restarted database.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPidAlive } from '../../local/dynamo';
import { startStack, type Stack } from '../../local/stack';
import { api, sendEvent, uid, WsClient } from '../support/clients';
import { asTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120000);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-restart-'));
let local: Stack | undefined;
afterAll(async () => {
  await local?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(previous?: Stack): Promise<TestStack> {
  local = await startStack({
    port: previous?.port ?? 0,
    dataDir,
    inMemory: false,
    tablePrefix: 'restart-',
    seed: false,
    buildWeb: false,
    countCalls: true,
    countingProxyPort: previous ? Number(new URL(previous.handlerDynamoEndpoint).port) : undefined,
    eventRetryDelaysMs: [50, 100],
    log: 'silent',
    env: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  return asTestStack(local);
}

it('keeps every acknowledged message, counter and friendship; a resend of the in-flight message stores once', async () => {
  const [a, b] = [uid('a'), uid('b')];
  const first = await start();
  const firstJava = first.local.dynamo?.pid as number;
  await sendEvent(first, 'FriendshipCreated', { userIds: [a, b] });
  await first.drainEvents();
  const wa = await WsClient.open(first, a);
  const wb = await WsClient.open(first, b);

  const acked: string[] = [];
  for (const n of [1, 2]) {
    wa.send({ action: 'sendMessage', to: b, content: `m${n}`, clientMessageId: `m${n}` });
    acked.push((await wa.next('ack', (f) => f.clientMessageId === `m${n}`)).message.id);
  }
  wb.send({ action: 'markRead', peerId: a });
  await wb.next('conversationRead');
  wa.send({ action: 'sendMessage', to: b, content: 'm3', clientMessageId: 'm3' });
  acked.push((await wa.next('ack', (f) => f.clientMessageId === 'm3')).message.id);
  wb.send({ action: 'sendMessage', to: a, content: 'n1', clientMessageId: 'n1' });
  const n1 = (await wb.next('ack')).message.id;
  // m4 is sent and the stack goes down at once: whether it was stored before the stop is not for the client to know.
  wa.send({ action: 'sendMessage', to: b, content: 'm4', clientMessageId: 'm4' });
  await first.stop();

  expect((await wa.closed).code).toBe(1001);
  expect((await wb.closed).code).toBe(1001);
  expect(isPidAlive(firstJava)).toBe(false);

  const second = await start(first.local);
  expect(second.port).toBe(first.port);
  expect(second.local.dynamo?.pid).not.toBe(firstJava);
  // Clients reconnect with fresh tokens (the dev issuer makes a new key at each start) and catch up.
  const wa2 = await WsClient.open(second, a);
  const wb2 = await WsClient.open(second, b);
  wa2.send({ action: 'sendMessage', to: b, content: 'm4', clientMessageId: 'm4' });
  const m4 = (await wa2.next('ack')).message.id;
  wa2.send({ action: 'sendMessage', to: b, content: 'm4', clientMessageId: 'm4' });
  expect((await wa2.next('ack')).message.id).toBe(m4);

  const history = (await api(second, b).get(`/api/messages/${a}?limit=100`)).body.items as Array<{ id: string; content: string; isRead: boolean }>;
  expect(history.map((m) => m.content)).toEqual(['m1', 'm2', 'm3', 'n1', 'm4']);
  expect(history.map((m) => m.id)).toEqual([...acked, n1, m4]);
  expect(history.map((m) => m.isRead)).toEqual([true, true, false, false, false]);
  expect((await api(second, b).get('/api/messages/unread/count')).body).toEqual({ chat: 2, system: 1, total: 3 });
  expect((await api(second, a).get('/api/messages/unread/count')).body).toEqual({ chat: 1, system: 1, total: 2 });
  const caughtUp = (await api(second, b).get(`/api/messages/${a}?after=${acked[2]}`)).body.items.map((m: { id: string }) => m.id);
  expect(caughtUp).toEqual([n1, m4]);

  // Still friends, and live again.
  wa2.send({ action: 'sendMessage', to: b, content: 'after the restart', clientMessageId: 'm5' });
  const m5 = (await wa2.next('ack')).message.id;
  expect((await wb2.next('message', (f) => f.message.id === m5)).message.content).toBe('after the restart');

  await wa2.close();
  await wb2.close();
  const secondJava = second.local.dynamo?.pid as number;
  await second.stop();
  local = undefined;
  expect(isPidAlive(secondJava)).toBe(false);
});
