/**
 * The chat store (stores/chat.ts), the front door the session uses: frames in, sign-out resets every chat store.
 */
import { chat, flush } from './fakes';
import { ME, setup } from './chat-support';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('sign-out resets everything', async () => {
  const { store, unread, conversations } = setup();
  store.openChat('bob');
  store.handleFrame({ type: 'message', message: chat('carol', ME, 'x') });
  store.reset();
  expect(store.windows).toEqual([]);
  expect(unread.total).toBe(0);
  expect(conversations.list).toEqual([]);
  await flush();
});
