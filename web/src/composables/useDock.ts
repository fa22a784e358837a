/**
 * The docked chat windows: which are open, which are minimised, and which was used last. At most MAX_WINDOWS;
 * opening another closes the least recently used. Pure window bookkeeping — what opening a chat means for its
 * thread and its unread count is the chat store's (which holds one dock, see stores/chat.ts).
 */
import { computed, ref } from 'vue';

export const MAX_WINDOWS = 3;

export interface ChatWindow {
  peerId: string;
  minimized: boolean;
  usedAt: number;
}

export function useDock() {
  const windows = ref<ChatWindow[]>([]);
  let usedClock = 0;

  const windowOf = (peerId: string) => windows.value.find((w) => w.peerId === peerId);
  /** The window shown full screen on a phone: the most recently used one that is not minimised. */
  const focusedPeer = computed(() => {
    const open = windows.value.filter((w) => !w.minimized).sort((a, b) => b.usedAt - a.usedAt);
    return open[0]?.peerId;
  });
  /** Some window is open and not minimised (the page leaves room for it). */
  const anyOpen = computed(() => windows.value.some((w) => !w.minimized));

  /** It is the most recently used window now. */
  function touch(peerId: string): void {
    const w = windowOf(peerId);
    if (w) w.usedAt = ++usedClock;
  }

  /** Open (or restore) a window and make it the most recently used; a 4th closes the least recently used. */
  function open(peerId: string): void {
    const w = windowOf(peerId);
    if (w) {
      w.minimized = false;
      w.usedAt = ++usedClock;
      return;
    }
    if (windows.value.length >= MAX_WINDOWS) {
      const lru = [...windows.value].sort((a, b) => a.usedAt - b.usedAt)[0]!;
      windows.value = windows.value.filter((x) => x !== lru);
    }
    windows.value.push({ peerId, minimized: false, usedAt: ++usedClock });
  }

  function minimize(peerId: string): void {
    const w = windowOf(peerId);
    if (w) w.minimized = true;
  }

  function close(peerId: string): void {
    windows.value = windows.value.filter((w) => w.peerId !== peerId);
  }

  function reset(): void {
    windows.value = [];
  }

  return { windows, windowOf, focusedPeer, anyOpen, touch, open, minimize, close, reset };
}
