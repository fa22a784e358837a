/**
 * The conversation list: one entry per peer with its newest message, most recent first. Fed by the server's list
 * (first page on every count refresh, older pages on demand) and moved by every message that arrives here. The
 * unread badge of an entry is derived from the unread store, never kept here.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { compareIds } from '../lib/text';
import { useChatStore } from './chat';
import { clear, dict } from './dict';
import { useUnreadStore } from './unread';
import type { ConversationSummary, Message } from '../types';

const PAGE = 50;

export const useConversationsStore = defineStore('conversations', () => {
  const chat = useChatStore();
  const unread = useUnreadStore();

  /** By peer, as the server listed them (their `unreadCount` is the server's: see `list` and `get`). */
  const byPeer = reactive(dict<ConversationSummary>());
  const hasMore = ref(false);
  const loaded = ref(false);

  const withUnread = (c: ConversationSummary): ConversationSummary => ({ ...c, unreadCount: unread.of(c.peerId) });
  /** Most recent first, each with its live unread count. */
  const list = computed(() =>
    Object.values(byPeer)
      .sort((a, b) => compareIds(b.lastMessage.id, a.lastMessage.id))
      .map(withUnread),
  );
  const get = (peerId: string): ConversationSummary | undefined => (byPeer[peerId] ? withUnread(byPeer[peerId]!) : undefined);

  /** A message of this conversation arrived (or was acked, or caught up): it may be the newest. */
  function touch(m: Message): void {
    const peerId = chat.peerOf(m);
    const c = byPeer[peerId];
    if (!c) byPeer[peerId] = { peerId, lastMessage: m, unreadCount: unread.of(peerId), updatedAt: m.createdAt };
    else if (compareIds(m.id, c.lastMessage.id) >= 0) {
      c.lastMessage = m;
      c.updatedAt = m.createdAt;
    }
  }

  /** The peer read my messages up to `upTo`: the preview's read state follows. */
  function peerRead(peerId: string, upTo: string): void {
    const c = byPeer[peerId];
    if (c && chat.isMine(c.lastMessage) && compareIds(c.lastMessage.id, upTo) <= 0) c.lastMessage = { ...c.lastMessage, isRead: true };
  }

  /** I read the conversation. */
  function readByMe(peerId: string): void {
    const c = byPeer[peerId];
    if (c && !chat.isMine(c.lastMessage) && !c.lastMessage.isRead) c.lastMessage = { ...c.lastMessage, isRead: true };
  }

  /**
   * A message was deleted. If it was the preview, the one before it (from the thread, if we hold it) takes its
   * place until the list is re-read from the server.
   */
  function deleted(peerId: string, messageId: string, previous: Message | undefined): void {
    const c = byPeer[peerId];
    if (!c || c.lastMessage.id !== messageId) return;
    if (previous) c.lastMessage = previous;
    else delete byPeer[peerId];
    void refresh();
  }

  async function refresh(): Promise<void> {
    const page = await chat.deps().rest.conversations({ limit: PAGE });
    clear(byPeer);
    for (const c of page.items) byPeer[c.peerId] = { ...c };
    hasMore.value = page.hasMore;
    loaded.value = true;
  }

  async function loadMore(): Promise<void> {
    const last = list.value[list.value.length - 1];
    if (!last || !hasMore.value) return;
    const page = await chat.deps().rest.conversations({ limit: PAGE, before: last.lastMessage.id });
    for (const c of page.items) if (!byPeer[c.peerId]) byPeer[c.peerId] = { ...c };
    hasMore.value = page.hasMore;
  }

  function reset(): void {
    clear(byPeer);
    loaded.value = false;
  }

  return { byPeer, hasMore, loaded, list, get, touch, peerRead, readByMe, deleted, refresh, loadMore, reset };
});
