/**
 * The threads store (stores/threads.ts, fed through the chat store's frames): dedupe by message id, optimistic
 * sends and retries with the same clientMessageId, error frames, read receipts, paging, the catch-up after a
 * reconnect, deleting.
 */
import { ACK_TIMEOUT_MS } from '../../web/src/stores/threads';
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

describe('sending', () => {
  test('an optimistic bubble is "sending" until its ack replaces it with the stored message', () => {
    const { store, threads, conversations, sent } = setup();
    store.openChat('bob');
    const cmid = threads.sendMessage('bob', '  hello  ')!;
    expect(sent.at(-1)).toEqual({ action: 'sendMessage', to: 'bob', content: 'hello', clientMessageId: cmid });
    expect(threads.thread('bob').pending.map((p) => [p.content, p.status])).toEqual([['hello', 'sending']]);

    const stored = chat(ME, 'bob', 'hello', { clientMessageId: cmid });
    store.handleFrame({ type: 'ack', clientMessageId: cmid, message: stored });
    expect(threads.thread('bob').pending).toEqual([]);
    expect(threads.thread('bob').items.map((m) => [m.id, m.status])).toEqual([[stored.id, 'sent']]);
    // The same message echoed to this tab (e.g. via another connection) changes nothing.
    store.handleFrame({ type: 'message', message: stored });
    expect(texts('bob')).toEqual(['hello']);
    expect(conversations.get('bob')!.lastMessage.id).toBe(stored.id);
  });

  test('empty, blank and over-4,000-character messages are not sent; 4,000 emoji are', () => {
    const { threads, sent } = setup();
    expect(threads.sendMessage('bob', '')).toBeUndefined();
    expect(threads.sendMessage('bob', '   \n ')).toBeUndefined();
    expect(threads.sendMessage('bob', 'x'.repeat(4001))).toBeUndefined();
    expect(sent).toEqual([]);
    expect(threads.sendMessage('bob', '😀'.repeat(4000))).toBe('c-1'); // 8,000 UTF-16 units, 4,000 characters
    expect(sent).toHaveLength(1);
  });

  test('no ack in time: failed; retry sends the SAME clientMessageId and the ack settles it once', () => {
    const { store, threads, sent } = setup();
    const cmid = threads.sendMessage('bob', 'are you there?')!;
    jest.advanceTimersByTime(ACK_TIMEOUT_MS);
    const p = threads.thread('bob').pending[0]!;
    expect(p.status).toBe('failed');
    expect(p.error).toMatch(/retry/i);

    threads.retry('bob', cmid);
    expect(threads.thread('bob').pending[0]!.status).toBe('sending');
    expect(sent.map((f) => (f as { clientMessageId?: string }).clientMessageId)).toEqual([cmid, cmid]);
    const stored = chat(ME, 'bob', 'are you there?', { clientMessageId: cmid });
    store.handleFrame({ type: 'ack', clientMessageId: cmid, message: stored });
    store.handleFrame({ type: 'ack', clientMessageId: cmid, message: stored }); // the server's repeat answer
    expect(threads.thread('bob').pending).toEqual([]);
    expect(texts('bob')).toEqual(['are you there?']);
    jest.advanceTimersByTime(ACK_TIMEOUT_MS * 2); // no stale timer flips it back
    expect(threads.thread('bob').items[0]!.status).toBe('sent');
  });

  test('an error frame for the send marks that bubble failed with a sentence for its code', () => {
    const { store, threads } = setup();
    const a = threads.sendMessage('dave', 'hi dave')!;
    const b = threads.sendMessage('dave', 'second')!;
    store.handleFrame({ type: 'error', code: 'NOT_FRIENDS', message: 'not friends', clientMessageId: a });
    const [pa, pb] = threads.thread('dave').pending;
    expect([pa!.status, pb!.status]).toEqual(['failed', 'sending']);
    expect(pa!.error).toMatch(/not friends/i);
    expect(pb!.clientMessageId).toBe(b); // the other bubble is untouched
    expect(pb!.error).toBeUndefined();
  });

  test('an error without a clientMessageId becomes a notice, not a failed bubble', () => {
    const { store, threads, notices } = setup();
    threads.sendMessage('bob', 'x');
    store.handleFrame({ type: 'error', code: 'RATE_LIMITED', message: 'slow down' });
    expect(threads.thread('bob').pending[0]!.status).toBe('sending');
    expect(notices).toEqual([expect.objectContaining({ kind: 'error', title: 'Slow down' })]);
  });

  test('sent while the socket is down: it waits as "sending" and goes out with the same id on reconnect', async () => {
    const { store, threads, sent, setOpen, rest } = setup({ open: false });
    const cmid = threads.sendMessage('bob', 'offline hello')!;
    expect(sent).toEqual([]);
    setOpen(true);
    rest.counts = { chat: 0, system: 0, total: 0 };
    await store.onConnected();
    expect(sent).toEqual([{ action: 'sendMessage', to: 'bob', content: 'offline hello', clientMessageId: cmid }]);
  });

  test('discard removes a failed bubble', () => {
    const { store, threads } = setup();
    const cmid = threads.sendMessage('bob', 'oops')!;
    store.handleFrame({ type: 'error', code: 'BAD_REQUEST', message: '', clientMessageId: cmid });
    threads.discard('bob', cmid);
    expect(threads.thread('bob').pending).toEqual([]);
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

test('a message queued while disconnected stays "sending" (no false failure) until the socket is back', async () => {
  const { store, threads, sent, setOpen } = setup({ open: false });
  const cmid = threads.sendMessage('bob', 'queued')!;
  jest.advanceTimersByTime(ACK_TIMEOUT_MS * 3);
  expect(threads.thread('bob').pending[0]!.status).toBe('sending');
  setOpen(true);
  await store.onConnected();
  expect(sent).toEqual([{ action: 'sendMessage', to: 'bob', content: 'queued', clientMessageId: cmid }]);
  jest.advanceTimersByTime(ACK_TIMEOUT_MS); // sent for real now, and no ack came
  expect(threads.thread('bob').pending[0]!.status).toBe('failed');
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
