/** The notification centre's store: newest first, once each, the bell's count, mark read, mark all, delete. */
import { createPinia, setActivePinia } from 'pinia';
import { RECONCILE_DELAY_MS, RECONCILE_WINDOW_MS, useNotificationStore } from '../../web/src/stores/notifications';
import { FakeRest, system } from './fakes';

function setup() {
  setActivePinia(createPinia());
  const store = useNotificationStore();
  const rest = new FakeRest('alice');
  const notices: { title: string; body: string; messageId: string }[] = [];
  store.attach({ rest, notify: (n) => notices.push(n) });
  return { store, rest, notices };
}

const achievement = (name: string, extra = {}) =>
  system('alice', 'SYSTEM_ACHIEVEMENT', `Achievement: ${name}`, { achievement: { id: name, name, description: `You did ${name}` } }, extra);

test('a pushed notification is listed once, counted once, and announced with a readable title', () => {
  const { store, notices } = setup();
  const m = achievement('First sale');
  store.receive(m);
  store.receive({ ...m });
  expect(store.sorted.map((x) => x.id)).toEqual([m.id]);
  expect(store.unread).toBe(1);
  expect(notices).toEqual([{ title: 'Achievement unlocked: First sale', body: 'You did First sale', messageId: m.id }]);
});

test('load lists newest first and keeps pushes that arrive later in order', async () => {
  const { store, rest } = setup();
  const a = achievement('a');
  const b = achievement('b');
  rest.systemMessages = [a, b];
  await store.load();
  const c = achievement('c');
  store.receive(c);
  expect(store.sorted.map((x) => x.id)).toEqual([c.id, b.id, a.id]);
});

test('load more pages back with before= the oldest shown', async () => {
  const { store, rest } = setup();
  rest.systemMessages = Array.from({ length: 45 }, (_, i) => achievement(`n${i}`));
  await store.load();
  expect(store.items).toHaveLength(30);
  expect(store.hasMore).toBe(true);
  await store.loadMore();
  expect(store.sorted).toHaveLength(45);
  expect(store.hasMore).toBe(false);
  expect(rest.callsTo('systemList').at(-1)).toEqual({ limit: 30, before: rest.systemMessages[15]!.id });
  expect(new Set(store.items.map((m) => m.id)).size).toBe(45);
});

test('mark one read: highlighted no more, the count drops, the server is told that id', async () => {
  const { store, rest } = setup();
  const [a, b] = [achievement('a'), achievement('b')];
  store.receive(a);
  store.receive(b);
  await store.markRead(a.id);
  expect(store.items.find((m) => m.id === a.id)!.isRead).toBe(true);
  expect(store.unread).toBe(1);
  expect(rest.callsTo('markSystemRead')).toEqual([{ messageIds: [a.id] }]);
  await store.markRead(a.id); // already read: nothing more
  expect(rest.callsTo('markSystemRead')).toHaveLength(1);
});

test('mark one read that the server refuses is rolled back', async () => {
  const { store, rest } = setup();
  const a = achievement('a');
  store.receive(a);
  rest.failNext = new Error('down');
  await expect(store.markRead(a.id)).rejects.toThrow('down');
  expect(store.items[0]!.isRead).toBe(false);
  expect(store.unread).toBe(1);
});

test('mark all read clears every highlight and the count, with one request', async () => {
  const { store, rest } = setup();
  store.setUnread(5); // the server's count includes ones not loaded here
  for (const n of ['a', 'b', 'c']) store.receive(achievement(n));
  await store.markAllRead();
  expect(store.items.every((m) => m.isRead)).toBe(true);
  expect(store.unread).toBe(0);
  expect(rest.callsTo('markSystemRead')).toEqual([{ all: true }]);
});

test('a bell count read while "mark all read" was still on its way is asked again, not put back on the bell', async () => {
  const { store, rest } = setup();
  for (const n of ['a', 'b']) store.receive(achievement(n));
  const marking = store.markAllRead();
  // A count request leaves while the mark-all request is on its way, and is answered (2) before the server marked.
  const since = store.epoch;
  await marking;
  rest.counts = { chat: 0, system: 0, total: 0 }; // asked again, the server has marked them
  await store.setUnreadFrom(2, since);
  expect(store.unread).toBe(0);
  expect(rest.callsTo('unreadCount')).toHaveLength(1);
});

test('delete removes it, and an unread one stops counting', async () => {
  const { store, rest } = setup();
  const [a, b] = [achievement('a'), achievement('b', { isRead: true })];
  store.receive(a);
  store.receive(b);
  await store.remove(b.id);
  expect(store.unread).toBe(1);
  await store.remove(a.id);
  expect(store.unread).toBe(0);
  expect(store.items).toEqual([]);
  expect(rest.callsTo('deleteMessage')).toEqual([b.id, a.id]);
});

test('a failed delete keeps the item', async () => {
  const { store, rest } = setup();
  const a = achievement('a');
  store.receive(a);
  rest.failNext = new Error('nope');
  await expect(store.remove(a.id)).rejects.toThrow();
  expect(store.items).toHaveLength(1);
  expect(store.unread).toBe(1);
});

test('a bell count fetched before a pushed notification was stored is asked again, not trusted', async () => {
  const { store, rest } = setup();
  const since = store.epoch;
  store.receive(achievement('new')); // arrives while the count request is in flight
  rest.counts = { chat: 0, system: 1, total: 1 };
  await store.setUnreadFrom(0, since); // the stale answer said 0
  expect(store.unread).toBe(1);
  expect(rest.callsTo('unreadCount')).toHaveLength(1);

  // Nothing happened meanwhile: the answer is taken as is.
  await store.setUnreadFrom(4, store.epoch);
  expect(store.unread).toBe(4);
  expect(rest.callsTo('unreadCount')).toHaveLength(1);
});

test('a notification pushed just after a count that already included it ends up counted once', async () => {
  jest.useFakeTimers();
  try {
    const { store, rest } = setup();
    const m = achievement('first');
    rest.counts = { chat: 0, system: 1, total: 1 }; // stored and counted before the answer; pushed after it
    await store.setUnreadFrom(1, store.epoch);
    store.receive(m);
    expect(store.unread).toBe(2);
    await jest.advanceTimersByTimeAsync(RECONCILE_DELAY_MS);
    expect(rest.callsTo('unreadCount')).toHaveLength(1);
    expect(store.unread).toBe(1);

    // Long after the last count, a push is simply counted: no request.
    await jest.advanceTimersByTimeAsync(RECONCILE_WINDOW_MS);
    store.receive(achievement('second'));
    await jest.advanceTimersByTimeAsync(RECONCILE_DELAY_MS * 2);
    expect(store.unread).toBe(2);
    expect(rest.callsTo('unreadCount')).toHaveLength(1);
  } finally {
    jest.useRealTimers();
  }
});
