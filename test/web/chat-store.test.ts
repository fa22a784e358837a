/**
 * The chat store without a browser: frames and REST answers in, state out. Dedupe by message id, optimistic
 * sends and retries with the same clientMessageId, the three-window limit, unread arithmetic, read receipts,
 * typing, paging and the catch-up after a reconnect.
 */
import { createPinia, setActivePinia } from 'pinia';
import { ACK_TIMEOUT_MS, MAX_WINDOWS, RECONCILE_DELAY_MS, RECONCILE_WINDOW_MS, TYPING_SHOW_MS, TYPING_THROTTLE_MS, useChatStore, type ChatNotice } from '../../web/src/stores/chat';
import type { ClientFrame, Friend, Message } from '../../web/src/types';
import { usePresenceStore } from '../../web/src/stores/presence';
import { chat, FakeRest, flush } from './fakes';

const ME = 'alice';

function setup(opts: { visible?: boolean; open?: boolean } = {}) {
  setActivePinia(createPinia());
  const store = useChatStore();
  const rest = new FakeRest(ME);
  const sent: ClientFrame[] = [];
  const notices: ChatNotice[] = [];
  let open = opts.open ?? true;
  let visible = opts.visible ?? true;
  let n = 0;
  store.attach({
    me: ME,
    send: (f) => {
      if (!open) return false;
      sent.push(f);
      return true;
    },
    rest,
    notify: (x) => notices.push(x),
    isVisible: () => visible,
    newClientMessageId: () => `c-${++n}`,
  });
  return {
    store,
    rest,
    sent,
    notices,
    setOpen: (v: boolean) => (open = v),
    setVisible: (v: boolean) => (visible = v),
  };
}

const friend = (userId: string, online = false, unreadCount = 0): Friend => ({ userId, name: userId[0]!.toUpperCase() + userId.slice(1), online, unreadCount });
const texts = (store: ReturnType<typeof useChatStore>, peer: string) => [...store.thread(peer).items, ...store.thread(peer).pending].map((m) => m.content);

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('dedupe by message id', () => {
  test('the same message from a push, an ack echo and a catch-up page shows once, in id order', async () => {
    const { store, rest } = setup();
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
    expect(texts(store, 'bob')).toEqual(['one', 'two', 'three']);
    expect(store.thread('bob').items.map((m) => m.id)).toEqual([m1.id, m2.id, m3.id]);
  });

  test('a duplicate push does not count as unread twice', () => {
    const { store } = setup();
    const m = chat('bob', ME, 'hi');
    store.handleFrame({ type: 'message', message: m });
    store.handleFrame({ type: 'message', message: { ...m } });
    expect(store.chatUnread).toBe(1);
    expect(store.unreadOf('bob')).toBe(1);
  });
});

describe('sending', () => {
  test('an optimistic bubble is "sending" until its ack replaces it with the stored message', () => {
    const { store, sent } = setup();
    store.openChat('bob');
    const cmid = store.sendMessage('bob', '  hello  ')!;
    expect(sent.at(-1)).toEqual({ action: 'sendMessage', to: 'bob', content: 'hello', clientMessageId: cmid });
    expect(store.thread('bob').pending.map((p) => [p.content, p.status])).toEqual([['hello', 'sending']]);

    const stored = chat(ME, 'bob', 'hello', { clientMessageId: cmid });
    store.handleFrame({ type: 'ack', clientMessageId: cmid, message: stored });
    expect(store.thread('bob').pending).toEqual([]);
    expect(store.thread('bob').items.map((m) => [m.id, m.status])).toEqual([[stored.id, 'sent']]);
    // The same message echoed to this tab (e.g. via another connection) changes nothing.
    store.handleFrame({ type: 'message', message: stored });
    expect(texts(store, 'bob')).toEqual(['hello']);
    expect(store.conversations.bob!.lastMessage.id).toBe(stored.id);
  });

  test('empty, blank and over-4,000-character messages are not sent; 4,000 emoji are', () => {
    const { store, sent } = setup();
    expect(store.sendMessage('bob', '')).toBeUndefined();
    expect(store.sendMessage('bob', '   \n ')).toBeUndefined();
    expect(store.sendMessage('bob', 'x'.repeat(4001))).toBeUndefined();
    expect(sent).toEqual([]);
    expect(store.sendMessage('bob', '😀'.repeat(4000))).toBeDefined(); // 8,000 UTF-16 units, 4,000 characters
    expect(sent).toHaveLength(1);
  });

  test('no ack in time: failed; retry sends the SAME clientMessageId and the ack settles it once', () => {
    const { store, sent } = setup();
    const cmid = store.sendMessage('bob', 'are you there?')!;
    jest.advanceTimersByTime(ACK_TIMEOUT_MS);
    const p = store.thread('bob').pending[0]!;
    expect(p.status).toBe('failed');
    expect(p.error).toMatch(/retry/i);

    store.retry('bob', cmid);
    expect(store.thread('bob').pending[0]!.status).toBe('sending');
    expect(sent.map((f) => (f as { clientMessageId?: string }).clientMessageId)).toEqual([cmid, cmid]);
    const stored = chat(ME, 'bob', 'are you there?', { clientMessageId: cmid });
    store.handleFrame({ type: 'ack', clientMessageId: cmid, message: stored });
    store.handleFrame({ type: 'ack', clientMessageId: cmid, message: stored }); // the server's repeat answer
    expect(store.thread('bob').pending).toEqual([]);
    expect(texts(store, 'bob')).toEqual(['are you there?']);
    jest.advanceTimersByTime(ACK_TIMEOUT_MS * 2); // no stale timer flips it back
    expect(store.thread('bob').items[0]!.status).toBe('sent');
  });

  test('an error frame for the send marks that bubble failed with a sentence for its code', () => {
    const { store } = setup();
    const a = store.sendMessage('dave', 'hi dave')!;
    const b = store.sendMessage('dave', 'second')!;
    store.handleFrame({ type: 'error', code: 'NOT_FRIENDS', message: 'not friends', clientMessageId: a });
    const [pa, pb] = store.thread('dave').pending;
    expect([pa!.status, pb!.status]).toEqual(['failed', 'sending']);
    expect(pa!.error).toMatch(/not friends/i);
    expect(b).toBeDefined();
  });

  test('an error without a clientMessageId becomes a notice, not a failed bubble', () => {
    const { store, notices } = setup();
    store.sendMessage('bob', 'x');
    store.handleFrame({ type: 'error', code: 'RATE_LIMITED', message: 'slow down' });
    expect(store.thread('bob').pending[0]!.status).toBe('sending');
    expect(notices).toEqual([expect.objectContaining({ kind: 'error', title: 'Slow down' })]);
  });

  test('sent while the socket is down: it waits as "sending" and goes out with the same id on reconnect', async () => {
    const { store, sent, setOpen, rest } = setup({ open: false });
    const cmid = store.sendMessage('bob', 'offline hello')!;
    expect(sent).toEqual([]);
    setOpen(true);
    rest.counts = { chat: 0, system: 0, total: 0 };
    await store.onConnected();
    expect(sent).toEqual([{ action: 'sendMessage', to: 'bob', content: 'offline hello', clientMessageId: cmid }]);
  });

  test('discard removes a failed bubble', () => {
    const { store } = setup();
    const cmid = store.sendMessage('bob', 'oops')!;
    store.handleFrame({ type: 'error', code: 'BAD_REQUEST', message: '', clientMessageId: cmid });
    store.discard('bob', cmid);
    expect(store.thread('bob').pending).toEqual([]);
  });
});

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

describe('unread arithmetic', () => {
  test('messages to a closed window count per friend and in total, with a toast notice each', () => {
    const { store, notices } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b1') });
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b2') });
    store.handleFrame({ type: 'message', message: chat('carol', ME, 'c1') });
    expect(store.unreadOf('bob')).toBe(2);
    expect(store.unreadOf('carol')).toBe(1);
    expect(store.chatUnread).toBe(3);
    expect(store.conversations.bob!.unreadCount).toBe(2);
    expect(notices.map((n) => [n.peerId, n.body, n.windowOpen])).toEqual([
      ['bob', 'b1', false],
      ['bob', 'b2', false],
      ['carol', 'c1', false],
    ]);
  });

  test('my own messages (from another tab) are never unread', () => {
    const { store } = setup();
    store.handleFrame({ type: 'message', message: chat(ME, 'bob', 'from my phone', { clientMessageId: 'c-x' }) });
    expect(store.chatUnread).toBe(0);
    expect(texts(store, 'bob')).toEqual(['from my phone']);
  });

  test('opening the window marks the conversation read: counts drop and markRead goes to the server', async () => {
    const { store, rest, sent } = setup();
    const msgs = [chat('bob', ME, 'b1'), chat('bob', ME, 'b2')];
    rest.messages = msgs;
    for (const m of msgs) store.handleFrame({ type: 'message', message: m });
    store.handleFrame({ type: 'message', message: chat('carol', ME, 'c1') });
    store.openChat('bob');
    await flush();
    expect(store.unreadOf('bob')).toBe(0);
    expect(store.chatUnread).toBe(1);
    expect(sent).toContainEqual({ action: 'markRead', peerId: 'bob' });
    expect(store.thread('bob').items.every((m) => m.isRead)).toBe(true);
  });

  test('a message into an open, visible window is read at once; into a minimised one it counts on the window', async () => {
    const { store, sent, notices } = setup();
    store.openChat('bob');
    await flush();
    sent.length = 0;
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'seen') });
    expect(store.chatUnread).toBe(0);
    expect(sent).toEqual([{ action: 'markRead', peerId: 'bob' }]);
    expect(notices).toEqual([]);

    store.minimizeChat('bob');
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'unseen') });
    expect(store.unreadOf('bob')).toBe(1);
    expect(notices.map((n) => n.windowOpen)).toEqual([true]); // no toast for an open window (the UI checks this)
    store.toggleMinimize('bob'); // restore: read
    expect(store.unreadOf('bob')).toBe(0);
    expect(store.chatUnread).toBe(0);
  });

  test('while the tab is hidden an open window does not mark read; becoming visible does', async () => {
    const { store, sent, setVisible } = setup();
    store.openChat('bob');
    await flush();
    setVisible(false);
    sent.length = 0;
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'while away') });
    expect(store.unreadOf('bob')).toBe(1);
    expect(sent).toEqual([]);
    setVisible(true);
    store.onVisible();
    expect(store.unreadOf('bob')).toBe(0);
    expect(sent).toEqual([{ action: 'markRead', peerId: 'bob' }]);
  });

  test('markRead without a socket uses REST', async () => {
    const { store, rest, setOpen } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b1') });
    setOpen(false);
    store.markRead('bob');
    await flush();
    expect(rest.callsTo('markConversationRead')).toEqual(['bob']);
    expect(store.chatUnread).toBe(0);
  });

  test('conversationRead from my other tab clears that conversation only', () => {
    const { store } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b1') });
    store.handleFrame({ type: 'message', message: chat('carol', ME, 'c1') });
    store.handleFrame({ type: 'conversationRead', peerId: 'bob' });
    expect(store.unreadOf('bob')).toBe(0);
    expect(store.unreadOf('carol')).toBe(1);
    expect(store.chatUnread).toBe(1);
  });

  test('an unread message deleted by its sender stops counting', () => {
    const { store } = setup();
    const m = chat('bob', ME, 'oops, wrong chat');
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'hi') });
    store.handleFrame({ type: 'message', message: m });
    store.handleFrame({ type: 'messageDeleted', messageId: m.id, peerId: 'bob' });
    expect(store.unreadOf('bob')).toBe(1);
    expect(store.chatUnread).toBe(1);
    expect(texts(store, 'bob')).toEqual(['hi']);
    expect(store.conversations.bob!.lastMessage.content).toBe('hi');
  });

  test('counts are never negative', () => {
    const { store } = setup();
    store.handleFrame({ type: 'conversationRead', peerId: 'bob' });
    store.markRead('bob', true);
    expect(store.chatUnread).toBe(0);
    expect(store.unreadOf('bob')).toBe(0);
  });

  test('the server counts replace local ones on refresh (friends, conversations and total)', async () => {
    const { store, rest } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'b1') });
    rest.friendList = [friend('bob', true, 4), friend('carol', false, 0)];
    const last = chat('bob', ME, 'b4');
    rest.convs = [{ peerId: 'bob', lastMessage: last, unreadCount: 4, updatedAt: last.createdAt }];
    rest.counts = { chat: 4, system: 2, total: 6 };
    const counts = await store.refreshCounts();
    expect(counts.system).toBe(2);
    expect(store.chatUnread).toBe(4);
    expect(store.unreadOf('bob')).toBe(4);
    expect(store.conversations.bob!.unreadCount).toBe(4);
  });
});

describe('receipts, typing and presence', () => {
  test('a read receipt marks my messages up to that id as read, not later ones', () => {
    const { store } = setup();
    const mine = [chat(ME, 'bob', 'm1'), chat(ME, 'bob', 'm2'), chat(ME, 'bob', 'm3')];
    for (const m of mine) store.handleFrame({ type: 'message', message: m });
    store.handleFrame({ type: 'read', by: 'bob', upTo: mine[1]!.id });
    expect(store.thread('bob').items.map((m) => m.status)).toEqual(['read', 'read', 'sent']);
    // Receipts only move forward.
    store.handleFrame({ type: 'read', by: 'bob', upTo: mine[0]!.id });
    expect(store.thread('bob').items.map((m) => m.status)).toEqual(['read', 'read', 'sent']);
  });

  test('typing shows for a few seconds, and a message from that friend ends it', () => {
    const { store } = setup();
    store.handleFrame({ type: 'typing', from: 'bob' });
    expect(store.typing.bob).toBeDefined();
    jest.advanceTimersByTime(TYPING_SHOW_MS);
    expect(store.typing.bob).toBeUndefined();
    store.handleFrame({ type: 'typing', from: 'bob' });
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'done typing') });
    expect(store.typing.bob).toBeUndefined();
  });

  test('my typing frames are throttled', () => {
    const { store, sent } = setup();
    store.typingTo('bob');
    store.typingTo('bob');
    jest.advanceTimersByTime(TYPING_THROTTLE_MS - 1);
    store.typingTo('bob');
    jest.advanceTimersByTime(1);
    store.typingTo('bob');
    expect(sent).toEqual([
      { action: 'typing', to: 'bob' },
      { action: 'typing', to: 'bob' },
    ]);
  });

  test('presence flips a friend; friends list is online first, then by name', async () => {
    const { store, rest } = setup();
    rest.friendList = [friend('dave'), friend('bob'), friend('carol', true)];
    await store.onConnected();
    expect(store.friendList.map((f) => f.userId)).toEqual(['carol', 'bob', 'dave']);
    store.handleFrame({ type: 'presence', userId: 'dave', online: true });
    expect(store.friendList.map((f) => f.userId)).toEqual(['carol', 'dave', 'bob']);
    expect(store.isOnline('dave')).toBe(true);
  });

  test('presence is unknown until read over a connection, unknown again when it drops, and re-read on reconnect', async () => {
    const { store, rest } = setup();
    const presence = usePresenceStore();
    rest.friendList = [friend('bob', true)];
    await store.refreshFriends(); // over REST, before any socket opened: the list, but not trusted presence
    expect(store.presenceOf('bob')).toBe('unknown');
    expect(store.isOnline('bob')).toBe(false);
    await store.onConnected();
    expect(store.presenceOf('bob')).toBe('online');

    presence.lost(); // our socket dropped: bob may have left meanwhile
    expect(store.presenceOf('bob')).toBe('unknown');
    rest.friendList = [friend('bob', false)];
    await store.onConnected();
    expect(store.presenceOf('bob')).toBe('offline');
  });

  test('a re-read that was under way when the connection dropped again does not make presence known', async () => {
    const { store, rest } = setup();
    const presence = usePresenceStore();
    rest.friendList = [friend('bob', true)];
    const connected = store.onConnected();
    presence.lost();
    await connected;
    expect(store.presenceOf('bob')).toBe('unknown');
  });

  test('presence of someone not yet a friend reloads the friends list', async () => {
    const { store, rest } = setup();
    rest.friendList = [friend('erin', true)];
    store.handleFrame({ type: 'presence', userId: 'erin', online: true });
    await flush();
    expect(store.friends.erin?.online).toBe(true);
  });

  test('conversations are most recent first and show the newest message', () => {
    const { store } = setup();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'old') });
    store.handleFrame({ type: 'message', message: chat('carol', ME, 'newer') });
    store.handleFrame({ type: 'message', message: chat(ME, 'bob', 'newest') });
    expect(store.conversationList.map((c) => [c.peerId, c.lastMessage.content])).toEqual([
      ['bob', 'newest'],
      ['carol', 'newer'],
    ]);
  });
});

describe('paging and catch-up', () => {
  function history(n: number, peer = 'bob'): Message[] {
    return Array.from({ length: n }, (_, i) => (i % 2 ? chat(ME, peer, `m${i}`) : chat(peer, ME, `m${i}`, { isRead: true })));
  }

  test('scrolling up loads the page before the oldest shown, until there is none', async () => {
    const { store, rest } = setup();
    rest.messages = history(70);
    store.openChat('bob');
    await flush();
    expect(texts(store, 'bob')).toHaveLength(30);
    expect(store.thread('bob').hasMoreBefore).toBe(true);
    expect(await store.loadOlder('bob')).toBe(true);
    expect(await store.loadOlder('bob')).toBe(true);
    expect(texts(store, 'bob')).toEqual(rest.messages.map((m) => m.content));
    expect(store.thread('bob').hasMoreBefore).toBe(false);
    expect(await store.loadOlder('bob')).toBe(false);
    const befores = rest.callsTo('history').map((c) => (c as { before?: string }).before);
    expect(befores).toEqual([undefined, rest.messages[40]!.id, rest.messages[10]!.id]);
  });

  test('after a reconnect each open conversation is fetched after= its newest message; nothing missing, nothing twice', async () => {
    const { store, rest } = setup();
    rest.messages = history(5);
    store.openChat('bob');
    await flush();
    const newestBefore = store.thread('bob').items.at(-1)!.id;

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
    expect(texts(store, 'bob').slice(-4)).toEqual(['missed 1', 'missed 2', 'missed 3', 'live']);
    expect(new Set(store.thread('bob').items.map((m) => m.id)).size).toBe(store.thread('bob').items.length);
  });

  test('a long absence is caught up page by page', async () => {
    const { store, rest } = setup();
    rest.messages = history(2);
    store.openChat('bob');
    await flush();
    rest.messages.push(...Array.from({ length: 250 }, (_, i) => chat('bob', ME, `late ${i}`)));
    await store.onConnected();
    expect(texts(store, 'bob')).toHaveLength(252);
    expect(texts(store, 'bob').at(-1)).toBe('late 249');
  });

  test('pushes received before a chat was opened do not leave a gap in its history', async () => {
    const { store, rest } = setup();
    rest.messages = history(60);
    // One early push that is older than the latest page.
    store.handleFrame({ type: 'message', message: rest.messages[5]! });
    store.openChat('bob');
    await flush();
    const shown = texts(store, 'bob');
    expect(shown).toEqual(rest.messages.slice(30).map((m) => m.content));
    await store.loadOlder('bob');
    expect(texts(store, 'bob')).toEqual(rest.messages.map((m) => m.content));
  });

  test('sign-out resets everything', async () => {
    const { store } = setup();
    store.openChat('bob');
    store.handleFrame({ type: 'message', message: chat('carol', ME, 'x') });
    store.reset();
    expect(store.windows).toEqual([]);
    expect(store.chatUnread).toBe(0);
    expect(store.conversationList).toEqual([]);
    await flush();
  });
});

describe('counts fetched while pushes arrive', () => {
  test('a count answered before a pushed message was stored does not wipe that message from the badge', async () => {
    const { store, rest } = setup();
    rest.counts = { chat: 0, system: 0, total: 0 }; // what the server answers first: computed before bob's message
    const pending = store.refreshCounts();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'hi') }); // pushed while the request is in flight
    rest.counts = { chat: 1, system: 0, total: 1 }; // the server counts it now
    rest.friendList = [friend('bob', true, 1)];
    await pending;
    expect(store.chatUnread).toBe(1);
    expect(store.unreadOf('bob')).toBe(1);
    expect(rest.callsTo('unreadCount')).toHaveLength(2);
  });

  test('a push that arrives just after a count that already included it is counted once, after a re-check', async () => {
    const { store, rest } = setup();
    const m = chat('bob', ME, 'hi');
    // The server stored and counted bob's message before answering; its push arrives after the answer.
    rest.counts = { chat: 1, system: 0, total: 1 };
    rest.friendList = [friend('bob', true, 1)];
    rest.convs = [{ peerId: 'bob', lastMessage: m, unreadCount: 1, updatedAt: m.createdAt }];
    await store.refreshCounts();
    store.handleFrame({ type: 'message', message: m });
    expect(store.chatUnread).toBe(2); // for a moment: the push looks new
    await jest.advanceTimersByTimeAsync(RECONCILE_DELAY_MS);
    expect(rest.callsTo('unreadCount')).toHaveLength(2);
    expect(store.chatUnread).toBe(1);
    expect(store.unreadOf('bob')).toBe(1);
  });

  test('pushes long after the last count are counted here, with no extra request', async () => {
    const { store, rest } = setup();
    await store.refreshCounts();
    await jest.advanceTimersByTimeAsync(RECONCILE_WINDOW_MS + 1);
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'one') });
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'two') });
    await jest.advanceTimersByTimeAsync(RECONCILE_DELAY_MS * 2);
    expect(rest.callsTo('unreadCount')).toHaveLength(1);
    expect(store.chatUnread).toBe(2);
  });

  test('without changes meanwhile one request is enough', async () => {
    const { store, rest } = setup();
    rest.counts = { chat: 2, system: 0, total: 2 };
    await store.refreshCounts();
    expect(rest.callsTo('unreadCount')).toHaveLength(1);
    expect(store.chatUnread).toBe(2);
  });
});

test('NOT_FRIENDS (the friendship ended) reloads the friends list; a typing refusal shows no toast', async () => {
  const { store, rest, notices } = setup();
  rest.friendList = [friend('bob', true)];
  await store.refreshFriends();
  rest.friendList = [];
  store.handleFrame({ type: 'error', code: 'NOT_FRIENDS', message: 'not friends' });
  await flush();
  expect(store.friendList).toEqual([]);
  expect(notices).toEqual([]);
});

test('a message queued while disconnected stays "sending" (no false failure) until the socket is back', async () => {
  const { store, sent, setOpen } = setup({ open: false });
  const cmid = store.sendMessage('bob', 'queued')!;
  jest.advanceTimersByTime(ACK_TIMEOUT_MS * 3);
  expect(store.thread('bob').pending[0]!.status).toBe('sending');
  setOpen(true);
  await store.onConnected();
  expect(sent).toEqual([{ action: 'sendMessage', to: 'bob', content: 'queued', clientMessageId: cmid }]);
  jest.advanceTimersByTime(ACK_TIMEOUT_MS); // sent for real now, and no ack came
  expect(store.thread('bob').pending[0]!.status).toBe('failed');
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
  expect(texts(store, 'bob')).toEqual(['fixed']);
  expect(rest.callsTo('deleteMessage')).toEqual([m.id]);
  expect(rest.callsTo('unreadCount')).toEqual([]);
});

test('a history that fails to load says so and can be tried again', async () => {
  const { store, rest } = setup();
  rest.messages = [chat('bob', ME, 'hello')];
  rest.failNext = new Error('503');
  store.openChat('bob');
  await flush();
  expect(store.thread('bob').loadError).toBe(true);
  expect(store.thread('bob').loaded).toBe(false);
  await store.loadLatest('bob');
  expect(store.thread('bob').loadError).toBe(false);
  expect(texts(store, 'bob')).toEqual(['hello']);
});

test('the friends list says "loading" (not "no friends") until the server answered', async () => {
  const { store } = setup();
  expect(store.friendsLoaded).toBe(false);
  await store.refreshFriends();
  expect(store.friendsLoaded).toBe(true);
  store.reset();
  expect(store.friendsLoaded).toBe(false);
});

describe('"New messages" divider', () => {
  test('opening a chat with unread messages marks the first of them; replying or closing removes it', async () => {
    const { store, rest } = setup();
    const old = chat('bob', ME, 'old', { isRead: true });
    const n1 = chat('bob', ME, 'new 1');
    const n2 = chat('bob', ME, 'new 2');
    rest.messages = [old, n1, n2];
    store.openChat('bob');
    await flush();
    expect(store.thread('bob').newSince).toBe(n1.id);
    store.sendMessage('bob', 'reply');
    expect(store.thread('bob').newSince).toBeUndefined();

    store.minimizeChat('bob');
    const n3 = chat('bob', ME, 'while minimised');
    store.handleFrame({ type: 'message', message: n3 });
    store.toggleMinimize('bob'); // restore
    expect(store.thread('bob').newSince).toBe(n3.id);
    store.closeChat('bob');
    expect(store.thread('bob').newSince).toBeUndefined();
  });

  test('the window taking focus while its first page loads neither reads nor loses the unread (after signing in)', async () => {
    const { store, rest, sent } = setup();
    const old = chat('bob', ME, 'old', { isRead: true });
    const n1 = chat('bob', ME, 'new 1');
    const n2 = chat('bob', ME, 'new 2');
    rest.messages = [old, n1, n2];
    rest.friendList = [friend('bob', true, 2)];
    rest.counts = { chat: 2, system: 0, total: 2 };
    await store.refreshCounts();
    store.openChat('bob');
    store.focusChat('bob'); // the composer is focused as the window mounts, before the history answers
    expect(sent.filter((f) => f.action === 'markRead')).toEqual([]);
    await flush();
    expect(store.thread('bob').newSince).toBe(n1.id);
    expect(sent.filter((f) => f.action === 'markRead')).toEqual([{ action: 'markRead', peerId: 'bob' }]);
    expect(store.chatUnread).toBe(0);
  });

  test('more unread than a page: enough history is loaded to put the line at the first of them', async () => {
    const { store, rest } = setup();
    const read = Array.from({ length: 10 }, (_, i) => chat('bob', ME, `#${i + 1}`, { isRead: true }));
    const unread = Array.from({ length: 165 }, (_, i) => chat('bob', ME, `#${i + 11}`));
    rest.messages = [...read, ...unread];
    rest.friendList = [friend('bob', true, 165)];
    rest.counts = { chat: 165, system: 0, total: 165 };
    await store.refreshCounts();
    store.openChat('bob');
    await flush(40);
    expect(store.thread('bob').newSince).toBe(unread[0]!.id);
    // Pages of the contract's largest size, and a few read messages above the line for context.
    expect(rest.callsTo('history').map((q) => (q as { limit: number }).limit)).toEqual([100, 100]);
    expect(store.thread('bob').items.length).toBeGreaterThan(165);
  });

  test('messages arriving while I look at the chat get no divider', async () => {
    const { store } = setup();
    store.openChat('bob');
    await flush();
    store.handleFrame({ type: 'message', message: chat('bob', ME, 'live') });
    expect(store.thread('bob').newSince).toBeUndefined();
  });
});

test('friends named like Object.prototype members (__proto__, constructor, toString) are listed and named like anyone', async () => {
  const { store, rest } = setup();
  rest.friendList = ['__proto__', 'constructor', 'toString'].map((id) => ({ ...friend(id, true), name: `Name of ${id}` }));
  await store.refreshFriends();
  expect(store.friendList.map((f) => [f.userId, f.name])).toEqual(
    expect.arrayContaining([
      ['__proto__', 'Name of __proto__'],
      ['constructor', 'Name of constructor'],
      ['toString', 'Name of toString'],
    ]),
  );
  expect(store.friendList).toHaveLength(3);
  expect(store.nameOf('__proto__')).toBe('Name of __proto__');
  expect(store.nameOf('constructor')).toBe('Name of constructor');
  expect(store.nameOf('hasOwnProperty')).toBe('hasOwnProperty'); // not a friend: its id, never a function's text
  expect(store.unreadOf('valueOf')).toBe(0);
});

test('a friendship frame (created or removed) re-reads the friends list at once', async () => {
  const { store, rest } = setup();
  rest.friendList = [friend('bob', true)];
  await store.refreshFriends();
  rest.friendList = [friend('bob', true), friend('dave')];
  store.handleFrame({ type: 'friendship', userId: 'dave', status: 'created', name: 'Dave' });
  await flush();
  expect(store.friendList.map((f) => f.userId).sort()).toEqual(['bob', 'dave']);
  rest.friendList = [friend('dave')];
  store.handleFrame({ type: 'friendship', userId: 'bob', status: 'removed' });
  await flush();
  expect(store.friendList.map((f) => f.userId)).toEqual(['dave']);
});
