/**
 * Cost is O(what the user touches): a chat message costs the same DynamoDB requests whether 1 or 500 other users
 * are connected. Requests are counted by a proxy in front of DynamoDB Local (by X-Amz-Target operation).
 */
import { sendEvent, uid, WsClient } from '../support/clients';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
const open: WsClient[] = [];

beforeAll(async () => {
  stack = await startTestStack({ countCalls: true });
});
afterAll(async () => {
  // 503 $disconnects: close in batches so the stack is not stopped under them.
  while (open.length) await Promise.all(open.splice(0, 50).map((c) => c.close()));
  await stack?.stop();
}, 120000);

async function measureOneMessage(from: WsClient, to: WsClient, toUser: string) {
  const clientMessageId = uid('c');
  stack.calls.reset();
  from.send({ action: 'sendMessage', to: toUser, content: 'counted', clientMessageId });
  const ack = await from.next('ack', (f) => f.clientMessageId === clientMessageId);
  await to.next('message', (f) => f.message.id === ack.message.id);
  return { dynamo: { ...stack.calls.dynamo }, total: stack.calls.total(), postToConnection: stack.calls.postToConnection };
}

it('a sendMessage costs the same DynamoDB requests with 1 and with 500 other users connected', async () => {
  const [alice, bob] = [uid('alice'), uid('bob')];
  await sendEvent(stack, 'FriendshipCreated', { userIds: [alice, bob] });
  await stack.drainEvents();
  const a = await WsClient.open(stack, alice);
  const b = await WsClient.open(stack, bob);
  open.push(a, b);
  const one = await WsClient.open(stack, uid('other'));
  open.push(one);

  const withOne = await measureOneMessage(a, b, bob);
  for (let i = 0; i < 499; i += 50) {
    open.push(...(await Promise.all(Array.from({ length: 50 }, () => WsClient.open(stack, uid('other'))))));
  }
  const with500 = await measureOneMessage(a, b, bob);

  expect(open.length).toBe(503);
  expect(with500).toEqual(withOne);
  expect(withOne.dynamo.Scan ?? 0).toBe(0);
  expect(withOne.total).toBeLessThanOrEqual(5);
  expect(withOne.postToConnection).toBe(1); // bob's one tab; alice has no other tab
  // Printed for the record (docs/PERFORMANCE.md reads the same figures from the benchmark).
  console.info(`sendMessage DynamoDB requests: ${JSON.stringify(withOne.dynamo)} (1 other user) = ${JSON.stringify(with500.dynamo)} (500)`);
}, 120000);
