/**
 * The chat's front door: the session attaches its side effects here (`ChatDeps`), every chat frame comes in through
 * `handleFrame`, and the docked windows (composables/useDock.ts) are opened, minimised and closed here. The state
 * lives in smaller stores that call each other:
 *
 *  - friends.ts — the friends list, names, presence;
 *  - conversations.ts — the conversation list (newest message per peer);
 *  - threads.ts — messages per peer: acks, history paging, catch-up, receipts;
 *  - outbox.ts — my messages on their way: send, ack timeout, retry, discard;
 *  - unread.ts — the unread count (its one source) and marking read;
 *  - typing.ts — "is typing…" both ways.
 *
 * Side effects go out through `ChatDeps`, so all of it is tested without a browser, a socket or Vue rendering.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { RestClient } from '../api/rest';
import { t as tr } from '../i18n';
import { errorText } from '../lib/errors';
import { messagePreview } from '../lib/media';
import { useDock, visibleWindowsFor, type SavedDock } from '../composables/useDock';
import { useConversationsStore } from './conversations';
import { useFriendsStore } from './friends';
import { useOutboxStore } from './outbox';
import { usePresenceStore } from './presence';
import { useThreadsStore } from './threads';
import { useTypingStore } from './typing';
import { useUnreadStore } from './unread';
import { useUploadsStore } from './uploads';
import { useDraftsStore } from './drafts';
import type { ClientFrame, Message, ServerFrame, UnreadCounts } from '../types';

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

export const useChatStore = defineStore('chat', () => {
  const presence = usePresenceStore();
  const friends = useFriendsStore();
  const conversations = useConversationsStore();
  const threads = useThreadsStore();
  const outbox = useOutboxStore();
  const unread = useUnreadStore();
  const typing = useTypingStore();
  // How many windows the dock shows follows the viewport's width (useDock.ts visibleWindowsFor is the one rule).
  const viewportWidth = ref(typeof window === 'undefined' ? 1280 : window.innerWidth);
  if (typeof window !== 'undefined') window.addEventListener('resize', () => (viewportWidth.value = window.innerWidth));
  const dock = useDock(() => visibleWindowsFor(viewportWidth.value));
  let current: ChatDeps = { me: '', send: () => false, rest: noopRest };
  const deletedIds = new Set<string>();

  const me = ref('');
  const deps = () => current;
  const now = () => (current.now ? current.now() : Date.now());
  const isMine = (m: Message) => m.fromUserId === me.value;
  const peerOf = (m: Message) => (m.fromUserId === me.value ? m.toUserId : (m.fromUserId ?? m.toUserId));
  const nameOf = (userId: string) => friends.nameOf(userId);

  function attach(d: ChatDeps): void {
    current = d;
    me.value = d.me;
    dockRestored = false;
  }

  /** The user sees this conversation now: shown in the dock (not in its overflow), not minimised, page visible. */
  function isActive(peerId: string): boolean {
    const w = dock.windowOf(peerId);
    return !!w && dock.isShown(peerId) && !w.minimized && (current.isVisible ? current.isVisible() : true);
  }

  // ---------- the dock across a reload ----------
  // Open and minimised chats are kept per tab (sessionStorage) and per signed-in user, and put back once the
  // friends list has been read (a chat with someone who is no longer a friend is not reopened).
  let dockRestored = false;
  const dockKey = () => `parley.dock.${me.value}`;
  function storage(): Storage | undefined {
    try {
      return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
    } catch {
      return undefined;
    }
  }
  function restoreDock(): void {
    if (dockRestored || !me.value) return;
    dockRestored = true;
    let saved: SavedDock | undefined;
    try {
      saved = JSON.parse(storage()?.getItem(dockKey()) ?? 'null') as SavedDock | undefined;
    } catch {
      saved = undefined;
    }
    if (!saved || !Array.isArray(saved.windows)) return;
    dock.restore(
      { windows: saved.windows.filter((w) => w && typeof w.peerId === 'string') },
      (peerId) => friends.isFriend(peerId),
    );
    for (const w of dock.windows.value) {
      const t = threads.thread(w.peerId);
      t.unseen = true; // as when opened: what is unread gets the "New messages" line once the window is read
      if (!t.loaded && !t.loading) void threads.loadUnread(w.peerId, unread.of(w.peerId)).then(() => isActive(w.peerId) && unread.markRead(w.peerId), () => undefined);
    }
  }
  watch(() => friends.loaded, (loaded) => loaded && restoreDock());
  watch(
    () => dock.save(),
    (saved) => {
      if (!dockRestored || !me.value) return;
      try {
        storage()?.setItem(dockKey(), JSON.stringify(saved));
      } catch {
        // storage full or refused: the dock just won't survive a reload
      }
    },
    { deep: true },
  );

  // ---------- frames ----------
  function handleFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'ack':
        threads.onAck(f.clientMessageId, f.message);
        break;
      case 'message':
        onMessage(f.message);
        break;
      case 'presence':
        friends.onPresence(f.userId, f.online);
        break;
      case 'friendship':
        // A friendship was made or ended: the friends list (and presence) comes from the server again.
        void friends.refresh().catch(() => undefined);
        break;
      case 'read':
        threads.peerRead(f.by, f.upTo);
        conversations.peerRead(f.by, f.upTo);
        break;
      case 'conversationRead':
        unread.applyRead(f.peerId);
        break;
      case 'typing':
        typing.onTyping(f.from);
        break;
      case 'messageDeleted':
        onDeleted(f.messageId, f.peerId);
        break;
      case 'error':
        onError(f.code, f.message, f.clientMessageId);
        break;
      case 'attachment':
        useUploadsStore().onStatus(f.attachmentId, f.status, f.status === 'rejected' ? f.reason : undefined);
        break;
      default:
        break; // notification and pong belong elsewhere
    }
  }

  function onMessage(m: Message): void {
    if (m.messageType !== 'CHAT') return;
    const isNew = threads.upsert(m);
    conversations.touch(m);
    if (!isNew || isMine(m)) return;
    const peerId = peerOf(m);
    typing.stopped(peerId);
    if (isActive(peerId)) {
      unread.markRead(peerId, true);
      return;
    }
    unread.arrived(peerId);
    threads.thread(peerId).unseen = true;
    current.notify?.({ kind: 'chat', title: nameOf(peerId), body: messagePreview(m), peerId, windowOpen: dock.isShown(peerId) });
  }

  function onDeleted(messageId: string, peerId: string): void {
    // My own delete comes back as a messageDeleted frame too: handle each id once.
    if (deletedIds.has(messageId)) return;
    deletedIds.add(messageId);
    if (deletedIds.size > 500) deletedIds.delete(deletedIds.values().next().value!);
    const { item, newest } = threads.remove(peerId, messageId);
    conversations.deleted(peerId, messageId, newest);
    unread.deleted(peerId, item ? !isMine(item) && !item.isRead : undefined);
  }

  function onError(code: string, message: string, clientMessageId?: string): void {
    const bubble = !!clientMessageId && outbox.sendFailed(clientMessageId, code);
    void message; // the server's text is for developers; the user gets a sentence for the code
    if (code === 'NOT_FRIENDS') {
      // A friendship ended (a send or typing to an ex-friend): the friends list is out of date. No toast.
      void friends.refresh().catch(() => undefined);
      return;
    }
    // Not tied to a bubble (a bad frame, a limit): tell the user briefly.
    if (!bubble) current.notify?.({ kind: 'error', title: code === 'RATE_LIMITED' ? tr('common.slowDown') : tr('common.notDone'), body: errorText(code) });
  }

  async function deleteMessage(peerId: string, messageId: string): Promise<void> {
    await current.rest.deleteMessage(messageId);
    onDeleted(messageId, peerId);
  }

  // ---------- windows ----------
  /**
   * Open (or restore and focus) a chat window; it is shown, and the least recently used shown one moves to the
   * dock's overflow. Its messages are read.
   */
  function openChat(peerId: string): void {
    if (!isActive(peerId)) threads.thread(peerId).unseen = true; // what is unread now was not seen: it gets the divider
    dock.open(peerId);
    const t = threads.thread(peerId);
    if (!t.loaded) void threads.loadUnread(peerId, unread.of(peerId)).then(() => isActive(peerId) && unread.markRead(peerId), () => undefined);
    else unread.markRead(peerId);
  }

  /** The user focused a window (clicked, typed): it is the most recently used and its messages are read. */
  function focusChat(peerId: string): void {
    dock.touch(peerId);
    if (isActive(peerId)) unread.markRead(peerId);
  }

  function toggleMinimize(peerId: string): void {
    const w = dock.windowOf(peerId);
    if (!w) return;
    if (w.minimized || !dock.isShown(peerId)) openChat(peerId);
    else w.minimized = true;
  }

  function closeChat(peerId: string): void {
    dock.close(peerId);
    const t = threads.threads[peerId];
    if (t) t.newSince = undefined;
  }

  /** The page became visible: what the user now sees is read. */
  function onVisible(): void {
    for (const w of dock.windows.value) if (!w.minimized && dock.isShown(w.peerId)) unread.markRead(w.peerId);
  }

  // ---------- connection ----------
  /**
   * The socket (re)opened. Resend what waits for an ack, fetch what arrived while we were away for every loaded
   * thread (`after=` the newest id we hold; upsert dedupes), and take fresh counts and presence from the server.
   * Returns the counts so the caller can hand the system count to the notification store.
   */
  async function onConnected(): Promise<UnreadCounts> {
    // Cursors first, synchronously: frames pushed from now on must not hide a gap.
    const cursors = Object.values(threads.threads)
      .filter((t) => t.loaded || dock.windowOf(t.peerId))
      .map((t) => [t.peerId, t.loaded ? t.items[t.items.length - 1]?.id : undefined] as const);
    outbox.flushPending();
    void useUploadsStore().recheck(); // an `attachment` frame may have been missed while away
    unread.reconnected();
    const presenceRead = presence.rereading();
    const [counts] = await Promise.all([
      unread.refreshCounts().then((c) => (presenceRead(), c)),
      ...cursors.map(([peer, after]) => threads.catchUp(peer, after).catch(() => undefined)),
    ]);
    for (const w of dock.windows.value) if (isActive(w.peerId)) unread.markRead(w.peerId);
    return counts;
  }

  /** Signed out: nothing of this user's chat stays. */
  function reset(): void {
    presence.lost();
    unread.reset();
    typing.reset();
    outbox.reset();
    useUploadsStore().reset();
    useDraftsStore().reset();
    threads.reset();
    friends.reset();
    conversations.reset();
    if (me.value) storage()?.removeItem(dockKey());
    dockRestored = false;
    dock.reset();
  }

  return {
    me,
    windows: dock.windows,
    /** The windows shown in the dock (the rest are in its overflow menu). */
    shownWindows: dock.shown,
    overflowWindows: dock.overflow,
    isShown: dock.isShown,
    focusedPeer: dock.focusedPeer,
    anyWindowOpen: dock.anyOpen,
    windowOf: dock.windowOf,
    deps,
    now,
    isMine,
    peerOf,
    nameOf,
    isActive,
    attach,
    handleFrame,
    deleteMessage,
    openChat,
    focusChat,
    touchWindow: dock.touch,
    minimizeChat: dock.minimize,
    toggleMinimize,
    closeChat,
    onVisible,
    onConnected,
    /** For the session: the friends list over REST (a new-friend notification). */
    refreshFriends: () => friends.refresh(),
    /** For the session: counts over REST when the socket can't open soon. */
    refreshCounts: () => unread.refreshCounts(),
    reset,
  };
});
