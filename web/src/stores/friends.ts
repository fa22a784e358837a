/**
 * Friends: the list from the server (re-read on a friendship frame, on presence from someone we don't know yet,
 * and with every count refresh), names for everyone we have heard of, and presence as far as it can be trusted.
 * A friend's unread badge is not kept here: it is `useUnreadStore().of(id)`.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { useChatStore } from './chat';
import { clear, dict } from './dict';
import { usePresenceStore, type Presence } from './presence';
import type { Friend } from '../types';

export const useFriendsStore = defineStore('friends', () => {
  const presence = usePresenceStore();
  const chat = useChatStore();

  /** As the server last listed them (their `unreadCount` is the server's, read by the unread store's refresh). */
  const friends = reactive(dict<Friend>());
  const names = reactive(dict<string>());
  /** The server has answered at least once (until then the list says "Loading…", not "No friends"). */
  const loaded = ref(false);

  /** Online as far as we know: never while our own socket is down (see stores/presence.ts). */
  const isOnline = (userId: string) => presence.known && (friends[userId]?.online ?? false);
  const presenceOf = (userId: string): Presence => (!presence.known ? 'unknown' : isOnline(userId) ? 'online' : 'offline');
  const isFriend = (userId: string) => !!friends[userId];
  const nameOf = (userId: string) => friends[userId]?.name ?? names[userId] ?? userId;
  /** Online first, then by name. */
  const list = computed(() =>
    Object.values(friends).sort((a, b) => Number(isOnline(b.userId)) - Number(isOnline(a.userId)) || a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId)),
  );

  async function refresh(): Promise<void> {
    const { items } = await chat.deps().rest.friends();
    for (const id of Object.keys(friends)) if (!items.some((f) => f.userId === id)) delete friends[id];
    for (const f of items) {
      friends[f.userId] = { ...f };
      names[f.userId] = f.name;
    }
    loaded.value = true;
  }

  /** A `presence` frame. */
  function onPresence(userId: string, online: boolean): void {
    const f = friends[userId];
    if (f) f.online = online;
    else if (online) void refresh(); // a friend we don't know yet (a new friendship)
  }

  function reset(): void {
    clear(friends);
    clear(names);
    loaded.value = false;
  }

  return { friends, names, loaded, list, isOnline, presenceOf, isFriend, nameOf, refresh, onPresence, reset };
});
