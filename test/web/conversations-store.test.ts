/**
 * The conversations store (stores/conversations.ts): newest first, with the newest message.
 */
import { chat } from './fakes';
import { ME, setup } from './chat-support';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('receipts, typing and presence', () => {
  test('conversations are most recent first and show the newest message', () => {
    const { store, conversations } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'old') });
    store.handleFrame({ type: 'message', message: chat('carol', ME, 'newer') });
    store.handleFrame({ type: 'message', message: chat(ME, 'bob', 'newest') });
    expect(conversations.list.map((c) => [c.peerId, c.lastMessage.content])).toEqual([
      ['bob', 'newest'],
      ['carol', 'newer'],
    ]);
  });
});
