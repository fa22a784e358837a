/**
 * The threads store (stores/threads.ts, fed through the chat store's frames): dedupe by message id, acks, read
 * receipts, paging, the catch-up after a reconnect, deleting.
 */
import { chat, flush } from './fakes';
import { ME, setup, texts } from './chat-support';
import type { Message } from '../../web/src/types';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('dedupe by message id', () => {
  test('the same message from a push, an ack echo and a catch-up page shows once, in id order', async () => {
    const { store, threads, rest } = setup();
    const m1 = chat('bob', ME, 'one');
    const m2 = chat('bob', ME, 'two');
    const m3 = chat('bob', ME, 'three');
    store.handleFrame({ type: 'message', message: m2 });
    store.handleFrame({ type: 'message', message: m2 });
    store.handleFrame({ type: 'message', message: m1 }); // older, arrives late
    rest.messages = [m1, m2, m3];
    store.openChat('bob');
    await flush();
    store.handleFrame({ type: 'message', message: m3 });
    expect(texts('bob')).toEqual(['one', 'two', 'three']);
    expect(threads.thread('bob').items.map((m) => m.id)).toEqual([m1.id, m2.id, m3.id]);
  });

  test('a duplicate push does not count as unread twice', () => {
    const { store, unread } = setup();
    const m = chat('bob', ME, 'hi');
    store.handleFrame({ type: 'message', message: m });
    store.handleFrame({ type: 'message', message: { ...m } });
    expect(unread.total).toBe(1);
    expect(unread.of('bob')).toBe(1);
  });
});

describe('receipts, typing and presence', () => {
  test('a read receipt marks my messages up to that id as read, not later ones', () => {
    const { store, threads } = setup();
    const mine = [chat(ME, 'bob', 'm1'), chat(ME, 'bob', 'm2'), chat(ME, 'bob', 'm3')];
    for (const m of mine) store.handleFrame({ type: 'message', message: m });
    store.handleFrame({ type: 'read', by: 'bob', upTo: mine[1]!.id });
    expect(threads.thread('bob').items.map((m) => m.status)).toEqual(['read', 'read', 'sent']);
    // Receipts only move forward.
    store.handleFrame({ type: 'read', by: 'bob', upTo: mine[0]!.id });
    expect(threads.thread('bob').items.map((m) => m.status)).toEqual(['read', 'read', 'sent']);
  });
});

describe('paging and catch-up', () => {
  function history(n: number, peer = 'bob'): Message[] {
    return Array.from({ length: n }, (_, i) => (i % 2 ? chat(ME, peer, `m${i}`) : chat(peer, ME, `m${i}`, { isRead: true })));
  }

  test('scrolling up loads the page before the oldest shown, until there is none', async () => {
    const { store, threads, rest } = setup();
    rest.messages = history(70);
    store.openChat('bob');
    await flush();
    expect(texts('bob')).toHaveLength(30);
    expect(threads.thread('bob').hasMoreBefore).toBe(true);
    expect(await threads.loadOlder('bob')).toBe(true);
    expect(await threads.loadOlder('bob')).toBe(true);
    expect(texts('bob')).toEqual(rest.messages.map((m) => m.content));
    expect(threads.thread('bob').hasMoreBefore).toBe(false);
    expect(await threads.loadOlder('bob')).toBe(false);
    const befores = rest.callsTo('history').map((c) => (c as { before?: string }).before);
    expect(befores).toEqual([undefined, rest.messages[40]!.id, rest.messages[10]!.id]);
  });

  test('after a reconnect each open conversation is fetched after= its newest message; nothing missing, nothing twice', async () => {
    const { store, threads, rest } = setup();
    rest.messages = history(5);
    store.openChat('bob');
    await flush();
    const newestBefore = threads.thread('bob').items.at(-1)!.id;

    // While away: bob wrote 3, and one more arrives by push right as the socket opens.
    const missed = [chat('bob', ME, 'missed 1'), chat('bob', ME, 'missed 2'), chat('bob', ME, 'missed 3')];
    rest.messages.push(...missed);
    const live = chat('bob', ME, 'live');
    rest.messages.push(live);
    rest.counts = { chat: 0, system: 3, total: 3 };
    rest.calls = [];
    const done = store.onConnected();
    store.handleFrame({ type: 'message', message: live });
    const counts = await done;

    expect(rest.callsTo('history')).toEqual([{ userId: 'bob', limit: 100, after: newestBefore }]);
    expect(rest.callsTo('unreadCount')).toHaveLength(1);
    expect(counts.system).toBe(3);
    expect(texts('bob').slice(-4)).toEqual(['missed 1', 'missed 2', 'missed 3', 'live']);
    expect(new Set(threads.thread('bob').items.map((m) => m.id)).size).toBe(threads.thread('bob').items.length);
  });

  test('a long absence is caught up page by page', async () => {
    const { store, rest } = setup();
    rest.messages = history(2);
    store.openChat('bob');
    await flush();
    rest.messages.push(...Array.from({ length: 250 }, (_, i) => chat('bob', ME, `late ${i}`)));
    await store.onConnected();
    expect(texts('bob')).toHaveLength(252);
    expect(texts('bob').at(-1)).toBe('late 249');
  });

  test('pushes received before a chat was opened do not leave a gap in its history', async () => {
    const { store, threads, rest } = setup();
    rest.messages = history(60);
    // One early push that is older than the latest page.
    store.handleFrame({ type: 'message', message: rest.messages[5]! });
    store.openChat('bob');
    await flush();
    const shown = texts('bob');
    expect(shown).toEqual(rest.messages.slice(30).map((m) => m.content));
    await threads.loadOlder('bob');
    expect(texts('bob')).toEqual(rest.messages.map((m) => m.content));
  });
});

test('deleting my message: gone from the thread once; the echo of the delete changes nothing more', async () => {
  const { store, rest } = setup();
  const m = chat(ME, 'bob', 'typo');
  const keep = chat(ME, 'bob', 'fixed');
  rest.messages = [m, keep];
  store.openChat('bob');
  await flush();
  rest.calls = [];
  await store.deleteMessage('bob', m.id);
  store.handleFrame({ type: 'messageDeleted', messageId: m.id, peerId: 'bob' });
  await flush();
  expect(texts('bob')).toEqual(['fixed']);
  expect(rest.callsTo('deleteMessage')).toEqual([m.id]);
  expect(rest.callsTo('unreadCount')).toEqual([]);
});

test('a history that fails to load says so and can be tried again', async () => {
  const { store, threads, rest } = setup();
  rest.messages = [chat('bob', ME, 'hello')];
  rest.failNext = new Error('503');
  store.openChat('bob');
  await flush();
  expect(threads.thread('bob').loadError).toBe(true);
  expect(threads.thread('bob').loaded).toBe(false);
  await threads.loadLatest('bob');
  expect(threads.thread('bob').loadError).toBe(false);
  expect(texts('bob')).toEqual(['hello']);
});
