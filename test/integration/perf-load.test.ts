/**
 * What `npm run bench:load` does first, small: many friend pairs connect at the same moment and then chat. Every
 * message must reach its recipient (a presence push that met a connection still inside its $connect used to delete
 * that connection's row, so half the sockets of a burst of connects never received anything).
 */
import { sendEvent, uid, WsClient } from '../support/clients';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
const open: WsClient[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await stack?.stop();
});

it('friends who connect at the same moment all receive each other\'s messages', async () => {
  const pairs = Array.from({ length: 6 }, () => [uid('pa'), uid('pb')] as const);
  await Promise.all(pairs.map(([a, b]) => sendEvent(stack, 'FriendshipCreated', { userIds: [a, b] })));
  await stack.drainEvents();

  const clients = await Promise.all(pairs.flat().map((u) => WsClient.open(stack, u)));
  open.push(...clients);
  const byUser = new Map(pairs.flat().map((u, i) => [u, clients[i]]));

  for (const [a, b] of pairs) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ]) {
      const clientMessageId = uid('c');
      byUser.get(from)?.send({ action: 'sendMessage', to, content: 'hello', clientMessageId });
      const got = await byUser.get(to)?.next('message', (f) => f.message.clientMessageId === clientMessageId);
      expect(got?.message.fromUserId).toBe(from);
    }
  }
});
