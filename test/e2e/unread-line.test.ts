/**
 * End to end (issue 12): the "New messages" line for messages that arrived while the reader was away, loaded from
 * history, and where a chat with many unread messages opens. Same harness as chat.test.ts: the built client in
 * headless Chromium against the real local stack, elements found only by data-testid.
 */
import { api, sendEvent, uid, WsClient } from '../support/clients';
import type { TestStack } from '../support/stack';
import { eventually, type ParleyUser, useBrowserStack } from './parley';

jest.setTimeout(90_000);

describe('the "New messages" line', () => {
  let stack: TestStack;
  const open: ParleyUser[] = [];

  // 75 messages are sent in a row below: lift the per-user send limit (30 per 10 s by default).
  const person = useBrowserStack(open, (s) => (stack = s), { env: { RATE_LIMIT_SEND: '1000/10' } });

  async function friends(a: string, b: string): Promise<void> {
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Alice', [b]: 'Bob' } });
    await stack.drainEvents();
  }

  let sent = 0;
  /** `from` sends these messages to `to`, one after the other (each acked before the next). */
  async function sendAll(from: WsClient, to: string, texts: string[]): Promise<void> {
    for (const content of texts) {
      const clientMessageId = `c-${++sent}`;
      from.send({ action: 'sendMessage', to, content, clientMessageId });
      await from.next('ack', (f) => f.clientMessageId === clientMessageId);
    }
  }

  test('messages that arrived while bob was signed out get the line when he signs in and opens the chat', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await friends(a, b);
    const alice = await WsClient.open(stack, a, { name: 'Alice' });
    try {
      // An older message bob has already read: the line goes after it, not above everything.
      await sendAll(alice, b, ['read long ago']);
      await api(stack, b).post(`/api/messages/${a}/read`);
      // bob is signed out (no page) while alice writes two more.
      await sendAll(alice, b, ['are you there?', 'call me']);

      const bob = await person(b);
      await eventually(async () => expect(await bob.badge('chat-unread')).toBe(2));
      await bob.openChat(a);
      await eventually(async () => expect(await bob.messageTexts(a)).toEqual(['read long ago', 'are you there?', 'call me']));
      await eventually(async () => expect(await bob.newMessagesLine(a)).toEqual({ before: 'are you there?', visible: true }));
      await eventually(async () => expect(await bob.badge('chat-unread')).toBe(0));
      await bob.screenshot('new-messages-after-sign-in');
    } finally {
      await alice.close();
    }
  });

  test('a chat with 65 unread messages opens at the line, not at the bottom', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await friends(a, b);
    const alice = await WsClient.open(stack, a, { name: 'Alice' });
    try {
      const texts = Array.from({ length: 75 }, (_, i) => `#${i + 1}`);
      await sendAll(alice, b, texts.slice(0, 10));
      await api(stack, b).post(`/api/messages/${a}/read`);
      await sendAll(alice, b, texts.slice(10));

      const bob = await person(b);
      await eventually(async () => expect(await bob.badge('chat-unread')).toBe(65));
      await bob.openChat(a);
      // The line is in sight, right above #11, the first message bob has not seen.
      await eventually(async () => expect(await bob.newMessagesLine(a)).toEqual({ before: '#11', visible: true }), 45_000);
      // And it stays there (nothing scrolls the window away from it once it has settled).
      await bob.browserUser.networkQuiet();
      expect(await bob.newMessagesLine(a)).toEqual({ before: '#11', visible: true });
      await bob.screenshot('new-messages-many-unread');
    } finally {
      await alice.close();
    }
  });
});
