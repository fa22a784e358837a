/**
 * The docked windows (composables/useDock.ts, driven through the chat store): the three-window limit, minimise,
 * restore, close, the focused window.
 */
import { MAX_WINDOWS } from '../../web/src/composables/useDock';
import { flush } from './fakes';
import { setup } from './chat-support';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('windows', () => {
  test(`at most ${MAX_WINDOWS} open; a 4th closes the least recently used`, async () => {
    const { store } = setup();
    store.openChat('bob');
    store.openChat('carol');
    store.openChat('dave');
    store.focusChat('bob'); // bob used again: carol is now the least recently used
    store.openChat('erin');
    expect(store.windows.map((w) => w.peerId).sort()).toEqual(['bob', 'dave', 'erin']);
    store.openChat('frank');
    expect(store.windows.map((w) => w.peerId).sort()).toEqual(['bob', 'erin', 'frank']);
    await flush();
  });

  test('opening an open window does not duplicate it; minimise, restore, close', async () => {
    const { store } = setup();
    store.openChat('bob');
    store.openChat('bob');
    expect(store.windows).toHaveLength(1);
    store.minimizeChat('bob');
    expect(store.windowOf('bob')!.minimized).toBe(true);
    store.toggleMinimize('bob');
    expect(store.windowOf('bob')!.minimized).toBe(false);
    store.closeChat('bob');
    expect(store.windows).toEqual([]);
    await flush();
  });

  test('the focused window (full screen on a phone) is the most recently used one that is not minimised', async () => {
    const { store } = setup();
    store.openChat('bob');
    store.openChat('carol');
    expect(store.focusedPeer).toBe('carol');
    store.minimizeChat('carol');
    expect(store.focusedPeer).toBe('bob');
    store.minimizeChat('bob');
    expect(store.focusedPeer).toBeUndefined();
    await flush();
  });
});
