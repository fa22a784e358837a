/**
 * The chat stores without a browser: a fresh Pinia, the chat store attached to a fake REST client and a fake socket
 * the test opens and closes, and the stores it holds the state in. Frames go in through the chat store, as the
 * session sends them.
 */
import { createPinia, setActivePinia } from 'pinia';
import { useChatStore, type ChatNotice } from '../../web/src/stores/chat';
import { useConversationsStore } from '../../web/src/stores/conversations';
import { useFriendsStore } from '../../web/src/stores/friends';
import { useOutboxStore } from '../../web/src/stores/outbox';
import { shownItems, useThreadsStore } from '../../web/src/stores/threads';
import { useTypingStore } from '../../web/src/stores/typing';
import { useUnreadStore } from '../../web/src/stores/unread';
import type { ClientFrame, Friend } from '../../web/src/types';
import { FakeRest } from './fakes';

export const ME = 'alice';

export function setup(opts: { visible?: boolean; open?: boolean; keepSessionStorage?: boolean } = {}) {
  // The dock is kept in sessionStorage across a reload: each test starts a new tab unless it models a reload.
  if (!opts.keepSessionStorage) sessionStorage.clear();
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
    threads: useThreadsStore(),
    outbox: useOutboxStore(),
    unread: useUnreadStore(),
    friends: useFriendsStore(),
    conversations: useConversationsStore(),
    typing: useTypingStore(),
    rest,
    sent,
    notices,
    setOpen: (v: boolean) => (open = v),
    setVisible: (v: boolean) => (visible = v),
  };
}

export const friend = (userId: string, online = false, unreadCount = 0): Friend => ({ userId, name: userId[0]!.toUpperCase() + userId.slice(1), online, unreadCount });

/** What a chat window shows for `peer`: the server's messages with my pending ones where they were written. */
export const texts = (peer: string) => {
  const t = useThreadsStore().thread(peer);
  return shownItems(t.items, t.pending).map((m) => m.content);
};
