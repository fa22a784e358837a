/**
 * The typing store (stores/typing.ts): "is typing…" both ways.
 */
import { TYPING_SHOW_MS, TYPING_THROTTLE_MS } from '../../web/src/stores/typing';
import { chat } from './fakes';
import { ME, setup } from './chat-support';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('receipts, typing and presence', () => {
  test('typing shows for a few seconds, and a message from that friend ends it', () => {
    const { store, typing } = setup();
    store.handleFrame({ type: 'typing', from: 'bob' });
    expect(typing.until.bob).toBe(Date.now() + TYPING_SHOW_MS);
    jest.advanceTimersByTime(TYPING_SHOW_MS);
    expect(typing.until.bob).toBeUndefined();
    store.handleFrame({ type: 'typing', from: 'bob' });
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'done typing') });
    expect(typing.until.bob).toBeUndefined();
  });

  test('my typing frames are throttled', () => {
    const { typing, sent } = setup();
    typing.typingTo('bob');
    typing.typingTo('bob');
    jest.advanceTimersByTime(TYPING_THROTTLE_MS - 1);
    typing.typingTo('bob');
    jest.advanceTimersByTime(1);
    typing.typingTo('bob');
    expect(sent).toEqual([
      { action: 'typing', to: 'bob' },
      { action: 'typing', to: 'bob' },
    ]);
  });
});
