/**
 * The docked windows (composables/useDock.ts, driven through the chat store): the three-window limit, minimise,
 * restore, close, the focused window.
 */
import { MAX_WINDOWS, visibleWindowsFor } from '../../web/src/composables/useDock';
import { chat, flush } from './fakes';
import { friend, ME, setup } from './chat-support';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('windows', () => {
  test(`at most ${MAX_WINDOWS} shown; a 4th sends the least recently used to the overflow, where it stays open`, async () => {
    const { store } = setup();
    store.openChat('bob');
    store.openChat('carol');
    store.openChat('dave');
    store.focusChat('bob'); // bob used again: carol is now the least recently used
    store.openChat('erin');
    expect(store.shownWindows.map((w) => w.peerId)).toEqual(['bob', 'dave', 'erin']);
    expect(store.overflowWindows.map((w) => w.peerId)).toEqual(['carol']);
    store.openChat('frank');
    expect(store.shownWindows.map((w) => w.peerId)).toEqual(['bob', 'erin', 'frank']);
    expect(store.overflowWindows.map((w) => w.peerId)).toEqual(['dave', 'carol']); // most recently used first
    expect(store.windows.map((w) => w.peerId).sort()).toEqual(['bob', 'carol', 'dave', 'erin', 'frank']);
    // Choosing one from the overflow brings it to the dock's newest end; the least recently used shown one leaves.
    store.openChat('carol');
    expect(store.shownWindows.map((w) => w.peerId)).toEqual(['erin', 'frank', 'carol']);
    expect(store.overflowWindows.map((w) => w.peerId)).toEqual(['bob', 'dave']);
    await flush();
  });

  test('a chat in the overflow is not being read: its messages count as unread and toast', async () => {
    const { store, unread, notices } = setup();
    for (const p of ['bob', 'carol', 'dave', 'erin']) store.openChat(p);
    await flush();
    expect(store.isShown('bob')).toBe(false);
    expect(store.isActive('bob')).toBe(false);
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'psst') });
    expect(unread.of('bob')).toBe(1);
    expect(notices.at(-1)).toMatchObject({ kind: 'chat', peerId: 'bob', windowOpen: false });
    store.openChat('bob');
    await flush();
    expect(unread.of('bob')).toBe(0);
  });

  test('the number shown follows the viewport width', () => {
    expect(visibleWindowsFor(1280)).toBe(3);
    expect(visibleWindowsFor(900)).toBe(2);
    expect(visibleWindowsFor(700)).toBe(2);
    expect(visibleWindowsFor(500)).toBe(MAX_WINDOWS); // a phone: one full screen, the others as bars
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

describe('the dock across a reload (sessionStorage, per user)', () => {
  beforeEach(() => sessionStorage.clear());

  test('open and minimised chats come back in order, minimised as they were; ex-friends are left out', async () => {
    const first = setup();
    first.rest.friendList = ['bob', 'carol', 'dave', 'erin'].map((p) => friend(p));
    await first.friends.refresh();
    await flush();
    for (const p of ['bob', 'carol', 'dave', 'erin']) first.store.openChat(p);
    first.store.minimizeChat('dave');
    await flush();
    expect(JSON.parse(sessionStorage.getItem(`parley.dock.${ME}`)!).windows.map((w: { peerId: string }) => w.peerId)).toEqual(['bob', 'carol', 'dave', 'erin']);

    // A reload: new stores, same tab. carol is no longer a friend.
    const again = setup({ keepSessionStorage: true });
    again.rest.friendList = ['bob', 'dave', 'erin'].map((p) => friend(p));
    expect(again.store.windows).toEqual([]);
    await again.friends.refresh();
    await flush();
    expect(again.store.windows.map((w) => [w.peerId, w.minimized])).toEqual([['bob', false], ['dave', true], ['erin', false]]);
    expect(again.store.shownWindows.map((w) => w.peerId)).toEqual(['bob', 'dave', 'erin']);
    expect(again.store.focusedPeer).toBe('erin');
  });

  test('kept per signed-in user, and forgotten on sign-out', async () => {
    const s = setup();
    sessionStorage.setItem('parley.dock.someone-else', JSON.stringify({ windows: [{ peerId: 'bob', minimized: false, used: 1 }] }));
    s.rest.friendList = [friend('bob')];
    await s.friends.refresh();
    await flush();
    expect(s.store.windows).toEqual([]);
    s.store.openChat('bob');
    await flush();
    expect(sessionStorage.getItem(`parley.dock.${ME}`)).not.toBeNull();
    s.store.reset();
    await flush();
    expect(sessionStorage.getItem(`parley.dock.${ME}`)).toBeNull();
  });
});

test('the page becoming visible reads the shown windows, not those in the overflow', async () => {
  const { store, unread, setVisible } = setup();
  for (const p of ['bob', 'carol', 'dave', 'erin']) store.openChat(p);
  await flush();
  setVisible(false);
  store.handleFrame({ type: 'message', message: chat('bob', ME, 'hidden in the overflow') });
  store.handleFrame({ type: 'message', message: chat('erin', ME, 'in a shown window') });
  expect([unread.of('bob'), unread.of('erin')]).toEqual([1, 1]);
  setVisible(true);
  store.onVisible();
  await flush();
  expect([unread.of('bob'), unread.of('erin')]).toEqual([1, 0]);
});
