/**
 * Chat state: friends (presence, unread), conversations, message threads, the docked windows, typing and the chat
 * unread count. Frames and REST answers come in through actions; side effects go out through `ChatDeps`, so the
 * store is tested without a browser, a socket or Vue rendering.
 *
 * Invariants:
 *  - a thread holds each server message once (keyed by id, sorted by id = time); optimistic bubbles live in
 *    `pending` until their ack (or the same message from REST/another tab, matched by clientMessageId) replaces them;
 *  - `chatUnread` = the server's count, moved by what arrives / is read here, and reset from the server on (re)connect;
 *  - at most MAX_WINDOWS windows; opening another closes the least recently used.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { RestClient } from '../api/rest';
import { errorText } from '../lib/errors';
import { charCount, compareIds, newClientMessageId, preview } from '../lib/text';
import { usePresenceStore, type Presence } from './presence';
import { MAX_CONTENT_CHARS, type ClientFrame, type Conversation, type Friend, type Message, type ServerFrame, type UnreadCount } from '../types';

export const MAX_WINDOWS = 3;
/** A sent frame without an ack after this long is shown as failed (with retry). */
export const ACK_TIMEOUT_MS = 10_000;
/** How long a `typing` frame shows "is typing…". */
export const TYPING_SHOW_MS = 5_000;
/** Send at most one `typing` frame per this interval. */
export const TYPING_THROTTLE_MS = 3_000;
export const PAGE_SIZE = 30;
/** The contract's largest history page. */
const MAX_PAGE = 100;
/** Read messages shown above the "New messages" line when a chat opens with unread ones. */
const UNREAD_CONTEXT = 5;
/** More unread than one page: at most this many more pages are loaded to reach the first of them. */
const MAX_UNREAD_PAGES = 5;
const CATCH_UP_PAGE = 100;
const CATCH_UP_MAX_PAGES = 20;
const MAX_COUNT_ATTEMPTS = 3;
/** A push this soon after the server's counts were applied may already be in them: re-check (after a short delay). */
export const RECONCILE_WINDOW_MS = 5_000;
export const RECONCILE_DELAY_MS = 800;

export type MessageStatus = 'sending' | 'sent' | 'failed' | 'read';

export interface ChatItem extends Message {
  /** Mine: sending → sent → read, or failed. Theirs: sent. */
  status: MessageStatus;
  /** Why it failed, for the user. */
  error?: string;
  /** An optimistic bubble not acked yet. */
  local?: boolean;
}

export interface Thread {
  peerId: string;
  /** Server messages, oldest first, unique by id. */
  items: ChatItem[];
  /** My optimistic messages waiting for an ack (or failed), in send order. */
  pending: ChatItem[];
  loaded: boolean;
  loading: boolean;
  hasMoreBefore: boolean;
  loadingOlder: boolean;
  /** The last history request failed (the window offers to try again). */
  loadError?: boolean;
  /** A "New messages" divider goes before this message: the first one the user had not seen when they looked. */
  newSince?: string;
  /** Messages arrived (or were unread) while the user wasn't looking; the next read sets `newSince`. */
  unseen?: boolean;
  /** The peer has read my messages up to this id. */
  readUpTo?: string;
}

export interface ChatWindow {
  peerId: string;
  minimized: boolean;
  usedAt: number;
}

export interface ChatNotice {
  kind: 'chat' | 'error';
  title: string;
  body: string;
  peerId?: string;
  /** A chat notice: whether that chat's window is open (then no toast, but a desktop notification if hidden). */
  windowOpen?: boolean;
}

export interface ChatDeps {
  me: string;
  /** Send a frame on the socket; false when it is not open. */
  send(frame: ClientFrame): boolean;
  rest: Pick<RestClient, 'friends' | 'history' | 'conversations' | 'unreadCount' | 'markConversationRead' | 'deleteMessage'>;
  /** A toast / desktop notification (the UI decides how). */
  notify?(n: ChatNotice): void;
  /** Whether the page is visible to the user (document.visibilityState). */
  isVisible?(): boolean;
  now?(): number;
  newClientMessageId?(): string;
}

const noopRest: ChatDeps['rest'] = {
  friends: async () => ({ items: [] }),
  history: async () => ({ items: [], hasMore: false }),
  conversations: async () => ({ items: [], hasMore: false }),
  unreadCount: async () => ({ chat: 0, system: 0, total: 0 }),
  markConversationRead: async () => ({ updated: 0 }),
  deleteMessage: async () => undefined,
};

/**
 * A record keyed by user ids with no prototype: a user named "__proto__", "constructor" or "toString" is a key like
 * any other, never Object.prototype's member (`{}["constructor"]` is a function; `{}["__proto__"] = x` sets the
 * prototype instead of an entry).
 */
function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export const useChatStore = defineStore('chat', () => {
  const presence = usePresenceStore();
  let deps: ChatDeps = { me: '', send: () => false, rest: noopRest };
  const now = () => (deps.now ? deps.now() : Date.now());
  const ackTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  let lastTypingSent = new Map<string, number>();
  let usedClock = 0;
  const deletedIds = new Set<string>();
  /** Moves whenever an unread count changes here; see refreshCounts. */
  let countsEpoch = 0;
  /** When the server's counts were last applied, and the pending re-check (see onMessage). */
  let countsAt = Number.NEGATIVE_INFINITY;
  let reconcileTimer: ReturnType<typeof setTimeout> | undefined;

  const me = ref('');
  const friends = reactive(dict<Friend>());
  const names = reactive(dict<string>());
  const conversations = reactive(dict<Conversation>());
  const conversationsHasMore = ref(false);
  const conversationsLoaded = ref(false);
  const friendsLoaded = ref(false);
  const threads = reactive(dict<Thread>());
  const windows = ref<ChatWindow[]>([]);
  const unreadByPeer = reactive(dict<number>());
  const chatUnread = ref(0);
  /** Peers typing to me now (value: until when, epoch ms). */
  const typing = reactive(dict<number>());

  // ---------- derived ----------
  const friendList = computed(() =>
    Object.values(friends).sort((a, b) => Number(isOnline(b.userId)) - Number(isOnline(a.userId)) || a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId)),
  );
  const conversationList = computed(() => Object.values(conversations).sort((a, b) => compareIds(b.lastMessage.id, a.lastMessage.id)));
  const nameOf = (userId: string) => friends[userId]?.name ?? names[userId] ?? userId;
  /** Online as far as we know: never while our own socket is down (see stores/presence.ts). */
  const isOnline = (userId: string) => presence.known && (friends[userId]?.online ?? false);
  const presenceOf = (userId: string): Presence => (!presence.known ? 'unknown' : isOnline(userId) ? 'online' : 'offline');
  const unreadOf = (userId: string) => unreadByPeer[userId] ?? 0;
  const windowOf = (peerId: string) => windows.value.find((w) => w.peerId === peerId);
  /** The window shown full screen on a phone: the most recently used one that is not minimised. */
  const focusedPeer = computed(() => {
    const open = windows.value.filter((w) => !w.minimized).sort((a, b) => b.usedAt - a.usedAt);
    return open[0]?.peerId;
  });

  function attach(d: ChatDeps): void {
    deps = d;
    me.value = d.me;
  }

  function thread(peerId: string): Thread {
    let t = threads[peerId];
    if (!t) {
      threads[peerId] = { peerId, items: [], pending: [], loaded: false, loading: false, hasMoreBefore: false, loadingOlder: false };
      t = threads[peerId]!;
    }
    return t;
  }

  const peerOf = (m: Message) => (m.fromUserId === me.value ? m.toUserId : (m.fromUserId ?? m.toUserId));
  const isMine = (m: Message) => m.fromUserId === me.value;

  function statusOf(m: Message, t: Thread): MessageStatus {
    if (!isMine(m)) return 'sent';
    return m.isRead || (t.readUpTo !== undefined && compareIds(m.id, t.readUpTo) <= 0) ? 'read' : 'sent';
  }

  /**
   * Put a server message into its thread once. Replaces the optimistic bubble with the same clientMessageId.
   * Returns true when the message was new to this thread.
   */
  function upsert(m: Message): boolean {
    if (m.messageType !== 'CHAT') return false;
    const t = thread(peerOf(m));
    if (m.clientMessageId && isMine(m)) {
      const i = t.pending.findIndex((p) => p.clientMessageId === m.clientMessageId);
      if (i >= 0) {
        t.pending.splice(i, 1);
        clearAckTimer(m.clientMessageId);
      }
    }
    if (isMine(m) && m.isRead && (!t.readUpTo || compareIds(m.id, t.readUpTo) > 0)) t.readUpTo = m.id;
    const item: ChatItem = { ...m, status: statusOf(m, t) };
    // Binary search by id: the common case (a newer message) lands at the end.
    let lo = 0;
    let hi = t.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(t.items[mid]!.id, m.id) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (t.items[lo]?.id === m.id) {
      const existing = t.items[lo]!;
      // Keep what we know: read state only moves forward.
      t.items[lo] = { ...existing, ...item, isRead: existing.isRead || m.isRead, status: existing.status === 'read' ? 'read' : item.status };
      return false;
    }
    t.items.splice(lo, 0, item);
    return true;
  }

  function touchConversation(m: Message): void {
    const peerId = peerOf(m);
    const c = conversations[peerId];
    if (!c) {
      conversations[peerId] = { peerId, lastMessage: m, unreadCount: unreadOf(peerId), updatedAt: m.createdAt };
    } else if (compareIds(m.id, c.lastMessage.id) >= 0) {
      c.lastMessage = m;
      c.updatedAt = m.createdAt;
    }
  }

  function setUnread(peerId: string, n: number): void {
    const before = unreadOf(peerId);
    if (Math.max(0, n) !== before) countsEpoch++;
    unreadByPeer[peerId] = Math.max(0, n);
    chatUnread.value = Math.max(0, chatUnread.value + (unreadByPeer[peerId]! - before));
    if (friends[peerId]) friends[peerId]!.unreadCount = unreadByPeer[peerId]!;
    if (conversations[peerId]) conversations[peerId]!.unreadCount = unreadByPeer[peerId]!;
  }

  /** The user sees this conversation now: open, not minimised, page visible. */
  function isActive(peerId: string): boolean {
    const w = windowOf(peerId);
    return !!w && !w.minimized && (deps.isVisible ? deps.isVisible() : true);
  }

  // ---------- frames ----------
  function handleFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'ack':
        onAck(f.clientMessageId, f.message);
        break;
      case 'message':
        onMessage(f.message);
        break;
      case 'presence':
        onPresence(f.userId, f.online);
        break;
      case 'friendship':
        // A friendship was made or ended: the friends list (and presence) comes from the server again.
        void refreshFriends().catch(() => undefined);
        break;
      case 'read':
        onRead(f.by, f.upTo);
        break;
      case 'conversationRead':
        applyRead(f.peerId);
        break;
      case 'typing':
        onTyping(f.from);
        break;
      case 'messageDeleted':
        onDeleted(f.messageId, f.peerId);
        break;
      case 'error':
        onError(f.code, f.message, f.clientMessageId);
        break;
      default:
        break; // notification and pong belong elsewhere
    }
  }

  function onAck(clientMessageId: string, m: Message): void {
    clearAckTimer(clientMessageId);
    upsert({ ...m, clientMessageId: m.clientMessageId ?? clientMessageId });
    touchConversation(m);
  }

  function onMessage(m: Message): void {
    if (m.messageType !== 'CHAT') return;
    const isNew = upsert(m);
    touchConversation(m);
    if (!isNew || isMine(m)) return;
    const peerId = peerOf(m);
    clearTyping(peerId);
    if (isActive(peerId)) {
      markRead(peerId, true);
      return;
    }
    setUnread(peerId, unreadOf(peerId) + 1);
    // Counts answered just before this push may already include it (stored and counted, then pushed while the
    // answer travelled): so soon after a count, check with the server once the pushes of the moment are in.
    if (now() - countsAt < RECONCILE_WINDOW_MS) scheduleReconcile();
    thread(peerId).unseen = true;
    deps.notify?.({ kind: 'chat', title: nameOf(peerId), body: preview(m.content), peerId, windowOpen: !!windowOf(peerId) });
  }

  function onPresence(userId: string, online: boolean): void {
    const f = friends[userId];
    if (f) f.online = online;
    else if (online) void refreshFriends(); // a friend we don't know yet (a new friendship)
  }

  function onRead(by: string, upTo: string): void {
    const t = thread(by);
    if (!t.readUpTo || compareIds(upTo, t.readUpTo) > 0) t.readUpTo = upTo;
    for (const item of t.items) {
      if (isMine(item) && compareIds(item.id, upTo) <= 0 && item.status !== 'read') {
        item.isRead = true;
        item.status = 'read';
      }
    }
    const c = conversations[by];
    if (c && isMine(c.lastMessage) && compareIds(c.lastMessage.id, upTo) <= 0) c.lastMessage = { ...c.lastMessage, isRead: true };
  }

  function onTyping(from: string): void {
    typing[from] = now() + TYPING_SHOW_MS;
    const old = typingTimers.get(from);
    if (old) clearTimeout(old);
    typingTimers.set(
      from,
      setTimeout(() => clearTyping(from), TYPING_SHOW_MS),
    );
  }

  function clearTyping(peerId: string): void {
    delete typing[peerId];
    const t = typingTimers.get(peerId);
    if (t) clearTimeout(t);
    typingTimers.delete(peerId);
  }

  function onDeleted(messageId: string, peerId: string): void {
    // My own delete comes back as a messageDeleted frame too: handle each id once.
    if (deletedIds.has(messageId)) return;
    deletedIds.add(messageId);
    if (deletedIds.size > 500) deletedIds.delete(deletedIds.values().next().value!);
    const t = threads[peerId];
    const i = t ? t.items.findIndex((x) => x.id === messageId) : -1;
    const item = i >= 0 ? t!.items[i] : undefined;
    if (t && i >= 0) t.items.splice(i, 1);
    const c = conversations[peerId];
    if (c && c.lastMessage.id === messageId) {
      const prev = t?.items[t.items.length - 1];
      if (prev) c.lastMessage = prev;
      else delete conversations[peerId];
      void refreshConversations();
    }
    if (item && !isMine(item) && !item.isRead) setUnread(peerId, unreadOf(peerId) - 1);
    else if (!item) void refreshCounts();
  }

  function onError(code: string, message: string, clientMessageId?: string): void {
    if (clientMessageId) {
      for (const t of Object.values(threads)) {
        const p = t.pending.find((x) => x.clientMessageId === clientMessageId);
        if (p) {
          clearAckTimer(clientMessageId);
          p.status = 'failed';
          p.error = errorText(code, nameOf(t.peerId));
          if (code === 'NOT_FRIENDS') void refreshFriends().catch(() => undefined);
          return;
        }
      }
    }
    void message; // the server's text is for developers; the user gets a sentence for the code
    if (code === 'NOT_FRIENDS') {
      // A friendship ended (typing to an ex-friend): the friends list is out of date. No toast while typing.
      void refreshFriends().catch(() => undefined);
      return;
    }
    // Not tied to a bubble (a bad frame, a limit): tell the user briefly.
    deps.notify?.({ kind: 'error', title: code === 'RATE_LIMITED' ? 'Slow down' : 'Not done', body: errorText(code) });
  }

  // ---------- sending ----------
  /** Queue a message: an optimistic bubble now, the ack replaces it. Returns its clientMessageId. */
  function sendMessage(peerId: string, text: string): string | undefined {
    const content = text.trim();
    if (!content || charCount(content) > MAX_CONTENT_CHARS) return undefined;
    const cmid = deps.newClientMessageId ? deps.newClientMessageId() : newClientMessageId();
    const t = thread(peerId);
    t.newSince = undefined; // replying: the new ones have been seen
    t.pending.push({
      id: `local-${cmid}`,
      fromUserId: me.value,
      toUserId: peerId,
      messageType: 'CHAT',
      content,
      metadata: null,
      isRead: false,
      createdAt: new Date(now()).toISOString(),
      clientMessageId: cmid,
      status: 'sending',
      local: true,
    });
    touchWindow(peerId);
    transmit(t.pending[t.pending.length - 1]!);
    return cmid;
  }

  /** Send again with the SAME clientMessageId: the server stores it at most once. */
  function retry(peerId: string, clientMessageId: string): void {
    const p = threads[peerId]?.pending.find((x) => x.clientMessageId === clientMessageId);
    if (!p) return;
    p.status = 'sending';
    p.error = undefined;
    transmit(p);
  }

  /** Give up on a failed message (remove its bubble). */
  function discard(peerId: string, clientMessageId: string): void {
    const t = threads[peerId];
    if (!t) return;
    t.pending = t.pending.filter((x) => x.clientMessageId !== clientMessageId);
    clearAckTimer(clientMessageId);
  }

  function transmit(p: ChatItem): void {
    const cmid = p.clientMessageId!;
    clearAckTimer(cmid);
    // Not connected: it waits as "sending" (the top bar says why) and goes out when the socket reopens
    // (flushPending, same clientMessageId). The ack timer only runs for a frame that was actually sent.
    if (!deps.send({ action: 'sendMessage', to: p.toUserId, content: p.content, clientMessageId: cmid })) return;
    ackTimers.set(
      cmid,
      setTimeout(() => {
        ackTimers.delete(cmid);
        for (const t of Object.values(threads)) {
          const q = t.pending.find((x) => x.clientMessageId === cmid);
          if (q && q.status === 'sending') {
            q.status = 'failed';
            q.error = errorText('TIMEOUT');
          }
        }
      }, ACK_TIMEOUT_MS),
    );
  }

  function clearAckTimer(cmid: string): void {
    const t = ackTimers.get(cmid);
    if (t) clearTimeout(t);
    ackTimers.delete(cmid);
  }

  /** After a (re)connect: send again what is still waiting (same clientMessageIds). */
  function flushPending(): void {
    for (const t of Object.values(threads)) for (const p of t.pending) if (p.status === 'sending') transmit(p);
  }

  /** Tell the peer I'm typing, at most once per TYPING_THROTTLE_MS. */
  function typingTo(peerId: string): void {
    const last = lastTypingSent.get(peerId) ?? -Infinity;
    if (now() - last < TYPING_THROTTLE_MS) return;
    if (deps.send({ action: 'typing', to: peerId })) lastTypingSent.set(peerId, now());
  }

  async function deleteMessage(peerId: string, messageId: string): Promise<void> {
    await deps.rest.deleteMessage(messageId);
    onDeleted(messageId, peerId);
  }

  // ---------- read state ----------
  function applyRead(peerId: string): void {
    setUnread(peerId, 0);
    const t = threads[peerId];
    if (t) {
      const firstUnread = t.items.find((item) => !isMine(item) && !item.isRead);
      if (t.unseen && !t.newSince && firstUnread) t.newSince = firstUnread.id;
      t.unseen = false;
      for (const item of t.items) if (!isMine(item) && !item.isRead) item.isRead = true;
    }
    const c = conversations[peerId];
    if (c && !isMine(c.lastMessage) && !c.lastMessage.isRead) c.lastMessage = { ...c.lastMessage, isRead: true };
  }

  /** Mark a conversation read (frame when connected, REST otherwise). `force`: even if nothing looks unread here. */
  function markRead(peerId: string, force = false): void {
    const t = threads[peerId];
    // Its first page is on its way (and is marked read when it lands): reading now would clear the unread state
    // the "New messages" line is placed by, and could make that page come back already read.
    if (t?.loading && !t.loaded) return;
    const hasUnread = unreadOf(peerId) > 0 || !!t?.items.some((x) => !isMine(x) && !x.isRead);
    if (!hasUnread && !force) {
      if (t && isActive(peerId)) t.unseen = false; // looked at, nothing new: no divider for what comes next
      return;
    }
    applyRead(peerId);
    if (!deps.send({ action: 'markRead', peerId })) void deps.rest.markConversationRead(peerId).catch(() => undefined);
  }

  /** The page became visible: what the user now sees is read. */
  function onVisible(): void {
    for (const w of windows.value) if (!w.minimized) markRead(w.peerId);
  }

  // ---------- windows ----------
  function touchWindow(peerId: string): void {
    const w = windowOf(peerId);
    if (w) w.usedAt = ++usedClock;
  }

  /** Open (or restore and focus) a chat window; a 4th closes the least recently used. */
  function openChat(peerId: string): void {
    if (!isActive(peerId)) thread(peerId).unseen = true; // what is unread now was not seen: it gets the divider
    const w = windowOf(peerId);
    if (w) {
      w.minimized = false;
      w.usedAt = ++usedClock;
    } else {
      if (windows.value.length >= MAX_WINDOWS) {
        const lru = [...windows.value].sort((a, b) => a.usedAt - b.usedAt)[0]!;
        windows.value = windows.value.filter((x) => x !== lru);
      }
      windows.value.push({ peerId, minimized: false, usedAt: ++usedClock });
    }
    const t = thread(peerId);
    if (!t.loaded) void loadUnread(peerId, unreadOf(peerId)).then(() => isActive(peerId) && markRead(peerId), () => undefined);
    else markRead(peerId);
  }

  /** The user focused a window (clicked, typed): it is the most recently used and its messages are read. */
  function focusChat(peerId: string): void {
    touchWindow(peerId);
    if (isActive(peerId)) markRead(peerId);
  }

  function minimizeChat(peerId: string): void {
    const w = windowOf(peerId);
    if (w) w.minimized = true;
  }

  function toggleMinimize(peerId: string): void {
    const w = windowOf(peerId);
    if (!w) return;
    if (w.minimized) openChat(peerId);
    else w.minimized = true;
  }

  function closeChat(peerId: string): void {
    windows.value = windows.value.filter((w) => w.peerId !== peerId);
    const t = threads[peerId];
    if (t) t.newSince = undefined;
  }

  // ---------- loading ----------
  /**
   * The first load of a thread with `unread` messages waiting: enough history to hold the first unread one (plus a
   * little before it), so the window can open at the "New messages" line rather than somewhere below it.
   */
  async function loadUnread(peerId: string, unread: number): Promise<void> {
    await loadLatest(peerId, Math.min(MAX_PAGE, Math.max(PAGE_SIZE, unread + UNREAD_CONTEXT)));
    const t = thread(peerId);
    const unreadHeld = () => t.items.filter((x) => !isMine(x) && !x.isRead).length;
    for (let i = 0; i < MAX_UNREAD_PAGES && unreadHeld() < unread && t.hasMoreBefore; i++) {
      if (!(await loadOlder(peerId, MAX_PAGE))) break;
    }
  }

  async function loadLatest(peerId: string, limit = PAGE_SIZE): Promise<void> {
    const t = thread(peerId);
    if (t.loading) return;
    t.loading = true;
    t.loadError = false;
    try {
      const page = await deps.rest.history(peerId, { limit });
      // Messages pushed before the thread was loaded and older than this page could sit across a gap of unseen
      // history: drop them; scrolling up loads them again in order.
      const oldest = page.items[0];
      if (page.hasMore && oldest) t.items = t.items.filter((x) => compareIds(x.id, oldest.id) >= 0);
      for (const m of page.items) upsert(m);
      t.hasMoreBefore = page.hasMore;
      t.loaded = true;
    } catch (err) {
      t.loadError = true;
      throw err;
    } finally {
      t.loading = false;
    }
  }

  /** Scrolled to the top: the page before the oldest message shown. */
  async function loadOlder(peerId: string, limit = PAGE_SIZE): Promise<boolean> {
    const t = thread(peerId);
    if (!t.loaded || !t.hasMoreBefore || t.loadingOlder || !t.items.length) return false;
    t.loadingOlder = true;
    t.loadError = false;
    try {
      const page = await deps.rest.history(peerId, { limit, before: t.items[0]!.id });
      for (const m of page.items) upsert(m);
      t.hasMoreBefore = page.hasMore;
      return page.items.length > 0;
    } catch {
      t.loadError = true;
      return false;
    } finally {
      t.loadingOlder = false;
    }
  }

  /**
   * Everything newer than `after` (default: the newest message we hold), page by page. The caller takes the cursor
   * synchronously when the socket opens, before any pushed frame can move the end of the thread past a gap.
   */
  async function catchUp(peerId: string, after?: string): Promise<void> {
    const t = thread(peerId);
    let cursor = after ?? t.items[t.items.length - 1]?.id;
    if (!t.loaded || !cursor) return loadLatest(peerId);
    for (let i = 0; i < CATCH_UP_MAX_PAGES; i++) {
      const page = await deps.rest.history(peerId, { limit: CATCH_UP_PAGE, after: cursor });
      for (const m of page.items) {
        upsert(m);
        touchConversation(m);
      }
      if (!page.hasMore || !page.items.length) return;
      cursor = page.items[page.items.length - 1]!.id;
    }
  }

  async function refreshFriends(): Promise<void> {
    const { items } = await deps.rest.friends();
    for (const id of Object.keys(friends)) if (!items.some((f) => f.userId === id)) delete friends[id];
    for (const f of items) {
      friends[f.userId] = { ...f };
      names[f.userId] = f.name;
    }
    friendsLoaded.value = true;
  }

  async function refreshConversations(): Promise<void> {
    const page = await deps.rest.conversations({ limit: 50 });
    for (const id of Object.keys(conversations)) delete conversations[id];
    for (const c of page.items) conversations[c.peerId] = { ...c };
    conversationsHasMore.value = page.hasMore;
    conversationsLoaded.value = true;
  }

  async function loadMoreConversations(): Promise<void> {
    const last = conversationList.value[conversationList.value.length - 1];
    if (!last || !conversationsHasMore.value) return;
    const page = await deps.rest.conversations({ limit: 50, before: last.lastMessage.id });
    for (const c of page.items) if (!conversations[c.peerId]) conversations[c.peerId] = { ...c };
    conversationsHasMore.value = page.hasMore;
  }

  /** Unread counts from the server: the total, and per peer from the friend and conversation lists. */
  function applyCounts(counts: UnreadCount): void {
    const perPeer = dict<number>();
    for (const c of Object.values(conversations)) perPeer[c.peerId] = c.unreadCount;
    for (const f of Object.values(friends)) perPeer[f.userId] = f.unreadCount;
    for (const id of Object.keys(unreadByPeer)) if (!(id in perPeer)) delete unreadByPeer[id];
    Object.assign(unreadByPeer, perPeer);
    chatUnread.value = counts.chat;
    countsAt = now();
  }

  function scheduleReconcile(): void {
    if (reconcileTimer) return;
    reconcileTimer = setTimeout(() => {
      reconcileTimer = undefined;
      void refreshCounts().catch(() => undefined);
    }, RECONCILE_DELAY_MS);
  }

  /**
   * Fresh counts from the server. A count that changed here while the request was in flight (a pushed message,
   * a read in another tab) may or may not be in the answer, so such an answer is not trusted: ask again (a few
   * times at most; the last answer wins).
   */
  async function refreshCounts(): Promise<UnreadCount> {
    for (let attempt = 1; ; attempt++) {
      const epoch = countsEpoch;
      const [counts] = await Promise.all([deps.rest.unreadCount(), refreshFriends(), refreshConversations()]);
      if (epoch === countsEpoch || attempt >= MAX_COUNT_ATTEMPTS) {
        applyCounts(counts);
        return counts;
      }
    }
  }

  /**
   * The socket (re)opened. Resend what waits for an ack, fetch what arrived while we were away for every loaded
   * thread (`after=` the newest id we hold; upsert dedupes), and take fresh counts and presence from the server.
   * Returns the counts so the caller can hand the system count to the notification store.
   */
  async function onConnected(): Promise<UnreadCount> {
    // Cursors first, synchronously: frames pushed from now on must not hide a gap.
    const cursors = Object.values(threads)
      .filter((t) => t.loaded || windowOf(t.peerId))
      .map((t) => [t.peerId, t.loaded ? t.items[t.items.length - 1]?.id : undefined] as const);
    flushPending();
    const presenceRead = presence.rereading();
    const [counts] = await Promise.all([refreshCounts().then((c) => (presenceRead(), c)), ...cursors.map(([peer, after]) => catchUp(peer, after).catch(() => undefined))]);
    for (const w of windows.value) if (isActive(w.peerId)) markRead(w.peerId);
    return counts;
  }

  function reset(): void {
    presence.lost();
    clearTimeout(reconcileTimer);
    reconcileTimer = undefined;
    countsAt = Number.NEGATIVE_INFINITY;
    for (const t of ackTimers.values()) clearTimeout(t);
    for (const t of typingTimers.values()) clearTimeout(t);
    ackTimers.clear();
    typingTimers.clear();
    lastTypingSent = new Map();
    for (const rec of [friends, names, conversations, threads, unreadByPeer, typing] as Record<string, unknown>[]) for (const k of Object.keys(rec)) delete rec[k];
    windows.value = [];
    chatUnread.value = 0;
    conversationsLoaded.value = false;
    friendsLoaded.value = false;
  }

  return {
    me,
    friends,
    conversations,
    conversationsHasMore,
    conversationsLoaded,
    friendsLoaded,
    threads,
    windows,
    unreadByPeer,
    chatUnread,
    typing,
    friendList,
    conversationList,
    focusedPeer,
    nameOf,
    isOnline,
    presenceOf,
    unreadOf,
    windowOf,
    isMine,
    attach,
    thread,
    handleFrame,
    sendMessage,
    retry,
    discard,
    typingTo,
    deleteMessage,
    markRead,
    onVisible,
    openChat,
    focusChat,
    minimizeChat,
    toggleMinimize,
    closeChat,
    loadLatest,
    loadOlder,
    catchUp,
    refreshFriends,
    refreshConversations,
    loadMoreConversations,
    refreshCounts,
    applyCounts,
    onConnected,
    reset,
  };
});
