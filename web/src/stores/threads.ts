/**
 * Message threads, one per peer: the server's messages once each (keyed by id, sorted by id = time) plus my
 * optimistic bubbles (`pending`, sent by stores/outbox.ts) until their ack — or the same message from REST or another
 * tab, matched by clientMessageId — replaces them. The ack, history paging, the catch-up after a reconnect, read
 * receipts and the "New messages" line's anchor.
 */
import { defineStore } from 'pinia';
import { reactive } from 'vue';
import { compareIds } from '../lib/text';
import { useChatStore } from './chat';
import { useConversationsStore } from './conversations';
import { clear, dict } from './dict';
import { useOutboxStore } from './outbox';
import { useUploadsStore } from './uploads';
import type { Message } from '../types';

export const PAGE_SIZE = 30;
/** The contract's largest history page. */
const MAX_PAGE = 100;
/** Read messages shown above the "New messages" line when a chat opens with unread ones. */
const UNREAD_CONTEXT = 5;
/** More unread than one page: at most this many more pages are loaded to reach the first of them. */
const MAX_UNREAD_PAGES = 5;
const CATCH_UP_PAGE = 100;
const CATCH_UP_MAX_PAGES = 20;

export type MessageStatus = 'sending' | 'sent' | 'failed' | 'read';

export interface ChatItem extends Message {
  /** Mine: sending → sent → read, or failed. Theirs: sent. */
  status: MessageStatus;
  /** Why it failed, for the user (in the locale of the moment it failed). */
  error?: string;
  /** The contract code it failed with: the bubble words it in the current locale (lib/errors.ts). */
  errorCode?: string;
  /** An optimistic bubble not acked yet. */
  local?: boolean;
  /** An optimistic bubble with images: its uploads (stores/uploads.ts); it is sent once they are all ready. */
  uploadKeys?: string[];
  /**
   * An optimistic bubble: the id of the newest server message in the thread when it was written ('' when the loaded
   * thread was empty; undefined when it had not loaded: then it stays last). It is shown right after that message,
   * so what arrives later goes below it.
   */
  after?: string;
}

/**
 * What a chat window shows: the server's messages (by id, i.e. by the server's time) with my unacknowledged ones
 * (sending or failed) each placed where it was written — after the newest message that was there when I wrote it,
 * in the order written. Messages that came later go below a failed one, as in Messenger or Slack; a retry is
 * written anew (stores/outbox.ts) and moves to the end.
 */
export function shownItems(items: ChatItem[], pending: ChatItem[]): ChatItem[] {
  if (!pending.length) return items;
  const out: ChatItem[] = [];
  let p = 0;
  // Pending ones in the order written; one without an anchor (written before the thread had loaded) goes last.
  const anchored = pending.filter((x) => x.after !== undefined);
  for (const item of items) {
    while (p < anchored.length && compareIds(anchored[p]!.after!, item.id) < 0) out.push(anchored[p++]!);
    out.push(item);
  }
  while (p < anchored.length) out.push(anchored[p++]!);
  return [...out, ...pending.filter((x) => x.after === undefined)];
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

export const useThreadsStore = defineStore('threads', () => {
  const chat = useChatStore();
  const conversations = useConversationsStore();
  const outbox = useOutboxStore();
  const threads = reactive(dict<Thread>());
  const isMine = (m: Message) => chat.isMine(m);

  function thread(peerId: string): Thread {
    let t = threads[peerId];
    if (!t) {
      threads[peerId] = { peerId, items: [], pending: [], loaded: false, loading: false, hasMoreBefore: false, loadingOlder: false };
      t = threads[peerId]!;
    }
    return t;
  }

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
    const t = thread(chat.peerOf(m));
    if (m.clientMessageId && isMine(m)) {
      const i = t.pending.findIndex((p) => p.clientMessageId === m.clientMessageId);
      if (i >= 0) {
        const [p] = t.pending.splice(i, 1);
        outbox.settled(m.clientMessageId);
        if (p!.uploadKeys) useUploadsStore().release(p!.uploadKeys); // the server's images replace the local ones
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

  /** An `ack` frame: the stored message replaces its optimistic bubble. */
  function onAck(clientMessageId: string, m: Message): void {
    outbox.settled(clientMessageId);
    upsert({ ...m, clientMessageId: m.clientMessageId ?? clientMessageId });
    conversations.touch(m);
  }

  /** A `read` frame: the peer has read my messages up to `upTo` (receipts only move forward). */
  function peerRead(peerId: string, upTo: string): void {
    const t = thread(peerId);
    if (!t.readUpTo || compareIds(upTo, t.readUpTo) > 0) t.readUpTo = upTo;
    for (const item of t.items) {
      if (isMine(item) && compareIds(item.id, upTo) <= 0 && item.status !== 'read') {
        item.isRead = true;
        item.status = 'read';
      }
    }
  }

  /** I read the conversation: what I had not seen gets the "New messages" line, and everything is read. */
  function readByMe(peerId: string): void {
    const t = threads[peerId];
    if (!t) return;
    const firstUnread = t.items.find((item) => !isMine(item) && !item.isRead);
    if (t.unseen && !t.newSince && firstUnread) t.newSince = firstUnread.id;
    t.unseen = false;
    for (const item of t.items) if (!isMine(item) && !item.isRead) item.isRead = true;
  }

  /** Take a deleted message out. Returns it (if held) and the newest message left. */
  function remove(peerId: string, messageId: string): { item?: ChatItem; newest?: ChatItem } {
    const t = threads[peerId];
    const i = t ? t.items.findIndex((x) => x.id === messageId) : -1;
    const item = i >= 0 ? t!.items[i] : undefined;
    if (t && i >= 0) t.items.splice(i, 1);
    return { item, newest: t?.items[t.items.length - 1] };
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
      const page = await chat.deps().rest.history(peerId, { limit });
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
      const page = await chat.deps().rest.history(peerId, { limit, before: t.items[0]!.id });
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
      const page = await chat.deps().rest.history(peerId, { limit: CATCH_UP_PAGE, after: cursor });
      for (const m of page.items) {
        upsert(m);
        conversations.touch(m);
      }
      if (!page.hasMore || !page.items.length) return;
      cursor = page.items[page.items.length - 1]!.id;
    }
  }

  function reset(): void {
    clear(threads);
  }

  return {
    threads,
    thread,
    upsert,
    onAck,
    peerRead,
    readByMe,
    remove,
    loadUnread,
    loadLatest,
    loadOlder,
    catchUp,
    reset,
  };
});
