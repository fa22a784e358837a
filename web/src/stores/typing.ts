/** "… is typing": the peers typing to me now, and my own throttled `typing` frames. */
import { defineStore } from 'pinia';
import { reactive } from 'vue';
import { useChatStore } from './chat';
import { clear, dict } from './dict';

/** How long a `typing` frame shows "is typing…". */
export const TYPING_SHOW_MS = 5_000;
/** Send at most one `typing` frame per this interval. */
export const TYPING_THROTTLE_MS = 3_000;

export const useTypingStore = defineStore('typing', () => {
  const chat = useChatStore();
  /** Peers typing to me now (value: until when, epoch ms). */
  const until = reactive(dict<number>());
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let lastSent = new Map<string, number>();

  const isTyping = (peerId: string) => !!until[peerId];

  /** A `typing` frame. */
  function onTyping(from: string): void {
    until[from] = chat.now() + TYPING_SHOW_MS;
    const old = timers.get(from);
    if (old) clearTimeout(old);
    timers.set(
      from,
      setTimeout(() => stopped(from), TYPING_SHOW_MS),
    );
  }

  /** The peer is not typing any more (their message arrived, or the time is up). */
  function stopped(peerId: string): void {
    delete until[peerId];
    const t = timers.get(peerId);
    if (t) clearTimeout(t);
    timers.delete(peerId);
  }

  /** Tell the peer I'm typing, at most once per TYPING_THROTTLE_MS. */
  function typingTo(peerId: string): void {
    const last = lastSent.get(peerId) ?? -Infinity;
    if (chat.now() - last < TYPING_THROTTLE_MS) return;
    if (chat.deps().send({ action: 'typing', to: peerId })) lastSent.set(peerId, chat.now());
  }

  function reset(): void {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    lastSent = new Map();
    clear(until);
  }

  return { until, isTyping, onTyping, stopped, typingTo, reset };
});
