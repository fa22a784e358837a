/**
 * The unread store (stores/unread.ts): the one count behind every badge — what arrives, what is read here or
 * elsewhere, the server's counts and the re-check after pushes — and the "New messages" line it places.
 */
import { RECONCILE_DELAY_MS, RECONCILE_WINDOW_MS } from '../../web/src/stores/unread';
import { chat, flush } from './fakes';
import { ME, friend, setup, texts } from './chat-support';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('unread arithmetic', () => {
  test('messages to a closed window count per friend and in total, with a toast notice each', () => {
    const { store, unread, conversations, notices } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b1') });
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b2') });
    store.handleFrame({ type: 'message', message: chat('carol', ME, 'c1') });
    expect(unread.of('bob')).toBe(2);
    expect(unread.of('carol')).toBe(1);
    expect(unread.total).toBe(3);
    expect(conversations.get('bob')!.unreadCount).toBe(2);
    expect(notices.map((n) => [n.peerId, n.body, n.windowOpen])).toEqual([
      ['bob', 'b1', false],
      ['bob', 'b2', false],
      ['carol', 'c1', false],
    ]);
  });

  test('my own messages (from another tab) are never unread', () => {
    const { store, unread } = setup();
    store.handleFrame({ type: 'message', message: chat(ME, 'bob', 'from my phone', { clientMessageId: 'c-x' }) });
    expect(unread.total).toBe(0);
    expect(texts('bob')).toEqual(['from my phone']);
  });

  test('opening the window marks the conversation read: counts drop and markRead goes to the server', async () => {
    const { store, threads, unread, rest, sent } = setup();
    const msgs = [chat('bob', ME, 'b1'), chat('bob', ME, 'b2')];
    rest.messages = msgs;
    for (const m of msgs) store.handleFrame({ type: 'message', message: m });
    store.handleFrame({ type: 'message', message: chat('carol', ME, 'c1') });
    store.openChat('bob');
    await flush();
    expect(unread.of('bob')).toBe(0);
    expect(unread.total).toBe(1);
    expect(sent).toContainEqual({ action: 'markRead', peerId: 'bob' });
    expect(threads.thread('bob').items.every((m) => m.isRead)).toBe(true);
  });

  test('a message into an open, visible window is read at once; into a minimised one it counts on the window', async () => {
    const { store, unread, sent, notices } = setup();
    store.openChat('bob');
    await flush();
    sent.length = 0;
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'seen') });
    expect(unread.total).toBe(0);
    expect(sent).toEqual([{ action: 'markRead', peerId: 'bob' }]);
    expect(notices).toEqual([]);

    store.minimizeChat('bob');
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'unseen') });
    expect(unread.of('bob')).toBe(1);
    expect(notices.map((n) => n.windowOpen)).toEqual([true]); // no toast for an open window (the UI checks this)
    store.toggleMinimize('bob'); // restore: read
    expect(unread.of('bob')).toBe(0);
    expect(unread.total).toBe(0);
  });

  test('while the tab is hidden an open window does not mark read; becoming visible does', async () => {
    const { store, unread, sent, setVisible } = setup();
    store.openChat('bob');
    await flush();
    setVisible(false);
    sent.length = 0;
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'while away') });
    expect(unread.of('bob')).toBe(1);
    expect(sent).toEqual([]);
    setVisible(true);
    store.onVisible();
    expect(unread.of('bob')).toBe(0);
    expect(sent).toEqual([{ action: 'markRead', peerId: 'bob' }]);
  });

  test('markRead without a socket uses REST', async () => {
    const { store, unread, rest, setOpen } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b1') });
    setOpen(false);
    unread.markRead('bob');
    await flush();
    expect(rest.callsTo('markConversationRead')).toEqual(['bob']);
    expect(unread.total).toBe(0);
  });

  test('conversationRead from my other tab clears that conversation only', () => {
    const { store, unread } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b1') });
    store.handleFrame({ type: 'message', message: chat('carol', ME, 'c1') });
    store.handleFrame({ type: 'conversationRead', peerId: 'bob' });
    expect(unread.of('bob')).toBe(0);
    expect(unread.of('carol')).toBe(1);
    expect(unread.total).toBe(1);
  });

  test('an unread message deleted by its sender stops counting', () => {
    const { store, unread, conversations } = setup();
    const m = chat('bob', ME, 'oops, wrong chat');
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'hi') });
    store.handleFrame({ type: 'message', message: m });
    store.handleFrame({ type: 'messageDeleted', messageId: m.id, peerId: 'bob' });
    expect(unread.of('bob')).toBe(1);
    expect(unread.total).toBe(1);
    expect(texts('bob')).toEqual(['hi']);
    expect(conversations.get('bob')!.lastMessage.content).toBe('hi');
  });

  test('counts are never negative', () => {
    const { store, unread } = setup();
    store.handleFrame({ type: 'conversationRead', peerId: 'bob' });
    unread.markRead('bob', true);
    expect(unread.total).toBe(0);
    expect(unread.of('bob')).toBe(0);
  });

  test('the server counts replace local ones on refresh (friends, conversations and total)', async () => {
    const { store, unread, conversations, rest } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b1') });
    rest.friendList = [friend('bob', true, 4), friend('carol', false, 0)];
    const last = chat('bob', ME, 'b4');
    rest.convs = [{ peerId: 'bob', lastMessage: last, unreadCount: 4, updatedAt: last.createdAt }];
    rest.counts = { chat: 4, system: 2, total: 6 };
    const counts = await unread.refreshCounts();
    expect(counts.system).toBe(2);
    expect(unread.total).toBe(4);
    expect(unread.of('bob')).toBe(4);
    expect(conversations.get('bob')!.unreadCount).toBe(4);
  });
});

describe('counts fetched while pushes arrive', () => {
  test('a count answered before a pushed message was stored does not wipe that message from the badge', async () => {
    const { store, unread, rest } = setup();
    rest.counts = { chat: 0, system: 0, total: 0 }; // what the server answers first: computed before bob's message
    const pending = unread.refreshCounts();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'hi') }); // pushed while the request is in flight
    rest.counts = { chat: 1, system: 0, total: 1 }; // the server counts it now
    rest.friendList = [friend('bob', true, 1)];
    await pending;
    expect(unread.total).toBe(1);
    expect(unread.of('bob')).toBe(1);
    expect(rest.callsTo('unreadCount')).toHaveLength(2);
  });

  test('a push that arrives just after a count that already included it is counted once, after a re-check', async () => {
    const { store, unread, rest } = setup();
    const m = chat('bob', ME, 'hi');
    // The server stored and counted bob's message before answering; its push arrives after the answer.
    rest.counts = { chat: 1, system: 0, total: 1 };
    rest.friendList = [friend('bob', true, 1)];
    rest.convs = [{ peerId: 'bob', lastMessage: m, unreadCount: 1, updatedAt: m.createdAt }];
    await unread.refreshCounts();
    store.handleFrame({ type: 'message', message: m });
    expect(unread.total).toBe(2); // for a moment: the push looks new
    await jest.advanceTimersByTimeAsync(RECONCILE_DELAY_MS);
    expect(rest.callsTo('unreadCount')).toHaveLength(2);
    expect(unread.total).toBe(1);
    expect(unread.of('bob')).toBe(1);
  });

  test('pushes long after the last count are counted here, with no extra request', async () => {
    const { store, unread, rest } = setup();
    await unread.refreshCounts();
    await jest.advanceTimersByTimeAsync(RECONCILE_WINDOW_MS + 1);
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'one') });
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'two') });
    await jest.advanceTimersByTimeAsync(RECONCILE_DELAY_MS * 2);
    expect(rest.callsTo('unreadCount')).toHaveLength(1);
    expect(unread.total).toBe(2);
  });

  test('a count answered before the server handled my markRead does not bring the badge back', async () => {
    const { store, unread, rest, sent } = setup();
    const msgs = [chat('bob', ME, 'b1'), chat('bob', ME, 'b2'), chat('bob', ME, 'b3')];
    rest.messages = msgs;
    for (const m of msgs) store.handleFrame({ type: 'message', message: m });
    store.openChat('bob');
    await jest.advanceTimersByTimeAsync(0);
    expect(sent).toContainEqual({ action: 'markRead', peerId: 'bob' });
    // The count request reaches a server that has not handled the markRead frame yet (no order between Lambdas).
    rest.counts = { chat: 3, system: 0, total: 3 };
    rest.friendList = [friend('bob', true, 3)];
    await unread.refreshCounts();
    expect(unread.of('bob')).toBe(0);
    expect(unread.total).toBe(0);
    // The server confirms (conversationRead); from now on its counts for bob are taken again.
    store.handleFrame({ type: 'conversationRead', peerId: 'bob' });
    rest.counts = { chat: 1, system: 0, total: 1 };
    rest.friendList = [friend('bob', true, 1)];
    await unread.refreshCounts();
    expect(unread.of('bob')).toBe(1);
  });

  test('the confirmation of my read arriving while a count is in flight makes it ask again', async () => {
    const { store, unread, rest } = setup();
    rest.counts = { chat: 2, system: 0, total: 2 }; // computed before the read
    rest.friendList = [friend('bob', true, 2)];
    const pending = unread.refreshCounts();
    store.handleFrame({ type: 'conversationRead', peerId: 'bob' }); // read in my other tab, meanwhile
    rest.counts = { chat: 0, system: 0, total: 0 };
    rest.friendList = [friend('bob', true, 0)];
    await pending;
    expect(rest.callsTo('unreadCount')).toHaveLength(2);
    expect(unread.total).toBe(0);
  });

  test('without changes meanwhile one request is enough', async () => {
    const { unread, rest } = setup();
    rest.convsHasMore = true; // the 2 unread are in conversations past the list's first page
    rest.counts = { chat: 2, system: 0, total: 2 };
    await unread.refreshCounts();
    expect(rest.callsTo('unreadCount')).toHaveLength(1);
    expect(unread.total).toBe(2);
  });
});

describe('"New messages" divider', () => {
  test('opening a chat with unread messages marks the first of them; replying or closing removes it', async () => {
    const { store, threads, outbox, rest } = setup();
    const old = chat('bob', ME, 'old', { isRead: true });
    const n1 = chat('bob', ME, 'new 1');
    const n2 = chat('bob', ME, 'new 2');
    rest.messages = [old, n1, n2];
    store.openChat('bob');
    await flush();
    expect(threads.thread('bob').newSince).toBe(n1.id);
    outbox.sendMessage('bob', 'reply');
    expect(threads.thread('bob').newSince).toBeUndefined();

    store.minimizeChat('bob');
    const n3 = chat('bob', ME, 'while minimised');
    store.handleFrame({ type: 'message', message: n3 });
    store.toggleMinimize('bob'); // restore
    expect(threads.thread('bob').newSince).toBe(n3.id);
    store.closeChat('bob');
    expect(threads.thread('bob').newSince).toBeUndefined();
  });

  test('the window taking focus while its first page loads neither reads nor loses the unread (after signing in)', async () => {
    const { store, threads, unread, rest, sent } = setup();
    const old = chat('bob', ME, 'old', { isRead: true });
    const n1 = chat('bob', ME, 'new 1');
    const n2 = chat('bob', ME, 'new 2');
    rest.messages = [old, n1, n2];
    rest.friendList = [friend('bob', true, 2)];
    rest.counts = { chat: 2, system: 0, total: 2 };
    await unread.refreshCounts();
    store.openChat('bob');
    store.focusChat('bob'); // the composer is focused as the window mounts, before the history answers
    expect(sent.filter((f) => f.action === 'markRead')).toEqual([]);
    await flush();
    expect(threads.thread('bob').newSince).toBe(n1.id);
    expect(sent.filter((f) => f.action === 'markRead')).toEqual([{ action: 'markRead', peerId: 'bob' }]);
    expect(unread.total).toBe(0);
  });

  test('more unread than a page: enough history is loaded to put the line at the first of them', async () => {
    const { store, threads, unread: counts, rest } = setup();
    const read = Array.from({ length: 10 }, (_, i) => chat('bob', ME, `#${i + 1}`, { isRead: true }));
    const unread = Array.from({ length: 165 }, (_, i) => chat('bob', ME, `#${i + 11}`));
    rest.messages = [...read, ...unread];
    rest.friendList = [friend('bob', true, 165)];
    rest.counts = { chat: 165, system: 0, total: 165 };
    await counts.refreshCounts();
    store.openChat('bob');
    await flush(40);
    expect(threads.thread('bob').newSince).toBe(unread[0]!.id);
    // Pages of the contract's largest size, and a few read messages above the line for context.
    expect(rest.callsTo('history').map((q) => (q as { limit: number }).limit)).toEqual([100, 100]);
    expect(threads.thread('bob').items.length).toBeGreaterThan(165);
  });

  test('messages arriving while I look at the chat get no divider', async () => {
    const { store, threads } = setup();
    store.openChat('bob');
    await flush();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'live') });
    expect(threads.thread('bob').newSince).toBeUndefined();
  });
});

describe('one count behind every badge', () => {
  test('the friend, the conversation list entry and the total read the same count', async () => {
    const { store, unread, conversations, friends, rest } = setup();
    rest.friendList = [friend('bob', true, 0)];
    await friends.refresh();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b1') });
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b2') });
    expect(unread.of('bob')).toBe(2);
    expect(conversations.list.map((c) => [c.peerId, c.unreadCount])).toEqual([['bob', 2]]);
    expect(unread.total).toBe(2);
    store.handleFrame({ type: 'conversationRead', peerId: 'bob' });
    expect(conversations.list.map((c) => [c.peerId, c.unreadCount])).toEqual([['bob', 0]]);
    expect(unread.total).toBe(0);
  });

  test('unread the server counts in conversations not listed here stays in the total', async () => {
    const { store, unread, rest } = setup();
    const last = chat('bob', ME, 'b2');
    rest.friendList = [friend('bob', true, 2)];
    rest.convs = [{ peerId: 'bob', lastMessage: last, unreadCount: 2, updatedAt: last.createdAt }];
    rest.convsHasMore = true;
    rest.counts = { chat: 5, system: 0, total: 5 }; // 3 more in an older conversation, past the list's first page
    await unread.refreshCounts();
    expect(unread.total).toBe(5);
    store.handleFrame({ type: 'conversationRead', peerId: 'bob' });
    expect(unread.of('bob')).toBe(0);
    expect(unread.total).toBe(3);
  });

  test('a total answered a moment later than the lists makes no phantom unread when every conversation is listed', async () => {
    const { store, unread, rest } = setup();
    // Three requests, three moments: the lists were read before bob's third message was stored, the total after.
    const last = chat('bob', ME, 'b2');
    rest.friendList = [friend('bob', true, 2)];
    rest.convs = [{ peerId: 'bob', lastMessage: last, unreadCount: 2, updatedAt: last.createdAt }];
    rest.counts = { chat: 3, system: 0, total: 3 };
    await unread.refreshCounts();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b3') });
    expect(unread.of('bob')).toBe(3);
    expect(unread.total).toBe(3);
    // Reading bob's chat leaves nothing unread anywhere: there is no conversation the lists did not show.
    store.handleFrame({ type: 'conversationRead', peerId: 'bob' });
    expect(unread.total).toBe(0);
  });
});
