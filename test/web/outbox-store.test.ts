/**
 * The outbox store (stores/outbox.ts): optimistic sends and retries with the same clientMessageId, the ack
 * timeout, error frames, sends queued while the socket is down.
 */
import { ACK_TIMEOUT_MS } from '../../web/src/stores/outbox';
import { chat, flush } from './fakes';
import { ME, setup, texts } from './chat-support';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('sending', () => {
  test('an optimistic bubble is "sending" until its ack replaces it with the stored message', () => {
    const { store, threads, outbox, conversations, sent } = setup();
    store.openChat('bob');
    const cmid = outbox.sendMessage('bob', '  hello  ')!;
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
    const { outbox, sent } = setup();
    expect(outbox.sendMessage('bob', '')).toBeUndefined();
    expect(outbox.sendMessage('bob', '   \n ')).toBeUndefined();
    expect(outbox.sendMessage('bob', 'x'.repeat(4001))).toBeUndefined();
    expect(sent).toEqual([]);
    expect(outbox.sendMessage('bob', '😀'.repeat(4000))).toBe('c-1'); // 8,000 UTF-16 units, 4,000 characters
    expect(sent).toHaveLength(1);
  });

  test('no ack in time: failed; retry sends the SAME clientMessageId and the ack settles it once', () => {
    const { store, threads, outbox, sent } = setup();
    const cmid = outbox.sendMessage('bob', 'are you there?')!;
    jest.advanceTimersByTime(ACK_TIMEOUT_MS);
    const p = threads.thread('bob').pending[0]!;
    expect(p.status).toBe('failed');
    expect(p.error).toMatch(/retry/i);
    expect(p.errorCode).toBe('TIMEOUT'); // the bubble words it in whatever language is active when shown

    outbox.retry('bob', cmid);
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
    const { store, threads, outbox } = setup();
    const a = outbox.sendMessage('dave', 'hi dave')!;
    const b = outbox.sendMessage('dave', 'second')!;
    store.handleFrame({ type: 'error', code: 'NOT_FRIENDS', message: 'not friends', clientMessageId: a });
    const [pa, pb] = threads.thread('dave').pending;
    expect([pa!.status, pb!.status]).toEqual(['failed', 'sending']);
    expect(pa!.error).toMatch(/not friends/i);
    expect(pa!.errorCode).toBe('NOT_FRIENDS');
    expect(pb!.clientMessageId).toBe(b); // the other bubble is untouched
    expect(pb!.error).toBeUndefined();
  });

  test('an error without a clientMessageId becomes a notice, not a failed bubble', () => {
    const { store, threads, outbox, notices } = setup();
    outbox.sendMessage('bob', 'x');
    store.handleFrame({ type: 'error', code: 'RATE_LIMITED', message: 'slow down' });
    expect(threads.thread('bob').pending[0]!.status).toBe('sending');
    expect(notices).toEqual([expect.objectContaining({ kind: 'error', title: 'Slow down' })]);
  });

  test('sent while the socket is down: it waits as "sending" and goes out with the same id on reconnect', async () => {
    const { store, outbox, sent, setOpen, rest } = setup({ open: false });
    const cmid = outbox.sendMessage('bob', 'offline hello')!;
    expect(sent).toEqual([]);
    setOpen(true);
    rest.counts = { chat: 0, system: 0, total: 0 };
    await store.onConnected();
    expect(sent).toEqual([{ action: 'sendMessage', to: 'bob', content: 'offline hello', clientMessageId: cmid }]);
  });

  test('discard removes a failed bubble', () => {
    const { store, threads, outbox } = setup();
    const cmid = outbox.sendMessage('bob', 'oops')!;
    store.handleFrame({ type: 'error', code: 'BAD_REQUEST', message: '', clientMessageId: cmid });
    outbox.discard('bob', cmid);
    expect(threads.thread('bob').pending).toEqual([]);
  });
});

test('a message queued while disconnected stays "sending" (no false failure) until the socket is back', async () => {
  const { store, threads, outbox, sent, setOpen } = setup({ open: false });
  const cmid = outbox.sendMessage('bob', 'queued')!;
  jest.advanceTimersByTime(ACK_TIMEOUT_MS * 3);
  expect(threads.thread('bob').pending[0]!.status).toBe('sending');
  setOpen(true);
  await store.onConnected();
  expect(sent).toEqual([{ action: 'sendMessage', to: 'bob', content: 'queued', clientMessageId: cmid }]);
  jest.advanceTimersByTime(ACK_TIMEOUT_MS); // sent for real now, and no ack came
  expect(threads.thread('bob').pending[0]!.status).toBe('failed');
});

describe('where a failed or waiting message sits (issue 12 item 4)', () => {
  test('a failed message stays where it was written: newer messages, mine and theirs, go below it', () => {
    const { store, threads, outbox } = setup();
    store.openChat('bob');
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'before') });
    const failed = outbox.sendMessage('bob', 'sent while not friends')!;
    store.handleFrame({ type: 'error', code: 'NOT_FRIENDS', message: 'x', clientMessageId: failed });
    expect(threads.thread('bob').pending[0]!.status).toBe('failed');
    // Friends again: bob writes, and I write two more, which are stored.
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'friends again') });
    const c1 = outbox.sendMessage('bob', 'new one')!;
    expect(texts('bob')).toEqual(['before', 'sent while not friends', 'friends again', 'new one']);
    store.handleFrame({ type: 'ack', clientMessageId: c1, message: chat(ME, 'bob', 'new one', { clientMessageId: c1 }) });
    const c2 = outbox.sendMessage('bob', 'and another')!;
    expect(texts('bob')).toEqual(['before', 'sent while not friends', 'friends again', 'new one', 'and another']);
    store.handleFrame({ type: 'ack', clientMessageId: c2, message: chat(ME, 'bob', 'and another', { clientMessageId: c2 }) });
    expect(texts('bob')).toEqual(['before', 'sent while not friends', 'friends again', 'new one', 'and another']);
  });

  test('retrying a failed message sends it as new: it moves to the end, and once acked sits by its server id', () => {
    const { store, threads, outbox, sent } = setup();
    store.openChat('bob');
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'before') });
    const failed = outbox.sendMessage('bob', 'try me again')!;
    store.handleFrame({ type: 'error', code: 'NOT_FRIENDS', message: 'x', clientMessageId: failed });
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'later') });
    expect(texts('bob')).toEqual(['before', 'try me again', 'later']);
    outbox.retry('bob', failed);
    expect(sent.at(-1)).toMatchObject({ action: 'sendMessage', clientMessageId: failed }); // same id: stored at most once
    expect(texts('bob')).toEqual(['before', 'later', 'try me again']);
    expect(threads.thread('bob').pending[0]!.status).toBe('sending');
    store.handleFrame({ type: 'ack', clientMessageId: failed, message: chat(ME, 'bob', 'try me again', { clientMessageId: failed }) });
    expect(texts('bob')).toEqual(['before', 'later', 'try me again']);
    expect(threads.thread('bob').pending).toEqual([]);
  });

  test('two failed messages keep the order they were written in, each where it was written', async () => {
    const { store, outbox } = setup();
    store.openChat('bob');
    await flush();
    const a = outbox.sendMessage('bob', 'one')!;
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'reply') });
    const b = outbox.sendMessage('bob', 'two')!;
    for (const c of [a, b]) store.handleFrame({ type: 'error', code: 'NOT_FRIENDS', message: 'x', clientMessageId: c });
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'last') });
    expect(texts('bob')).toEqual(['one', 'reply', 'two', 'last']);
  });
});
